"""Nearest-neighbour clustering of Zaliapin & Ben-Zion (2013), for declustering.

Each event j is linked to its nearest neighbour i among the earlier events in the
space-time-magnitude distance eta_ij = t_ij * r_ij^df * 10^(-b m_i) (t in years, r in km,
epicentral, floored at R_MIN_KM). log10 eta is bimodal: a mode of clustered events
(small eta) and one of background events. Events whose eta is below the threshold eta0
belong to their neighbour's cluster and are removed; the rest (and the first event) are
the declustered catalog. eta0 is where a 2-component Gaussian mixture of log10 eta splits
the two modes (equal weighted densities between the means), or a given log10 eta0 (-5 for
southern California in Zaliapin & Ben-Zion 2013). Pairs are compared in blocks, O(n^2):
MAX_EVENTS_ZALIAPIN (50,000) events at most.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.stats.geometry import epicentral_km, seconds_since

FRACTAL_DIMENSION = 1.6   # df of epicentres (Zaliapin & Ben-Zion 2013)
B_DEFAULT = 1.0
R_MIN_KM = 0.01           # events at the same place: eta stays finite
LOG_ETA0_FALLBACK = -5.0  # when log10 eta is not bimodal
MAX_EVENTS_ZALIAPIN = 50_000
_YEAR_S = 365.25 * 86400.0
_BLOCK = 512


def nearest_neighbours(catalog: pd.DataFrame, b: float = B_DEFAULT,
                       df: float = FRACTAL_DIMENSION) -> tuple[np.ndarray, np.ndarray]:
    """For each event (catalog row order), log10 eta to its nearest earlier neighbour and
    that neighbour's row (NaN and -1 for the first event)."""
    n = len(catalog)
    if n > MAX_EVENTS_ZALIAPIN:
        raise SeisvizError(f"nearest-neighbour declustering: {n:,} events; at most "
                           f"{MAX_EVENTS_ZALIAPIN:,} (it compares every pair): cut the catalog")
    order = np.argsort(seconds_since(catalog["time"]), kind="stable")
    t = seconds_since(catalog["time"])[order] / _YEAR_S
    lon = catalog["longitude"].to_numpy(dtype=np.float64)[order]
    lat = catalog["latitude"].to_numpy(dtype=np.float64)[order]
    m = catalog["magnitude"].to_numpy(dtype=np.float64)[order]
    log_eta = np.full(n, np.nan)
    parent = np.full(n, -1)
    for j0 in range(1, n, _BLOCK):
        j = np.arange(j0, min(n, j0 + _BLOCK))
        i = np.arange(j[-1])
        dt = t[j][:, None] - t[i][None, :]
        r = np.maximum(epicentral_km(lon[j][:, None], lat[j][:, None], lon[i][None, :],
                                     lat[i][None, :]), R_MIN_KM)
        with np.errstate(divide="ignore"):
            le = np.log10(np.maximum(dt, 0.0)) + df * np.log10(r) - b * m[i][None, :]
        le[(i[None, :] >= j[:, None]) | (dt <= 0)] = np.inf  # later, or at the same instant
        best = np.argmin(le, axis=1)
        found = np.isfinite(le[np.arange(len(j)), best])
        log_eta[j[found]] = le[np.arange(len(j)), best][found]
        parent[j[found]] = best[found]
    out_eta, out_parent = np.full(n, np.nan), np.full(n, -1)
    out_eta[order] = log_eta
    out_parent[order] = np.where(parent >= 0, order[np.maximum(parent, 0)], -1)
    return out_eta, out_parent


def mixture_threshold(log_eta: np.ndarray, iterations: int = 200) -> float:
    """log10 eta0 splitting a 2-component Gaussian mixture of the finite `log_eta` (EM);
    LOG_ETA0_FALLBACK when there are under 20 values or the two components do not separate
    (means closer than one pooled standard deviation)."""
    x = np.asarray(log_eta, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < 20:
        return LOG_ETA0_FALLBACK
    mu = np.percentile(x, [25, 75]).astype(np.float64)
    sd = np.full(2, max(np.std(x) / 2, 1e-3))
    w = np.array([0.5, 0.5])
    for _ in range(iterations):
        dens = w / sd * np.exp(-0.5 * ((x[:, None] - mu) / sd) ** 2)
        resp = dens / np.maximum(dens.sum(axis=1, keepdims=True), 1e-300)
        nk = np.maximum(resp.sum(axis=0), 1e-9)
        w, mu = nk / len(x), (resp * x[:, None]).sum(axis=0) / nk
        sd = np.maximum(np.sqrt((resp * (x[:, None] - mu) ** 2).sum(axis=0) / nk), 1e-3)
    lo, hi = np.argsort(mu)
    pooled = np.sqrt((sd[lo] ** 2 + sd[hi] ** 2) / 2)
    if mu[hi] - mu[lo] < pooled or min(w) < 0.02:
        return LOG_ETA0_FALLBACK
    grid = np.linspace(mu[lo], mu[hi], 2001)
    d_lo = w[lo] / sd[lo] * np.exp(-0.5 * ((grid - mu[lo]) / sd[lo]) ** 2)
    d_hi = w[hi] / sd[hi] * np.exp(-0.5 * ((grid - mu[hi]) / sd[hi]) ** 2)
    return float(grid[np.argmin(np.abs(np.log(d_lo + 1e-300) - np.log(d_hi + 1e-300)))])


def zaliapin(catalog: pd.DataFrame, log_eta0: float | None = None, b: float = B_DEFAULT,
             df: float = FRACTAL_DIMENSION) -> tuple[np.ndarray, dict[str, Any]]:
    """Which events of `catalog` are background (kept) by nearest-neighbour distances:
    log10 eta >= log_eta0 (from the Gaussian-mixture split when None), and the first event.
    Returns the mask (catalog row order) and details {"method", "log_eta", "parent",
    "log_eta0", "b", "df"}."""
    log_eta, parent = nearest_neighbours(catalog, b=b, df=df)
    threshold = mixture_threshold(log_eta) if log_eta0 is None else float(log_eta0)
    keep = ~(np.isfinite(log_eta) & (log_eta < threshold))
    return keep, {"method": "zaliapin", "log_eta": log_eta, "parent": parent,
                  "log_eta0": threshold, "b": b, "df": df}
