"""An unlocated alarm gets an approximate place: the label rule's ~5 km neighbourhood where
most of its span's events are, above what the place's own background predicts. A
sequence too small to be an episode (under 10 events within 5 km) is flagged but not
located; the alarm then says where to look. It stays an alarm: no period, no polygon.

Windows are flagged by hand over a synthetic catalog, so no model is needed."""

import io

import numpy as np
import pandas as pd
import pytest

from seisviz.detect import ScanResult
from seisviz.detect.scan import derive_periods
from seisviz.detect.tiled import merged_unlocated
from seisviz.export import unlocated_csv
from seisviz.maps import KM_PER_DEGREE, label_neighbourhoods, make_grid
from seisviz.scanfolder import load_scan_folder, save_scan_folder
from seisviz.settings import MIN_EVENTS
from seisviz.subregions import unlocated_alarms
from seisviz.tables import UNLOCATED
from seisviz.training.synthetic import EPOCH, diffuse_background, finish_catalog, swarm
from tests.subregions.test_unlocated import BBOX, scan_result

SMALL = (104.23, 30.06)              # where the small sequence is
BUSY = (104.07, 30.2)                # a place busy all along
N_SMALL = 8                          # under MIN_EVENTS: never an episode


def day(d):
    return EPOCH + pd.Timedelta(days=d)


def km_between(lon, lat, place):
    dx = (lon - place[0]) * KM_PER_DEGREE * np.cos(np.radians(place[1]))
    return float(np.hypot(dx, (lat - place[1]) * KM_PER_DEGREE))


def small_sequence_catalog(busy_rate=0.0, seed=5):
    """A quiet background (0.5 a day over the map), 8 events within ~0.5 km of SMALL on
    days 233-236, and optionally a place busy at `busy_rate` a day all along."""
    rng = np.random.default_rng(seed)
    parts = [diffuse_background(rng, BBOX, 0, 300, 0.5),
             swarm(rng, SMALL, 233.0, 3.0, N_SMALL, 0.5, 0)]
    if busy_rate:
        parts.append(swarm(rng, BUSY, 0.0, 300.0, int(busy_rate * 300), 0.5, 1))
    return finish_catalog(parts, EPOCH)


def flagged_by_hand(catalog, first=226, last=236):
    """A ScanResult whose windows starting on days [first, last) are flagged."""
    def by_day(dmaps):
        start = pd.to_datetime(dmaps.window_table()["window_start"], utc=True)
        return ((start >= day(first)) & (start < day(last))).to_numpy()

    return scan_result(catalog, flagged=by_day)


def test_a_sequence_under_the_minimum_is_an_alarm_with_its_place():
    catalog = small_sequence_catalog()
    assert N_SMALL < MIN_EVENTS
    result = derive_periods(flagged_by_hand(catalog), catalog)
    assert len(result.periods) == 0 and len(result.episodes) == 0  # no place elevated
    alarms = result.unlocated
    assert list(alarms.columns) == list(UNLOCATED.columns) and len(alarms) == 1
    a = alarms.iloc[0]
    assert km_between(a["center_lon"], a["center_lat"], SMALL) < 5.0
    # all of the sequence is there, and only a few background events beside it
    assert N_SMALL <= a["n_events_at_center"] <= N_SMALL + 3
    assert a["n_events_at_center"] < a["n_events"]
    assert a["tile_id"] == ""  # one grid
    # the neighbourhood is the label rule's larger one, ~5 km on these 0.45 km pixels
    assert label_neighbourhoods(result.dmaps.grid)[-1] > 1


def test_a_busy_place_does_not_stand_for_the_new_small_sequence():
    """A place with ~1 event a day all along has more events in the span than the small
    sequence, but no more than its background predicts: the place is the sequence's."""
    catalog = small_sequence_catalog(busy_rate=1.0)
    result = derive_periods(flagged_by_hand(catalog), catalog)
    assert len(result.periods) == 0
    a = result.unlocated.iloc[0]
    busy_in_span = catalog[(catalog["episode"] == 1) & (catalog["time"] >= a["window_start"])
                           & (catalog["time"] < a["window_end"])]
    assert len(busy_in_span) > a["n_events_at_center"]  # by count alone it would win
    assert km_between(a["center_lon"], a["center_lat"], SMALL) < 5.0


def test_an_alarm_with_no_events_has_no_place():
    catalog = small_sequence_catalog()
    grid = make_grid(BBOX, 64)
    raw = pd.DataFrame({"period_id": [1, 2], "start": [day(230), day(400)],
                        "end": [day(260), day(430)], "peak_probability": [0.8, 0.7],
                        "n_windows": [3, 3]})
    out = unlocated_alarms(raw, None, catalog, grid=grid)
    assert out["n_events"].iloc[1] == 0 and out["n_events_at_center"].iloc[1] == 0
    assert np.isnan(out["center_lon"].iloc[1]) and np.isnan(out["center_lat"].iloc[1])
    assert km_between(out["center_lon"].iloc[0], out["center_lat"].iloc[0], SMALL) < 5.0
    # without a grid the place is not known, as for alarms from before places existed
    blind = unlocated_alarms(raw, None, catalog)
    assert blind["center_lon"].isna().all() and (blind["n_events_at_center"] == 0).all()
    assert out.dtypes.tolist() == UNLOCATED.empty().dtypes.tolist()


def test_tiles_alarms_joined_keep_the_place_of_the_highest_score():
    def alarm(tile, start, end, score, lon, lat, n):
        return pd.DataFrame({"alarm_id": [1], "window_start": [day(start)],
                             "window_end": [day(end)], "peak_probability": [score],
                             "n_windows": [4], "n_events": [n + 5], "center_lon": [lon],
                             "center_lat": [lat], "n_events_at_center": [n],
                             "tile_id": [tile]})

    tables = [alarm("r0c0", 100, 140, 0.7, 104.0, 30.0, 9),
              alarm("r0c1", 110, 150, 0.97, 104.5, 30.1, 6),
              alarm("r1c1", 300, 330, 0.6, 104.6, 30.6, 7)]
    catalog = pd.DataFrame({"time": pd.to_datetime([day(120)]), "longitude": [104.5],
                            "latitude": [30.1], "depth": [5.0], "magnitude": [3.0]})
    out = merged_unlocated(tables, pd.DataFrame({"onset": [], "end": []}), catalog)
    assert list(out.columns) == list(UNLOCATED.columns) and len(out) == 2
    first, second = out.iloc[0], out.iloc[1]
    assert (first["window_start"], first["window_end"]) == (day(100), day(150))
    assert first["tile_id"] == "r0c1" and first["peak_probability"] == pytest.approx(0.97)
    assert (first["center_lon"], first["center_lat"], first["n_events_at_center"]) == \
        (104.5, 30.1, 6)
    assert second["tile_id"] == "r1c1" and second["center_lon"] == 104.6


def test_the_place_is_written_and_an_old_folder_without_it_loads(tmp_path):
    catalog = small_sequence_catalog()
    result = derive_periods(flagged_by_hand(catalog), catalog)
    folder = tmp_path / "scan"
    save_scan_folder(result, str(folder), catalog)
    csv = pd.read_csv(folder / "unlocated.csv")
    assert list(csv.columns) == list(UNLOCATED.columns)
    assert csv["center_lon"].iloc[0] == pytest.approx(result.unlocated["center_lon"].iloc[0])
    exported = pd.read_csv(io.BytesIO(unlocated_csv(result.unlocated)))
    assert exported["n_events_at_center"].tolist() == \
        result.unlocated["n_events_at_center"].tolist()
    # a folder written before the place existed: its unlocated.csv has the old columns;
    # reading it derives the alarms again from its flagged windows, places included
    old = ["alarm_id", "window_start", "window_end", "peak_probability", "n_windows",
           "n_events"]
    csv[old].to_csv(folder / "unlocated.csv", index=False)
    _, back = load_scan_folder(str(folder), catalog)
    pd.testing.assert_frame_equal(back.unlocated, result.unlocated)
    assert km_between(back.unlocated["center_lon"].iloc[0],
                      back.unlocated["center_lat"].iloc[0], SMALL) < 5.0


def test_a_result_pickled_before_places_loads_with_the_place_unknown():
    catalog = small_sequence_catalog()
    result = derive_periods(flagged_by_hand(catalog), catalog)
    state = dict(result.__dict__)
    state["unlocated"] = result.unlocated.drop(columns=["center_lon", "center_lat",
                                                        "n_events_at_center", "tile_id"])
    old = ScanResult.__new__(ScanResult)
    old.__setstate__(state)   # as a stored session pickled before places existed
    assert list(old.unlocated.columns) == list(UNLOCATED.columns)
    assert old.unlocated["center_lon"].isna().all()
    assert (old.unlocated["n_events_at_center"] == 0).all()
