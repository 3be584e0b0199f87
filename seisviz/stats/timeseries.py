"""Mc(t) and b(t) on windows of consecutive events (ZMAP's "Mc and b with time")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.stats.bvalue import b_value
from seisviz.stats.completeness import magnitude_of_completeness
from seisviz.stats.magnitudes import magnitude_resolution

MC_B_COLUMNS = ["time", "start", "end", "n_events", "mc", "b", "b_err", "n_used"]


def mc_b_over_time(catalog: pd.DataFrame, window_events: int = 250, step: int = 50,
                   method: str = "classic") -> pd.DataFrame:
    """Mc and b in sliding windows of `window_events` consecutive events (in time order),
    moved by `step` events, as ZMAP plots them. One row per window: `time` (the window's
    median event time), `start` and `end` (its first and last event), `n_events`, `mc`
    (maximum curvature + 0.2), `b` and `b_err` (Shi & Bolt) above that Mc, `n_used`; b is
    NaN where a window has too few events above its Mc (50 for "classic", 30 positive
    differences for "positive"). delta_m is inferred once for the whole catalog. A catalog
    shorter than one window gives an empty table."""
    if window_events < 2 or step < 1:
        raise SeisvizError(f"Mc(t)/b(t): window of {window_events} events and step of {step} "
                           f"events; expected a window of at least 2 and a step of at least 1")
    cat = catalog.sort_values("time", kind="stable")
    times = cat["time"].reset_index(drop=True)
    mags = cat["magnitude"].to_numpy(dtype=np.float64)
    delta_m = magnitude_resolution(mags)
    rows = []
    for i0 in range(0, len(cat) - window_events + 1, step):
        m = mags[i0:i0 + window_events]
        t = times.iloc[i0:i0 + window_events]
        mc = magnitude_of_completeness(m, delta_m)
        est = b_value(m, mc=mc, delta_m=delta_m, method=method,
                      times=t.to_numpy()) if np.isfinite(mc) else None
        rows.append({"time": t.iloc[len(t) // 2], "start": t.iloc[0], "end": t.iloc[-1],
                     "n_events": len(m), "mc": mc,
                     "b": est.b if est else np.nan, "b_err": est.b_err if est else np.nan,
                     "n_used": est.n_used if est else 0})
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=catalog["time"].dtype if c in
                                          ("time", "start", "end") else "float64")
                             for c in MC_B_COLUMNS})
    return pd.DataFrame(rows, columns=MC_B_COLUMNS)
