"""Declustering: one facade over Gardner-Knopoff windows and Zaliapin's nearest neighbours."""

from __future__ import annotations

from typing import Any

import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.stats.gardner_knopoff import gardner_knopoff
from seisviz.stats.zaliapin import zaliapin

DECLUSTER_METHODS = ("gardner-knopoff", "zaliapin")


def decluster(catalog: pd.DataFrame, method: str = "gardner-knopoff",
              **options: Any) -> tuple[pd.DataFrame, float, dict[str, Any]]:
    """The catalog without its clustered events (aftershocks, foreshocks, swarm members).

    method "gardner-knopoff": Gardner & Knopoff (1974) windows, by SeismoStats (options:
    foreshock_share); "zaliapin": nearest-neighbour distances of Zaliapin & Ben-Zion (2013)
    (options: log_eta0, b, df). Returns (declustered catalog, index reset; share of events
    removed, 0..1; details: the method's arrays, and "keep", the mask in row order)."""
    if method not in DECLUSTER_METHODS:
        raise SeisvizError(f"declustering method {method!r}: expected one of "
                           f"{', '.join(DECLUSTER_METHODS)}")
    if len(catalog) == 0:
        return catalog.copy(), 0.0, {"method": method, "keep": []}
    cat = catalog.reset_index(drop=True)
    keep, details = (gardner_knopoff if method == "gardner-knopoff" else zaliapin)(cat, **options)
    details["keep"] = keep
    return cat.loc[keep].reset_index(drop=True), float(1.0 - keep.mean()), details
