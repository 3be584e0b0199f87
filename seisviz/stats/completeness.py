"""Magnitude of completeness Mc by maximum curvature (SeismoStats' `estimate_mc_maxc`)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from seisviz.stats.engine import quiet, seismostats_analysis
from seisviz.stats.magnitudes import binned, magnitude_resolution

# fewer events than this give no Mc (NaN): the mode of a histogram of a handful of
# magnitudes says nothing about where the catalog becomes complete
MIN_EVENTS_MC = 20
MAXC_CORRECTION = 0.2   # Woessner & Wiemer (2005): maximum curvature underestimates Mc
MAXC_BIN = 0.1          # histogram bin of the maximum-curvature method (Wiemer & Wyss 2000)


def magnitude_of_completeness(magnitudes: ArrayLike, delta_m: float | None = None,
                              correction: float = MAXC_CORRECTION) -> float:
    """Mc by maximum curvature: the centre of the most populated bin of the
    frequency-magnitude histogram, plus `correction` (+0.2), by SeismoStats'
    `estimate_mc_maxc`. The histogram's bins are 0.1 wide, or delta_m when that is coarser;
    delta_m (the magnitudes' resolution) is inferred from the data when not given.
    NaN with fewer than MIN_EVENTS_MC (20) finite magnitudes.

    `seisviz.catalog.mc_max_curvature` is the same method written without SeismoStats, for
    the catalog summary that every load prints (a test checks that they agree)."""
    if delta_m is None:
        delta_m = magnitude_resolution(magnitudes)
    m = binned(magnitudes, delta_m)
    if len(m) < MIN_EVENTS_MC:
        return float("nan")
    ss = seismostats_analysis()
    with quiet():
        mc, _ = ss.estimate_mc_maxc(m, fmd_bin=max(MAXC_BIN, delta_m),
                                    correction_factor=correction)
    return _on_grid(float(mc), delta_m)


def _on_grid(value, delta_m):
    """`value` rounded to the magnitudes' bins (1.4000000000000001 -> 1.4)."""
    step = delta_m if delta_m > 0 else 0.001
    return float(binned(np.array([value]), step)[0])
