"""Time columns -> datetime64[us, UTC]: ISO and other layouts, date + time, calendar parts,
decimal years, and local time zones converted to UTC."""

from __future__ import annotations

from datetime import tzinfo

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from seisviz.catalog.schema import TIME_UNIT
from seisviz.catalog.values import blank_mask


def looks_like_time_of_day(series: pd.Series) -> bool:
    """The first values look like "14:55" (a time of day, to join with a date)."""
    sample = as_text(series.dropna().head(20))
    return len(sample) > 0 and bool(sample.str.match(r"^\s*\d{1,2}:\d{2}").all())


def as_text(series: pd.Series) -> pd.Series:
    """Values as stripped text (dates and times in ISO form)."""
    s = pd.Series(series)
    if s.dtype == object:
        s = s.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else ("" if v is None else str(v)))
    return s.astype("str").fillna("").str.strip()


def as_date_text(series: pd.Series) -> pd.Series:
    """Values as "YYYY-MM-DD" text where they are dates, else stripped text."""
    s = pd.Series(series)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.dt.strftime("%Y-%m-%d").fillna("")
    if s.dtype == object:
        s = s.map(lambda v: v.date().isoformat() if hasattr(v, "date") and callable(v.date)
                  else (v.isoformat() if hasattr(v, "isoformat") else ("" if v is None else str(v))))
    return s.astype("str").fillna("").str.strip()


def parse_time(series: pd.Series, tz_hint: str | None = None) -> tuple[pd.Series, np.ndarray]:
    """(time Series datetime64[us, UTC] with NaT where unparseable, blank mask)."""
    s = pd.Series(series)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        t = s
        if t.dt.tz is None:
            t = t.dt.tz_localize(tz_hint or "UTC", ambiguous="NaT", nonexistent="NaT")
        return t.dt.tz_convert("UTC").dt.as_unit(TIME_UNIT), s.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        kind = numeric_time_kind(s)
        if kind in _EPOCH_UNITS:
            ok = np.isfinite(v)
            micro = np.zeros(len(v), dtype=np.int64)
            micro[ok] = np.round(v[ok] * _EPOCH_UNITS[kind]).astype(np.int64)
            t = pd.Series(pd.DatetimeIndex(np.where(ok, micro, np.iinfo(np.int64).min)
                                           .astype("datetime64[us]")).tz_localize("UTC"))
            return t, np.isnan(v)
        t = time_from_decimal_year(np.where((v > 1000) & (v < 3000), v, np.nan))
        return t, np.isnan(v)
    text = as_text(s)
    blank = blank_mask(s)
    t = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    failed = (t.isna().to_numpy() & ~blank)
    if failed.any():
        from pandas.tseries.api import guess_datetime_format

        first = text[failed].iloc[0]
        fmt = guess_datetime_format(first)
        if fmt:
            t[failed] = pd.to_datetime(text[failed], format=fmt, utc=True, errors="coerce")
            failed = t.isna().to_numpy() & ~blank
        if failed.any() and failed.sum() <= 20_000:
            t[failed] = pd.to_datetime(text[failed], format="mixed", utc=True, errors="coerce")
    t = t.dt.as_unit(TIME_UNIT)
    if tz_hint:
        naive = ~text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).to_numpy()
        shifted = t.dt.tz_localize(None).dt.tz_localize(tz_hint, ambiguous="NaT", nonexistent="NaT")
        t = t.where(~naive, shifted.dt.tz_convert("UTC"))
    return t, blank


_EPOCH_UNITS = {"epoch seconds": 1e6, "epoch milliseconds": 1e3}  # -> microseconds


def numeric_time_kind(series: pd.Series) -> str | None:
    """How a numeric time column counts time, from its typical value: 'decimal years'
    (1000..3000), 'epoch seconds' (1e8..1e11, i.e. 1973..5138) or 'epoch milliseconds'
    (pyCSEP's origin_time; 1e11..1e14); None for text columns or other numbers."""
    s = pd.Series(series)
    if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return None
    v = np.abs(s.to_numpy(dtype=np.float64, na_value=np.nan))
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return None
    typical = float(np.median(v))
    if 1000 < typical < 3000:
        return "decimal years"
    if 1e8 <= typical < 1e11:
        return "epoch seconds"
    if 1e11 <= typical < 1e14:
        return "epoch milliseconds"
    return None


def time_from_parts(year: ArrayLike, month: ArrayLike, day: ArrayLike, hour: ArrayLike,
                    minute: ArrayLike, second: ArrayLike) -> pd.Series:
    """Vectorised calendar parts -> datetime64[us, UTC]; second=60 rolls over; NaT if invalid."""
    year, month, day, hour, minute, second = (np.asarray(a, dtype=np.float64)
                                              for a in (year, month, day, hour, minute, second))
    n = len(year)
    ok = (np.isfinite(year) & np.isfinite(month) & np.isfinite(day) & np.isfinite(hour)
          & np.isfinite(minute) & np.isfinite(second)
          & (year == np.floor(year)) & (month == np.floor(month)) & (day == np.floor(day))
          & (year >= 1) & (year <= 9999) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
          & (hour >= 0) & (hour < 24) & (minute >= 0) & (minute < 60) & (second >= 0) & (second <= 61))
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    if ok.any():
        base = pd.to_datetime(pd.DataFrame({"year": year[ok].astype(np.int64),
                                            "month": month[ok].astype(np.int64),
                                            "day": day[ok].astype(np.int64)}),
                              errors="coerce").to_numpy().astype("datetime64[us]")
        micro = np.round((hour[ok] * 3600 + minute[ok] * 60 + second[ok]) * 1e6).astype(np.int64)
        out[ok] = base + micro.astype("timedelta64[us]")
    return pd.Series(pd.DatetimeIndex(out).tz_localize("UTC"))


def time_from_decimal_year(year: ArrayLike) -> pd.Series:
    """Decimal year (e.g. 2019.4567) -> datetime64[us, UTC]."""
    year = np.asarray(year, dtype=np.float64)
    out = np.full(len(year), np.datetime64("NaT"), dtype="datetime64[us]")
    ok = np.isfinite(year) & (year >= 1) & (year < 9999)
    if ok.any():
        y = np.floor(year[ok]).astype(np.int64)
        start = (y - 1970).astype("datetime64[Y]").astype("datetime64[us]")
        end = (y + 1 - 1970).astype("datetime64[Y]").astype("datetime64[us]")
        length = (end - start).astype(np.int64)
        out[ok] = start + np.round((year[ok] - y) * length).astype(np.int64).astype("timedelta64[us]")
    return pd.Series(pd.DatetimeIndex(out).tz_localize("UTC"))


def localize(time: pd.Series, tz: tzinfo | None) -> pd.Series:
    """Times read as UTC that were really local times in `tz` (a tzinfo or None), in UTC."""
    if tz is None:
        return time
    local = pd.Series(time).dt.tz_localize(None).dt.tz_localize(tz, ambiguous="NaT",
                                                                 nonexistent="NaT")
    return local.dt.tz_convert("UTC")


def format_time(times: ArrayLike) -> np.ndarray:
    """ISO 8601 strings ending in Z (microseconds) for a datetime column."""
    t = pd.Series(times)
    values = t.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]")
    out = np.char.add(np.datetime_as_string(values, unit="us"), "Z").astype(object)
    out[np.isnat(values)] = ""
    return out
