"""`seisviz movie SCAN_DIR --catalog CATALOG --out FILE`: a scan folder written from the
label rule's flags (no model), read back as `seisviz export` reads it."""

import numpy as np
import pytest
from PIL import Image

from seisviz.catalog import write_catalog_csv
from seisviz.cli import main
from seisviz.detect import ScanResult, flagged_periods
from seisviz.detect.scan import count_events
from seisviz.maps import make_grid, rasterize
from seisviz.scanfolder import save_scan_folder
from seisviz.settings import ScanSettings
from seisviz.training.synthetic import (EPOCH, diffuse_background, finish_catalog, swarm,
                                        window_labels)

BBOX = (104.0, 104.5, 30.0, 30.45)
CARD = {"architecture": "resnet18", "sha256": "0" * 64, "weights_file": "resnet18.pt",
        "threshold": 0.5, "grid": 64, "window_days": 30.0, "background_days": 180.0}


@pytest.fixture(scope="module")
def scan_dir(tmp_path_factory):
    rng = np.random.default_rng(0)
    catalog = finish_catalog([diffuse_background(rng, BBOX, 0, 300, 4.0),
                              swarm(rng, (104.12, 30.10), 120.0, 4.0, 90, 0.5, 0),
                              swarm(rng, (104.38, 30.33), 240.0, 4.0, 60, 0.5, 1)], EPOCH)
    settings = ScanSettings(bbox=BBOX, step_days=2.0, threshold=CARD["threshold"])
    dmaps = rasterize(catalog, make_grid(settings.bbox, settings.grid), settings.window_days,
                      settings.step_days, settings.background_days)
    labels, _ = window_labels(catalog, dmaps)
    windows = dmaps.window_table()
    windows["probability"] = np.where(labels, 0.9, 0.1)
    windows["flagged"] = labels & dmaps.has_history
    windows["has_history"] = dmaps.has_history
    periods = flagged_periods(windows, windows["flagged"], 0.0,
                              windows["probability"].to_numpy())
    periods["n_events"] = count_events(catalog, periods)
    result = ScanResult(windows=windows, periods=periods, dmaps=dmaps, settings=settings,
                        model=CARD)
    root = tmp_path_factory.mktemp("movie")
    write_catalog_csv(catalog, str(root / "catalog.csv"))
    save_scan_folder(result, str(root / "scan"), catalog)
    return root


def test_cli_writes_html_and_gif(scan_dir, capsys):
    for name in ("movie.html", "movie.gif"):
        out = scan_dir / name
        assert main(["movie", str(scan_dir / "scan"), "--catalog", str(scan_dir / "catalog.csv"),
                     "--out", str(out), "--step-days", "10"]) == 0
        said = capsys.readouterr().out
        assert "episodes; wrote" in said and out.exists()
    with Image.open(scan_dir / "movie.gif") as im:
        assert 25 <= im.n_frames <= 40  # about 300 days every 10 days
    assert (scan_dir / "movie.gif").stat().st_size < 2_000_000


def test_cli_refuses_an_unknown_extension_in_one_line(scan_dir, capsys):
    rc = main(["movie", str(scan_dir / "scan"), "--catalog", str(scan_dir / "catalog.csv"),
               "--out", str(scan_dir / "movie.avi")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "unknown movie format '.avi'" in err


def test_export_movie_format(scan_dir, capsys):
    out = scan_dir / "export"
    assert main(["export", str(scan_dir / "scan"), "--catalog", str(scan_dir / "catalog.csv"),
                 "--formats", "movie", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["movie_s3.html", "run.json"]
    text = (out / "movie_s3.html").read_text()
    assert "<script src=\"http" not in text and '"name":"now"' in text.replace(" ", "")
