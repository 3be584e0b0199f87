"""Every map figure frames the bulk of the events (one outlying event no longer stretches it
into a sliver), shows them all on request (extent="all"), reads time as dates, and takes
the sidebar's map options (overlays, star_magnitude, tiles, extent) the same way."""

import inspect

import numpy as np
import pandas as pd
import pytest
import shapely

from seisviz.export.figures import subregion_figures
from seisviz.maps import catalog_bbox, make_grid, rasterize
from seisviz.plots.basemap import STAR_TRACE
from seisviz.plots.catalog import epicentre_map
from seisviz.plots.framing import robust_box
from seisviz.plots.maps import animated_map, frame_box, maps_bbox, single_map
from seisviz.plots.subregions import panel_data, subregion_figure

T0 = pd.Timestamp("2020-01-01", tz="UTC")
OUTLIER = (109.9, 27.3)  # one mislocated event 5° east of the rest


def clustered(n=3000, seed=0, outlier=True):
    """Events around (104.9°E, 28.3°N) over 200 days, and one far away."""
    rng = np.random.default_rng(seed)
    lon = rng.normal(104.9, 0.05, n)
    lat = rng.normal(28.3, 0.05, n)
    t = np.sort(rng.uniform(0, 200, n))
    mag = np.round(rng.exponential(0.4, n), 1)
    if outlier:
        lon[n // 2], lat[n // 2] = OUTLIER
    return pd.DataFrame({"time": T0 + pd.to_timedelta(t, unit="D"), "latitude": lat,
                         "longitude": lon, "depth": 5.0, "magnitude": mag})


@pytest.fixture(scope="module")
def catalog():
    return clustered()


def x_range(fig, axis="xaxis"):
    return list(fig.layout[axis].range)


def trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, name
    return found[0]


# ------------------------------------------------------------------ the catalog's map

def test_epicentre_map_frames_the_bulk_and_says_what_is_outside(catalog):
    fig = epicentre_map(catalog, tiles=False)
    x0, x1 = x_range(fig)
    y0, y1 = x_range(fig, "yaxis")
    assert 104.5 < x0 < 104.9 < x1 < 105.3 and x1 - x0 < 0.6  # not 5° wide
    assert 27.9 < y0 < 28.3 < y1 < 28.7
    assert "1 event outside the frame" in fig.layout.title.text
    # the colour bar of time reads dates
    bar = trace(fig, "events").marker.colorbar
    assert bar.title.text == "date"
    assert all(len(t) == 7 and t.startswith("2020-") for t in bar.ticktext)  # 2020-03 ...


def test_epicentre_map_shows_every_event_on_request(catalog):
    fig = epicentre_map(catalog, tiles=False, extent="all", max_points=500)
    x0, x1 = x_range(fig)
    y0, _ = x_range(fig, "yaxis")
    assert x0 < 104.8 and x1 > OUTLIER[0] and y0 < OUTLIER[1]
    assert "outside the frame" not in fig.layout.title.text
    # thinned to 500 points, the one event far away is still drawn
    events = trace(fig, "events")
    assert len(events.x) == 500 and OUTLIER[0] in set(events.x)
    with pytest.raises(ValueError, match="extent"):
        epicentre_map(catalog, extent="everything")


def test_stars_only_when_a_magnitude_is_given(catalog):
    assert not [t for t in epicentre_map(catalog, tiles=False).data if t.name == STAR_TRACE]
    stars = trace(epicentre_map(catalog, tiles=False, star_magnitude=2.0), STAR_TRACE)
    assert len(stars.x) == int((catalog["magnitude"] >= 2.0).sum()) > 0


# ------------------------------------------------------------------ the Maps page's maps

@pytest.fixture(scope="module")
def dmaps_all(catalog):
    """Maps on the detector's grid (every event, the outlier included)."""
    return rasterize(catalog, make_grid(catalog_bbox(catalog), 32), window_days=30,
                     step_days=10, background_days=60)


def test_maps_frame_the_bulk_within_the_grid(catalog, dmaps_all):
    bulk = robust_box(catalog["longitude"], catalog["latitude"])
    for fig in (animated_map(dmaps_all, star_events=catalog, tiles=False),
                single_map(dmaps_all, 5, star_events=catalog, tiles=False)):
        x0, x1 = x_range(fig)
        assert x1 - x0 < 0.6 and x0 == pytest.approx(bulk[0]) and x1 == pytest.approx(bulk[1])
        assert list(fig.layout.meta["box"]) == pytest.approx(list(bulk))
    # extent "all": the whole grid, the far event included
    g = dmaps_all.grid
    for fig in (animated_map(dmaps_all, star_events=catalog, tiles=False, extent="all"),
                single_map(dmaps_all, 5, star_events=catalog, tiles=False, extent="all")):
        assert x_range(fig) == [g.min_lon, g.max_lon] and g.max_lon > OUTLIER[0]


def test_maps_without_events_frame_their_own_pixels(catalog, dmaps_all):
    box = frame_box(dmaps_all)  # no events given: the maps' counts stand in for them
    assert 104.5 < box[0] < 104.9 < box[1] < 105.4
    fig = single_map(dmaps_all, 0, tiles=False)
    assert x_range(fig) == pytest.approx([box[0], box[1]])


def test_the_maps_page_bins_the_bulk_or_everything(catalog):
    """With extent "bulk" the grid follows the bulk, so its pixels stay square-ish and
    small; the event left outside is reported."""
    bulk, every = maps_bbox(catalog), maps_bbox(catalog, "all")
    assert bulk[1] - bulk[0] < 0.6 and every == catalog_bbox(catalog)
    dm = rasterize(catalog, make_grid(bulk, 32), window_days=30, step_days=10)
    w_km, h_km = dm.grid.pixel_km
    assert w_km < 2 and h_km < 2
    assert dm.n_outside_grid == 1 and "1 events outside the grid" in dm.report()


# ------------------------------------------------------------------ Figures S4/S5

def test_subregion_map_shows_every_event_of_the_period_on_request(catalog):
    poly = shapely.box(104.85, 28.25, 104.95, 28.35)
    start, end = T0 + pd.Timedelta(days=90), T0 + pd.Timedelta(days=110)
    d = panel_data(catalog, poly, start, end)
    assert d["box"][1] < 105.1  # the subregion and 5 km around it
    t = catalog["time"]
    in_period = (t >= start) & (t <= end)
    assert len(d["map_events"]) < int(in_period.sum())
    d = panel_data(catalog, poly, start, end, extent="all")
    assert len(d["map_events"]) == int(in_period.sum())
    fig = subregion_figure(catalog, poly, start, end, tiles=False, extent="all")
    assert fig.layout.xaxis.range[1] >= catalog.loc[in_period, "longitude"].max()


# ------------------------------------------------------------------ one set of options

OPTIONS = {"overlays": [], "star_magnitude": None, "tiles": False, "extent": "all"}


@pytest.mark.parametrize("function", [epicentre_map, animated_map, single_map,
                                      subregion_figure])
def test_every_map_takes_the_sidebar_options_with_the_same_defaults(function):
    params = inspect.signature(function).parameters
    assert params["overlays"].default is None
    assert params["star_magnitude"].default is None  # no stars unless a caller chooses
    assert params["tiles"].default is True
    assert params["extent"].default == "bulk"


def test_the_options_splat_into_every_map(catalog, dmaps_all):
    poly = shapely.box(104.85, 28.25, 104.95, 28.35)
    row = pd.Series({"period_id": 1, "subregion_id": 1, "start": T0 + pd.Timedelta(days=90),
                     "end": T0 + pd.Timedelta(days=110), "geometry": poly})
    figs = [epicentre_map(catalog, **OPTIONS), animated_map(dmaps_all, **OPTIONS),
            single_map(dmaps_all, 0, **OPTIONS), subregion_figure(catalog, row, **OPTIONS)]
    figs += [f for stem, f in subregion_figures(catalog, pd.DataFrame([row]), **OPTIONS)
             if stem.endswith("_subregion_1")]
    assert all(not [t for t in f.data if t.name == STAR_TRACE] for f in figs)
    # the exported figure is the one on screen
    assert figs[-1].layout.xaxis.range == figs[-2].layout.xaxis.range
