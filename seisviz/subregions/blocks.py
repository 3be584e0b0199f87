"""Change points in event times: Bayesian blocks (Scargle et al. 2013, ApJ 764:167), a
one-change-point Poisson likelihood, Poisson tails, and a place's background rate.

The statistics behind `seisviz.subregions.episodes` (whose docstring says how they are
used and why).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MAX_POINTS = 4000  # above this many distinct event times the blocks are fitted on bins


def bayesian_blocks(t_days: np.ndarray, start: float, end: float, p0: float = 0.05
                    ) -> np.ndarray:
    """Edges of the optimal piecewise-constant-rate partition of events on [start, end].

    Args:
        t_days: event times (days, any origin), sorted or not.
        start, end: the observation interval (same units), containing every event.
        p0: false change-point probability (Scargle et al. 2013, eq. 21).
    Returns:
        Block edges, ascending, from `start` to `end` (k + 1 edges for k blocks).
    """
    t = np.sort(np.asarray(t_days, np.float64))
    if len(t) == 0:
        return np.array([start, end])
    if len(np.unique(t)) > _MAX_POINTS:
        # many events: fit on fine bins (the same likelihood for binned data)
        edges_b = np.linspace(start, end, _MAX_POINTS + 1)
        x, _ = np.histogram(t, edges_b)
        keep = x > 0
        t = 0.5 * (edges_b[:-1] + edges_b[1:])[keep]
        x = x[keep].astype(np.float64)
    else:
        t, x = np.unique(t, return_counts=True)
        x = x.astype(np.float64)
    n = len(t)
    edges = np.concatenate([[start], 0.5 * (t[1:] + t[:-1]), [end]])
    # distance from each edge to the interval's end: width of a block = difference
    tail = end - edges
    ncp_prior = 4.0 - np.log(73.53 * p0 * x.sum() ** -0.478)
    best = np.zeros(n)
    last = np.zeros(n, np.int64)
    for r in range(n):
        width = tail[:r + 1] - tail[r + 1]
        count = np.cumsum(x[:r + 1][::-1])[::-1]
        fit = count * (np.log(count) - np.log(np.maximum(width, 1e-12))) - ncp_prior
        fit[1:] += best[:r]
        i = int(np.argmax(fit))
        last[r], best[r] = i, fit[i]
    cuts, r = [], n
    while r > 0:
        cuts.append(last[r - 1])
        r = last[r - 1]
    return edges[np.r_[np.array(cuts[::-1], np.int64), n]]


@dataclass(frozen=True)
class Blocks:
    """Bayesian blocks of a span's events: `edges` (days from the span's start), and per
    block its count `n`, `width` (days), `rate` (events per day) and `mu`, the count the
    reference rate expects in it."""

    edges: np.ndarray
    n: np.ndarray
    width: np.ndarray
    rate: np.ndarray
    mu: np.ndarray


def fit_blocks(days: np.ndarray, span_days: float, p0: float, lam0: float,
               quiet_days: float) -> Blocks:
    """The Bayesian blocks of events at `days` (sorted) on [0, span_days], and the
    reference rate each is judged against: the background rate `lam0`, or the rate of the
    quietest block of at least `quiet_days` when higher (steps 1 and 2 of
    `seisviz.subregions.episodes`)."""
    edges = bayesian_blocks(days, 0.0, span_days, p0)
    k = np.clip(np.searchsorted(edges, days, side="right") - 1, 0, len(edges) - 2)
    n_k = np.bincount(k, minlength=len(edges) - 1)
    width = np.diff(edges)
    rate = n_k / width
    # "elevated" is judged against the place's normal rate *now*: its quietest long block
    # in the span, when that is above the earlier background (a completeness change or a
    # drift since the background period lifts every block alike)
    long_blocks = width >= quiet_days
    lam_ref = max(lam0, float(rate[long_blocks].min())) if long_blocks.any() else lam0
    return Blocks(edges, n_k, width, rate, lam_ref * width)


def _rate_change(x: np.ndarray, a: float, b: float, rising: bool) -> int:
    """Index of the event where the rate of events `x` (sorted) on [a, b] steps up
    (`rising`: the event opens the high-rate part) or down (the event closes it), by the
    maximum of the two-segment Poisson likelihood ``sum n_i ln(n_i / T_i)``."""
    m = len(x)
    i = np.arange(m)
    if rising:  # events i.. in [x_i, b]; 0..i-1 in [a, x_i)
        n1, t1, n2, t2 = i, x - a, m - i, b - x
    else:       # events ..i in [a, x_i]; i+1.. in (x_i, b]
        n1, t1, n2, t2 = i + 1, x - a, m - i - 1, b - x

    def part(n, t):
        n = n.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, n * (np.log(n) - np.log(np.maximum(t, 1e-9))), 0.0)

    return int(np.argmax(part(n1, t1) + part(n2, t2)))


def _poisson_sf(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """P(N >= k) for N ~ Poisson(mu), elementwise."""
    from scipy.special import gammainc

    k = np.asarray(k, np.float64)
    return np.where(k <= 0, 1.0, gammainc(np.maximum(k, 1e-12), np.asarray(mu, np.float64)))


def background_rate(n_background: int, background_span_days: float,
                    floor_events: float = 0.5) -> float:
    """Events per day in the background period, never below `floor_events` over it.

    Args:
        n_background: events of the place in its background period.
        background_span_days: that period's length (days, > 0).
        floor_events: the count used when fewer events than this were seen.
    Returns:
        The background rate in events per day.
    """
    span = max(float(background_span_days), 1.0)
    return max(float(n_background), floor_events) / span
