"""Coordinates as a seismologist reads them: hemisphere letters (115.655°W, 33.2°S) on a
map's axes and in its hovers, at round graticule steps. `format_lon`/`format_lat` are the
one coordinate formatter of seisviz."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _trim(value, decimals):
    text = f"{abs(value):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_lon(lon: float, decimals: int = 3) -> str:
    """115.655°W, 102.9°E, 0°: a longitude with its hemisphere letter (wrapped to ±180)."""
    lon = (float(lon) + 180.0) % 360.0 - 180.0 if abs(float(lon)) > 180 else float(lon)
    text = _trim(lon, decimals)
    if float(text) == 0 or abs(lon) == 180:
        return f"{text}°"
    return f"{text}°{'E' if lon > 0 else 'W'}"


def format_lat(lat: float, decimals: int = 3) -> str:
    """33.2°S, 28.1°N, 0°: a latitude with its hemisphere letter."""
    text = _trim(float(lat), decimals)
    if float(text) == 0:
        return f"{text}°"
    return f"{text}°{'N' if lat > 0 else 'S'}"


def format_lonlat(lon: float, lat: float, decimals: int = 3) -> str:
    """'28.123°N 104.9°E' — latitude first, as seismologists read a location."""
    return f"{format_lat(lat, decimals)} {format_lon(lon, decimals)}"


def lonlat_text(lon: Any, lat: Any, decimals: int = 3) -> list[str]:
    """format_lonlat for arrays (hover texts of many markers), as a list of str."""
    return [format_lonlat(x, y, decimals) for x, y in zip(np.asarray(lon, float),
                                                         np.asarray(lat, float))]


def nice_step(span: float, n: int = 5) -> float:
    """A round step (1, 2, 2.5, 5 × 10^k) giving about `n` intervals over `span`."""
    raw = max(span, 1e-9) / n
    base = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * base >= raw:
            return m * base
    return 10 * base


def geo_ticks(lo: float, hi: float, axis: str = "lon", n: int = 5) -> tuple[list, list]:
    """(tickvals, ticktext) of round graticule values in [lo, hi], labelled N/S/E/W."""
    step = nice_step(hi - lo, n)
    first = math.ceil(lo / step - 1e-9) * step
    vals = [round(first + k * step, 10) for k in range(int((hi - first) / step + 1e-9) + 1)]
    decimals = max(0, -math.floor(math.log10(step) + 1e-9) + (1 if step % 1 else 0))
    fmt = format_lon if axis == "lon" else format_lat
    return vals, [fmt(v, decimals) for v in vals]
