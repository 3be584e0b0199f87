"""Flagged periods from flagged windows, and their comparison with manual picks."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import IO

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from seisviz.errors import SeisvizError
from seisviz.settings import MIN_PERIOD_DAYS
from seisviz.tables import RAW_PERIODS, SCORE


def flagged_periods(windows: pd.DataFrame, flagged: ArrayLike, max_gap_days: float = 0.0,
                    probability: ArrayLike | None = None,
                    min_period_days: float = MIN_PERIOD_DAYS, score: str = SCORE
                    ) -> pd.DataFrame:
    """Merge consecutive flagged windows into periods.

    `windows` has window_start and window_end; a period runs from its first flagged
    window's start to its last flagged window's end. Flagged windows join a period when
    they follow each other, i.e. when the next flagged window starts at most one step
    plus `max_gap_days` after the last one (`max_gap_days` bridges that many days of
    unflagged windows). Separate episodes stay separate periods even though their
    windows overlap in time, so two periods may overlap by up to a window length.
    Returns the columns of `seisviz.tables.RAW_PERIODS`: period_id, start, end, the
    highest `probability` under the name `score` (peak_probability; peak_beta for the
    baseline's), n_windows."""
    flagged = np.asarray(flagged, bool)
    cols = list(RAW_PERIODS.scored(score).columns)
    starts = pd.DatetimeIndex(pd.to_datetime(windows["window_start"], utc=True))
    ends = pd.DatetimeIndex(pd.to_datetime(windows["window_end"], utc=True))
    prob = np.full(len(flagged), np.nan) if probability is None else np.asarray(probability)
    step = (starts[1:] - starts[:-1]).min() if len(starts) > 1 else pd.Timedelta(0)
    # a little slack: fractional-day steps are rounded to whole nanoseconds
    reach = step + pd.Timedelta(days=max_gap_days) + pd.Timedelta(seconds=1)
    rows, previous = [], None
    for i in np.flatnonzero(flagged):
        if rows and starts[i] - starts[previous] <= reach:
            last = rows[-1]
            last["end"] = max(last["end"], ends[i])
            # fmax: the larger, ignoring NaN (and NaN, without a warning, when both are)
            last[score] = np.fmax(last[score], prob[i])
            last["n_windows"] += 1
            last["last_start"] = starts[i]
        else:
            rows.append({"start": starts[i], "end": ends[i], score: prob[i],
                         "n_windows": 1, "last_start": starts[i]})
        previous = i
    rows = [r for r in rows
            if (r["last_start"] - r["start"]) + step >= pd.Timedelta(days=min_period_days)]
    for r in rows:
        del r["last_start"]
    out = pd.DataFrame(rows, columns=cols[1:])
    if not rows:  # typed columns even when nothing was flagged
        out = out.astype({"start": starts.dtype, "end": ends.dtype,
                          score: np.float64, "n_windows": np.int64})
    out.insert(0, "period_id", np.arange(1, len(out) + 1))
    return out


def overlaps(a_start: ArrayLike, a_end: ArrayLike, b_start: ArrayLike,
             b_end: ArrayLike) -> np.ndarray:
    """Matrix [len(a), len(b)]: do the intervals overlap?"""
    a0 = pd.to_datetime(pd.Series(a_start), utc=True).to_numpy()[:, None]
    a1 = pd.to_datetime(pd.Series(a_end), utc=True).to_numpy()[:, None]
    b0 = pd.to_datetime(pd.Series(b_start), utc=True).to_numpy()[None, :]
    b1 = pd.to_datetime(pd.Series(b_end), utc=True).to_numpy()[None, :]
    return (a0 <= b1) & (b0 <= a1)


def compare_periods(picked: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Precision, recall and F1 of `picked` periods against `truth` (e.g. manual picks).

    A picked period is correct when it overlaps some true period; a true period is found
    when some picked period overlaps it."""
    n_p, n_t = len(picked), len(truth)
    if n_p and n_t:
        m = overlaps(picked["start"], picked["end"], truth["start"], truth["end"])
        correct, found = int(m.any(axis=1).sum()), int(m.any(axis=0).sum())
    else:
        correct = found = 0
    precision = correct / n_p if n_p else (1.0 if n_t == 0 else 0.0)
    recall = found / n_t if n_t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "n_picked": n_p,
            "n_true": n_t, "n_picked_correct": correct, "n_true_found": found}


def window_scores(labels: ArrayLike, flagged: ArrayLike) -> dict[str, float]:
    """Precision, recall and F1 over windows."""
    labels, flagged = np.asarray(labels, bool), np.asarray(flagged, bool)
    tp = int((labels & flagged).sum())
    fp = int((~labels & flagged).sum())
    fn = int((labels & ~flagged).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def best_threshold(labels: ArrayLike, scores: ArrayLike,
                   candidates: Iterable[float] | None = None) -> tuple[float | None, float]:
    """The threshold on `scores` that maximises window F1 (ties: the higher one)."""
    scores = np.asarray(scores, float)
    ok = np.isfinite(scores)
    if candidates is None:
        candidates = np.unique(np.quantile(scores[ok], np.linspace(0, 1, 201)))
    best = (-1.0, None)
    for c in candidates:
        f1 = window_scores(np.asarray(labels)[ok], scores[ok] >= c)["f1"]
        if f1 >= best[0]:
            best = (f1, float(c))
    return best[1], best[0]


def read_picks(source: str | os.PathLike | IO, name: str | None = None) -> pd.DataFrame:
    """A CSV of manually picked periods with `start` and `end` columns (UTC)."""
    name = name or getattr(source, "name", str(source))
    try:
        picks = pd.read_csv(source)
    except Exception as exc:
        reason = " ".join(str(exc).split())  # pandas messages may hold newlines
        raise SeisvizError(f"{name}: not a readable CSV of picks ({reason})") from None
    picks.columns = [str(c).strip().lower() for c in picks.columns]
    missing = [c for c in ("start", "end") if c not in picks.columns]
    if missing:
        raise SeisvizError(f"{name}: picks need columns start,end; missing {', '.join(missing)}")
    out = picks.copy()
    for col in ("start", "end"):
        out[col] = pd.to_datetime(out[col], utc=True, errors="coerce", format="mixed")
    bad = out["start"].isna() | out["end"].isna() | (out["end"] < out["start"])
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad)[:5])
        raise SeisvizError(f"{name}: {int(bad.sum())} pick(s) with unreadable or reversed "
                           f"start/end (line {rows})")
    return out.reset_index(drop=True)
