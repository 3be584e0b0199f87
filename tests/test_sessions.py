"""seisviz.sessions: a session's catalog and last scan survive a browser refresh (stored on
disk under the session token), and what could not be restored is said."""

import numpy as np
import pandas as pd
import pytest

from seisviz import sessions
from seisviz.detect import catalog_fingerprint


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("SEISVIZ_CACHE_DIR", str(tmp_path))
    return tmp_path


def _catalog(n=1500):
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "time": pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(
            np.sort(rng.uniform(0, 240, n)), unit="D"),
        "latitude": rng.uniform(28.0, 28.5, n), "longitude": rng.uniform(104.5, 105.0, n),
        "depth": rng.uniform(1, 10, n), "magnitude": rng.uniform(0, 3, n).round(1)})


def _model(tmp):
    import torch

    from seisviz.detect.models import build_model, save_model

    torch.manual_seed(0)
    card = {"architecture": "resnet18", "in_channels": 2, "grid": 64, "window_days": 30.0,
            "background_days": 180.0, "threshold": 0.5,
            "normalization": {"transform": "log1p", "mean": [0.05, 0.05], "std": [0.2, 0.2]}}
    return save_model(build_model("resnet18", 2), card, str(tmp / "model"))[0]


def test_catalog_and_scan_come_back(store, tmp_path):
    from seisviz.detect import scan_catalog

    cat = _catalog()
    token = sessions.new_token()
    periods = pd.DataFrame({"start": [pd.Timestamp("2020-03-01", tz="UTC")],
                            "end": [pd.Timestamp("2020-03-10", tz="UTC")]})
    assert sessions.save_catalog(token, cat, catalog_fingerprint(cat), "test", True, periods)
    assert not sessions.save_catalog(token, cat, catalog_fingerprint(cat), "test")  # unchanged
    back = sessions.restore(token)
    assert catalog_fingerprint(back["catalog"]) == catalog_fingerprint(cat)
    assert back["is_demo"] and back["true_periods"]["start"][0] == periods["start"][0]
    assert "no scan to restore" in back["said"][0]

    result = scan_catalog(cat, model=_model(tmp_path), step_days=5.0, device="cpu")
    sessions.save_scan(token, ("key", 1), result)
    back = sessions.restore(token)
    got = back["result"]
    assert back["scan_key"] == ("key", 1)
    pd.testing.assert_frame_equal(got.windows, result.windows)
    pd.testing.assert_frame_equal(got.periods, result.periods)
    assert np.array_equal(got.dmaps.maps, result.dmaps.maps)  # rasterized again
    assert got.device_info == result.device_info and got.card == result.card
    assert "the last scan" in back["said"][0]

    from seisviz.overlays import Overlay
    import geopandas as gpd
    import shapely

    layer = Overlay("faults", gpd.GeoDataFrame(geometry=[shapely.Point(104.6, 28.2)],
                                               crs=4326), "#123456")
    sessions.save_overlays(token, {"f:1": layer})
    back = sessions.restore(token)
    assert back["overlays"]["f:1"].name == "faults" and "1 map layer" in back["said"][0]

    # another catalog replaces the stored one and forgets the scan
    other = _catalog(800)
    sessions.save_catalog(token, other, catalog_fingerprint(other), "other")
    assert "result" not in sessions.restore(token)


def test_unknown_or_broken_sessions(store):
    assert sessions.restore(sessions.new_token()) == {}
    token = sessions.new_token()
    cat = _catalog(50)
    sessions.save_catalog(token, cat, catalog_fingerprint(cat), "x")
    (store / "sessions" / token / "scan.pkl").write_bytes(b"not a pickle")
    said = sessions.restore(token)["said"][0]
    assert "could not be restored" in said and "\n" not in said
    assert not sessions.valid_token("../etc") and not sessions.valid_token(None)


def test_the_work_record_and_uploads_come_back(store):
    from seisviz.workstate import Work, sha256_of

    token = sessions.new_token()
    cat = _catalog(50)
    sessions.save_catalog(token, cat, catalog_fingerprint(cat), "mine.csv")
    work = Work()
    work.source.kind, work.source.name = "upload", "mine.csv"
    work.source.sha256 = sha256_of(b"time,lat\n")
    work.filters.min_magnitude, work.filters.bbox = 1.5, [104.5, 105.0, 28.0, 28.5]
    work.detect.update(detect_model_choice="ensemble", detect_threshold=0.37)
    work.maps.star_magnitude, work.maps.extent_all = 2.5, True
    sessions.save_work(token, work.to_dict())
    sessions.save_blob(token, "upload", b"time,lat\n")
    back = sessions.restore(token)
    assert Work.from_dict(back["work"]) == work
    assert back["blobs"] == {"upload": b"time,lat\n"}
    sessions.save_blob(token, "upload", None)
    assert sessions.restore(token)["blobs"] == {}
    # a damaged or foreign record gives the defaults, never an exception
    assert Work.from_dict({"source": "x", "filters": {"bbox": 1, "nope": 2}}) .source.kind == "demo"
    assert Work.from_dict(None) == Work()


def test_a_dashboard_run_json_command_redoes_the_scan(store, tmp_path):
    """The command run.json records for a dashboard scan (seisviz.workstate.scan_command),
    run through `python -m seisviz scan`, gives the same windows and periods."""
    import json
    import os
    import shlex
    import subprocess
    import sys

    from seisviz.catalog import filter_catalog, load_catalog
    from seisviz.detect import scan_catalog
    from seisviz.runinfo import run_record
    from seisviz.workstate import Work, scan_command

    path = tmp_path / "mine.csv"
    _catalog(1500).to_csv(path, index=False)
    full, report = load_catalog(str(path))
    work = Work()
    work.source.kind, work.source.name, work.source.path = "upload", "mine.csv", str(path)
    f = work.filters
    f.start_day, f.end_day, f.min_magnitude = "2020-01-10", "2020-07-31", 0.5
    f.min_depth, f.max_depth, f.bbox = 2.0, 9.0, [104.5, 104.95, 28.0, 28.5]
    # what the Catalog page hands on (end day inclusive), then what the Detect page runs
    catalog = filter_catalog(full, start="2020-01-10", end="2020-08-01", min_magnitude=0.5,
                             min_depth=2.0, max_depth=9.0, bbox=f.bbox)
    model = _model(tmp_path)
    first = scan_catalog(catalog, model=model, step_days=5.0, device="cpu")
    threshold = float(first.windows["probability"].quantile(0.5))  # some windows flagged
    result = scan_catalog(catalog, model=model, step_days=5.0, device="cpu",
                          threshold=threshold, min_period_days=0.0, background_days=90.0)
    record = run_record(result, "mine.csv", report.summary(),
                        command=scan_command(work, result.settings), filters=f.applied())
    assert record["load_report"] and record["filters"]["min_magnitude"] == 0.5
    args = shlex.split(record["command"])
    assert args[:2] == ["seisviz", "scan"]
    args[args.index("--out") + 1] = str(tmp_path / "again")
    done = subprocess.run([sys.executable, "-m", "seisviz", *args[1:]], capture_output=True,
                          text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert done.returncode == 0, done.stderr[-2000:]
    again = json.loads((tmp_path / "again" / "run.json").read_text())
    # the same settings; the Catalog page's magnitude filter becomes the scan's
    assert again["settings"] == {**result.settings.to_dict(), "min_magnitude": 0.5}
    periods = pd.read_csv(tmp_path / "again" / "periods.csv")
    # runs of flagged windows: periods where a place rose, unlocated alarms where none did
    # (a catalog without episodes gives mostly the latter)
    assert len(result.periods) + len(result.unlocated) > 0
    alarms = pd.read_csv(tmp_path / "again" / "unlocated.csv")
    assert list(pd.to_datetime(alarms["window_start"], utc=True)) == \
        list(result.unlocated["window_start"])
    assert list(pd.to_datetime(periods["start"], utc=True)) == list(result.periods["start"])
    assert list(pd.to_datetime(periods["end"], utc=True)) == list(result.periods["end"])


def test_declustering_round_trips_through_the_record_the_command_and_run_json():
    """The Catalog page's Decluster choice: kept in the work record, emitted by
    scan_command as --decluster (which `seisviz scan` parses), and in run.json."""
    import argparse
    import shlex
    from types import SimpleNamespace

    from seisviz.commands.scan import add_arguments
    from seisviz.runinfo import run_record
    from seisviz.settings import ScanSettings
    from seisviz.workstate import Work, scan_command

    work = Work()
    work.source.kind, work.source.path = "demo", "data/changning_demo.csv"
    assert work.filters.declustering() is None
    assert "--decluster" not in scan_command(work, ScanSettings())
    work.filters.decluster, work.filters.decluster_share = "zaliapin", 0.25
    back = Work.from_dict(work.to_dict())
    assert back.filters.decluster == "zaliapin" and back.filters.decluster_share == 0.25
    assert back.filters.applied()["decluster"] == "zaliapin"
    assert "decluster_share" not in back.filters.applied()
    command = scan_command(back, ScanSettings())
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(shlex.split(command)[2:])
    assert args.decluster == "zaliapin"
    result = SimpleNamespace(windows=pd.DataFrame({"flagged": [False]}), settings=ScanSettings(),
                             model={}, device_info={}, timings={}, dmaps=None,
                             periods=pd.DataFrame())
    record = run_record(result, declustering=back.filters.declustering())
    assert record["declustering"] == {"method": "zaliapin", "share_removed": 0.25}
    assert "declustering" not in run_record(result)
