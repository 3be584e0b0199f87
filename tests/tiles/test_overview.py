"""Reading a scan-tiles folder back (what the Overview page shows) and its figure, on a
folder written by `seisviz.tiles.run.write_overview` from tiles' episodes made here (no
model, no cluster); the default tile size and the tiles' scan settings. The page itself:
tests/pages/test_page_overview.py."""

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import shapely

from seisviz.errors import SeisvizError
from seisviz.plots.tiles import tile_overview_figure
from seisviz.tiles import make_tiles, split_events
from seisviz.tiles.grid import default_tile_km, tile_events
from seisviz.tiles.overview import load_overview, sort_episodes, tile_catalog
from seisviz.tiles.run import EVENTS_FILE, model_tile_km, tile_scan, write_overview
from seisviz.tiles.task import episodes_geojson


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
    for bad in ("../../tiles/r000c000", "/etc", "r000c000\n"):  # ids come from a file
        with pytest.raises(SeisvizError, match="not a tile id"):
            tile_catalog(str(out), bad)
    with pytest.raises(SeisvizError, match="scan-tiles"):
        load_overview(str(out / "tiles"))
    fig = tile_overview_figure(tile_table, episodes, selected=tiles[0].tile_id)
    kinds = [type(t).__name__ for t in fig.data]
    assert kinds[0] == "Choroplethmap" and kinds.count("Scattermap") == 3
    assert fig.layout.map.style == "white-bg"  # offline by default: no tiles fetched
    assert isinstance(fig, go.Figure)


def test_default_tile_size_is_the_models_grid_of_its_pixels_across_a_scan_box():
    assert default_tile_km(64, 1.0) == 43.0  # 43 + 2 x 10.75 km: 64 pixels of ~1 km
    assert default_tile_km(64, 0.9375) == 40.0  # 40 + 2 x 10 km: 64 pixels of 0.94 km
    assert default_tile_km(4, 0.1) == 1.0
    assert model_tile_km("resnet18") == 43.0
    with pytest.raises(SeisvizError):
        model_tile_km("no-such-model.pt")


def test_the_command_and_the_page_give_tiles_the_same_scan_settings():
    assert tile_scan(1.0) == {"window_days": None, "step_days": 1.0, "threshold": None,
                              "min_magnitude": None, "min_period_days": 5.0, "runtime": None}
    assert tile_scan(5, runtime="torch")["runtime"] is None  # torch stays out of the digest
    assert tile_scan(5, runtime="onnx")["runtime"] == "onnx"
