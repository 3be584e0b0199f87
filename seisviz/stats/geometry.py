"""Distances on the Earth and times in the units the statistics use."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

EARTH_RADIUS_KM = 6371.0


def epicentral_km(lon: ArrayLike, lat: ArrayLike, lon0: ArrayLike, lat0: ArrayLike) -> np.ndarray:
    """Great-circle distances (haversine, km) between (lon, lat) and (lon0, lat0), broadcast."""
    lon, lat, lon0, lat0 = (np.radians(np.asarray(x, dtype=np.float64))
                            for x in (lon, lat, lon0, lat0))
    a = (np.sin((lat - lat0) / 2) ** 2
         + np.cos(lat) * np.cos(lat0) * np.sin((lon - lon0) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def seconds_since(times: pd.Series | ArrayLike, origin: pd.Timestamp | None = None) -> np.ndarray:
    """Seconds from `origin` (default the earliest time) to each of `times` (UTC)."""
    t = pd.to_datetime(pd.Series(times), utc=True)
    origin = t.min() if origin is None else pd.Timestamp(origin)
    if origin.tzinfo is None:
        origin = origin.tz_localize("UTC")
    return ((t - origin).dt.total_seconds()).to_numpy(dtype=np.float64)
