"""Shared fixtures."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# No test reaches the internet, nor waits on a tile server's probe: web tiles are off unless
# a test points SEISVIZ_TILE_URL at the local `tile_server` below.
os.environ["SEISVIZ_TILE_URL"] = "off"


@pytest.fixture(scope="session")
def quick_model_dir(tmp_path_factory):
    """A folder with resnet18.pt + resnet18.json from `seisviz train --quick` (built once
    per test session, ~1 min on CPU). Tests never depend on the shipped weights/."""
    out = tmp_path_factory.mktemp("quick_model")
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("SEISVIZ_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "seisviz", "train", "--quick", "--data-version", "2",
                        "--out", str(out)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"seisviz train --quick failed:\n{r.stderr}"
    assert (out / "resnet18.pt").is_file() and (out / "resnet18.json").is_file()
    return out


@pytest.fixture(scope="session")
def tile_server():
    """A web-map tile server on 127.0.0.1 (tests never use the internet): every
    /z/x/y.png is a small PNG; -> (URL template, list of the paths served so far)."""
    import http.server
    import io
    import threading

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 220, 240)).save(buf, format="PNG")
    png, served = buf.getvalue(), []

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            parts = self.path.split("?")[0].strip("/").removesuffix(".png").split("/")
            if len(parts) != 3 or not all(p.isdigit() for p in parts):
                self.send_error(404)
                return
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png", served
    server.shutdown()
