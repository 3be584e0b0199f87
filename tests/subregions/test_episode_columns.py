"""Every episode characterised from its own events (seisviz.subregions.refine
`with_episode_stats`): the columns of seisviz.stats.characterise_episode in the episodes
table, its polygons and a scan folder read back."""

import numpy as np
import pandas as pd
import pytest

from seisviz.detect import flagged_periods
from seisviz.maps import make_grid, rasterize
from seisviz.subregions.refine import refine_periods, with_episode_stats
from seisviz.tables import EPISODE_POLYGONS, EPISODE_STATS, UNGROUPED_EPISODES
from seisviz.training.synthetic import (EPOCH, diffuse_background, finish_catalog,
                                        gr_magnitudes, swarm)
from seisviz.training.synthetic import window_labels

BBOX = (104.0, 104.5, 30.0, 30.45)
A, B = (104.12, 30.10), (104.38, 30.33)


def gr_swarm(rng, centre, onset, n, b, episode):
    part = swarm(rng, centre, onset, 4.0, n, 0.5, episode)
    part["magnitude"] = gr_magnitudes(rng, n, mmin=0.5, b=b)
    return part


@pytest.fixture(scope="module")
def episodes():
    """Two swarms of 3000 events, b = 0.8 at A (day 150) and b = 1.3 at B (day 240), over a
    background of 4 events a day; windows flagged by the label rule (no network)."""
    rng = np.random.default_rng(5)
    catalog = finish_catalog([diffuse_background(rng, BBOX, 0, 300, 4.0),
                              gr_swarm(rng, A, 150.0, 3000, 0.8, 0),
                              gr_swarm(rng, B, 240.0, 3000, 1.3, 1)], EPOCH)
    dmaps = rasterize(catalog, make_grid(BBOX, 64), 30.0, 2.0, 180.0, start=EPOCH,
                      end=EPOCH + pd.Timedelta(days=300))
    labels, _ = window_labels(catalog, dmaps)
    flagged = labels & dmaps.has_history
    raw = flagged_periods(dmaps.window_table(), flagged,
                          probability=np.where(flagged, 0.9, 0.1))
    _, table = refine_periods(catalog.drop(columns="episode"), dmaps, raw, flagged=flagged)
    return catalog, table


def test_each_episode_has_its_b_value(episodes):
    _, table = episodes
    assert list(table.columns[:-1]) == list(UNGROUPED_EPISODES.columns)
    assert set(EPISODE_STATS) <= set(table.columns)
    big = table[table["n_events"] > 1000].sort_values("onset")
    assert len(big) == 2
    assert big["b_value"].iloc[0] == pytest.approx(0.8, abs=0.05)
    assert big["b_value"].iloc[1] == pytest.approx(1.3, abs=0.05)
    assert (big["b_value_err"] > 0).all() and (big["b_value_err"] < 0.05).all()
    assert big["mc"].between(0.5, 1.2).all()
    assert big["depth_median_km"].between(2.0, 6.0).all()
    assert set(big["kind"]) <= {"aftershocks", "injection", "swarm"}
    assert table["b_value"].dtype == np.float64
    assert pd.api.types.is_string_dtype(table["kind"])


def test_too_few_events_leave_the_columns_empty(episodes):
    catalog, table = episodes
    row = table.iloc[[0]].copy()
    row["end"] = row["onset"]  # one event: nothing to fit
    few = with_episode_stats(catalog, row)
    fitted = [c for c in EPISODE_STATS if c not in ("kind", "depth_median_km")]
    assert few[fitted].isna().all(axis=None)
    assert few["kind"].iloc[0] == "" and np.isfinite(few["depth_median_km"].iloc[0])


def test_the_polygon_files_and_csv_carry_them(episodes, tmp_path):
    import geopandas as gpd

    from seisviz.export.files import episodes_csv, subregions_geojson

    _, table = episodes
    assert set(EPISODE_STATS) <= set(EPISODE_POLYGONS.columns)
    back = gpd.read_file(subregions_geojson(table, str(tmp_path / "s.geojson")))
    assert set(EPISODE_STATS) <= set(back.columns)
    np.testing.assert_allclose(back["b_value"], table["b_value"], rtol=1e-9)
    csv = pd.read_csv(episodes_csv(table, str(tmp_path / "e.csv")))
    np.testing.assert_allclose(csv["b_value"], table["b_value"], rtol=1e-9)
    assert list(csv["kind"].fillna("")) == list(table["kind"])
