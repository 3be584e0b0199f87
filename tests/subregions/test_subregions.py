"""seisviz.subregions: where a flagged period's anomaly sits, and the condensed catalog.

Catalogs are built from the synthetic building blocks with swarms at known places and
times; windows are flagged by the label rule (window_labels), so no model is needed."""

import numpy as np
import pandas as pd
import pytest
import shapely

from seisviz.detect import flagged_periods
from seisviz.errors import SeisvizError
from seisviz.maps import KM_PER_DEGREE, make_grid, rasterize
from seisviz.timeutil import to_ns
from seisviz.subregions import (
    COLUMNS,
    condensed_catalog,
    distance_km,
    find_subregions,
    same_place,
    shrinkage,
)
from seisviz.training.synthetic import (EPOCH, _offset, diffuse_background, finish_catalog, swarm, window_labels)
from seisviz.settings import ScanSettings

BBOX = (104.0, 104.5, 30.0, 30.45)
A = (104.12, 30.10)   # swarm places
B = (104.38, 30.33)


def build(swarms, rate=4.0, days=300.0, seed=0, extra=()):
    """Background + swarms [(centre, onset day, n events, radius km)] -> (catalog, dmaps,
    flagged, periods)."""
    rng = np.random.default_rng(seed)
    parts = [diffuse_background(rng, BBOX, 0, days, rate)]
    for ep, (centre, onset, n, radius) in enumerate(swarms):
        parts.append(swarm(rng, centre, onset, 4.0, n, radius, ep))
    parts.extend(extra)
    catalog = finish_catalog(parts, EPOCH)
    dmaps = rasterize(catalog, make_grid(BBOX, 64), 30.0, 2.0, 180.0, start=EPOCH,
                      end=EPOCH + pd.Timedelta(days=days))
    labels, _ = window_labels(catalog, dmaps)
    flagged = labels & dmaps.has_history
    periods = flagged_periods(dmaps.window_table(), flagged,
                              probability=np.where(flagged, 0.9, 0.1))
    return catalog, dmaps, flagged, periods


@pytest.fixture(scope="module")
def one_swarm():
    return build([(A, 200.0, 80, 0.5)])


@pytest.fixture(scope="module")
def two_swarms():
    """In one period: 120 events at A and 40 at B, far apart."""
    return build([(A, 200.0, 120, 0.5), (B, 201.0, 40, 0.5)], seed=1)


def test_the_swarm_centre_lies_in_its_subregion(one_swarm):
    catalog, dmaps, flagged, periods = one_swarm
    assert len(periods) == 1
    subs = find_subregions(dmaps, periods, catalog=catalog, flagged=flagged)
    assert list(subs.columns[:len(COLUMNS)]) == COLUMNS and "geometry" in subs
    assert subs.crs.to_epsg() == 4326
    assert len(subs) == 1
    row = subs.iloc[0]
    assert row["period_id"] == 1 and row["subregion_id"] == 1
    assert row.geometry.contains(shapely.Point(*A))
    assert row["start"] == periods["start"].iloc[0] and row["end"] == periods["end"].iloc[0]
    assert row["peak_probability"] == pytest.approx(0.9)
    # the weighted centre is within a pixel (< 1 km here) of the true centre
    err = np.hypot((row["center_lon"] - A[0]) * KM_PER_DEGREE * np.cos(np.radians(A[1])),
                   (row["center_lat"] - A[1]) * KM_PER_DEGREE)
    assert err < 1.0
    # it holds the swarm (and little else): the polygon is a few km across, not the map
    swarm_in = catalog[catalog["episode"] == 0]
    assert shapely.contains_xy(row.geometry, swarm_in["longitude"], swarm_in["latitude"]).mean() \
        > 0.95
    assert row["area_km2"] < 30 and 80 * 0.95 <= row["n_events"] <= 80 + 10


def test_without_catalog_n_events_is_the_busiest_window(one_swarm):
    catalog, dmaps, flagged, periods = one_swarm
    subs = find_subregions(dmaps, periods, flagged=flagged)
    assert len(subs) == 1
    assert 10 <= subs["n_events"].iloc[0] <= find_subregions(
        dmaps, periods, catalog=catalog, flagged=flagged)["n_events"].iloc[0]


def test_ids_are_stable_and_ordered_by_event_count(two_swarms):
    catalog, dmaps, flagged, periods = two_swarms
    a = find_subregions(dmaps, periods, catalog=catalog, flagged=flagged)
    b = find_subregions(dmaps, periods.copy(), catalog=catalog.copy(), flagged=flagged.copy())
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    assert all(x.equals(y) for x, y in zip(a.geometry, b.geometry))
    # numbered 1..k within a period by descending event count
    for _, part in a.groupby("period_id"):
        assert list(part["subregion_id"]) == list(range(1, len(part) + 1))
        assert part["n_events"].is_monotonic_decreasing


def test_several_subregions_in_one_period(two_swarms):
    catalog, dmaps, flagged, periods = two_swarms
    assert len(periods) == 1
    subs = find_subregions(dmaps, periods, catalog=catalog, flagged=flagged)
    assert len(subs) == 2 and set(subs["period_id"]) == {1}
    first, second = subs.iloc[0], subs.iloc[1]
    assert first.geometry.contains(shapely.Point(*A))     # 120 events: id 1
    assert second.geometry.contains(shapely.Point(*B))    # 40 events: id 2
    assert not first.geometry.intersects(second.geometry)
    assert first["n_events"] > second["n_events"] >= 38


def test_condensed_events_lie_in_their_period_and_polygon(two_swarms):
    catalog, dmaps, flagged, periods = two_swarms
    subs = find_subregions(dmaps, periods, catalog=catalog, flagged=flagged)
    cond = condensed_catalog(catalog, periods, subs)
    assert len(cond) == subs["n_events"].sum() > 0
    assert list(cond.columns) == list(catalog.columns) + ["period_id", "subregion_id"]
    assert cond["time"].is_monotonic_increasing
    t = to_ns(cond["time"])
    for (pid, sid), part in cond.groupby(["period_id", "subregion_id"]):
        row = subs[(subs["period_id"] == pid) & (subs["subregion_id"] == sid)].iloc[0]
        idx = cond.index[(cond["period_id"] == pid) & (cond["subregion_id"] == sid)]
        assert (t[idx] >= to_ns(row["start"])).all() and (t[idx] < to_ns(row["end"])).all()
        assert shapely.intersects_xy(row.geometry, part["longitude"], part["latitude"]).all()
    # and nothing inside is left out: every event in the period and a polygon is kept
    ts = to_ns(catalog["time"])
    inside = np.zeros(len(catalog), bool)
    for row in subs.itertuples():
        inside |= (ts >= to_ns(row.start)) & (ts < to_ns(row.end)) & shapely.intersects_xy(
            row.geometry, catalog["longitude"], catalog["latitude"])
    assert inside.sum() == len(cond)
    kept, total, pct = shrinkage(catalog, cond)
    assert (kept, total) == (len(cond), len(catalog)) and pct == pytest.approx(
        100 * len(cond) / len(catalog))


def test_the_same_place_in_two_periods():
    catalog, dmaps, flagged, periods = build([(A, 100.0, 60, 0.5),
                                              (A, 260.0, 60, 0.5), (B, 262.0, 60, 0.5)], seed=2)
    assert len(periods) == 2
    subs = find_subregions(dmaps, periods, catalog=catalog, flagged=flagged)
    at_a = subs[subs.geometry.contains(shapely.Point(*A))]
    assert sorted(at_a["period_id"]) == [1, 2]
    first = at_a[at_a["period_id"] == 1].iloc[0]
    other = same_place(subs, 1, int(first["subregion_id"]))
    assert list(other["period_id"]) == [2] and other.geometry.iloc[0].contains(shapely.Point(*A))
    # B is only in period 2, and overlaps nothing of period 1
    at_b = subs[subs.geometry.contains(shapely.Point(*B))]
    assert len(same_place(subs, 2, int(at_b["subregion_id"].iloc[0]))) == 0


def test_a_regional_rise_is_not_a_subregion():
    """From day 200 the whole map has three times as many events (like a completeness
    change); one swarm then is the only subregion."""
    rng = np.random.default_rng(5)
    more = diffuse_background(rng, BBOX, 200, 300, 40.0)
    catalog, dmaps, _, _ = build([(B, 230.0, 80, 0.5)], rate=20.0, seed=3, extra=[more])
    # flag every window from day 190 on, as a detector fooled by the rise might
    start = pd.to_datetime(dmaps.window_start, utc=True)
    flagged = (start >= EPOCH + pd.Timedelta(days=190)) & dmaps.has_history
    periods = flagged_periods(dmaps.window_table(), flagged)
    assert len(periods) == 1
    subs = find_subregions(dmaps, periods, catalog=catalog, flagged=flagged)
    assert len(subs) == 1 and subs.geometry.iloc[0].contains(shapely.Point(*B))
    # without the regional scaling, the rise itself would make subregions too
    loose = find_subregions(dmaps, periods, catalog=catalog, flagged=flagged, regional=False)
    assert len(loose) > 1


def test_no_period_gives_an_empty_table(one_swarm):
    catalog, dmaps, flagged, periods = one_swarm
    subs = find_subregions(dmaps, periods.iloc[:0], catalog=catalog)
    assert len(subs) == 0 and list(subs.columns[:len(COLUMNS)]) == COLUMNS
    assert subs.crs.to_epsg() == 4326
    cond = condensed_catalog(catalog, periods, subs)
    assert len(cond) == 0 and "period_id" in cond and "subregion_id" in cond


def test_a_period_without_a_localized_rise_has_no_subregion(one_swarm):
    catalog, dmaps, flagged, _ = one_swarm
    quiet = pd.DataFrame({"period_id": [7], "start": [EPOCH + pd.Timedelta(days=60)],
                          "end": [EPOCH + pd.Timedelta(days=150)]})
    assert len(find_subregions(dmaps, quiet, catalog=catalog)) == 0


def test_bad_input_is_a_one_line_error(one_swarm):
    catalog, dmaps, flagged, periods = one_swarm
    with pytest.raises(SeisvizError, match="scan result or distribution maps"):
        find_subregions("maps.npz", periods)
    with pytest.raises(SeisvizError, match="lack column"):
        find_subregions(dmaps, periods.drop(columns="end"))
    with pytest.raises(SeisvizError, match="flagged values"):
        find_subregions(dmaps, periods, flagged=flagged[:3])
    with pytest.raises(SeisvizError, match="out of range"):
        find_subregions(dmaps, periods, alpha=0)


def test_distance_to_a_polygon_in_km():
    lon0, lat0 = 104.0, 30.0
    square = shapely.box(*_offset(lon0, lat0, -1, -1), *_offset(lon0, lat0, 1, 1))
    assert distance_km(square, lon0, lat0) == 0.0
    east = _offset(lon0, lat0, 4.0, 0.0)
    assert distance_km(square, *east) == pytest.approx(3.0, rel=0.01)


def test_subregions_for_never_serves_another_results_cache(one_swarm):
    """The cache was keyed on id(result): a new result at a freed result's address (common
    in CPython) got the old result's subregions."""
    from seisviz.detect import ScanResult
    from seisviz.subregions import subregions_for

    catalog, dmaps, flagged, periods = one_swarm
    windows = dmaps.window_table().assign(flagged=flagged)
    tables = [periods, periods.iloc[:0]]
    cache = {}
    for k in range(20):  # alternately the period, then no period at all
        some = tables[k % 2]
        result = ScanResult(windows=windows, periods=some, dmaps=dmaps, settings=ScanSettings())
        subs, condensed = subregions_for(catalog, result, cache=cache)
        assert (len(subs) > 0) == (len(some) > 0), k
        assert (len(condensed) > 0) == (len(some) > 0), k
        del result, subs, condensed
    # and a hit still is a hit
    result = ScanResult(windows=windows, periods=periods, dmaps=dmaps, settings=ScanSettings())
    first = subregions_for(catalog, result, cache=cache)
    assert subregions_for(catalog, result, cache=cache)[0] is first[0]
