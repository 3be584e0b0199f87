"""The label rule: which windows of an artificial catalog are anomalous, and why.

The label rule (`window_labels`): a window is anomalous when, somewhere in the map, a
neighbourhood holds at least `min_events` (10) events of one anomaly episode in the
window *and* at least as many as the neighbourhood's background channel (its own
earlier rate, as an expected count for one window) - i.e. a sudden, localized increase
that at least doubles the place's own rate. Two neighbourhood sizes are tried: 3x3
pixels, and a square about `NEIGHBOURHOOD_KM` (5 km) a side (3x3 pixels is 1.5 km on a
0.3-degree region but 5 km on a 1-degree one; an injection front or a swarm of a few km
radius only gathers its events in the larger one). A place that is always busy is not
anomalous (its background is high), a completeness change is not (it is no episode),
and the late, slow tail of an aftershock sequence is not (its own earlier rate is high).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

# the neighbourhoods live with the maps: the subregion finder looks in the same ones
from seisviz.maps import NEIGHBOURHOOD_KM, box_sum, label_neighbourhoods, rasterize
from seisviz.settings import MIN_EVENTS

if TYPE_CHECKING:
    from seisviz.maps import DistributionMaps

__all__ = ["NEIGHBOURHOOD_KM", "label_neighbourhoods", "window_labels"]


def window_labels(catalog: pd.DataFrame, dmaps: DistributionMaps,
                  min_events: int = MIN_EVENTS) -> tuple[np.ndarray, np.ndarray]:
    """Per window: anomalous (bool) and the episode that makes it so (-1 if none).

    See the module docstring for the rule."""
    n = len(dmaps)
    labels = np.zeros(n, bool)
    cause = np.full(n, -1, dtype=np.int64)
    best = np.zeros(n)
    halves = label_neighbourhoods(dmaps.grid)
    background = dmaps.channel("background")
    bgs = [box_sum(background, h) for h in halves]
    start = pd.Timestamp(dmaps.window_start[0], tz="UTC")
    end = pd.Timestamp(dmaps.window_end[-1], tz="UTC")
    for ep, ev in catalog[catalog["episode"] >= 0].groupby("episode"):
        count = rasterize(ev, dmaps.grid, dmaps.window_days, dmaps.step_days,
                          dmaps.background_days, start=start, end=end).channel("count")
        strength = np.zeros(n)
        for h, bg in zip(halves, bgs):
            a = box_sum(count, h)
            hit = (a >= min_events) & (a >= bg)
            strength = np.maximum(strength, np.where(hit, a, 0).max(axis=(1, 2)))
        better = strength > best
        labels |= strength > 0
        cause[better] = ep
        best[better] = strength[better]
    return labels, cause
