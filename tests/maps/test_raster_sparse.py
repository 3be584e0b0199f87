"""The rasterizer's event-by-event path (`_fill_sparse`, taken for quiet catalogs) makes
the same maps, to the bit, as its cumulative-sum path."""

import numpy as np
import pandas as pd
import pytest

from seisviz.maps import make_grid, pixel_index, rasterize
from seisviz.maps.raster import _fill, window_starts
from seisviz.timeutil import DAY_NS, to_ns


def catalog(n, days, seed):
    rng = np.random.default_rng(seed)
    day = rng.uniform(0, days, n)
    day[::3] = np.floor(day[::3])  # a third on a window's start or end, to the nanosecond
    return pd.DataFrame({
        "time": pd.Timestamp("2001-03-04", tz="UTC") + pd.to_timedelta(np.sort(day), unit="D"),
        # some events outside the grid
        "latitude": rng.uniform(35.9, 36.55, n), "longitude": rng.uniform(-98.05, -97.5, n),
        "depth": 5.0, "magnitude": 2.0})


def both_ways(cat, grid, window_days, step_days, background_days):
    """Maps of every window by the cumulative path and by the event-by-event path, with
    the inputs `rasterize` gives `_fill`."""
    t = to_ns(cat["time"])
    pix = pixel_index(cat["longitude"].to_numpy(float), cat["latitude"].to_numpy(float), grid)
    starts, length = window_starts(t[0], t[-1], window_days, step_days)
    ends = starts + length
    history_start = (int(t[0]) // DAY_NS) * DAY_NS
    bg_starts = np.minimum(np.maximum(starts - int(round(background_days * DAY_NS)),
                                      history_start), starts)
    history_ns = (starts - bg_starts).astype(np.float64)
    out = []
    for sparse in (False, True):
        maps = np.zeros((len(starts), 2, grid.ny, grid.nx), np.float32)  # as rasterize's
        _fill(maps, t, pix, grid, starts, ends, bg_starts, length, history_ns, sparse=sparse)
        out.append(maps)
    return out


@pytest.mark.parametrize("n, days, window, step, background", [
    (48, 3000, 30, 1, 180), (500, 400, 30, 1, 180), (300, 200, 7.5, 0.25, 45),
    (2000, 900, 30, 5, 365), (1, 10, 30, 1, 180)])
def test_the_event_by_event_maps_are_the_cumulative_ones(n, days, window, step, background):
    cat = catalog(n, days, seed=n)
    grid = make_grid((-98.0, -97.5, 36.0, 36.5), 32)
    cumulative, by_event = both_ways(cat, grid, window, step, background)
    assert cumulative[:, 0].sum() > 0 or n == 1
    np.testing.assert_array_equal(by_event, cumulative)


def test_a_quiet_catalog_takes_the_event_by_event_path_and_counts_its_events():
    cat = catalog(48, 35 * 365.25, seed=7)
    grid = make_grid((-98.0, -97.5, 36.0, 36.5), 64)
    d = rasterize(cat, grid)
    _, by_event = both_ways(cat, grid, 30, 1, 180)
    np.testing.assert_array_equal(d.maps, by_event)
    inside = pixel_index(cat["longitude"].to_numpy(float), cat["latitude"].to_numpy(float),
                         grid) >= 0
    t = to_ns(cat["time"])[inside]
    starts = d.window_start.astype(np.int64)
    expected = [np.count_nonzero((t >= s) & (t < s + 30 * DAY_NS)) for s in starts[::97]]
    np.testing.assert_array_equal(d.channel("count")[::97].sum(axis=(1, 2)), expected)
