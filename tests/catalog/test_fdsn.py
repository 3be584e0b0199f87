"""fetch_fdsn against a real loopback HTTP server speaking the FDSN event text format."""

import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from seisviz.catalog import load_catalog
from seisviz.errors import SeisvizError
from seisviz.catalog.fdsn import fetch_fdsn, parse_fdsn_text, service_url

ROOT = Path(__file__).resolve().parents[2]
HEADER = ("#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|"
          "MagType|Magnitude|MagAuthor|EventLocationName")
# one event a day at noon, 2020-01-01 .. 2020-01-30; event 10 has no magnitude
EVENTS = [(f"ev{d:02d}", pd.Timestamp(f"2020-01-{d:02d} 12:00", tz="UTC"), 28 + d / 100,
           104 + d / 100, 5.0, "" if d == 10 else f"{1 + d / 10:.1f}") for d in range(1, 31)]
MAX_SPAN = pd.Timedelta(days=10)  # longer requests are "too large": HTTP 413


def line(ev):
    eid, t, lat, lon, depth, mag = ev
    return (f"{eid}|{t:%Y-%m-%dT%H:%M:%S.%f}|{lat}|{lon}|{depth}|test|test|test|{eid}|ML|{mag}|"
            f"test|Sichuan, China")


class Handler(BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        Handler.requests.append(q)
        if url.path.startswith("/broken/"):
            return self.reply(400, "Error 400: Bad Request\n\nBad minmagnitude value: x\n")
        start = pd.Timestamp(q["starttime"], tz="UTC")
        end = pd.Timestamp(q["endtime"], tz="UTC")
        if end - start > MAX_SPAN:
            return self.reply(413, "Error 413: Request too large\n")
        found = [e for e in EVENTS if start <= e[1] <= end]  # both ends inclusive, like FDSN
        if "limit" in q:
            found = found[: int(q["limit"])]
        if not found:
            return self.reply(204, "")
        self.reply(200, "\n".join([HEADER] + [line(e) for e in found]) + "\n")

    def reply(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status != 204:
            self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/fdsnws/event/1/query"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def clear_requests():
    Handler.requests.clear()


def test_too_large_requests_are_halved_and_boundary_duplicates_dropped(server):
    catalog, report = fetch_fdsn(server, "2020-01-01", "2020-01-31")
    spans = [pd.Timestamp(q["endtime"]) - pd.Timestamp(q["starttime"]) for q in Handler.requests]
    # 30 days -> 413; 15 days -> 413; 7.5-day pages are answered
    assert spans[:3] == [pd.Timedelta(days=30), pd.Timedelta(days=15), pd.Timedelta(days=7.5)]
    assert len(Handler.requests) == 1 + 2 + 4
    assert all(q["format"] == "text" for q in Handler.requests)
    assert catalog["event_id"].tolist() == [f"ev{d:02d}" for d in range(1, 31) if d != 10]
    assert catalog["time"].is_monotonic_increasing
    assert str(catalog["time"].dtype) == "datetime64[us, UTC]"
    assert catalog.loc[0, "magnitude_type"] == "ML"
    # 2020-01-08 12:00 and 2020-01-23 12:00 lie on page boundaries: returned twice, kept once
    assert report.reason_counts() == {"duplicate": 2, "missing magnitude": 1}
    assert report.format == "fdsn" and report.n_kept == 29


def test_page_days_and_204_for_empty_pages(server):
    catalog, report = fetch_fdsn(server, "2019-12-01", "2020-01-05", page_days=5)
    assert len(Handler.requests) == 7  # 35 days in 5-day pages; the first six are empty (204)
    assert catalog["event_id"].tolist() == ["ev01", "ev02", "ev03", "ev04"]
    assert report.summary() == "kept 4 of 4 rows; dropped none"


def test_pages_that_hit_the_limit_are_split(server):
    catalog, _ = fetch_fdsn(server, "2020-01-01", "2020-01-09", limit=3,
                            bbox=(100, 110, 20, 40), min_magnitude=0.5)
    assert catalog["event_id"].tolist() == [f"ev{d:02d}" for d in range(1, 9)]
    assert len(Handler.requests) > 3
    first = Handler.requests[0]
    assert (first["limit"], first["minlongitude"], first["maxlatitude"], first["minmagnitude"]) == \
        ("3", "100", "40", "0.5")


def test_no_events_at_all(server):
    with pytest.raises(SeisvizError, match="no events between 2021-01-01T00:00:00 and"):
        fetch_fdsn(server, "2021-01-01", "2021-01-02")


def test_http_error_is_one_line_with_the_server_message(server):
    url = server.replace("/fdsnws/", "/broken/fdsnws/")
    with pytest.raises(SeisvizError) as e:
        fetch_fdsn(url, "2020-01-01", "2020-01-02", min_magnitude=1)
    assert "HTTP 400" in str(e.value) and "Bad minmagnitude value: x" in str(e.value)
    assert "\n" not in str(e.value)


def test_refused_port_says_offline():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # nothing listens on `port` now
    with pytest.raises(SeisvizError) as e:
        fetch_fdsn(f"http://127.0.0.1:{port}/fdsnws/event/1/query", "2020-01-01", "2020-01-02",
                   timeout=5)
    assert str(e.value) == (f"cannot reach 127.0.0.1:{port}: you seem to be offline "
                            f"(connection refused)")


def test_service_names_and_text_parsing():
    assert service_url("USGS") == "https://earthquake.usgs.gov/fdsnws/event/1/query"
    assert service_url("earthscope") == service_url("iris")
    assert service_url("http://host/fdsnws/event/1/") == "http://host/fdsnws/event/1/query"
    with pytest.raises(SeisvizError, match="unknown FDSN service"):
        service_url("nowhere")
    table, rows = parse_fdsn_text(HEADER + "\n" + line(EVENTS[0]) + "\n\n" + line(EVENTS[1]) + "\n")
    assert table["EventID"].tolist() == ["ev01", "ev02"] and rows.tolist() == [2, 4]


def test_fetch_command_writes_a_catalog(server, tmp_path):
    out = tmp_path / "fetched.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "seisviz", "fetch", "--service", server, "--start", "2020-01-01",
         "--end", "2020-01-06", "--bbox", "100", "110", "20", "40", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "wrote 5 events" in proc.stdout
    catalog, report = load_catalog(out)
    assert catalog["event_id"].tolist() == ["ev01", "ev02", "ev03", "ev04", "ev05"]
    assert catalog.loc[0, "time"] == pd.Timestamp("2020-01-01 12:00", tz="UTC")

    bad = subprocess.run(
        [sys.executable, "-m", "seisviz", "fetch", "--service", server, "--start", "2021-01-01",
         "--end", "2021-01-02", "--out", str(tmp_path / "none.csv")],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("error: ")
