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
