"""Every period has a place: diffuse episodes get a polygon (the ~5 km neighbourhood of the
label rule), and a run of flagged windows with no place elevated is an unlocated alarm,
not a period: in the scan result, its scan folder (unlocated.csv) and old folders and
pickles without it.

Windows are flagged by the label rule, or by hand, so no model is needed."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
import shapely

from seisviz.detect import ScanResult
from seisviz.detect.scan import derive_periods
from seisviz.maps import label_neighbourhoods, make_grid, rasterize
from seisviz.scanfolder import load_scan_folder, save_scan_folder
from seisviz.settings import ScanSettings
from seisviz.subregions import unlocated_alarms
from seisviz.subregions.refine import refine_periods
from seisviz.tables import UNLOCATED
from seisviz.training.synthetic import (EPOCH, diffuse_background, finish_catalog, swarm,
                                        window_labels)

BBOX = (104.0, 104.3, 30.0, 30.27)   # 0.3 degrees: 64 pixels of about 0.45 km
CENTRE = (104.15, 30.135)
CARD = {"architecture": "resnet18", "sha256": "0" * 64, "weights_file": "resnet18.pt",
        "threshold": 0.5, "grid": 64, "window_days": 30.0, "background_days": 180.0}


def day(d):
    return EPOCH + pd.Timedelta(days=d)


def scan_result(catalog, flagged=None, step_days=2.0):
    """A ScanResult whose flagged windows are the label rule's, or `flagged`: one bool per
    window, or a function of the maps giving them."""
    settings = ScanSettings(bbox=BBOX, step_days=step_days, threshold=CARD["threshold"])
    dmaps = rasterize(catalog, make_grid(BBOX, settings.grid), settings.window_days,
                      settings.step_days, settings.background_days, start=EPOCH,
                      end=day(300))
    if flagged is None:
        labels, _ = window_labels(catalog, dmaps)
        flagged = labels
    elif callable(flagged):
        flagged = flagged(dmaps)
    flagged = np.asarray(flagged, bool) & dmaps.has_history
    windows = dmaps.window_table()
    windows["probability"] = np.where(flagged, 0.9, 0.1)
    windows["flagged"] = flagged
    windows["baseline_beta"] = 0.0
    windows["baseline_flagged"] = False
    windows["has_history"] = dmaps.has_history
    return ScanResult(windows=windows, periods=pd.DataFrame(), dmaps=dmaps, settings=settings,
                      model=CARD)


@pytest.fixture(scope="module")
def diffuse_swarm():
    """A swarm of 150 events spread over 5 km radius on 0.45 km pixels: a handful of events
    per 3x3 neighbourhood, but tens in the label rule's ~5 km one."""
    rng = np.random.default_rng(11)
    parts = [diffuse_background(rng, BBOX, 0, 300, 3.0),
             swarm(rng, CENTRE, 200.0, 10.0, 150, 5.0, 0)]
    return finish_catalog(parts, EPOCH)


def test_a_diffuse_swarm_of_5_km_gets_a_polygon(diffuse_swarm):
    catalog = diffuse_swarm
    result = scan_result(catalog)
    assert label_neighbourhoods(result.dmaps.grid)[-1] > 1  # the ~5 km one is larger here
    assert result.windows["flagged"].any()  # the label rule calls it anomalous
    result = derive_periods(result, catalog)
    assert len(result.periods) == 1 and len(result.unlocated) == 0
    episodes = result.episodes
    assert len(episodes) >= 1
    geom = shapely.union_all(list(episodes.geometry))
    assert geom.contains(shapely.Point(*CENTRE))
    # the polygon holds most of the swarm, and it is the swarm's size, not the map's
    ev = catalog[catalog["episode"] == 0]
    assert shapely.contains_xy(geom, ev["longitude"], ev["latitude"]).mean() > 0.6
    assert episodes["area_km2"].sum() < 200
    # the onset is the swarm's own (day 200), not the first flagged window's start
    assert abs((episodes["onset"].min() - day(200)) / pd.Timedelta(days=1)) < 2


def test_a_flagged_run_with_no_place_is_an_unlocated_alarm(diffuse_swarm):
    """Windows flagged by hand over days 230-260 of a quiet background (the swarm is over
    by day 215): no place is elevated, so the run is an unlocated alarm, not a period."""
    rng = np.random.default_rng(3)
    catalog = finish_catalog([diffuse_background(rng, BBOX, 0, 300, 3.0),
                              swarm(rng, CENTRE, 120.0, 3.0, 80, 0.5, 0)], EPOCH)
    probe = scan_result(catalog)
    start = pd.to_datetime(probe.windows["window_start"], utc=True)
    quiet = ((start >= day(230)) & (start < day(240))).to_numpy()
    labels = probe.windows["flagged"].to_numpy()
    assert labels.any() and not (labels & quiet).any()
    result = derive_periods(scan_result(catalog, labels | quiet), catalog)
    # the swarm is a period with its place; the quiet run is not
    assert len(result.periods) == 1 and result.periods["n_episodes"].iloc[0] >= 1
    assert result.periods["end"].iloc[0] < day(230)
    alarms = result.unlocated
    assert list(alarms.columns) == list(UNLOCATED.columns) and len(alarms) == 1
    a = alarms.iloc[0]
    assert a["alarm_id"] == 1 and a["window_start"] == day(230)
    assert a["window_end"] == day(238 + 30) and a["n_windows"] == 5
    assert a["peak_probability"] == pytest.approx(0.9)
    t = catalog["time"]
    assert a["n_events"] == int(((t >= day(230)) & (t < day(268))).sum()) > 0


def test_an_episode_during_the_run_locates_it():
    """A run is located when any episode is active during its span, whichever run found
    it; ends touching the span count."""
    raw = pd.DataFrame({"period_id": [1, 2, 3],
                        "start": [day(10), day(50), day(100)],
                        "end": [day(45), day(90), day(140)],
                        "peak_probability": [0.7, 0.8, 0.9], "n_windows": [6, 11, 11]})
    episodes = pd.DataFrame({"onset": [day(38), day(150)], "end": [day(50), day(160)]})
    out = unlocated_alarms(raw, episodes)
    assert list(out["window_start"]) == [day(100)] and list(out["alarm_id"]) == [1]
    assert list(out["n_events"]) == [0] and out["n_windows"].dtype == np.int64
    assert len(unlocated_alarms(raw, episodes.iloc[:0])) == 3
    assert len(unlocated_alarms(raw.iloc[:0], episodes)) == 0
    beta = raw.rename(columns={"peak_probability": "peak_beta"})
    assert "peak_beta" in unlocated_alarms(beta, None, score="peak_beta")


def test_a_scan_folder_round_trip_keeps_the_unlocated_alarms(diffuse_swarm, tmp_path):
    catalog = diffuse_swarm
    probe = scan_result(catalog)
    start = pd.to_datetime(probe.windows["window_start"], utc=True)
    quiet = ((start >= day(250)) & (start < day(260))).to_numpy()
    result = derive_periods(scan_result(catalog, probe.windows["flagged"].to_numpy() | quiet),
                            catalog)
    assert len(result.unlocated) == 1 and len(result.periods) == 1
    names = save_scan_folder(result, str(tmp_path / "scan"), catalog)
    assert "unlocated.csv" in names
    run = json.loads((tmp_path / "scan" / "run.json").read_text())
    assert "unlocated.csv" in run["outputs"] and run["n_unlocated_alarms"] == 1
    csv = pd.read_csv(tmp_path / "scan" / "unlocated.csv")
    assert list(csv.columns) == list(UNLOCATED.columns) and len(csv) == 1
    assert pd.Timestamp(csv["window_start"].iloc[0]) == day(250)
    assert csv["window_start"].str.endswith("Z").all()
    _, back = load_scan_folder(str(tmp_path / "scan"), catalog)
    pd.testing.assert_frame_equal(back.unlocated, result.unlocated)
    assert len(back.periods) == 1
    # a folder written before unlocated alarms existed loads, and gets them derived
    (tmp_path / "scan" / "unlocated.csv").unlink()
    _, old = load_scan_folder(str(tmp_path / "scan"), catalog)
    pd.testing.assert_frame_equal(old.unlocated, result.unlocated)


def test_an_old_pickled_result_without_unlocated_loads(diffuse_swarm):
    result = scan_result(diffuse_swarm)
    assert pickle.loads(pickle.dumps(result)).unlocated is None
    state = dict(result.__dict__)
    del state["unlocated"]   # as pickled before the field existed
    old = ScanResult.__new__(ScanResult)
    old.__setstate__(state)
    assert old.unlocated is None and old.windows is state["windows"]


def test_refine_periods_keeps_no_period_without_a_place(diffuse_swarm):
    """refine_periods on a raw period with no place returns no period (no refined = False
    row with the window span and 0 events)."""
    catalog = diffuse_swarm
    result = scan_result(catalog)
    raw = pd.DataFrame({"period_id": [1], "start": [day(60)], "end": [day(100)],
                        "peak_probability": [0.9], "n_windows": [6]})
    flagged = np.ones(len(result.windows), bool)
    periods, episodes = refine_periods(catalog, result.dmaps, raw, flagged)
    assert len(periods) == 0 and len(episodes) == 0


def test_the_scan_summary_line_counts_the_unlocated_alarms():
    from dataclasses import replace

    from seisviz.commands.scan import _unlocated_note

    result = ScanResult(windows=pd.DataFrame(), periods=pd.DataFrame(), dmaps=None,
                        settings=ScanSettings())
    assert _unlocated_note(result) == ""  # a result from before they existed
    alarms = pd.DataFrame({"alarm_id": [1, 2]})
    assert _unlocated_note(replace(result, unlocated=alarms)) == \
        ", 2 unlocated alarms (unlocated.csv)"
    assert _unlocated_note(replace(result, unlocated=alarms.iloc[:1])) == \
        ", 1 unlocated alarm (unlocated.csv)"
    assert _unlocated_note(replace(result, unlocated=alarms.iloc[:0])) == ""
