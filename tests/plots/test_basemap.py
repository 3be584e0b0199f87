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


# ------------------------------------------------------------------ offline basemap

def test_offline_basemap_has_every_layer_and_only_what_is_in_view():
    # California: coasts, the US-Mexico border, state lines, rivers, lakes and towns
    box = (-125.0, -114.0, 32.0, 42.5)
    traces = {}
    for t in basemap.basemap_traces(box):
        traces.setdefault(t.name, []).append(t)
    assert set(traces) == set(basemap.BASEMAP_TRACES)
    for name in basemap.BASEMAP_TRACES:
        assert sum(x is not None for t in traces[name] for x in t.x) > 0, name
    assert traces[basemap.LAKES_TRACE][0].fill == "toself"
    assert traces[basemap.ADMIN1_TRACE][0].line.dash == "dash"
    assert "Los Angeles" in traces["basemap: places"][0].text
    # only what reaches into the frame: around Basel, the French, German and Swiss borders'
    # nearby vertices, not the whole of each border line
    xs, ys = basemap.outline_xy((7.3, 7.9, 47.3, 47.8))
    assert 0 < len(xs) < 300
    xs, _ = basemap.outline_xy((-160.0, -150.0, -50.0, -40.0))  # open Pacific
    assert xs == []


def test_offline_basemap_has_provinces_world_wide():
    # first-level lines come from Natural Earth 1:10m, so not only the USA, Canada, Brazil
    # and Australia (1:50m) have them: Sichuan/Chongqing/Guizhou, Japan's prefectures,
    # Italy's regions
    for box in [(102.0, 107.0, 27.0, 31.0), (135.0, 140.0, 34.0, 37.0),
                (10.0, 14.0, 42.0, 45.0)]:
        admin1 = [t for t in basemap.basemap_traces(box, places=False)
                  if t.name == basemap.ADMIN1_TRACE]
        assert sum(x is not None for t in admin1 for x in t.x) > 20, box


def test_town_markers_grow_with_population():
    sizes = basemap.town_marker_size([15_000, 1_000_000, 30_000_000])
    assert sizes[0] == 4 and sizes[0] < sizes[1] < sizes[2] <= 10


# ------------------------------------------------------------------ label placement

def _towns(n=40, seed=1, box=(0.0, 1.0, 0.0, 1.0)):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(box[0], box[1], n)
    lat = rng.uniform(box[2], box[3], n)
    names = [f"Town{'x' * int(k % 9)} {k}" for k in range(n)]
    return lon, lat, names


def test_labels_never_overlap_nor_leave_the_frame():
    from seisviz.plots.labels import label_box, place_labels, text_size

    box = (10.0, 11.0, 45.0, 45.7)
    lon, lat, names = _towns(60, box=box)
    placed = place_labels(box, lon, lat, names, width_px=500, height_px=400, font_size=11,
                          max_labels=60)
    assert 5 <= len(placed) < 60  # crowded: some placed, some dropped
    for i, a in enumerate(placed):
        x0, x1, y0, y1 = a.box
        assert 0 <= x0 < x1 <= 500 and 0 <= y0 < y1 <= 400
        assert x1 - x0 == pytest.approx(text_size(names[a.index], 11)[0])
        for b in placed[i + 1:]:
            assert not (x0 < b.box[1] and b.box[0] < x1 and y0 < b.box[3] and b.box[2] < y1)
    # a town on the frame's right edge is labelled to its left, not cut
    placed = place_labels(box, [10.999], [45.35], ["Edgetown"], width_px=500, height_px=400)
    assert placed and placed[0].position.endswith("left")
    assert label_box(0, 0, "ab", "middle right", 10)[0] > 0


def test_labels_keep_clear_of_the_dense_cluster():
    from seisviz.plots.labels import dense_cells, place_labels

    box = (0.0, 1.0, 0.0, 1.0)
    rng = np.random.default_rng(3)
    ev_lon = np.r_[rng.normal(0.5, 0.03, 3000), rng.uniform(0, 1, 300)]
    ev_lat = np.r_[rng.normal(0.5, 0.03, 3000), rng.uniform(0, 1, 300)]
    cells = dense_cells(box, ev_lon, ev_lat, 500, 500)
    assert cells and all(150 <= (c[0] + c[1]) / 2 <= 350 for c in cells)
    # a uniform scatter has no dense cells: labels go anywhere
    assert dense_cells(box, rng.uniform(0, 1, 5000), rng.uniform(0, 1, 5000), 500, 500) == []
    # a town right beside the cluster: its label does not cover the cluster's core
    lon, lat, names = [0.52, 0.2], [0.5, 0.8], ["Clustertown", "Faraway"]
    placed = place_labels(box, lon, lat, names, width_px=500, height_px=500,
                          events_lon=ev_lon, events_lat=ev_lat)
    core = (0.5 - 0.03) * 500, (0.5 + 0.03) * 500
    for p in placed:
        x0, x1, y0, y1 = p.box
        assert not (x0 < core[1] and core[0] < x1 and y0 < core[1] and core[0] < y1)
    assert [p.index for p in placed][-1] == 1  # the far town keeps its label


def test_epicentre_map_labels_avoid_each_other():
    from seisviz.plots.catalog import epicentre_map

    fig = epicentre_map(_catalog(), tiles=False)
    towns = [t for t in fig.data if t.name == "basemap: places"][0]
    assert len(towns.text) == len(towns.textposition) and len(towns.text) >= 1


# ------------------------------------------------------------------ tile probe

def test_tile_probe_on_a_local_server_and_a_closed_port(tile_server, monkeypatch):
    import socket
    import time

    basemap.forget_tile_probes()
    assert basemap.tiles_reachable(tile_server[0])
    assert any(p.startswith("/0/0/0") for p in tile_server[1])
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/{{z}}/{{x}}/{{y}}.png"
    t0 = time.monotonic()
    assert not basemap.tiles_reachable(closed)
    assert time.monotonic() - t0 < 3
    # the answer is remembered: no second request
    served = len(tile_server[1])
    assert basemap.tiles_reachable(tile_server[0]) and len(tile_server[1]) == served
    # tiles asked for, server down: no tiles and no attribution line
    from seisviz.plots.catalog import epicentre_map

    monkeypatch.setenv("SEISVIZ_TILE_URL", closed)
    fig = epicentre_map(_catalog())
    assert not fig.layout.images
    assert not [a for a in fig.layout.annotations if a.name == "attribution"]
    # "off" decides without probing
    monkeypatch.setenv("SEISVIZ_TILE_URL", "off")
    basemap.forget_tile_probes()
    assert basemap.tiles_enabled(True) is None and basemap._PROBES == {}
    basemap.forget_tile_probes()


# ------------------------------------------------------------------ frames, dates, stars

def test_robust_box_ignores_one_outlier_and_full_box_keeps_it():
    from seisviz.plots.framing import full_box, robust_box

    rng = np.random.default_rng(0)
    lon = np.r_[rng.normal(104.9, 0.05, 200), 109.9]  # one event 5° east
    lat = np.r_[rng.normal(28.3, 0.05, 200), 28.3]
    box = robust_box(lon, lat)
    assert box[1] < 105.3 and box[0] > 104.5 and box[1] - box[0] < 0.6
    full = full_box(lon, lat)
    assert full[1] > 109.9 and full[0] < lon.min()
    # a single event (or a tight cluster) still gets a frame of at least 0.05°
    tiny = robust_box([10.0, 10.001], [45.0, 45.0])
    assert tiny[1] - tiny[0] >= 0.05 - 1e-9 and tiny[3] - tiny[2] >= 0.05 - 1e-9


def test_date_colorbar_reads_dates():
    from seisviz.plots.framing import date_colorbar, time_colour_values

    times = pd.date_range("2019-07-01", "2019-07-12", periods=50, tz="UTC")
    vals, text = date_colorbar(times)
    assert 2 <= len(vals) <= 7 and all(t.startswith("2019-07-") and len(t) == 10 for t in text)
    colours = time_colour_values(times)
    assert colours.min() <= vals[0] and vals[-1] <= colours.max()
    assert text[0] == pd.Timestamp(vals[0] * 86400, unit="s").strftime("%Y-%m-%d")
    years = pd.to_datetime(["2012-03-01", "2020-06-01"])
    _, text = date_colorbar(years)
    assert all(len(t) == 4 for t in text)
    dec, text = date_colorbar(times, unit="decimal_year")
    assert all(2019.49 < v < 2019.54 for v in dec)
    assert date_colorbar([]) == ([], [])


def test_default_star_magnitude_follows_the_catalog():
    from seisviz.plots.framing import default_star_magnitude

    rng = np.random.default_rng(0)
    mags = np.round(rng.exponential(1 / np.log(10), 20000) + 1.0, 1)  # b = 1 from M 1
    star = default_star_magnitude(mags)
    assert 1 <= (mags >= star).sum() <= 30
    assert star >= 1.0 + 2.0 and round(star, 1) == star
    # a catalog of small events: never below Mc + 2
    assert default_star_magnitude(np.r_[np.full(100, 0.5), 0.9], mc=0.5) == 2.5
    assert default_star_magnitude([]) is None
