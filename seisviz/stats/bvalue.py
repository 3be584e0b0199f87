"""Gutenberg-Richter b-value: Aki-Utsu maximum likelihood ("classic") and b-positive.

Both are SeismoStats estimators: `ClassicBValueEstimator` (Aki 1965 with Utsu's and
Tinti & Mulargia's correction for binned magnitudes) and `BPositiveBValueEstimator`
(van der Elst 2021: the positive differences between consecutive magnitudes, which do not
depend on a changing Mc, e.g. early in an aftershock sequence). The uncertainty is Shi &
Bolt's (1982).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from seisviz.errors import SeisvizError
from seisviz.stats.completeness import magnitude_of_completeness
from seisviz.stats.engine import quiet, seismostats_analysis
from seisviz.stats.magnitudes import binned, magnitude_resolution

# fewer events at or above Mc (classic), or fewer positive differences (b-positive), give
# no b-value: with 50 events the Aki-Utsu b has a standard error of about b/7
MIN_EVENTS_CLASSIC = 50
MIN_DIFFERENCES_POSITIVE = 30
B_METHODS = ("classic", "positive")
METHOD_NAMES = {"classic": "Aki-Utsu", "positive": "b-positive"}


@dataclass(frozen=True)
class BValue:
    """A b-value estimate: `b`, `b_err` (Shi & Bolt 1982 standard error), `mc` (the
    completeness magnitude used), `n_used` (events at or above Mc, or positive differences
    for b-positive), `method` ("Aki-Utsu" or "b-positive") and `delta_m` (magnitude bin)."""

    b: float
    b_err: float
    mc: float
    n_used: int
    method: str
    delta_m: float


def b_value(magnitudes: ArrayLike, mc: float | None = None, delta_m: float | None = None,
            method: str = "classic", times: ArrayLike | None = None,
            dmc: float | None = None) -> BValue | None:
    """The b-value of `magnitudes` at or above `mc` (by maximum curvature + 0.2 when None).

    method "classic": Aki-Utsu maximum likelihood with the bin correction; None with fewer
    than MIN_EVENTS_CLASSIC (50) events at or above Mc. method "positive": b-positive on the
    differences between consecutive magnitudes (in the order of `times`, else as given) of
    at least `dmc` (default delta_m); None with fewer than MIN_DIFFERENCES_POSITIVE (30).
    delta_m (the magnitudes' resolution) is inferred from the data when not given. None too
    when Mc cannot be estimated (fewer than 20 magnitudes)."""
    if method not in B_METHODS:
        raise SeisvizError(f"b-value method {method!r}: expected one of {', '.join(B_METHODS)}")
    m = np.asarray(magnitudes, dtype=np.float64)
    order = np.argsort(np.asarray(times), kind="stable") if times is not None else None
    if order is not None:
        m = m[order]
    m = m[np.isfinite(m)]
    if len(m) < (MIN_EVENTS_CLASSIC if method == "classic" else MIN_DIFFERENCES_POSITIVE + 1):
        return None  # too few before any cut at Mc (and without importing SeismoStats)
    if delta_m is None:
        delta_m = magnitude_resolution(m)
    m = binned(m, delta_m)
    if mc is None:
        mc = magnitude_of_completeness(m, delta_m)
    if not np.isfinite(mc):
        return None
    mc = float(binned(np.array([mc]), delta_m)[0]) if delta_m > 0 else float(mc)
    above = m[m >= mc - delta_m / 2 - 1e-9]
    if method == "classic":
        return _classic(above, mc, delta_m)
    return _positive(above, mc, delta_m, delta_m if dmc is None else float(dmc))


def _classic(above, mc, delta_m):
    if len(above) < MIN_EVENTS_CLASSIC:
        return None
    est = seismostats_analysis().ClassicBValueEstimator()
    return _result(est, dict(magnitudes=above, mc=mc, delta_m=delta_m), mc, delta_m, "classic")


def _positive(above, mc, delta_m, dmc):
    n_diff = int(np.sum(np.diff(above) >= dmc - delta_m / 2 - 1e-9))
    if n_diff < MIN_DIFFERENCES_POSITIVE:
        return None
    est = seismostats_analysis().BPositiveBValueEstimator()
    return _result(est, dict(magnitudes=above, mc=mc, delta_m=delta_m, dmc=dmc), mc, delta_m,
                   "positive")


def _result(estimator: Any, kwargs: dict, mc: float, delta_m: float, method: str):
    with quiet():
        b = float(estimator.calculate(**kwargs))
        err = float(estimator.std)
        n = int(estimator.n)
    if not np.isfinite(b):
        return None
    return BValue(b=b, b_err=err, mc=mc, n_used=n, method=METHOD_NAMES[method], delta_m=delta_m)
