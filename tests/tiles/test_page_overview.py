"""The Overview page (streamlit AppTest) and its figure, on a scan-tiles folder written by
`seisviz.tiles.run.write_overview` from tiles' episodes made here (no model, no cluster)."""

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import shapely

from seisviz.errors import SeisvizError
from seisviz.plots.tiles import tile_overview_figure
from seisviz.tiles import make_tiles, split_events
from seisviz.tiles.grid import tile_events
from seisviz.tiles.overview import load_overview, sort_episodes, tile_catalog
from seisviz.tiles.run import EVENTS_FILE, write_overview
from seisviz.tiles.task import episodes_geojson

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("overview")
    rng = np.random.default_rng(0)
    n = 4000
    catalog = pd.DataFrame({
        "time": pd.Timestamp("2020-01-01", tz="UTC")
        + pd.to_timedelta(np.sort(rng.uniform(0, 300, n)), unit="D"),
        "latitude": rng.uniform(30.0, 30.7, n), "longitude": rng.uniform(104.0, 104.8, n),
        "depth": 5.0, "magnitude": np.round(rng.uniform(0.5, 3, n), 1)})
    tiles = make_tiles((104.0, 104.8, 30.0, 30.7), 40)
    records = {}
    for i, (tile, index) in enumerate(split_events(catalog, tiles)):
        path = out / "tiles" / tile.tile_id
        path.mkdir(parents=True)
        tile_events(catalog, index).to_parquet(path / EVENTS_FILE, index=False)
        lon, lat = (tile.core[0] + tile.core[1]) / 2, (tile.core[2] + tile.core[3]) / 2
        onset = pd.Timestamp("2020-06-01", tz="UTC") + pd.Timedelta(days=10 * i)
        eps = gpd.GeoDataFrame(pd.DataFrame([{
            "tile_id": tile.tile_id, "tile_episode": 1, "onset": onset,
            "end": onset + pd.Timedelta(days=3), "n_events": 50 + i, "rate_ratio": 5.0 + i,
            "max_magnitude": 2.0 + 0.3 * i, "max_magnitude_time": onset,
            "peak_probability": 0.9, "center_lon": lon, "center_lat": lat, "in_core": True}]),
            geometry=[shapely.Point(lon, lat).buffer(0.01)], crs="EPSG:4326")
        (path / "tile_episodes.geojson").write_text(episodes_geojson(eps))
        records[tile.tile_id] = {"status": "done", "n_events": len(index), "n_episodes": 1,
                                 "seconds": 1.0}
    write_overview(str(out), tiles, records, {}, catalog, "national.csv", 40.0, 10.0,
                   {"model": "resnet18", "device": "cpu", "scan": {}, "min_events": 10},
                   None, {"mode": "serial"}, 0, 1.0)
    return out, catalog, tiles


def test_overview_readers_and_figure(folder):
    out, catalog, tiles = folder
    run, tile_table, episodes = load_overview(str(out))
    assert run["n_episodes"] == len(episodes) == len(tiles) == len(tile_table)
    assert (tile_table["n_episodes"] == 1).all()
    assert sort_episodes(episodes, "rate ratio")["rate_ratio"].is_monotonic_decreasing
    assert sort_episodes(episodes, "onset")["onset"].is_monotonic_increasing
    with pytest.raises(SeisvizError, match="sort by"):
        sort_episodes(episodes, "depth")
    events = tile_catalog(str(out), tiles[0].tile_id)
    assert events["time"].is_monotonic_increasing and str(events["time"].dt.tz) == "UTC"
    with pytest.raises(SeisvizError, match="no events saved"):
        tile_catalog(str(out), "r099c099")
    with pytest.raises(SeisvizError, match="scan-tiles"):
        load_overview(str(out / "tiles"))
    fig = tile_overview_figure(tile_table, episodes, selected=tiles[0].tile_id)
    kinds = [type(t).__name__ for t in fig.data]
    assert kinds[0] == "Choroplethmap" and kinds.count("Scattermap") == 3
    assert fig.layout.map.style == "white-bg"  # offline by default: no tiles fetched
    assert isinstance(fig, go.Figure)


def test_overview_page_opens_a_tile_as_the_current_catalog(folder):
    from streamlit.testing.v1 import AppTest

    out, catalog, tiles = folder
    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    at.session_state["tiles_folder"] = str(out)
    at.switch_page("pages/7_overview.py")
    at.run()
    assert not at.exception, at.exception
    assert any("episodes" == m.label for m in at.metric)
    tile = [s for s in at.selectbox if s.label == "Tile"][0]
    tile.set_value(tiles[1].tile_id).run()
    [b for b in at.button if b.label.startswith("Open tile")][0].click().run()
    assert not at.exception, at.exception
    assert at.session_state["catalog_name"].endswith(f"tile {tiles[1].tile_id}")
    assert len(at.session_state["catalog"]) == len(tile_catalog(str(out), tiles[1].tile_id))
    # a folder that is not a scan-tiles output is one line on the page
    at.text_input[0].set_value(str(out / "tiles")).run()
    assert not at.exception and at.error and "scan-tiles" in at.error[0].value
