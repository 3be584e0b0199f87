"""Times, one way everywhere: every time in seisviz is UTC.

Naive times are read as UTC, aware times are converted to UTC. Catalog columns, window
bounds, episode onsets and everything exported go through these helpers, so a time means
the same instant in the library, the pages and the files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from seisviz.errors import SeisvizError

DAY_NS = 86_400 * 10**9
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc(value: Any) -> pd.Timestamp:
    """One instant as a UTC Timestamp (naive input is taken as UTC).

    Raises SeisvizError naming the value when it is not a date/time."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise SeisvizError(f"not a date/time: {value!r} (use e.g. 2019-06-17 or "
                           "2019-06-17T14:55:00)") from None
    if ts is pd.NaT:
        raise SeisvizError(f"not a date/time: {value!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def utc_or_none(value: Any) -> pd.Timestamp | None:
    """`utc(value)`, or None for None."""
    return None if value is None else utc(value)


def to_ns(times: Any) -> np.ndarray | int:
    """UTC nanoseconds since the epoch for a Series/array (-> int64 array) or a scalar
    (-> int)."""
    t = pd.to_datetime(times, utc=True)
    if isinstance(t, pd.Timestamp):
        return int(t.value)
    return pd.DatetimeIndex(t).as_unit("ns").asi8


def utc_naive(values: ArrayLike) -> pd.Series:
    """Times as tz-naive UTC (what plotly draws without shifting them)."""
    t = pd.to_datetime(pd.Series(values), utc=True)
    return t.dt.tz_convert(None).reset_index(drop=True)


def iso_utc(series: ArrayLike) -> pd.Series:
    """ISO-8601 UTC strings to the second ('2019-06-17T14:55:00Z')."""
    return pd.to_datetime(series, utc=True).dt.strftime(ISO_FORMAT)


def iso_utc_exact(series: ArrayLike) -> pd.Series:
    """ISO-8601 UTC strings that lose nothing: to the second when every time is a whole
    second ('2019-06-17T14:55:00Z'), else to the microsecond
    ('2016-09-29T23:53:28.715000Z'), so that an episode's end read back still holds its
    last event."""
    t = pd.to_datetime(series, utc=True)
    whole = (t.dropna().dt.microsecond == 0).all() and (t.dropna().dt.nanosecond == 0).all()
    return t.dt.strftime(ISO_FORMAT if whole else "%Y-%m-%dT%H:%M:%S.%fZ")


def iso_utc_ms(series: ArrayLike) -> pd.Series:
    """ISO-8601 UTC strings rounded to the millisecond ('2019-06-17T14:55:00.123Z')."""
    t = pd.to_datetime(series, utc=True).dt.round("ms")
    return t.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"


def iso_now() -> str:
    """Now, as an ISO-8601 UTC string to the second."""
    return pd.Timestamp.now(tz="UTC").strftime(ISO_FORMAT)
