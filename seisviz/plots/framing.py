"""Choices a map makes from its catalog: the frame, the dates on a time colour bar, and the
magnitude above which events are drawn as stars.

- `robust_box` frames the bulk of the events, so that one mislocated event 5° away does
  not stretch a local map into a sliver; `full_box` frames every event (a "show all"
  switch).
- `date_colorbar` gives a colour bar over time ticks at round calendar dates (days, weeks,
  months, years) labelled as ISO dates, instead of "2019.51 … 2019.53".
- `default_star_magnitude` follows the catalog: about its ten largest events get stars, and
  never an event below Mc + 2.

`map_box(lon, lat, extent)` is what every map figure calls: extent "bulk" (the default of
every map figure's `extent` keyword) is `robust_box`, "all" is `full_box`. For the
distribution maps, `maps_bbox` is the box the Maps page bins over and `frame_box` the frame
of their animation and single window.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

Box = tuple  # (min_lon, max_lon, min_lat, max_lat)
MIN_BOX_DEG = 0.05
TRIM_SHARE = 0.005  # robust_box sets aside up to 0.5 % of the events on each side ...
FENCE = 0.5  # ... and takes back those within half the remaining span beyond it


def _padded(lo: float, hi: float, pad: float, min_size: float) -> tuple[float, float]:
    span = hi - lo
    lo, hi = lo - pad * span, hi + pad * span
    if hi - lo < min_size:
        mid = (lo + hi) / 2
        lo, hi = mid - min_size / 2, mid + min_size / 2
    return float(lo), float(hi)


def full_box(lon: Any, lat: Any, pad: float = 0.05, min_size: float = MIN_BOX_DEG) -> Box:
    """The frame holding every event: the extent padded by `pad` of its span on each side,
    at least `min_size` degrees wide and high."""
    lon = np.asarray(lon, float)
    lat = np.asarray(lat, float)
    lon, lat = lon[np.isfinite(lon) & np.isfinite(lat)], lat[np.isfinite(lon) & np.isfinite(lat)]
    if len(lon) == 0:
        raise ValueError("no finite coordinates to frame")
    x0, x1 = _padded(lon.min(), lon.max(), pad, min_size)
    y0, y1 = _padded(lat.min(), lat.max(), pad, min_size)
    return (x0, x1, max(y0, -90.0), min(y1, 90.0))


def _trimmed(values: np.ndarray, share: float) -> tuple[float, float]:
    """min and max of `values` once the `share` most extreme on each side are left out (at
    least one each side from 20 values on; none below)."""
    v = np.sort(values)
    n = len(v)
    k = max(1, int(math.ceil(share * n))) if n >= 20 else 0
    return float(v[k]), float(v[n - 1 - k])


def robust_box(lon: Any, lat: Any, pad: float = 0.05, min_size: float = MIN_BOX_DEG,
               share: float = TRIM_SHARE, fence: float = FENCE) -> Box:
    """A frame that follows the bulk of the events: in longitude and in latitude, the range
    left once the `share` (0.5 %) most extreme events on each side — at least one from 20
    events on — are set aside, grown again to the farthest events within `fence` (half)
    of that range beyond it, padded by `pad` of its span and at least `min_size` degrees.
    A catalog's own tails stay in the frame; an event far out (a mislocation 5° away from
    a 0.3° cluster) never stretches it and lies outside (use `full_box` to show it)."""
    lon = np.asarray(lon, float)
    lat = np.asarray(lat, float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[ok], lat[ok]
    if len(lon) == 0:
        raise ValueError("no finite coordinates to frame")
    x0, x1 = _padded(*_fenced(lon, share, fence), pad, min_size)
    y0, y1 = _padded(*_fenced(lat, share, fence), pad, min_size)
    return (x0, x1, max(y0, -90.0), min(y1, 90.0))


def _fenced(values: np.ndarray, share: float, fence: float) -> tuple[float, float]:
    """The trimmed range of `values` (`_trimmed`) grown to the farthest values within
    `fence` times its span beyond either end."""
    lo, hi = _trimmed(values, share)
    reach = fence * (hi - lo)
    near = values[(values >= lo - reach) & (values <= hi + reach)]
    return float(near.min()), float(near.max())


EXTENTS = ("bulk", "all")  # the `extent` keyword of every map figure


def check_extent(extent: str) -> str:
    """`extent` if it is "bulk" or "all", else ValueError."""
    if extent not in EXTENTS:
        raise ValueError(f"extent must be 'bulk' or 'all', not {extent!r}")
    return extent


def map_box(lon: Any, lat: Any, extent: str = "bulk", **kwargs: Any) -> Box:
    """The frame of a map of these events: "bulk" → `robust_box` (one outlying event does
    not stretch it), "all" → `full_box` (every event inside). `kwargs` go to either."""
    return (robust_box if check_extent(extent) == "bulk" else full_box)(lon, lat, **kwargs)


def outside_box(lon: Any, lat: Any, box: Box) -> int:
    """How many events (finite coordinates) lie outside `box`."""
    lon = np.asarray(lon, float)
    lat = np.asarray(lat, float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    inside = (lon >= box[0]) & (lon <= box[1]) & (lat >= box[2]) & (lat <= box[3])
    return int(np.count_nonzero(ok & ~inside))


def outside_note(n_outside: int) -> str:
    """'3 events outside the frame (show all events to see them)', or ''."""
    if n_outside <= 0:
        return ""
    return (f"{n_outside:,} event{'' if n_outside == 1 else 's'} outside the frame "
            "(show all events to see them)")


# ------------------------------------------------------------------ the maps of the Maps page

def _pixel_events(dmaps, limit=200_000):
    """(lon, lat) standing in for the events when a map is given none: each pixel's centre,
    repeated in proportion to its events over all windows (at most about `limit`)."""
    g = dmaps.grid
    total = np.asarray(dmaps.channel("count").sum(axis=0), np.float64)  # [ny, nx]
    if total.sum() <= 0:
        return None
    k = max(1.0, total.sum() / limit)
    reps = np.ceil(total / k).astype(np.int64).ravel()
    lon, lat = np.meshgrid(g.lon_centers, g.lat_centers)
    return np.repeat(lon.ravel(), reps), np.repeat(lat.ravel(), reps)


def frame_box(dmaps, events=None, extent="bulk"):
    """The map's frame: the grid's box for extent "all" (it holds every event the maps
    count); for "bulk", `seisviz.plots.framing.robust_box` of `events` ((lon, lat), or
    the maps' own pixels when None) within the grid's box, so that one outlying event
    does not stretch the map into a sliver."""
    g = dmaps.grid
    grid_box = (g.min_lon, g.max_lon, g.min_lat, g.max_lat)
    if check_extent(extent) == "all":
        return grid_box
    if events is None:
        events = _pixel_events(dmaps)
    if events is None or len(events[0]) == 0:
        return grid_box
    lon, lat = np.asarray(events[0], float), np.asarray(events[1], float)
    inside = (lon >= grid_box[0]) & (lon <= grid_box[1]) & (lat >= grid_box[2]) \
        & (lat <= grid_box[3])
    if not inside.any():
        return grid_box
    box = robust_box(lon[inside], lat[inside])
    box = (max(box[0], grid_box[0]), min(box[1], grid_box[1]),
           max(box[2], grid_box[2]), min(box[3], grid_box[3]))
    return box if box[1] > box[0] and box[3] > box[2] else grid_box


def maps_bbox(catalog, extent="bulk"):
    """The box to bin a catalog's maps over for viewing them: with extent "all" the
    detector's (`seisviz.maps.catalog_bbox`, every event); with "bulk" the bulk of the
    events (`seisviz.plots.framing.robust_box`), so that one outlying event neither
    stretches the map into a sliver nor makes its pixels long and thin. The events left
    outside are counted by `DistributionMaps.report()`."""
    from seisviz.maps import catalog_bbox

    if check_extent(extent) == "all" or len(catalog) == 0:
        return catalog_bbox(catalog)
    return robust_box(catalog["longitude"].to_numpy(np.float64),
                      catalog["latitude"].to_numpy(np.float64))


# ------------------------------------------------------------------ dates on a colour bar

_STEPS = [  # (approximate length in days, pandas frequency, strftime of the tick text)
    (1 / 24, "1h", "%Y-%m-%d %H:%M"), (3 / 24, "3h", "%Y-%m-%d %H:%M"),
    (6 / 24, "6h", "%Y-%m-%d %H:%M"), (12 / 24, "12h", "%Y-%m-%d %H:%M"),
    (1, "1D", "%Y-%m-%d"), (2, "2D", "%Y-%m-%d"), (7, "W-MON", "%Y-%m-%d"),
    (14, "2W-MON", "%Y-%m-%d"), (30.4, "MS", "%Y-%m"), (61, "2MS", "%Y-%m"),
    (91, "3MS", "%Y-%m"), (182, "6MS", "%Y-%m"), (365.25, "YS", "%Y"),
    (730.5, "2YS", "%Y"), (1826, "5YS", "%Y"), (3652, "10YS", "%Y"), (9131, "25YS", "%Y"),
    (36524, "100YS", "%Y"),
]
EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def _utc(times: Any) -> pd.DatetimeIndex:
    t = pd.DatetimeIndex(pd.to_datetime(np.asarray(times).ravel()
                                        if not isinstance(times, (pd.Series, pd.Index))
                                        else times))
    return t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")


def time_colour_values(times: Any, unit: str = "days",
                       origin: Any = None) -> np.ndarray:
    """Colour values of `times` for `date_colorbar`: "days" since `origin` (default
    1970-01-01 UTC), or "decimal_year" (2019.5 is the middle of 2019)."""
    t = _utc(times)
    if unit == "decimal_year":
        start = pd.to_datetime(pd.DataFrame({"year": t.year, "month": 1, "day": 1})).dt.tz_localize("UTC")
        end = pd.to_datetime(pd.DataFrame({"year": t.year + 1, "month": 1, "day": 1})).dt.tz_localize("UTC")
        frac = (pd.Series(t) - start).dt.total_seconds() / (end - start).dt.total_seconds()
        return np.asarray(t.year, float) + frac.to_numpy(float)
    if unit != "days":
        raise ValueError(f"unit must be 'days' or 'decimal_year', not {unit!r}")
    origin = EPOCH if origin is None else _utc([origin])[0]
    return (t - origin).total_seconds().to_numpy(float) / 86400.0


def date_colorbar(times: Any, n: int = 6, unit: str = "days",
                  origin: Any = None) -> tuple[list[float], list[str]]:
    """(tickvals, ticktext) for a colour axis over time: at most about `n` ticks at round
    calendar dates (hours, days, weeks from Monday, months, years) inside the times' span,
    labelled as ISO dates ("2019-07-08", "2019-07", "2019", or "2019-07-08 06:00" within a
    day or two). The tick values are in the colour values' unit, as `time_colour_values`
    makes them ("days" since `origin`, or "decimal_year"). Empty times: ([], [])."""
    t = _utc(times)
    t = t[~t.isna()]
    if len(t) == 0:
        return [], []
    lo, hi = t.min(), t.max()
    span = max((hi - lo).total_seconds() / 86400.0, 1e-6)
    for length, freq, fmt in _STEPS:
        if span / length <= n:
            break
    start = lo.floor("h") if length < 1 else lo.floor("D")
    ticks = pd.date_range(start, hi, freq=freq)
    ticks = ticks[(ticks >= lo) & (ticks <= hi)]
    if len(ticks) == 0:  # a span shorter than a step: the first time itself
        ticks, fmt = pd.DatetimeIndex([lo]), "%Y-%m-%d %H:%M"
    values = time_colour_values(ticks, unit=unit, origin=origin)
    return [float(v) for v in values], [d.strftime(fmt) for d in ticks]


# ------------------------------------------------------------------ large events

def default_star_magnitude(magnitudes: Any, n_largest: int = 10,
                           mc: float | None = None, above_mc: float = 2.0) -> float | None:
    """The magnitude from which a map draws stars, following the catalog: the magnitude of
    its `n_largest`-th largest event, but at least the magnitude of completeness plus
    `above_mc` (Mc by maximum curvature unless given), rounded down to 0.1. A catalog of
    only small events may then get no star at all, which is the point: a star says "large
    for this catalog and well above its noise". None without any magnitude."""
    m = np.asarray(magnitudes, float)
    m = m[np.isfinite(m)]
    if len(m) == 0:
        return None
    if mc is None:
        from seisviz.catalog.filters import mc_max_curvature

        mc = float(mc_max_curvature(m))
    nth = float(np.sort(m)[::-1][min(n_largest, len(m)) - 1])
    return math.floor(round(max(nth, mc + above_mc) * 10, 6)) / 10
