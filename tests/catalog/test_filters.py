"""Mc, catalog filters, polygon regions from real GeoJSON / GeoPackage / Shapefile files."""

import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon

from seisviz.errors import CatalogError, SeisvizError
from seisviz.catalog.filters import clip_to_region, filter_catalog, mc_max_curvature, read_region


def make_catalog():
    times = pd.date_range("2020-01-01", periods=10, freq="D", tz="UTC").as_unit("us")
    return pd.DataFrame({
        "time": times,
        "latitude": [28.0, 28.1, 28.2, 28.3, 28.4, 28.5, 28.6, 28.7, 28.8, 28.9],
        "longitude": [104.0, 104.1, 104.2, 104.3, 104.4, 104.5, 179.5, 181.0, -179.5, 104.9],
        "depth": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        "magnitude": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0],
    })


# Mc ----------------------------------------------------------------------------------------


def test_mc_max_curvature_is_the_modal_bin_plus_correction():
    # counts per 0.1 bin: 0.8:10, 0.9:30, 1.0:50 (mode), 1.1:40, 1.2:20, ...
    mags = np.repeat([0.8, 0.9, 1.0, 1.1, 1.2, 1.5, 2.0], [10, 30, 50, 40, 20, 5, 1])
    mags = mags + np.random.default_rng(0).uniform(-0.04, 0.04, len(mags))  # still in their bins
    assert mc_max_curvature(mags) == pytest.approx(1.2)
    assert mc_max_curvature(mags, correction=0) == pytest.approx(1.0)
    assert mc_max_curvature(np.array([0.99, 1.01, 1.1, 2.0]), bin_width=0.5, correction=0) == pytest.approx(1.0)
    assert np.isnan(mc_max_curvature([]))
    assert np.isnan(mc_max_curvature([np.nan]))


def test_mc_on_a_gutenberg_richter_sample_with_incompleteness():
    rng = np.random.default_rng(3)
    m = 0.95 + rng.exponential(1 / np.log(10), 20000)   # b = 1, complete from the 1.0 bin up
    below = rng.uniform(0.5, 0.95, 3000)                  # fewer, incomplete small events
    mags = np.round(np.concatenate([m, below]), 1)
    assert mc_max_curvature(mags, correction=0) == pytest.approx(1.0)


# filter_catalog ------------------------------------------------------------------------------


def test_time_filter_is_start_inclusive_end_exclusive():
    cat = make_catalog()
    out = filter_catalog(cat, start="2020-01-03", end=pd.Timestamp("2020-01-05"))
    assert out["time"].dt.day.tolist() == [3, 4]
    out = filter_catalog(cat, start=pd.Timestamp("2020-01-03 08:00", tz="Asia/Shanghai"))
    assert out["time"].dt.day.tolist()[0] == 3  # 08:00 Beijing is 00:00 UTC
    assert list(out.index) == list(range(len(out)))
    with pytest.raises(SeisvizError, match="not after start"):
        filter_catalog(cat, start="2020-01-05", end="2020-01-05")


def test_magnitude_and_depth_filters():
    cat = make_catalog()
    assert filter_catalog(cat, min_magnitude=4.0)["magnitude"].tolist() == [4.0, 4.5, 5.0]
    assert filter_catalog(cat, min_depth=2, max_depth=4)["depth"].tolist() == [2.0, 3.0, 4.0]
    assert len(filter_catalog(cat)) == len(cat)


def test_bbox_filter_and_antimeridian():
    cat = make_catalog()
    out = filter_catalog(cat, bbox=(104.05, 104.35, 28.0, 28.25))
    assert out["longitude"].tolist() == [104.1, 104.2]
    # crossing 180°: 179.5, 181.0 (= -179.0) and -179.5 are inside
    out = filter_catalog(cat, bbox=(179.0, -179.0, 0, 90))
    assert sorted(out["longitude"].tolist()) == [-179.5, 179.5, 181.0]
    out = filter_catalog(cat, bbox=(179.0, 181.0, 0, 90))
    assert sorted(out["longitude"].tolist()) == [-179.5, 179.5, 181.0]
    with pytest.raises(SeisvizError, match="min latitude"):
        filter_catalog(cat, bbox=(100, 110, 30, 20))


# regions ---------------------------------------------------------------------------------------

SQUARE = [[104.05, 28.05], [104.35, 28.05], [104.35, 28.35], [104.05, 28.35], [104.05, 28.05]]


def test_clip_to_geojson_region(tmp_path):
    path = tmp_path / "region.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "box"},
         "geometry": {"type": "Polygon", "coordinates": [SQUARE]}},
        {"type": "Feature", "properties": {"name": "well"},
         "geometry": {"type": "Point", "coordinates": [104.9, 28.9]}},
    ]}))
    region = read_region(path)
    out = clip_to_region(make_catalog(), region)
    assert out["longitude"].tolist() == [104.1, 104.2, 104.3]


def test_clip_to_projected_geopackage_region_is_reprojected(tmp_path):
    # the same square plus a square west of 180°, stored in Web Mercator
    gdf = gpd.GeoDataFrame({"name": ["box", "dateline"]}, geometry=[
        Polygon(SQUARE), Polygon([(179.0, 28.0), (180.0, 28.0), (180.0, 29.0), (179.0, 29.0)])],
        crs="EPSG:4326").to_crs("EPSG:3857")
    path = tmp_path / "region.gpkg"
    gdf.to_file(path, driver="GPKG")
    region = read_region(path)
    assert region.bounds[0] == pytest.approx(104.05)
    out = clip_to_region(make_catalog(), region)
    assert out["longitude"].tolist() == [104.1, 104.2, 104.3, 179.5]


def test_zipped_shapefile_region(tmp_path):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gpd.GeoDataFrame({"id": [1]}, geometry=[Polygon(SQUARE)], crs="EPSG:4326").to_file(
        shp_dir / "area.shp")
    zpath = tmp_path / "area.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        for f in shp_dir.iterdir():
            z.write(f, f.name)
    out = clip_to_region(make_catalog(), read_region(zpath))
    assert out["longitude"].tolist() == [104.1, 104.2, 104.3]


def test_region_errors(tmp_path):
    points = tmp_path / "points.geojson"
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}))
    with pytest.raises(CatalogError, match="points.geojson: has no polygons \\(found Point\\)"):
        read_region(points)
    junk = tmp_path / "junk.geojson"
    junk.write_text("this is not geojson")
    with pytest.raises(CatalogError) as e:
        read_region(junk)
    assert "junk.geojson: cannot read a region" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(CatalogError, match="file not found"):
        read_region(tmp_path / "missing.gpkg")
