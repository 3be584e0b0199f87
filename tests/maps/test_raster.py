"""seisviz.raster: sliding-window maps checked against a naive per-window histogram2d loop."""

import numpy as np
import pandas as pd
import pytest

from seisviz.errors import SeisvizError
from seisviz.timeutil import DAY_NS
from seisviz.maps import catalog_bbox, events_in_window, make_grid, rasterize, save_npz

T0 = pd.Timestamp("2019-03-01 00:00", tz="UTC").value


def make_catalog(times_ns, lon, lat, mag=None):
    n = len(times_ns)
    order = np.argsort(times_ns, kind="stable")
    return pd.DataFrame({
        "time": pd.to_datetime(np.asarray(times_ns, dtype=np.int64)[order], utc=True),
        "latitude": np.asarray(lat, float)[order],
        "longitude": np.asarray(lon, float)[order],
        "depth": np.full(n, 5.0),
        "magnitude": (np.full(n, 1.0) if mag is None else np.asarray(mag, float)[order]),
    })


def random_catalog(seed, n=3000, days=120.0):
    """Events over `days`, some on whole days (window boundaries), some off the grid."""
    rng = np.random.default_rng(seed)
    t = T0 + 7 * 3600 * 10**9 + rng.integers(0, int(days * DAY_NS), n)
    on_day = rng.random(n) < 0.2
    t[on_day] = (t[on_day] // DAY_NS) * DAY_NS
    # a burst, so that windows differ a lot
    burst = rng.random(n) < 0.15
    t[burst] = T0 + int(days / 2 * DAY_NS) + rng.integers(0, 5 * DAY_NS, burst.sum())
    lon = rng.uniform(103.9, 105.1, n)  # the test grid is (104, 105): some fall outside
    lat = rng.uniform(27.9, 29.1, n)
    return make_catalog(t, lon, lat)


def naive(catalog, grid, window_days, step_days, background_days):
    """Window by window, np.histogram2d on the events of [start, start + length)."""
    t = pd.DatetimeIndex(catalog["time"]).as_unit("ns").asi8
    lon = catalog["longitude"].to_numpy()
    lat = catalog["latitude"].to_numpy()
    first_day = (t.min() // DAY_NS) * DAY_NS
    span_end = (t.max() // DAY_NS + 1) * DAY_NS
    length = int(round(window_days * DAY_NS))
    step = int(round(step_days * DAY_NS))
    starts = []
    s = first_day
    while s + length <= span_end:
        starts.append(s)
        s += step
    if not starts:
        starts = [first_day]
    bins = [grid.lat_edges, grid.lon_edges]  # rows = latitude, columns = longitude

    def hist(lo, hi):
        m = (t >= lo) & (t < hi)
        return np.histogram2d(lat[m], lon[m], bins=bins)[0]

    count, background = [], []
    for s in starts:
        count.append(hist(s, s + length))
        b0 = max(s - int(round(background_days * DAY_NS)), first_day)
        if b0 < s:
            background.append(hist(b0, s) * (length / (s - b0)))
        else:
            background.append(np.zeros((grid.ny, grid.nx)))
    return np.array(starts), length, np.array(count), np.array(background)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("window_days,step_days,background_days", [
    (30, 1, 180),
    (7.5, 2.25, 40),
    (10, 3, 5.5),
    (0.5, 0.25, 3),
    (5, 12, 20),       # step longer than the window: gaps between windows
])
def test_matches_naive_histogram2d(seed, window_days, step_days, background_days):
    catalog = random_catalog(seed)
    grid = make_grid((104.0, 105.0, 28.0, 29.0), (12, 9))
    d = rasterize(catalog, grid, window_days, step_days, background_days)
    starts, length, count, background = naive(catalog, grid, window_days, step_days,
                                              background_days)
    assert len(d) == len(starts)
    np.testing.assert_array_equal(d.window_start.astype(np.int64), starts)
    np.testing.assert_array_equal(d.window_end.astype(np.int64), starts + length)
    assert d.maps.shape == (len(starts), 2, 9, 12)
    assert d.channels == ("count", "background")
    # identical counts in every window, every pixel
    np.testing.assert_array_equal(d.channel("count"), count.astype(np.float32))
    assert count.sum() > 0
    np.testing.assert_allclose(d.channel("background"), background, rtol=1e-5, atol=1e-4)
    assert background.sum() > 0


def test_matches_naive_on_default_grid_from_catalog():
    catalog = random_catalog(7, n=2000, days=60)
    d = rasterize(catalog, window_days=10, step_days=1, background_days=30, n_pixels=16)
    assert d.n_outside_grid == 0  # the default bbox is the catalog's, padded
    _, _, count, background = naive(catalog, d.grid, 10, 1, 30)
    np.testing.assert_array_equal(d.channel("count"), count)
    np.testing.assert_allclose(d.channel("background"), background, rtol=1e-5, atol=1e-4)


def test_events_on_bbox_edges_are_counted():
    bbox = (104.0, 105.0, 28.0, 29.0)
    grid = make_grid(bbox, 4)
    lon = [104.0, 105.0, 104.0, 105.0, 104.5, 104.0]
    lat = [28.0, 29.0, 29.0, 28.0, 28.0, 28.5]
    t = T0 + np.arange(6) * 3600 * 10**9
    d = rasterize(make_catalog(t, lon, lat), grid, window_days=1, step_days=1)
    assert d.n_outside_grid == 0
    c = d.channel("count")[0]
    assert c.sum() == 6
    assert c[0, 0] == 1 and c[3, 3] == 1 and c[3, 0] == 1 and c[0, 3] == 1
    assert c[0, 2] == 1  # 104.5 is an inner edge: bins are closed on the left
    assert c[2, 0] == 1


def test_events_outside_the_grid_are_counted_as_such():
    grid = make_grid((104.0, 105.0, 28.0, 29.0), 4)
    lon = [103.999, 105.001, 104.5, 104.5, 104.5, np.nan]
    lat = [28.5, 28.5, 27.99, 29.01, 28.5, 28.5]
    t = T0 + np.arange(6) * 3600 * 10**9
    d = rasterize(make_catalog(t, lon, lat), grid, window_days=1, step_days=1)
    assert d.n_outside_grid == 5
    assert d.channel("count").sum() == 1
    assert "5 events outside the grid" in d.report()


def test_empty_windows_are_zero():
    # events on days 0-4 and 60-64; a 30-day gap in the middle
    rng = np.random.default_rng(3)
    t = np.concatenate([T0 + rng.integers(0, 5 * DAY_NS, 50),
                        T0 + 60 * DAY_NS + rng.integers(0, 5 * DAY_NS, 50)])
    cat = make_catalog(t, rng.uniform(104, 105, 100), rng.uniform(28, 29, 100))
    d = rasterize(cat, make_grid((104, 105, 28, 29), 8), window_days=10, step_days=1,
                  background_days=10)
    starts = d.window_start.astype(np.int64)
    ends = d.window_end.astype(np.int64)
    empty = (starts >= T0 + 5 * DAY_NS) & (ends <= T0 + 60 * DAY_NS)
    assert empty.sum() == 46
    assert not d.channel("count")[empty].any()
    assert d.channel("count")[~empty].sum(axis=(1, 2)).min() > 0
    # 10 days after the first cluster there is nothing in the background either
    quiet = starts >= T0 + 15 * DAY_NS
    quiet &= starts <= T0 + 60 * DAY_NS
    assert not d.channel("background")[quiet].any()
    assert d.window_table()["n_events"].iloc[np.flatnonzero(empty)].eq(0).all()


def test_window_longer_than_catalog_gives_one_window():
    rng = np.random.default_rng(4)
    t = T0 + 3600 * 10**9 + rng.integers(0, 10 * DAY_NS, 40)
    cat = make_catalog(t, rng.uniform(104, 105, 40), rng.uniform(28, 29, 40))
    d = rasterize(cat, make_grid((104, 105, 28, 29), 5), window_days=30, step_days=1)
    assert len(d) == 1
    assert d.window_start[0] == np.datetime64(T0, "ns")
    assert d.window_end[0] - d.window_start[0] == np.timedelta64(30 * DAY_NS, "ns")
    assert d.channel("count").sum() == 40
    assert d.n_outside_windows == 0
    assert not d.channel("background").any()
    assert not d.has_history[0]


def test_step_that_does_not_divide_the_span():
    # events every 6 hours on days 0..9: the span is [day 0, day 10)
    t = T0 + np.arange(40) * DAY_NS // 4
    cat = make_catalog(t, np.full(40, 104.5), np.full(40, 28.5))
    d = rasterize(cat, make_grid((104, 105, 28, 29), 2), window_days=3, step_days=4)
    # windows [0, 3) and [4, 7); [8, 11) would end after the span
    assert len(d) == 2
    assert d.window_end[-1] <= np.datetime64(T0 + 10 * DAY_NS, "ns")
    np.testing.assert_array_equal(d.channel("count").sum(axis=(1, 2)), [12, 12])
    # outside every window: day 3 (the gap) and days 7-9 (after the last window)
    assert d.n_outside_windows == 4 + 12
    assert "16 outside every window" in d.report()


def test_events_after_last_window_counted_outside():
    t = T0 + np.arange(40) * DAY_NS // 4  # days 0..9
    cat = make_catalog(t, np.full(40, 104.5), np.full(40, 28.5))
    d = rasterize(cat, make_grid((104, 105, 28, 29), 2), window_days=4, step_days=3)
    # windows [0,4), [3,7), [6,10): all days covered
    assert len(d) == 3 and d.n_outside_windows == 0
    d = rasterize(cat, make_grid((104, 105, 28, 29), 2), window_days=5, step_days=3)
    # windows [0,5), [3,8): days 8 and 9 are after the last window
    assert len(d) == 2 and d.n_outside_windows == 8


def test_background_channel_and_history_flag():
    # one event a day at the same place: background == count once history is long enough
    t = T0 + np.arange(100) * DAY_NS + 3600 * 10**9
    cat = make_catalog(t, np.full(100, 104.5), np.full(100, 28.5))
    d = rasterize(cat, make_grid((104, 105, 28, 29), 2), window_days=10, step_days=1,
                  background_days=20)
    bg = d.channel("background").sum(axis=(1, 2))
    count = d.channel("count").sum(axis=(1, 2))
    np.testing.assert_array_equal(count, 10)
    assert bg[0] == 0 and not d.has_history[0]
    np.testing.assert_allclose(bg[1:], 10, rtol=1e-6)  # clipped history, rescaled
    np.testing.assert_array_equal(d.has_history, np.arange(len(d)) >= 10)


@pytest.mark.parametrize("pixel_km", [1.0, 2.5, 7.0])
def test_pixel_km_gives_square_pixels(pixel_km):
    bbox = (104.0, 105.3, 28.0, 29.1)
    grid = make_grid(bbox, pixel_km=pixel_km)
    w, h = grid.pixel_km
    assert w == pytest.approx(pixel_km, rel=1e-3)
    assert h == pytest.approx(pixel_km, rel=1e-3)
    # whole pixels cover the bbox, with less than one pixel to spare
    assert grid.min_lon == 104.0 and grid.min_lat == 28.0
    dlon = (grid.max_lon - grid.min_lon) / grid.nx
    dlat = (grid.max_lat - grid.min_lat) / grid.ny
    assert 105.3 <= grid.max_lon < 105.3 + dlon
    assert 29.1 <= grid.max_lat < 29.1 + dlat
    assert grid.nx > grid.ny  # wider than tall at this latitude


def test_catalog_bbox_pads_the_extent():
    cat = random_catalog(5, n=100)
    min_lon, max_lon, min_lat, max_lat = catalog_bbox(cat)
    assert min_lon < cat["longitude"].min() and max_lon > cat["longitude"].max()
    assert min_lat < cat["latitude"].min() and max_lat > cat["latitude"].max()


@pytest.mark.parametrize("call", [
    lambda c: rasterize(c.iloc[:0]),
    lambda c: rasterize(c, window_days=0),
    lambda c: rasterize(c, window_days=-3),
    lambda c: rasterize(c, step_days=0),
    lambda c: rasterize(c, background_days=0),
    lambda c: rasterize(c, window_days=float("nan")),
    lambda c: rasterize(c, step_days=float("inf")),
    lambda c: rasterize(c, background_days=float("nan")),
    lambda c: rasterize(c, step_days=1e-9),           # billions of windows
    lambda c: rasterize(c, n_pixels=0),
    lambda c: rasterize(c, make_grid((104, 105, 28, 29), pixel_km=0.001)),  # too big
    lambda c: make_grid((105, 104, 28, 29)),
    lambda c: make_grid((104, 105, 29, 29)),
    lambda c: make_grid((104, 105, float("nan"), 29)),
    lambda c: make_grid((104, 105, 28, 29), pixel_km=0),
    lambda c: make_grid((104, 105, 28, 29), pixel_km=-1),
    lambda c: make_grid((104, 105, 28, 29), pixel_km=float("nan")),
    lambda c: make_grid((104, 105, 28, 29), n_pixels=(4, 0)),
    lambda c: catalog_bbox(c.iloc[:0]),
], ids=lambda f: "")
def test_bad_arguments_raise_seisviz_error(call):
    cat = random_catalog(0, n=50)
    with pytest.raises(SeisvizError) as info:
        call(cat)
    assert "\n" not in str(info.value)


def test_save_npz_keys_and_round_trip(tmp_path):
    cat = random_catalog(1, n=500, days=40)
    d = rasterize(cat, make_grid((104, 105, 28, 29), 6), window_days=10, step_days=2.5,
                  background_days=15)
    path = tmp_path / "maps.npz"
    save_npz(path, d)
    with np.load(path) as z:
        assert {"maps", "window_start", "window_end", "bbox", "grid", "channels",
                "has_history", "settings"} <= set(z.files)
        np.testing.assert_array_equal(z["maps"], d.maps)
        assert z["maps"].dtype == np.float32
        assert z["window_start"].dtype.kind == "U" and z["window_end"].dtype.kind == "U"
        assert z["window_start"][0].endswith("+00:00")
        start = pd.to_datetime(z["window_start"], utc=True)
        end = pd.to_datetime(z["window_end"], utc=True)
        np.testing.assert_array_equal(start.as_unit("ns").asi8, d.window_start.astype(np.int64))
        np.testing.assert_array_equal(end.as_unit("ns").asi8, d.window_end.astype(np.int64))
        np.testing.assert_array_equal(z["bbox"], [104, 105, 28, 29])
        np.testing.assert_array_equal(z["grid"], [6, 6])
        assert list(z["channels"]) == ["count", "background"]
        np.testing.assert_array_equal(z["has_history"], d.has_history)
        np.testing.assert_array_equal(z["settings"], [10, 2.5, 15])


def test_events_in_window_matches_count_channel():
    cat = random_catalog(2, n=1500, days=50)
    d = rasterize(cat, window_days=7, step_days=3, n_pixels=10)
    assert d.n_outside_grid == 0
    t = pd.DatetimeIndex(cat["time"]).as_unit("ns").asi8
    for i in range(len(d)):
        start = pd.Timestamp(d.window_start[i], tz="UTC")
        end = pd.Timestamp(d.window_end[i], tz="UTC")
        ev = events_in_window(cat, start, end)
        assert len(ev) == d.channel("count")[i].sum()
        assert len(ev) == np.count_nonzero((t >= start.value) & (t < end.value))
        if len(ev):
            assert ev["time"].min() >= start and ev["time"].max() < end


def test_events_exactly_on_every_grid_edge_bin_like_histogram2d():
    grid = make_grid((103.7, 105.13, 27.91, 29.37), (37, 23))
    rng = np.random.default_rng(9)
    lon = np.concatenate([grid.lon_edges, rng.choice(grid.lon_edges, 300),
                          rng.uniform(103.6, 105.2, 300), np.nextafter(grid.lon_edges, 0)])
    lat = np.concatenate([rng.choice(grid.lat_edges, len(grid.lon_edges)),
                          rng.uniform(27.8, 29.5, 300), rng.choice(grid.lat_edges, 300),
                          np.nextafter(rng.choice(grid.lat_edges, len(grid.lon_edges)), 90)])
    t = T0 + rng.integers(0, DAY_NS, len(lon))
    cat = make_catalog(t, lon, lat)
    d = rasterize(cat, grid, window_days=1, step_days=1)
    expected = np.histogram2d(lat, lon, bins=[grid.lat_edges, grid.lon_edges])[0]
    np.testing.assert_array_equal(d.channel("count")[0], expected)
    assert d.n_outside_grid == len(lon) - expected.sum()


def test_row_order_does_not_matter():
    cat = random_catalog(6, n=1000, days=40)
    grid = make_grid((104.0, 105.0, 28.0, 29.0), 10)
    a = rasterize(cat, grid, 5, 1, 10)
    b = rasterize(cat.sample(frac=1.0, random_state=1), grid, 5, 1, 10)
    np.testing.assert_array_equal(a.maps, b.maps)
    assert a.n_outside_windows == b.n_outside_windows


# ------------------------------------------------------------------ long catalogs

def test_maps_over_the_memory_budget_stream_to_disk_and_equal_the_in_memory_maps():
    import gc
    import os

    cat = random_catalog(5, n=4000, days=400.0)
    grid = make_grid(catalog_bbox(cat), 16)
    in_memory = rasterize(cat, grid, 20.0, 1.0, 60.0)
    assert not isinstance(in_memory.maps, np.memmap)
    # a budget smaller than the maps: they go to a temporary file, chunk by chunk
    streamed = rasterize(cat, grid, 20.0, 1.0, 60.0, max_memory_bytes=in_memory.maps.nbytes // 7)
    assert isinstance(streamed.maps, np.memmap)
    np.testing.assert_array_equal(streamed.maps, in_memory.maps)
    np.testing.assert_array_equal(streamed.has_history, in_memory.has_history)
    assert streamed.n_outside_windows == in_memory.n_outside_windows
    assert streamed.window_table().equals(in_memory.window_table())
    # and it is the naive loop's answer too
    _, _, count, _ = naive(cat, grid, 20.0, 1.0, 60.0)
    np.testing.assert_allclose(streamed.channel("count"), count)
    path = streamed.maps.filename
    assert os.path.exists(path)
    del streamed
    gc.collect()
    assert not os.path.exists(path)  # the file goes with the maps


def test_more_windows_than_one_chunk_match_the_naive_loop():
    """A 2x2 grid gives chunks of thousands of windows; a 200x200 grid chunks of a few."""
    cat = random_catalog(6, n=1500, days=200.0)
    grid = make_grid(catalog_bbox(cat), 200)
    dm = rasterize(cat, grid, 10.0, 1.0, 30.0)
    _, _, count, background = naive(cat, grid, 10.0, 1.0, 30.0)
    np.testing.assert_allclose(dm.channel("count"), count)
    np.testing.assert_allclose(dm.channel("background"), background, rtol=1e-5)


def test_a_bad_memory_budget_is_one_line(monkeypatch):
    monkeypatch.setenv("SEISVIZ_MAP_MEMORY_MB", "lots")
    with pytest.raises(SeisvizError, match="SEISVIZ_MAP_MEMORY_MB"):
        rasterize(random_catalog(1, n=50), None, 5.0, 1.0, 10.0)
