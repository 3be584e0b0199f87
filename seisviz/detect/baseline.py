"""The classical baseline: a beta-statistic rate-change test per cell.

For each 3x3-pixel cell, the window's count N_a is compared with the count the cell had
in its background period (Matthews & Reasenberg 1988; Reasenberg & Simpson 1992):

    beta = (N_a - N f) / sqrt(N f (1 - f)),   N = N_a + N_bg,  f = T_window / (T_window + T_bg)

A window's score is the largest beta over cells holding at least `min_events` events.
It is what a seismologist would compute instead of a network: it knows each cell's own
earlier rate, but not what the rest of the map did in the same window.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seisviz.settings import MIN_EVENTS
from seisviz.maps import box3


def beta_scores(dmaps: Any, min_events: int = MIN_EVENTS, batch: int = 256,
                windows: np.ndarray | None = None) -> np.ndarray:
    """Per window: the largest beta statistic over 3x3 cells (NaN without history).

    Windows are taken `batch` at a time so memory stays bounded for long catalogs.
    `windows`: a mask of the windows worth computing; the others score -inf, which is what
    a window with fewer than `min_events` events in the whole map scores anyway (no cell
    counts)."""
    scores = np.full(len(dmaps), -np.inf)
    todo = np.arange(len(dmaps)) if windows is None else np.flatnonzero(windows)
    for lo in range(0, len(todo), batch):
        sl = todo[lo:lo + batch]
        sl = slice(sl[0], sl[-1] + 1) if sl[-1] - sl[0] == len(sl) - 1 else sl
        scores[sl] = _beta_max(dmaps.maps[sl, dmaps.channels.index("count")],
                               dmaps.maps[sl, dmaps.channels.index("background")],
                               dmaps.history_days[sl], dmaps.window_days, min_events)
    scores[~dmaps.has_history] = np.nan
    return scores


def _beta_max(count_maps, background_maps, history_days, window_days, min_events):
    count = box3(count_maps).astype(np.float64)
    n_bg = box3(background_maps).astype(np.float64)
    ratio = np.where(history_days > 0, history_days / window_days, 0.0)[:, None, None]
    n_bg *= ratio  # background counts back in their own period
    f = 1.0 / (1.0 + ratio)
    n = count + n_bg
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = (count - n * f) / np.sqrt(np.maximum(n * f * (1 - f), 1e-12))
    beta = np.where(count >= min_events, beta, -np.inf)
    return beta.reshape(len(count), -1).max(axis=1)
