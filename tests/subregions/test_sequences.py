"""Sequences above episodes (seisviz.subregions.sequences): episodes at one place that
follow each other with short gaps are one sequence; the rule in docs/detection.md."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from seisviz.maps import KM_PER_DEGREE
from seisviz.settings import SEQUENCE_DISTANCE_KM, SEQUENCE_GAP_DAYS
from seisviz.subregions.sequences import (group_sequences, sequence_episodes,
                                          sequence_ids, sequence_label, sequence_overview)
from seisviz.tables import CRS, SEQUENCES

T0 = pd.Timestamp("2019-01-01", tz="UTC")
LAT = 37.5
KM_LON = KM_PER_DEGREE * np.cos(np.radians(LAT))  # km per degree of longitude there


def square(x_km, y_km, side_km=4.0):
    """A square place of `side_km`, its south-west corner `x_km` east and `y_km` north of
    (-118.5 E, 37.5 N)."""
    x0, y0 = -118.5 + x_km / KM_LON, LAT + y_km / KM_PER_DEGREE
    return shapely.box(x0, y0, x0 + side_km / KM_LON, y0 + side_km / KM_PER_DEGREE)


def episodes(rows):
    """An episodes table from (episode_id, place, onset day, end day, n_events, max
    magnitude) rows, as refine_periods makes them (onset = start)."""
    frame = pd.DataFrame([{
        "period_id": 1, "subregion_id": 1, "episode_id": eid,
        "start": T0 + pd.Timedelta(days=on), "end": T0 + pd.Timedelta(days=off),
        "onset": T0 + pd.Timedelta(days=on), "n_events": n, "max_magnitude": mag,
        "max_magnitude_time": T0 + pd.Timedelta(days=on),
        "peak_probability": 0.5 + eid / 100,
        "center_lon": place.centroid.x, "center_lat": place.centroid.y}
        for eid, place, on, off, n, mag in rows])
    return gpd.GeoDataFrame(frame, geometry=[r[1] for r in rows], crs=CRS)


def groups(table):
    """{episode_id: sequence_id}."""
    return dict(zip(table["episode_id"].astype(int), table["sequence_id"].astype(int)))


def test_foreshock_mainshock_and_continuation_are_one_sequence():
    # Chalfant-like: a foreshock day, the mainshock's aftershocks on a larger place
    # covering it a few hours later, a continuation 10 days after their end
    place, larger = square(0, 0), square(-3, -3, 12)
    table = episodes([(1, place, 0.0, 0.9, 18, 5.9), (2, larger, 1.05, 14.0, 124, 6.4),
                      (3, place, 24.0, 60.0, 30, 4.8)])
    out, seqs = group_sequences(table)
    assert groups(out) == {1: 1, 2: 1, 3: 1}
    assert list(out.columns).index("sequence_id") == list(out.columns).index("episode_id") + 1
    assert isinstance(out, gpd.GeoDataFrame) and out.crs == table.crs
    assert len(seqs) == 1
    s = seqs.iloc[0]
    assert s["n_episodes"] == 3 and s["episode_ids"] == "1;2;3" and s["period_ids"] == "1"
    assert s["n_events"] == 18 + 124 + 30
    assert s["max_magnitude"] == 6.4
    assert s["max_magnitude_time"] == T0 + pd.Timedelta(days=1.05)
    assert s["start"] == T0 and s["end"] == T0 + pd.Timedelta(days=60)
    assert s["peak_probability"] == pytest.approx(0.53)  # the highest of its episodes
    # the polygon is the union of the episodes' places: here the larger one
    assert s.geometry.equals(shapely.union_all([place, larger]))
    assert s["center_lon"] == pytest.approx(np.average(
        [place.centroid.x, larger.centroid.x, place.centroid.x], weights=[18, 124, 30]))
    assert list(seqs.columns[:-1]) == list(SEQUENCES.columns)
    assert str(seqs.crs) == CRS


def test_a_far_away_episode_at_the_same_time_stays_apart():
    here, there = square(0, 0), square(60, 0)  # 56 km apart, same days
    table = episodes([(1, here, 0, 20, 50, 5.0), (2, there, 2, 18, 40, 4.5),
                      (3, here, 30, 40, 20, 4.0)])
    out, seqs = group_sequences(table)
    assert groups(out) == {1: 1, 2: 2, 3: 1}
    assert list(seqs["n_episodes"]) == [2, 1]


def test_distance_limit_is_between_the_polygons_edges():
    # 4-km places whose edges are 4.5 km apart join; 6 km apart stay apart
    near = episodes([(1, square(0, 0), 0, 5, 10, 3.0), (2, square(8.5, 0), 6, 9, 10, 3.0)])
    far = episodes([(1, square(0, 0), 0, 5, 10, 3.0), (2, square(10.0, 0), 6, 9, 10, 3.0)])
    assert SEQUENCE_DISTANCE_KM == 5.0
    assert groups(group_sequences(near)[0]) == {1: 1, 2: 1}
    assert groups(group_sequences(far)[0]) == {1: 1, 2: 2}


def test_a_long_quiet_time_splits_a_place_into_two_sequences():
    place = square(0, 0)
    g = SEQUENCE_GAP_DAYS
    table = episodes([(1, place, 0, 10, 30, 4.0), (2, place, 10 + g - 1, 10 + g + 5, 30, 4.0),
                      (3, place, 10 + g + 5 + g + 1, 10 + 2 * g + 20, 30, 4.2)])
    out, seqs = group_sequences(table)
    assert groups(out) == {1: 1, 2: 1, 3: 2}
    # a shorter rule splits the first pair too
    assert list(sequence_ids(table, max_gap_days=30)) == [1, 2, 3]


def test_induced_bursts_two_years_at_one_pad_are_one_sequence():
    # a burst every 50 days for two years, each on a slightly different part of the pad
    rows = [(k + 1, square(k % 3, 0), 50.0 * k, 50.0 * k + 12, 15, 3.0 + 0.1 * k)
            for k in range(15)]
    out, seqs = group_sequences(episodes(rows))
    assert set(out["sequence_id"]) == {1}
    assert seqs.iloc[0]["n_episodes"] == 15
    assert seqs.iloc[0]["end"] - seqs.iloc[0]["start"] == pd.Timedelta(days=712)


def test_links_chain_across_places_and_times():
    # A touches B, B touches C; A and C are 8 km apart: one sequence by chaining
    table = episodes([(1, square(0, 0), 0, 5, 10, 3.0), (2, square(4, 0), 40, 50, 10, 3.0),
                      (3, square(12, 0), 45, 52, 10, 3.0), (4, square(40, 0), 46, 50, 9, 2.0)])
    assert groups(group_sequences(table)[0]) == {1: 1, 2: 1, 3: 1, 4: 2}


def test_sequences_do_not_depend_on_the_order_of_the_table():
    rng = np.random.default_rng(3)
    rows = []
    for k in range(40):
        x, y = rng.uniform(0, 80, 2)
        on = rng.uniform(0, 1500)
        rows.append((k + 1, square(x, y, rng.uniform(2, 10)), on, on + rng.uniform(1, 60),
                     int(rng.integers(10, 200)), rng.uniform(2, 6)))
    table = episodes(rows)
    out, seqs = group_sequences(table)
    assert 1 < len(seqs) < 40
    for seed in range(3):
        shuffled = table.sample(frac=1.0, random_state=seed)
        back, back_seqs = group_sequences(shuffled)
        assert list(back.index) == list(shuffled.index)  # rows stay where they were
        assert groups(back) == groups(out)
        pd.testing.assert_frame_equal(pd.DataFrame(back_seqs.drop(columns="geometry")),
                                      pd.DataFrame(seqs.drop(columns="geometry")))
    # numbered by start
    assert seqs["start"].is_monotonic_increasing and list(seqs["sequence_id"]) == list(
        range(1, len(seqs) + 1))


def test_episodes_without_a_polygon_are_placed_at_their_centre():
    table = episodes([(1, square(0, 0), 0, 5, 10, 3.0), (2, square(2, 2), 6, 9, 10, 3.0),
                      (3, square(100, 0), 6, 9, 10, 3.0)])
    table = table.set_geometry(gpd.GeoSeries([None, None, None], crs=CRS))
    table.loc[2, ["center_lon", "center_lat"]] = np.nan  # no place at all: on its own
    out, seqs = group_sequences(table)
    assert groups(out) == {1: 1, 2: 1, 3: 2}
    assert seqs.geometry.isna().all()
    assert np.isnan(seqs.iloc[1]["center_lon"])


def test_no_episodes_no_sequences():
    out, seqs = group_sequences(episodes([(1, square(0, 0), 0, 5, 10, 3.0)]).iloc[:0])
    assert len(out) == 0 and "sequence_id" in out
    assert len(seqs) == 0 and list(seqs.columns[:-1]) == list(SEQUENCES.columns)
    assert seqs["start"].dtype == "datetime64[ns, UTC]"


def test_what_the_pages_show():
    table = episodes([(1, square(0, 0), 0, 0.9, 18, 5.9), (2, square(0, 0), 1.05, 14, 124, 6.4),
                      (3, square(60, 0), 2, 9, 12, 4.1)])
    out, seqs = group_sequences(table)
    shown = sequence_overview(seqs)
    assert list(shown["sequence"]) == ["S1", "S2"]
    assert list(shown["episodes"]) == [2, 1] and list(shown["largest"]) == ["M 6.4", "M 4.1"]
    assert shown["days"].iloc[0] == 14.0 and shown["centre"].iloc[0].endswith("W")
    assert sequence_label(seqs, 0) == ("Sequence 1 — 2019-01-01 → 2019-01-15, 2 episodes, "
                                       "142 events, largest M 6.4")
    inside = sequence_episodes(out, 1)
    assert list(inside["episode"]) == [1, 2]
    assert list(inside["quiet days before"].fillna(-1)) == [-1, pytest.approx(0.2)]
    assert inside["onset (UTC)"].iloc[1] == "2019-01-02 01:12:00"
