"""Which windows the network scores: none where nothing can happen, a coarse step first, the
user's step only around what the coarse pass flagged or came near to flagging.

A fast scan (`ScanSettings.exhaustive` False, the default) gives the network

1. no window with fewer than `MIN_EVENTS` events in the whole map ("sparse"): the label
   rule needs that many events of one episode in one neighbourhood, so such a window
   cannot be anomalous (its baseline beta is -inf for the same reason); nor a window
   without history (its probability was always discarded);
2. every `coarse_stride`-th of the others (the coarse pass, `COARSE_STEP_DAYS`);
3. every window within `coarse_stride` - 1 windows of a coarse window whose probability
   reached the fine pass's floor (`ScanSettings.fine_pass`); the rest are skipped
   ("coarse pass").

Why the periods do not move: a run of flagged windows is kept only when it spans the
minimum period, i.e. at least `coarse_stride` windows back to back, so it holds a coarse
window; that one is flagged, so at or above the floor, and its neighbours up to the next
coarse window on each side are scored; a coarse window further on inside the run is
flagged too. Every flagged window of every kept run is therefore scored, for every
threshold down to the floor. With a gap allowed inside a period (`max_gap_days` > 0), a
short burst of flagged windows next to a kept run may hold no coarse window: only the
floor's margin under the threshold covers it.

Each window's `network` column (seisviz.tables.WINDOWS) says what happened to it:
`SEEN`, `SPARSE`, `COARSE` or `NO_HISTORY`; a window the network did not score has
probability NaN.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from seisviz.errors import Cancelled
from seisviz.settings import MIN_EVENTS

SEEN = "seen"                # the network scored it
SPARSE = "sparse"            # fewer than MIN_EVENTS events in the map: cannot be anomalous
COARSE = "coarse pass"       # the coarse pass saw nothing near it worth scoring
NO_HISTORY = "no history"    # less than a window of history before it: no probability
NETWORK_STATES = (SEEN, SPARSE, COARSE, NO_HISTORY)

Score = Callable[[np.ndarray, Callable | None], np.ndarray]


def network_passes(has_history: np.ndarray, sparse: np.ndarray, fine_pass: dict,
                   score: Score, progress: Callable[[int, int], None] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(probability per window, NaN where unscored; the `network` state per window).

    `fine_pass`: `ScanSettings.fine_pass()`, {} for an exhaustive scan (every window
    scored, those without history then set to NaN, as scans always did). `score(indices,
    progress)` scores the windows at `indices` (sorted); `progress(done, total)` counts
    maps over both passes (the total is an upper bound until the coarse pass is done)."""
    n = len(has_history)
    prob = np.full(n, np.nan, np.float32)
    state = np.where(has_history, SEEN, NO_HISTORY).astype(object)
    if not fine_pass:
        prob[:] = _scored(score, np.arange(n), progress, 0, n)
        prob[~has_history] = np.nan
        return prob, state
    candidate = has_history & ~sparse
    state[has_history & sparse] = SPARSE
    stride = int(fine_pass["coarse_stride"])
    coarse = candidate & (np.arange(n) % stride == 0)
    first = np.flatnonzero(coarse)
    upper = int(candidate.sum())
    prob[first] = _scored(score, first, progress, 0, upper)
    hot = first[prob[first] >= fine_pass["floor"]]
    near = np.zeros(n, bool)
    for offset in range(-(stride - 1), stride):
        near[np.clip(hot + offset, 0, n - 1)] = True
    second = np.flatnonzero(near & candidate & ~coarse)
    prob[second] = _scored(score, second, progress, len(first), len(first) + len(second))
    state[candidate & ~coarse & ~near] = COARSE
    return prob, state


def _scored(score: Score, indices: np.ndarray, progress, done: int, total: int) -> np.ndarray:
    """`score(indices)` with its progress and cancellation counted over the whole scan."""
    if len(indices) == 0:
        return np.empty(0, np.float32)
    step = None if progress is None else (lambda d, t: progress(done + d, total))
    try:
        return score(indices, step)
    except Cancelled as exc:
        raise Cancelled(f"cancelled after {done + exc.done:,} of {total:,} windows",
                        done + exc.done, total) from None


def with_network_state(windows: pd.DataFrame) -> pd.DataFrame:
    """`windows` with its `network` column; a table from before there was one (an older
    scan folder or stored session: every window went through the network) gets it from
    has_history."""
    if "network" in windows:
        return windows
    windows = windows.copy()
    if "has_history" in windows:
        history = windows["has_history"].astype(str).str.lower().isin(["true", "1"])
    else:  # a table older still, or damaged: a scored window had its history
        history = pd.to_numeric(windows.get("probability"), errors="coerce").notna() \
            if "probability" in windows else pd.Series(True, index=windows.index)
    windows["network"] = np.where(history, SEEN, NO_HISTORY)
    return windows


def coverage_note(scanned: dict, threshold: float, min_period_days: float,
                  step_days: float, windows: pd.DataFrame,
                  assist_threshold: float | None = None) -> str | None:
    """A line for the user when flags for `threshold` (or baseline assistance's lower
    `assist_threshold`, which flags windows too) / `min_period_days` need windows the
    fine pass of a fast scan (`scanned`: its `ScanSettings.fine_pass()`) did not score;
    None when the result is that of an exhaustive scan."""
    if not scanned or "network" not in windows or not (windows["network"] == COARSE).any():
        return None
    stride = int(scanned["coarse_stride"])
    lowest = threshold if assist_threshold is None else min(threshold, assist_threshold)
    if lowest >= scanned["floor"] and min_period_days >= stride * step_days - 1e-9:
        return None
    which = (f"threshold {threshold:g}" if lowest == threshold
             else f"assisted probability floor {lowest:g}")
    return (f"This scan scored windows every {stride * step_days:g} d first and the others "
            f"only near a probability of {scanned['floor']:g} or more: with {which} "
            f"and minimum period {min_period_days:g} d some periods may be "
            "missing or cut. Scan again (or with every window: --exhaustive).")


def skipped_windows(windows: pd.DataFrame) -> str:
    """What the network scored, in words: "769 scored by the network, 633 skipped by the
    coarse pass, 30 without history"."""
    states = with_network_state(windows)["network"].value_counts()
    words = {SEEN: "scored by the network", SPARSE: f"sparse (under {MIN_EVENTS} events)",
             COARSE: "skipped by the coarse pass", NO_HISTORY: "without history"}
    parts = [f"{int(states.get(s, 0)):,} {words[s]}" for s in NETWORK_STATES
             if s == SEEN or states.get(s, 0)]
    return ", ".join(parts)
