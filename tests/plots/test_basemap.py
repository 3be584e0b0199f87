"""seisviz.plots.basemap and seisviz.overlays: coordinates with hemisphere letters, the
offline basemap, web tiles from a tile server on 127.0.0.1 (no internet), the scale bar,
overlay files of every kind, large-event stars."""

import urllib.request
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from seisviz.errors import SeisvizError
from seisviz.overlays import read_overlay
from seisviz.plots import basemap
from seisviz.plots.basemap import format_lat, format_lon, geo_ticks, scale_km, tiles_for


def test_hemisphere_letters():
    assert format_lon(-115.655) == "115.655°W"
    assert format_lat(-33.2) == "33.2°S"
    assert format_lon(104.9) == "104.9°E" and format_lat(28.1) == "28.1°N"
    assert format_lon(0) == "0°" and format_lat(0.0) == "0°"
    vals, text = geo_ticks(-116.0, -115.0, "lon")
    assert text[0].endswith("°W") and all("-" not in t for t in text)


def test_tiles_cover_the_box_and_scale_is_round():
    box = (104.6, 105.3, 28.0, 28.6)
    zoom, tiles = tiles_for(box)
    assert 1 <= len(tiles) <= basemap.MAX_TILES and zoom >= 7
    west = min(basemap.tile_bounds(x, y, zoom)[0] for x, y in tiles)
    north = max(basemap.tile_bounds(x, y, zoom)[3] for x, y in tiles)
    assert west <= box[0] and north >= box[3]
    assert scale_km(68) == 10 and scale_km(9.5) == 1


def _catalog():
    rng = np.random.default_rng(0)
    n = 300
    return pd.DataFrame({
        "time": pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(
            np.sort(rng.uniform(0, 200, n)), unit="D"),
        "longitude": rng.uniform(104.6, 105.3, n), "latitude": rng.uniform(28.0, 28.6, n),
        "depth": 5.0, "magnitude": np.r_[rng.uniform(0, 3, n - 2), 4.5, 5.0]})


def test_tiles_come_from_the_configured_server(tile_server, monkeypatch):
    from seisviz.plots.catalog import epicentre_map

    monkeypatch.setenv("SEISVIZ_TILE_URL", tile_server[0])
    fig = epicentre_map(_catalog())
    sources = [im.source for im in fig.layout.images]
    assert sources and all(s.startswith("http://127.0.0.1:") for s in sources)
    for s in sources:
        with urllib.request.urlopen(s, timeout=5) as r:
            assert r.status == 200 and r.read(8) == b"\x89PNG\r\n\x1a\n"
    # tiles off: no images, but the offline basemap, ticks and scale bar are still there
    monkeypatch.setenv("SEISVIZ_TILE_URL", "off")
    fig = epicentre_map(_catalog())
    assert not fig.layout.images
    names = {t.name for t in fig.data}
    assert set(basemap.BASEMAP_TRACES) <= names
    assert any(a.text.endswith(" km") for a in fig.layout.annotations)
    assert all(t.endswith("°E") for t in fig.layout.xaxis.ticktext)


def _layers(tmp_path):
    frame = gpd.GeoDataFrame(
        {"name": ["fault A", "well 1", "study area"]},
        geometry=[shapely.LineString([(104.7, 28.1), (105.1, 28.5)]), shapely.Point(104.9, 28.3),
                  shapely.box(104.8, 28.2, 105.0, 28.4)], crs="EPSG:4326")
    frame.to_file(tmp_path / "l.geojson")
    frame.to_file(tmp_path / "l.gpkg")
    # a Shapefile holds one geometry type: the fault, in UTM (must come back as lon/lat)
    frame.iloc[:1].to_crs(32648).to_file(tmp_path / "shp.shp")
    with zipfile.ZipFile(tmp_path / "l.zip", "w") as z:
        for ext in ("shp", "shx", "dbf", "prj"):
            z.write(tmp_path / f"shp.{ext}", f"shp.{ext}")
    frame.to_file(tmp_path / "l.kml", driver="KML")
    return ["l.geojson", "l.gpkg", "l.zip", "l.kml"]


def test_overlays_of_every_format_are_drawn(tmp_path):
    from seisviz.plots.catalog import epicentre_map

    for name in _layers(tmp_path):
        layer = read_overlay((tmp_path / name).read_bytes(), filename=name, colour="#123456")
        xs, ys, px, py, labels = layer.xy()
        if name.endswith(".zip"):
            assert layer.kinds() == {"lines": 1, "points": 0, "polygons": 0}
            assert xs[0] == pytest.approx(104.7, abs=1e-6) and ys[0] == pytest.approx(28.1, abs=1e-6)
        else:
            assert layer.kinds() == {"lines": 1, "points": 1, "polygons": 1}, name
            assert px == pytest.approx([104.9], abs=1e-6) and py == pytest.approx([28.3], abs=1e-6)
            assert xs.count(None) == 2  # the fault and the study area's outline
            assert labels == ["well 1"]
        fig = epicentre_map(_catalog(), overlays=[layer], star_magnitude=4.5)
        drawn = [t for t in fig.data if t.name == layer.name]
        assert len(drawn) == (1 if name.endswith(".zip") else 2) and all(
            (t.line.color if t.mode == "lines" else t.marker.color) == "#123456" for t in drawn)
        stars = [t for t in fig.data if t.name == basemap.STAR_TRACE]
        assert len(stars) == 1 and len(stars[0].x) == 2


def test_bad_overlay_files_are_one_line_errors(tmp_path):
    for data, name in ((b"not json", "x.geojson"), (b"PK\x03\x04junk", "x.zip"),
                       (b"1,2", "x.csv")):
        with pytest.raises(SeisvizError) as e:
            read_overlay(data, filename=name)
        assert "\n" not in str(e.value) and name in str(e.value)
