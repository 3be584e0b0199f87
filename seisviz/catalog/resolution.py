"""How finely a catalog's times are known: a column of whole years, or of dates without a
time of day, puts every event of a year on 1 January (of a day at midnight). The loader says
so in its report, and windows or steps finer than that are refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from seisviz.errors import SeisvizError

# resolution -> the shortest window or step (days) that it supports
RESOLUTION_DAYS = {"year": 365.0, "day": 1.0, "second": 0.0}
_SAMPLE = 10_000  # values looked at: resolution is a property of the column's layout
_YEAR_TEXT = r"^\s*[+-]?\d{4}(?:\.0*)?\s*$"
_TIME_OF_DAY = r"\d:\d\d|T\d\d|\d{6}(?:\.\d+)?\s*(?:Z|[+-]\d\d:?\d\d)?$"


def _sample(series) -> pd.Series:
    s = pd.Series(series).dropna()
    if len(s) > _SAMPLE:
        s = s.iloc[np.linspace(0, len(s) - 1, _SAMPLE).astype(np.int64)]
    return s


def column_resolution(series: pd.Series) -> str:
    """'year', 'day' or 'second' for one time column as read from a file: whole years (text
    '2019' or numbers 2019.0), dates without a time of day, or anything finer."""
    s = _sample(series)
    if len(s) == 0:
        return "second"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        t = pd.to_datetime(s, utc=True)
        return "day" if bool((t == t.dt.floor("D")).all()) else "second"
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = s.to_numpy(dtype=np.float64)
        v = v[np.isfinite(v)]
        whole_years = len(v) > 0 and bool(np.all((v == np.floor(v)) & (v > 1000) & (v < 3000)))
        return "year" if whole_years else "second"
    text = s.astype("str").str.strip()
    text = text[text != ""]
    if len(text) == 0:
        return "second"
    if bool(text.str.match(_YEAR_TEXT).all()):
        return "year"
    if not bool(text.str.contains(_TIME_OF_DAY, regex=True).any()):
        return "day"
    return "second"


def resolution_note(resolution: str, columns: str) -> str | None:
    """The report's warning line for a coarse time column, or None."""
    if resolution == "year":
        return (f"warning: time has only year resolution (column {columns!r} holds whole "
                f"years): every event is placed on 1 January of its year; windows and steps "
                f"shorter than a year are refused")
    if resolution == "day":
        return (f"warning: time has only day resolution (column {columns!r} has no time of "
                f"day): every event is placed at 00:00 UTC; windows and steps shorter than a "
                f"day are refused")
    return None


def resolution_of(report_or_catalog: Any) -> str:
    """The time resolution recorded by the loader: a LoadReport's ``time_resolution``, or a
    catalog's ``attrs["time_resolution"]``; 'second' when neither says."""
    value = getattr(report_or_catalog, "time_resolution", None)
    if value is None and hasattr(report_or_catalog, "attrs"):
        value = report_or_catalog.attrs.get("time_resolution")
    return value or "second"


def check_resolution(report_or_catalog: Any, window_days: float | None = None,
                     step_days: float | None = None) -> None:
    """Raise SeisvizError (one line) when a window or step is finer than the catalog's time
    resolution, e.g. 7-day windows over a catalog whose times are whole years.

    report_or_catalog: the LoadReport of the load, or the catalog itself (the loader records
    the resolution in ``catalog.attrs``, which filtering keeps)."""
    resolution = resolution_of(report_or_catalog)
    shortest = RESOLUTION_DAYS.get(resolution, 0.0)
    for what, days in (("window", window_days), ("step", step_days)):
        if days is not None and float(days) < shortest:
            raise SeisvizError(
                f"the catalog's times have only {resolution} resolution: a {what} of {days:g} "
                f"days is finer than that; use windows and steps of at least {shortest:g} days")
