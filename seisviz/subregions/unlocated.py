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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seisviz.tables import SCORE, UNLOCATED
from seisviz.timeutil import to_ns


def unlocated_alarms(raw_periods: pd.DataFrame, episodes: pd.DataFrame | None,
                     catalog: pd.DataFrame | None = None, score: str = SCORE) -> pd.DataFrame:
    """The raw periods during which no episode is active, as the `UNLOCATED` table.

    Args:
        raw_periods: runs of flagged windows (`seisviz.detect.flagged_periods`):
            start, end (the windows' span), `score`, n_windows.
        episodes: the scan's episodes (onset or start, and end).
        catalog: the events the scan looked at, for n_events (events in the span
            [window_start, window_end)); 0 without it.
        score: the raw periods' score column (peak_probability, or the baseline's
            peak_beta), kept under its name.
    Returns:
        alarm_id (1..n by time), window_start, window_end, `score`, n_windows, n_events.
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
    out = pd.DataFrame({
        "alarm_id": np.arange(1, len(keep) + 1, dtype=np.int64),
        "window_start": pd.to_datetime(raw_periods["start"].iloc[keep], utc=True).to_numpy(),
        "window_end": pd.to_datetime(raw_periods["end"].iloc[keep], utc=True).to_numpy(),
        score: scores,
        "n_windows": raw_periods["n_windows"].to_numpy(np.int64)[keep],
        "n_events": np.asarray(n_events, np.int64)})
    out = layout.with_utc_times(out)
    return layout.select(out).astype(dict(zip(layout.columns, layout.dtypes)))
