"""Unlocated alarms: runs of flagged windows in which no place is elevated.

The detector flags windows; the subregions and episodes say where and when
(`seisviz.subregions.refine`). A run of flagged windows (a *raw period*) during which no
episode is active has no place: no neighbourhood rose over its own earlier rate enough
to be told from chance, or none of its events shows an elevated stretch. Such a run is
not a period (a period is the union of its episodes, with a polygon); it is kept in a
small table of its own, so that the alarm is not lost and a seismologist can look at its
windows.

A run counts as located when any episode's [onset, end] overlaps the run's span, i.e.
when a place was elevated during some of its flagged windows, whichever run of windows
found that place (two runs' spans may overlap by up to a window length).

An unlocated alarm still gets an *approximate place* (`alarm_place`), so that a
seismologist knows where to look: of the alarm's events in its span, on the grid the
flags came from (the region's, or the tile's), the label rule's larger neighbourhood
(~5 km, `seisviz.maps.label_neighbourhoods`) furthest above what its own preceding
background predicts. A M6 whose M>=3 aftershocks never gather 10 events within 5 km is
flagged but not located; its place is where most of those few aftershocks are. It is a
pointer, not an episode: no onset, no polygon, and never a period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seisviz.maps import Grid, box_sum, label_neighbourhoods, pixel_index
from seisviz.settings import BACKGROUND_DAYS
from seisviz.tables import SCORE, UNLOCATED
from seisviz.timeutil import DAY_NS, to_ns

# An alarm's approximate place (alarm_place): kept through the merge over tiles
PLACE_COLUMNS = ("center_lon", "center_lat", "n_events_at_center")


def unlocated_alarms(raw_periods: pd.DataFrame, episodes: pd.DataFrame | None,
                     catalog: pd.DataFrame | None = None, score: str = SCORE,
                     grid: Grid | None = None,
                     background_days: float = BACKGROUND_DAYS) -> pd.DataFrame:
    """The raw periods during which no episode is active, as the `UNLOCATED` table.

    Args:
        raw_periods: runs of flagged windows (`seisviz.detect.flagged_periods`):
            start, end (the windows' span), `score`, n_windows.
        episodes: the scan's episodes (onset or start, and end).
        catalog: the events the scan looked at, for n_events (events in the span
            [window_start, window_end)); 0 without it.
        score: the raw periods' score column (peak_probability, or the baseline's
            peak_beta), kept under its name.
        grid: the grid the flags came from, for each alarm's approximate place
            (`alarm_place`, over `catalog`'s events on it). Without it the place is
            taken from `raw_periods` where it has `PLACE_COLUMNS` (the tiles' alarms,
            merged), else unknown (NaN, 0 events).
        background_days: the scan's background, for what a place's rate predicts.
    Returns:
        alarm_id (1..n by time), window_start, window_end, `score`, n_windows, n_events,
        center_lon, center_lat, n_events_at_center, tile_id (from `raw_periods`, else
        "": a one-grid scan).
    """
    layout = UNLOCATED.scored(score)
    if len(raw_periods) == 0:
        return layout.empty()
    r0, r1 = to_ns(raw_periods["start"]), to_ns(raw_periods["end"])
    located = np.zeros(len(raw_periods), bool)
    if episodes is not None and len(episodes):
        onset = episodes["onset"] if "onset" in episodes else episodes["start"]
        e0, e1 = to_ns(onset), to_ns(episodes["end"])
        # [onset, end] closed against the span [start, end): they share a moment
        located = ((e0[None, :] < r1[:, None]) & (e1[None, :] >= r0[:, None])).any(axis=1)
    keep = np.flatnonzero(~located)
    if catalog is not None and len(catalog):
        t = np.sort(to_ns(catalog["time"]))
        n_events = np.searchsorted(t, r1[keep]) - np.searchsorted(t, r0[keep])
    else:
        n_events = np.zeros(len(keep), np.int64)
    scores = raw_periods[score].to_numpy(np.float64)[keep] if score in raw_periods \
        else np.full(len(keep), np.nan)
    places = _places(raw_periods, keep, catalog, grid, background_days)
    out = pd.DataFrame({
        "alarm_id": np.arange(1, len(keep) + 1, dtype=np.int64),
        "window_start": pd.to_datetime(raw_periods["start"].iloc[keep], utc=True).to_numpy(),
        "window_end": pd.to_datetime(raw_periods["end"].iloc[keep], utc=True).to_numpy(),
        score: scores,
        "n_windows": raw_periods["n_windows"].to_numpy(np.int64)[keep],
        "n_events": np.asarray(n_events, np.int64),
        **places,
        "tile_id": (raw_periods["tile_id"].to_numpy(object)[keep] if "tile_id" in raw_periods
                    else np.full(len(keep), "", dtype=object))})
    out = layout.with_utc_times(out)
    return layout.select(out).astype(dict(zip(layout.columns, layout.dtypes)))


def _places(raw_periods: pd.DataFrame, keep: np.ndarray, catalog: pd.DataFrame | None,
            grid: Grid | None, background_days: float) -> dict[str, np.ndarray]:
    """`PLACE_COLUMNS` of the kept raw periods: found on `grid`, else carried over."""
    if grid is not None and catalog is not None and len(catalog):
        lon = catalog["longitude"].to_numpy(np.float64)
        lat = catalog["latitude"].to_numpy(np.float64)
        pixel = pixel_index(lon, lat, grid)
        t = to_ns(catalog["time"])
        events = (t, lon, lat, pixel)
        start, end = to_ns(raw_periods["start"])[keep], to_ns(raw_periods["end"])[keep]
        rows = [alarm_place(events, grid, s, e, background_days) for s, e in zip(start, end)]
        cols = list(zip(*rows)) if rows else [(), (), ()]
    elif all(c in raw_periods for c in PLACE_COLUMNS):
        cols = [raw_periods[c].to_numpy()[keep] for c in PLACE_COLUMNS]
    else:
        cols = [np.full(len(keep), np.nan), np.full(len(keep), np.nan),
                np.zeros(len(keep), np.int64)]
    return {"center_lon": np.asarray(cols[0], np.float64),
            "center_lat": np.asarray(cols[1], np.float64),
            "n_events_at_center": np.asarray(cols[2], np.int64)}


def alarm_place(events: tuple, grid: Grid, start: int, end: int,
                background_days: float = BACKGROUND_DAYS) -> tuple[float, float, int]:
    """The approximate place of an alarm spanning [start, end) (ns): (lon, lat, n).

    The place is the neighbourhood of the label rule's larger size on `grid` (the ~5 km
    square, or 3x3 pixels where that is larger: `label_neighbourhoods`) whose count n of
    events in the span is furthest above the count e that its own events in the
    `background_days` before the span predict (the scan's background, shortened to the
    catalog's first event), in Poisson standard deviations: (n - e) / sqrt(e + 1); ties:
    more events. So a place busy all along, whose count in the span is large but usual,
    does not stand for a small new sequence beside it. The centre is the mean position
    of the span's events in that neighbourhood, n their number; (NaN, NaN, 0) when the
    span has no events.

    Args:
        events: (time ns, longitude, latitude, pixel index on `grid`) of the events the
            flags were computed from, as arrays.
    """
    t, lon, lat, pixel = events
    on_map = pixel >= 0
    in_span = on_map & (t >= start) & (t < end)
    if not in_span.any():
        return np.nan, np.nan, 0
    half = max(label_neighbourhoods(grid))
    size = grid.ny * grid.nx
    count = box_sum(np.bincount(pixel[in_span], minlength=size).reshape(grid.ny, grid.nx)
                    .astype(np.float64), half)
    first = int(t[on_map].min())
    bg_start = max(start - int(round(background_days * DAY_NS)), first)
    expected = np.zeros_like(count)
    if start > bg_start:
        before = on_map & (t >= bg_start) & (t < start)
        bg = np.bincount(pixel[before], minlength=size).reshape(grid.ny, grid.nx)
        expected = box_sum(bg.astype(np.float64), half) * ((end - start) / (start - bg_start))
    # how far above its background, in Poisson standard deviations (+1: one event where
    # none was expected is not infinitely surprising); only where the span has events
    surprise = np.where(count > 0, (count - expected) / np.sqrt(expected + 1.0), -np.inf)
    best = int(np.lexsort((count.ravel(), surprise.ravel()))[-1])  # ties: more events
    row, col = divmod(best, grid.nx)
    py, px = np.divmod(pixel, grid.nx)
    there = in_span & (np.abs(py - row) <= half) & (np.abs(px - col) <= half)
    return float(lon[there].mean()), float(lat[there].mean()), int(there.sum())
