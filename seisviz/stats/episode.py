"""What an episode is: its Mc, b-value, Omori decay, migration, depth and kind.

The kind rule (docs/statistics.md):

1. "aftershocks": the largest event leads the episode (at most 5 % of the events before
   it) and the events after it decay in time: half of them come within the first
   DECAY_MEDIAN_SHARE (20 %) of the time from it to the last event (a constant rate puts
   half in the first 50 %; Omori-Utsu decay with p ~ 1 in the first few %);
2. "injection": otherwise, when the events migrate away from the first ones, their
   distance growing with time (`diffusivity` gives a D);
3. "swarm": otherwise.

Fewer than MIN_EVENTS_KIND (5) events give no kind (None).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from seisviz.stats.bvalue import b_value
from seisviz.stats.completeness import magnitude_of_completeness
from seisviz.stats.diffusion import diffusivity
from seisviz.stats.geometry import seconds_since
from seisviz.stats.magnitudes import magnitude_resolution
from seisviz.stats.omori import mainshock_index, omori_fit
from seisviz.tables import EPISODE_STATS

MIN_EVENTS_KIND = 5
DECAY_MEDIAN_SHARE = 0.2
EPISODE_KINDS = ("aftershocks", "injection", "swarm")
EPISODE_STAT_COLUMNS = list(EPISODE_STATS)  # the episodes table's columns (seisviz.tables)


def depth_median_km(events: pd.DataFrame) -> float:
    """Median depth (km) of the events with a finite depth; NaN when none."""
    d = events["depth"].to_numpy(dtype=np.float64) if "depth" in events else np.array([])
    d = d[np.isfinite(d)]
    return float(np.median(d)) if len(d) else float("nan")


def decays(events: pd.DataFrame) -> bool:
    """The events after the largest one come early: their median time after it is under
    DECAY_MEDIAN_SHARE of the span from it to the last event. False when the largest event
    does not lead (see `seisviz.stats.omori.mainshock_index`) or fewer than 3 follow it."""
    i = mainshock_index(events)
    if i is None:
        return False
    ordered = events.sort_values("time", kind="stable")
    t = seconds_since(ordered["time"].iloc[i:])
    after = t[1:]
    if len(after) < 3 or after[-1] <= 0:
        return False
    return bool(np.median(after) < DECAY_MEDIAN_SHARE * after[-1])


def episode_kind(events: pd.DataFrame, diffusivity_m2s: float | None = None) -> str | None:
    """"aftershocks", "injection" or "swarm" by the module's rule; None with fewer than
    MIN_EVENTS_KIND (5) events. `diffusivity_m2s`, when already computed, saves computing it."""
    if len(events) < MIN_EVENTS_KIND:
        return None
    if decays(events):
        return "aftershocks"
    d = diffusivity(events) if diffusivity_m2s is None else diffusivity_m2s
    return "injection" if d is not None and np.isfinite(d) else "swarm"


def characterise_episode(events: pd.DataFrame, b_method: str = "classic") -> dict[str, Any]:
    """One episode's statistics, EPISODE_STAT_COLUMNS: mc (maximum curvature + 0.2; NaN
    under 20 events), b_value and b_value_err (`b_method` above that Mc; NaN under 50
    events above Mc, or 30 positive differences for b-positive), omori_p, omori_c (days)
    and omori_k (K of K / (t + c)^p events per day, t in days) when the largest event
    leads and 30 events follow it (else NaN), diffusivity_m2s (NaN when the
    events do not migrate or are under 10), depth_median_km and kind (None under 5 events)."""
    ordered = events.sort_values("time", kind="stable").reset_index(drop=True)
    mags = ordered["magnitude"].to_numpy(dtype=np.float64)
    delta_m = magnitude_resolution(mags)
    mc = magnitude_of_completeness(mags, delta_m) if len(ordered) else float("nan")
    b = b_value(mags, mc=mc, delta_m=delta_m, method=b_method,
                times=ordered["time"].to_numpy()) if np.isfinite(mc) else None
    fit = omori_fit(ordered)
    d = diffusivity(ordered) if len(ordered) else None
    return {"mc": mc, "b_value": b.b if b else np.nan, "b_value_err": b.b_err if b else np.nan,
            "omori_p": fit.p if fit else np.nan, "omori_c": fit.c if fit else np.nan,
            "omori_k": fit.k if fit else np.nan,
            "diffusivity_m2s": d if d is not None else np.nan,
            "depth_median_km": depth_median_km(ordered),
            "kind": episode_kind(ordered, diffusivity_m2s=d if d is not None else np.nan)}
