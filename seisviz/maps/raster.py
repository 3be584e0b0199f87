"""Sliding-window distribution maps: a catalog binned on a lon/lat grid, window by window.

Channels (each `[ny, nx]`, float32, per window):
- ``count``: events in the window ``[start, start + window_days)``.
- ``background``: the same place's earlier rate, as an expected count for one window:
  events in ``[start - background_days, start)`` (clipped to the catalog start) scaled
  by ``window_days / (length of that background period)``. It is what lets a detector
  tell a *sudden* increase from a place that is always busy. Windows with less than
  ``window_days`` of history before them have ``has_history == False``.

Speed: events are binned once into the intervals between all window boundaries
(``np.bincount`` over interval x pixel), a cumulative sum over intervals follows, and a
window is the difference of two rows of it. Cost O(events + boundaries x pixels), not
O(events x windows). Windows are done a chunk at a time, and maps too large for memory
live in a disk-backed array (see `rasterize`), so memory stays bounded for any catalog.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from seisviz.errors import SeisvizError
from seisviz.maps.grid import Grid, catalog_bbox, make_grid, pixel_index
from seisviz.settings import BACKGROUND_DAYS, GRID_PIXELS, STEP_DAYS, WINDOW_DAYS
from seisviz.timeutil import DAY_NS, to_ns

CHANNELS = ("count", "background")
MAX_WINDOWS = 1_000_000
DEFAULT_MAP_MEMORY = 2**30  # maps beyond this many bytes go to a disk-backed array
MAX_WINDOW_WORK_BYTES = 2**30  # a grid so fine that one window needs more is refused


@dataclass
class DistributionMaps:
    """Maps `[n_windows, channels, ny, nx]` with their windows and grid."""

    maps: np.ndarray
    window_start: np.ndarray  # datetime64[ns], UTC
    window_end: np.ndarray
    grid: Grid
    channels: tuple = CHANNELS
    window_days: float = WINDOW_DAYS
    step_days: float = STEP_DAYS
    background_days: float = BACKGROUND_DAYS
    has_history: np.ndarray = field(default=None)
    history_days: np.ndarray = field(default=None)  # length of each background period
    n_outside_grid: int = 0
    n_outside_windows: int = 0

    def __len__(self):
        return len(self.window_start)

    def channel(self, name):
        return self.maps[:, self.channels.index(name)]

    def window_table(self, n_events: np.ndarray | None = None):
        """One row per window: start, end (UTC) and its event count (`n_events` when the
        caller counted them already, e.g. with `events_per_window`: the maps are not read)."""
        if n_events is None:
            n_events = self.channel("count").sum(axis=(1, 2))
        return pd.DataFrame({
            "window_start": pd.to_datetime(self.window_start, utc=True),
            "window_end": pd.to_datetime(self.window_end, utc=True),
            "n_events": np.asarray(n_events).astype(np.int64),
        })

    def report(self):
        """One line on what was binned and what fell outside."""
        text = (f"{len(self):,} windows of {self.window_days:g} d every {self.step_days:g} d "
                f"on a {self.grid.nx}x{self.grid.ny} grid; {self.n_outside_grid:,} events "
                f"outside the grid, {self.n_outside_windows:,} outside every window")
        if self.streamed:
            text += (f"; the maps ({self.maps.nbytes / 2**30:.1f} GiB) stream through a "
                     "disk-backed file, so memory stays bounded")
        return text

    @property
    def streamed(self) -> bool:
        """Do the maps live in a disk-backed array (too large for the memory budget)?"""
        return isinstance(self.maps, np.memmap)


def window_starts(first_ns: int, last_ns: int, window_days: float, step_days: float,
                  start: Any = None, end: Any = None) -> tuple[np.ndarray, int]:
    """Window starts (ns) for windows that fit in [start, end); at least one window.

    `start` defaults to the day of the first event, `end` to the day after the last.
    """
    if not (np.isfinite([window_days, step_days]).all() and window_days > 0 and step_days > 0):
        raise SeisvizError(f"window ({window_days} d) and step ({step_days} d) must be positive")
    t0 = to_ns(start) if start is not None else (first_ns // DAY_NS) * DAY_NS
    t1 = to_ns(end) if end is not None else (last_ns // DAY_NS + 1) * DAY_NS
    length = int(round(window_days * DAY_NS))
    step = int(round(step_days * DAY_NS))
    if step < 1:
        raise SeisvizError(f"step ({step_days} d) is shorter than a nanosecond")
    n = 1 if t1 - t0 < length else (t1 - t0 - length) // step + 1
    if n > MAX_WINDOWS:
        raise SeisvizError(f"{n:,} windows of {window_days:g} d every {step_days:g} d is more "
                           f"than {MAX_WINDOWS:,}: use a longer step")
    return t0 + step * np.arange(n, dtype=np.int64), length


def rasterize(catalog: pd.DataFrame, grid: Grid | None = None, window_days: float = WINDOW_DAYS,
              step_days: float = STEP_DAYS, background_days: float = BACKGROUND_DAYS,
              start: Any = None, end: Any = None,
              n_pixels: int | tuple[int, int] = GRID_PIXELS,
              max_memory_bytes: int | None = None) -> "DistributionMaps":
    """Distribution maps of `catalog` (canonical columns) in sliding windows.

    Windows are rasterized `chunk` at a time, so the work arrays stay small whatever the
    catalog's length. Maps larger than `max_memory_bytes` (default: `map_memory_budget()`)
    are written to a disk-backed array (numpy memmap in a temporary file, removed with the
    maps) instead of memory: a century of daily windows then scans in bounded memory."""
    if len(catalog) == 0:
        raise SeisvizError("the catalog is empty: nothing to rasterize")
    if not (np.isfinite(background_days) and background_days > 0):
        raise SeisvizError(f"background period must be positive, got {background_days} d")
    if grid is None:
        grid = make_grid(catalog_bbox(catalog), n_pixels)
    t = to_ns(catalog["time"])
    pix = pixel_index(catalog["longitude"].to_numpy(float), catalog["latitude"].to_numpy(float),
                      grid)
    if len(t) > 1 and not (np.diff(t) >= 0).all():  # canonical catalogs are sorted already
        order = np.argsort(t, kind="stable")
        t, pix = t[order], pix[order]
    starts, length = window_starts(t[0], t[-1], window_days, step_days, start, end)
    ends = starts + length
    # The background may reach back before the first window, but not before the catalog:
    # the events' first day, or `start` when the events are part of a larger catalog that
    # begins earlier (a tile of a region: quiet there since `start`, not unknown).
    history_start = (int(t[0]) // DAY_NS) * DAY_NS
    if start is not None:
        history_start = min(history_start, int(starts[0]))
    bg_starts = np.minimum(
        np.maximum(starts - int(round(background_days * DAY_NS)), history_start), starts)
    history_ns = (starts - bg_starts).astype(np.float64)

    shape = (len(starts), len(CHANNELS), grid.ny, grid.nx)
    # one window's work arrays (a few int32/int64 rows per boundary, 3 boundaries each)
    if 4 * grid.nx * grid.ny * 16 > MAX_WINDOW_WORK_BYTES:
        raise SeisvizError(f"a {grid.nx}x{grid.ny} grid would need "
                           f"{4 * grid.nx * grid.ny * 16 / 2**30:.1f} GiB per window: use "
                           "fewer pixels (or larger ones)")
    budget = map_memory_budget() if max_memory_bytes is None else max_memory_bytes
    maps = _map_array(shape, budget)
    # a chunk's work arrays (int32 sums per boundary, float32 maps) stay within ~64 MiB
    chunk = max(1, int(64 * 2**20 // (4 * grid.nx * grid.ny * 8)))
    for lo in range(0, len(starts), chunk):
        hi = min(lo + chunk, len(starts))
        _fill(maps[lo:hi], t, pix, grid, starts[lo:hi], ends[lo:hi], bg_starts[lo:hi],
              length, history_ns[lo:hi])
    # an event lies in some window when the last window starting at or before it has not
    # ended yet (all windows have the same length, so that one ends last)
    last = np.searchsorted(starts, t, side="right") - 1
    in_windows = (last >= 0) & (t < ends[np.maximum(last, 0)])
    return DistributionMaps(
        maps=maps,
        window_start=starts.astype("datetime64[ns]"),
        window_end=ends.astype("datetime64[ns]"),
        grid=grid,
        channels=CHANNELS,
        window_days=float(window_days),
        step_days=float(step_days),
        background_days=float(background_days),
        has_history=history_ns >= min(length, background_days * DAY_NS),
        history_days=history_ns / DAY_NS,
        n_outside_grid=int(np.count_nonzero(pix < 0)),
        n_outside_windows=int(np.count_nonzero(~in_windows)),
    )


def map_memory_budget() -> int:
    """Bytes of maps kept in memory before they go to a disk-backed array:
    ``SEISVIZ_MAP_MEMORY_MB`` (MiB) if set, else 1 GiB."""
    mb = os.environ.get("SEISVIZ_MAP_MEMORY_MB")
    try:
        return int(float(mb) * 2**20) if mb else DEFAULT_MAP_MEMORY
    except ValueError:
        raise SeisvizError(f"SEISVIZ_MAP_MEMORY_MB={mb!r} is not a number") from None


def _map_array(shape: tuple, budget: int) -> np.ndarray:
    """float32 array of `shape`: in memory within `budget`, else a temporary memmap."""
    size = int(np.prod(shape)) * 4
    if size <= budget:
        # zeros, not empty: the pages of a quiet catalog's empty maps are never touched
        # (`_fill_sparse`), so they take no memory
        return np.zeros(shape, dtype=np.float32)
    folder = tempfile.mkdtemp(prefix="seisviz-maps-")
    path = os.path.join(folder, "maps.f32")
    try:
        arr = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=shape)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise SeisvizError(f"{shape[0]:,} maps need {size / 2**30:.1f} GiB on disk for "
                           f"streaming, and {folder} has no room ({exc.strerror or exc}): "
                           "use a longer step or a shorter time range") from None
    # the file goes when the array does (and at exit at the latest)
    weakref.finalize(arr, shutil.rmtree, folder, True)
    return arr


def _fill(out, t, pix, grid, starts, ends, bg_starts, length, history_ns, sparse=None):
    """Maps of the windows [starts, ends) into `out` [k, 2, ny, nx]: events are binned once
    into the intervals between the chunk's window boundaries, summed cumulatively, and a
    window is the difference of two rows. With few events (a quiet tile: fewer window-event
    pairs than boundaries x pixels) each event is added to the windows that hold it
    instead (`_fill_sparse`, the same maps); `sparse` forces one way (tests)."""
    lo, hi = np.searchsorted(t, [bg_starts.min(), ends.max()])
    t, pix = t[lo:hi], pix[lo:hi]
    npix = grid.nx * grid.ny
    runs = _window_runs(t, starts, ends, bg_starts)
    if sparse is None:
        pairs = int(sum((b - a).clip(min=0).sum() for a, b in runs))
        # an added pair costs some 10 times a pixel of the cumulative sums
        sparse = 10 * pairs < 3 * len(starts) * npix
    if sparse:
        _fill_sparse(out, pix, runs, length, history_ns)
        return
    boundaries = np.unique(np.concatenate([bg_starts, starts, ends]))
    interval = np.searchsorted(boundaries, t, side="right") - 1
    keep = (interval >= 0) & (interval < len(boundaries) - 1) & (pix >= 0)
    hist = np.bincount(interval[keep] * npix + pix[keep], minlength=(len(boundaries) - 1) * npix)
    hist = hist.reshape(len(boundaries) - 1, grid.ny, grid.nx)
    # cum[j] = events (per pixel) earlier than boundaries[j]. Row by row: np.cumsum along
    # axis 0 of a tall array is many times slower than adding whole rows.
    cum = np.zeros((len(boundaries), grid.ny, grid.nx), dtype=np.int32)
    if npix >= 64:
        for j in range(len(boundaries) - 1):
            np.add(cum[j], hist[j], out=cum[j + 1], casting="unsafe")
    else:
        np.cumsum(hist, axis=0, out=cum[1:])
    at_start = cum[np.searchsorted(boundaries, starts)]
    np.subtract(cum[np.searchsorted(boundaries, ends)], at_start, out=out[:, 0],
                casting="unsafe")
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(history_ns > 0, length / history_ns, 0.0)
    bg = np.subtract(at_start, cum[np.searchsorted(boundaries, bg_starts)], out=at_start)
    np.multiply(bg, scale[:, None, None], out=out[:, 1], casting="unsafe")


def _window_runs(t, starts, ends, bg_starts):
    """For each event time, the windows holding it, [a, b) in the count channel and in the
    background channel: starts, ends and background starts never decrease, so both are
    runs of consecutive windows."""
    in_count = (np.searchsorted(ends, t, side="right"), np.searchsorted(starts, t, side="right"))
    in_background = (in_count[1], np.searchsorted(bg_starts, t, side="right"))
    return in_count, in_background


def _fill_sparse(out, pix, runs, length, history_ns):
    """`_fill` event by event into `out`, which holds zeros: each event adds 1 to its pixel
    in the windows of its runs;
    the background counts are scaled as `_fill` scales them (integer counts times the
    float64 scale), so the maps are the same to the bit."""
    flat = out.reshape(-1)  # zeros already (`_map_array`): untouched pages stay unused
    npix = out.shape[2] * out.shape[3]
    inside = pix >= 0
    for channel, (a, b) in enumerate(runs):
        a, b, p = a[inside], b[inside], pix[inside]
        n = (b - a).clip(min=0)
        if n.sum() == 0:
            continue
        first = np.repeat(a, n)
        offset = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        # np.add.at is slow on long index lists; unique indices with their counts add the
        # same integers
        cells, hits = np.unique(((first + offset) * 2 + channel) * npix + np.repeat(p, n),
                                return_counts=True)
        flat[cells] += hits
        if channel == 1:
            rows = np.unique(first + offset)  # only windows with background events
            with np.errstate(invalid="ignore", divide="ignore"):
                scale = np.where(history_ns[rows] > 0, length / history_ns[rows], 0.0)
            out[rows, 1] = out[rows, 1] * scale[:, None, None]


def events_per_window(catalog: pd.DataFrame, grid: Grid, window_start: ArrayLike,
                      window_end: ArrayLike) -> np.ndarray:
    """Events inside `grid` in each window [start, end): the sum of each window's count map,
    from the event times alone (two binary searches per window, no map)."""
    pix = pixel_index(catalog["longitude"].to_numpy(float),
                      catalog["latitude"].to_numpy(float), grid)
    t = np.sort(to_ns(catalog["time"])[pix >= 0])
    starts = np.asarray(window_start).astype("datetime64[ns]").astype(np.int64)
    ends = np.asarray(window_end).astype("datetime64[ns]").astype(np.int64)
    return np.searchsorted(t, ends) - np.searchsorted(t, starts)


def events_in_window(catalog: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    """Events with start <= time < end (catalog sorted by time)."""
    t = to_ns(catalog["time"])
    lo, hi = np.searchsorted(t, [to_ns(start), to_ns(end)])
    return catalog.iloc[lo:hi]


# ------------------------------------------------------------------ windows by date
# `window_start`: the windows' starts (datetime64, UTC, as DistributionMaps holds them);
# a day is a calendar day in UTC (a datetime.date or anything pd.Timestamp reads).

def _starts(window_start: ArrayLike) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(window_start, utc=True))


def window_on_or_before(window_start: ArrayLike, day: Any) -> int:
    """Index of the last window starting on or before `day`; the first window when all
    start later."""
    starts = _starts(window_start)
    after = starts.searchsorted(pd.Timestamp(day, tz="UTC") + pd.Timedelta(days=1))
    return int(np.clip(after - 1, 0, len(starts) - 1))


def first_window_from(window_start: ArrayLike, time: pd.Timestamp) -> int:
    """Index of the first window starting at or after the UTC instant `time`; the last
    window when none does."""
    starts = _starts(window_start)
    return int(np.clip(starts.searchsorted(time), 0, len(starts) - 1))


def windows_between(window_start: ArrayLike, first_day: Any, last_day: Any) -> tuple[int, int]:
    """(first, stop) indices of the windows starting on the days `first_day` to `last_day`
    (both included): at least one window, so that there is always something to play."""
    starts = _starts(window_start)
    lo = int(starts.searchsorted(pd.Timestamp(first_day, tz="UTC")))
    hi = int(starts.searchsorted(pd.Timestamp(last_day, tz="UTC") + pd.Timedelta(days=1)))
    return lo, max(hi, lo + 1)


def save_npz(path: str | os.PathLike | IO, dmaps: DistributionMaps) -> None:
    """Write maps, window_start/window_end (ISO-8601 UTC strings), bbox, channels."""
    iso = lambda a: np.array([str(pd.Timestamp(x, tz="UTC").isoformat()) for x in a])  # noqa: E731
    np.savez_compressed(
        path, maps=dmaps.maps, window_start=iso(dmaps.window_start),
        window_end=iso(dmaps.window_end), bbox=np.array(dmaps.grid.bbox),
        grid=np.array([dmaps.grid.nx, dmaps.grid.ny]), channels=np.array(dmaps.channels),
        has_history=dmaps.has_history,
        settings=np.array([dmaps.window_days, dmaps.step_days, dmaps.background_days]),
    )
