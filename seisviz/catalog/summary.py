"""Headline numbers of a catalog."""

from __future__ import annotations

import pandas as pd

from seisviz.catalog.filters import mc_max_curvature


def summarize(catalog: pd.DataFrame) -> dict:
    """n_events, start, end, min/max of longitude, latitude, magnitude and depth, and mc
    (maximum curvature + 0.2); None for each when the catalog is empty."""
    n = len(catalog)
    if n == 0:
        return {"n_events": 0, "start": None, "end": None, "min_longitude": None,
                "max_longitude": None, "min_latitude": None, "max_latitude": None,
                "min_magnitude": None, "max_magnitude": None, "min_depth": None,
                "max_depth": None, "mc": None}
    return {
        "n_events": int(n),
        "start": catalog["time"].min(),
        "end": catalog["time"].max(),
        "min_longitude": float(catalog["longitude"].min()),
        "max_longitude": float(catalog["longitude"].max()),
        "min_latitude": float(catalog["latitude"].min()),
        "max_latitude": float(catalog["latitude"].max()),
        "min_magnitude": float(catalog["magnitude"].min()),
        "max_magnitude": float(catalog["magnitude"].max()),
        "min_depth": float(catalog["depth"].min()),
        "max_depth": float(catalog["depth"].max()),
        "mc": float(mc_max_curvature(catalog["magnitude"].to_numpy())),
    }
