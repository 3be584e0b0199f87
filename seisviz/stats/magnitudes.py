"""Magnitudes: their resolution (the bin width delta_m) and the mix of magnitude types."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

# the resolutions tried, coarsest first: catalogs give magnitudes to 0.1, 0.01 or 0.001
RESOLUTIONS = (0.1, 0.01, 0.001)
# magnitude types grouped into scales: ComCat's "mww", "mwc", "mwr", "mwb" are all Mw
_FAMILIES = {"mw": "Mw", "ml": "ML", "mb": "mb", "ms": "Ms", "md": "Md", "mc": "Md",
             "me": "Me", "mj": "ML", "mh": "Mh", "m": "M"}


def magnitude_resolution(magnitudes: ArrayLike) -> float:
    """The bin width delta_m the magnitudes are given to: the coarsest of 0.1, 0.01 and
    0.001 on which every finite magnitude lies (within 1e-4 of a bin width), else 0.0 (continuous
    magnitudes). A catalog with no finite magnitude gives 0.1."""
    m = np.asarray(magnitudes, dtype=np.float64)
    m = m[np.isfinite(m)]
    if len(m) == 0:
        return 0.1
    for d in RESOLUTIONS:
        if np.all(np.abs(m / d - np.round(m / d)) < 1e-4):
            return d
    return 0.0


def binned(magnitudes: ArrayLike, delta_m: float) -> np.ndarray:
    """Finite magnitudes rounded to multiples of delta_m (as floats with exactly the bins'
    decimals, which SeismoStats' binning check needs); delta_m = 0 leaves them as they are."""
    m = np.asarray(magnitudes, dtype=np.float64)
    m = m[np.isfinite(m)]
    if delta_m <= 0:
        return m
    decimals = max(0, int(round(-np.log10(delta_m))) + (0 if _is_power_of_ten(delta_m) else 1))
    return np.round(np.round(m / delta_m) * delta_m, decimals)


def _is_power_of_ten(x):
    return abs(np.log10(x) - round(np.log10(x))) < 1e-9


@dataclass(frozen=True)
class MagnitudeTypes:
    """The magnitude types of a catalog: `counts` (events per type as written, most
    first; "unknown" for blanks), `scales` (events per scale, Mw for mww/mwc/..., most
    first) and `warning` (one line when more than one scale is mixed, else None)."""

    counts: pd.Series
    scales: pd.Series
    warning: str | None

    @property
    def mixed(self) -> bool:
        """More than one magnitude scale in the one column."""
        return self.warning is not None


def magnitude_scale(magnitude_type: str) -> str:
    """The scale a magnitude type belongs to: "Mw" for mw, mww, Mw(mB), ...; "ML" for ml and
    MJMA; "mb", "Ms", "Md" (mc too); other names as written; "unknown" for blanks."""
    t = str(magnitude_type).strip()
    if not t or t.lower() in ("nan", "none", "<na>"):
        return "unknown"
    low = t.lower()
    for prefix in ("mw", "ml", "mb", "ms", "md", "mc", "me", "mj", "mh"):
        if low.startswith(prefix):
            return _FAMILIES[prefix]
    return _FAMILIES.get(low, t)


def magnitude_types(catalog: pd.DataFrame) -> MagnitudeTypes:
    """Counts per magnitude type, and a one-line warning when the catalog mixes scales
    (ML, Ms, Mw, mb in one column: b-value and Mc assume a single scale). A catalog
    without a `magnitude_type` column has empty counts and no warning; blank types are
    counted as "unknown" and do not by themselves make a mix."""
    if "magnitude_type" not in catalog.columns or len(catalog) == 0:
        empty = pd.Series(dtype="int64", name="events")
        return MagnitudeTypes(counts=empty, scales=empty.copy(), warning=None)
    types = catalog["magnitude_type"].astype("string").str.strip().fillna("")
    types = types.where(types != "", "unknown")
    counts = types.value_counts().rename("events")
    counts.index.name = "magnitude_type"
    scales = types.map(magnitude_scale).value_counts().rename("events")
    scales.index.name = "scale"
    known = scales.drop("unknown", errors="ignore")
    warning = None
    if len(known) > 1:
        total = int(scales.sum())
        parts = ", ".join(f"{name} {n / total:.0%}" for name, n in known.items())
        warning = (f"magnitudes mix {len(known)} scales ({parts}); b-value and Mc assume "
                   f"one scale: convert them or keep one type")
    return MagnitudeTypes(counts=counts, scales=scales, warning=warning)
