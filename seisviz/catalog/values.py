"""Numbers and blanks in table columns, vectorised (pyarrow where it can)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from seisviz.catalog.schema import NA_STRINGS


def blank_mask(series: ArrayLike) -> np.ndarray:
    """True where a value is empty or one of NA_STRINGS."""
    s = pd.Series(series)
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.isna().to_numpy()
    txt = s.astype("str").str.strip().str.lower()
    return (s.isna() | txt.isin(NA_STRINGS)).to_numpy()


def to_float(series: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(float64 values, blank mask, not-a-number mask). Accepts a decimal comma."""
    s = pd.Series(series)
    n = len(s)
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype(object)
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        return v, np.isnan(v), np.zeros(n, bool)
    if s.dtype != object:
        fast = _to_float_arrow(s)
        if fast is not None:
            return fast
    blank = blank_mask(s)
    v = np.array(pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))
    bad = np.isnan(v) & ~blank
    if bad.any():
        retry = pd.to_numeric(s[bad].astype("str").str.strip().str.replace(",", ".", regex=False),
                              errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        v[bad] = retry
        bad = np.isnan(v) & ~blank
    return v, blank, bad


_ARROW_NUMBER = r"(?i)^[+-]?((\d+\.?\d*|\.\d+)(e[+-]?\d+)?|inf|infinity|nan)$"


def _to_float_arrow(s):
    """to_float for text columns, vectorised with pyarrow; None if it cannot be used."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(s.astype("str"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        return None
    text = pc.utf8_trim_whitespace(arr)
    blank = pc.or_(pc.is_null(text), pc.fill_null(pc.is_in(pc.utf8_lower(text), pa.array(NA_STRINGS)), True))
    text = pc.if_else(blank, pa.scalar(None, arr.type), text)
    try:
        values = pc.cast(text, pa.float64())
    except pa.ArrowInvalid:
        ok = pc.fill_null(pc.match_substring_regex(text, _ARROW_NUMBER), False)
        comma = pc.replace_substring(text, ",", ".")
        ok_comma = pc.and_(pc.invert(ok), pc.fill_null(pc.match_substring_regex(comma, _ARROW_NUMBER), False))
        text = pc.if_else(ok, text, pc.if_else(ok_comma, comma, pa.scalar(None, arr.type)))
        try:
            values = pc.cast(text, pa.float64())
        except pa.ArrowInvalid:
            return None
    v = np.array(values.to_numpy(zero_copy_only=False), dtype=np.float64)
    blank = blank.to_numpy(zero_copy_only=False).astype(bool)
    return v, blank, np.isnan(v) & ~blank
