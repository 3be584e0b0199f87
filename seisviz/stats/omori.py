"""Omori-Utsu decay of an aftershock sequence, by maximum likelihood (Ogata 1983).

The rate after the mainshock is n(t) = K / (t + c)^p (t in days). Given c and p the
likelihood's K is N / A(c, p), with A the integral of (t + c)^-p over the fitting span, so
the fit maximises the profile log-likelihood over (log c, p) (scipy's L-BFGS-B).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from seisviz.stats.geometry import seconds_since

# fewer aftershocks than this give no fit: p from 30 events has a standard error ~0.1-0.2
MIN_AFTERSHOCKS_OMORI = 30
# the largest event "leads" the episode when at most this share of the events come
# before it (foreshocks) and it is the first of the events of its magnitude
MAX_FORESHOCK_SHARE = 0.05
P_BOUNDS = (0.3, 3.0)
C_BOUNDS_DAYS = (1e-5, 10.0)


@dataclass(frozen=True)
class OmoriFit:
    """n(t) = k / (t + c)^p aftershocks per day, t in days after the mainshock; `n` the
    aftershocks fitted, `span_days` the fitting span, `log_likelihood` at the optimum."""

    p: float
    c: float
    k: float
    n: int
    span_days: float
    log_likelihood: float


def mainshock_index(events: pd.DataFrame) -> int | None:
    """Position (in time order) of the largest event when it leads the episode: at most
    MAX_FORESHOCK_SHARE (5 %) of the events come before it; else None."""
    if len(events) == 0:
        return None
    m = events.sort_values("time", kind="stable")["magnitude"].to_numpy(dtype=np.float64)
    i = int(np.argmax(m))  # the first of the largest
    return i if i <= MAX_FORESHOCK_SHARE * len(m) else None


def _neg_profile(params, t, span):
    log_c, p = params
    c = np.exp(log_c)
    n = len(t)
    if abs(p - 1.0) < 1e-9:
        a = np.log((span + c) / c)
    else:
        a = ((span + c) ** (1 - p) - c ** (1 - p)) / (1 - p)
    return -(n * np.log(n / a) - n - p * np.sum(np.log(t + c)))


def fit_omori(t_days: np.ndarray, span_days: float | None = None) -> OmoriFit | None:
    """Omori-Utsu fit to aftershock times `t_days` (days after the mainshock, > = 0) over
    [0, span_days] (default the last time); None with fewer than MIN_AFTERSHOCKS_OMORI."""
    from scipy.optimize import minimize

    t = np.sort(np.asarray(t_days, dtype=np.float64))
    t = t[np.isfinite(t) & (t >= 0)]
    if len(t) < MIN_AFTERSHOCKS_OMORI:
        return None
    span = float(t[-1]) if span_days is None else float(span_days)
    if span <= 0:
        return None
    best = None
    for c0 in (1e-3, 0.05, 1.0):  # a few starts: the surface is flat along c
        res = minimize(_neg_profile, x0=[np.log(c0), 1.1], args=(t, span), method="L-BFGS-B",
                       bounds=[tuple(np.log(C_BOUNDS_DAYS)), P_BOUNDS])
        if best is None or res.fun < best.fun:
            best = res
    log_c, p = best.x
    c = float(np.exp(log_c))
    a = np.log((span + c) / c) if abs(p - 1) < 1e-9 else \
        ((span + c) ** (1 - p) - c ** (1 - p)) / (1 - p)
    return OmoriFit(p=float(p), c=c, k=float(len(t) / a), n=len(t), span_days=span,
                    log_likelihood=float(-best.fun))


def omori_fit(events: pd.DataFrame) -> OmoriFit | None:
    """The Omori-Utsu fit of an episode's events after its largest event, only when that
    event leads the episode (see `mainshock_index`) and at least MIN_AFTERSHOCKS_OMORI (30)
    events follow it; else None."""
    i = mainshock_index(events)
    if i is None:
        return None
    ordered = events.sort_values("time", kind="stable")
    t0 = pd.Timestamp(ordered["time"].iloc[i])
    after = seconds_since(ordered["time"].iloc[i + 1:], origin=t0) / 86400.0
    return fit_omori(after)
