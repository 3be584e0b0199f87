"""Which windows are flagged: the network's probability, helped by a rate test where the
network is unsure (issue 19, new sequences on busy places).

The network at its card's `threshold` misses new sequences that start inside places
busy for half a year or more (docs/evaluation.md, the busy-place set): the background
channel is already high there. The beta statistic of `seisviz.detect.baseline` finds
them, but flags a busy place whose rate drifts and a whole region whose catalog becomes
more complete as well. The *regional* beta here is the beta statistic of each 3x3 cell
against its own past scaled by what the whole map did in the same window (never scaled
down): a completeness change or a drift that lifts every place alike lifts the
expectation with it, a new sequence on one busy place does not. A cell counts only when
it holds `MIN_EVENTS` and at least `min_ratio` times that expectation (the label rule's
"at least doubles the place's own rate").

`assisted_flags`: a window is flagged when the probability reaches the card's
threshold, or when it reaches the lower `assist_threshold` *and* the regional beta
reaches `assist_beta` (defaults in `seisviz.settings`). With `assist_threshold` at or
above the threshold, the probability alone decides.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from seisviz.maps import box3
from seisviz.settings import FINE_PASS_FLOOR, MIN_EVENTS

__all__ = ["assisted_flags", "regional_beta_scores", "with_regional_beta"]


def regional_beta_scores(dmaps: Any, min_events: int = MIN_EVENTS, min_ratio: float = 2.0,
                         batch: int = 256, windows: np.ndarray | None = None) -> np.ndarray:
    """Per window: the largest beta over 3x3 cells of the count against the cell's own
    background times the map's rate change (NaN without history); see the module
    docstring. Windows are taken `batch` at a time so memory stays bounded.

    `windows` (bool per window): compute only these; the others are NaN (not computed).
    A scan of decades has ten thousand windows per tile, nearly all of which cannot be
    flagged whatever their beta (`with_regional_beta` picks the ones that can)."""
    count_at = dmaps.channels.index("count")
    background_at = dmaps.channels.index("background")
    scores = np.full(len(dmaps), np.nan)
    todo = np.arange(len(dmaps)) if windows is None else np.flatnonzero(windows)
    for lo in range(0, len(todo), batch):
        sl = todo[lo:lo + batch]
        count = np.asarray(dmaps.maps[sl, count_at], dtype=np.float64)
        background = np.asarray(dmaps.maps[sl, background_at], dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            change = count.sum(axis=(1, 2)) / background.sum(axis=(1, 2))
        change = np.where(np.isfinite(change), np.maximum(change, 1.0), 1.0)
        scores[sl] = _cell_beta_max(box3(count), box3(background * change[:, None, None]),
                                    dmaps.history_days[sl], dmaps.window_days, min_events,
                                    min_ratio)
    scores[~dmaps.has_history] = np.nan
    return scores


def _cell_beta_max(count, expected, history_days, window_days, min_events, min_ratio):
    """The largest beta (Matthews & Reasenberg 1988) per window over cells with
    `min_events` and `min_ratio` times their expected count for one window."""
    ratio = np.where(history_days > 0, history_days / window_days, 0.0)[:, None, None]
    n = count + expected * ratio     # the background count back in its own period
    f = 1.0 / (1.0 + ratio)
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = (count - n * f) / np.sqrt(np.maximum(n * f * (1 - f), 1e-12))
    beta = np.where((count >= min_events) & (count >= min_ratio * expected), beta, -np.inf)
    return beta.reshape(len(count), -1).max(axis=1)


def assisted_flags(probability: Any, regional_beta: Any, threshold: float,
                   assist_threshold: float, assist_beta: float) -> np.ndarray:
    """Per window: flagged (bool). probability >= threshold, or probability >=
    assist_threshold and regional_beta >= assist_beta; NaN is never flagged. An
    `assist_threshold` at or above `threshold` leaves the probability alone."""
    p = np.nan_to_num(np.asarray(probability, float), nan=-np.inf)
    beta = np.nan_to_num(np.asarray(regional_beta, float), nan=-np.inf)
    return (p >= threshold) | ((p >= assist_threshold) & (beta >= assist_beta))


def with_regional_beta(windows: pd.DataFrame, dmaps: Any) -> pd.DataFrame:
    """A copy of a scan's window table with its `regional_beta` column: kept when there,
    else computed from `dmaps`, else NaN (a scan folder written before it: its windows
    are flagged by the probability alone).

    Computed only where it can flag a window: a window of fewer than MIN_EVENTS events
    has no cell of MIN_EVENTS (-inf, exactly), and one whose probability is under the
    fine pass's floor (`FINE_PASS_FLOOR`, below any assist threshold a fast scan covers)
    or unscored is left NaN."""
    windows = windows.copy()
    if "regional_beta" in windows:
        return windows
    if dmaps is None or len(dmaps) != len(windows):
        windows["regional_beta"] = np.nan
        return windows
    needed = None
    if "n_events" in windows and "probability" in windows:
        prob = np.nan_to_num(windows["probability"].to_numpy(float), nan=-np.inf)
        many = windows["n_events"].to_numpy(float) >= MIN_EVENTS
        needed = many & (prob >= FINE_PASS_FLOOR)
    beta = regional_beta_scores(dmaps, windows=needed)
    if needed is not None:
        beta[~many & dmaps.has_history] = -np.inf
    windows["regional_beta"] = beta
    return windows
