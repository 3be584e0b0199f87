"""Classic ZMAP ascii: ``lon lat year month day mag depth hour minute [second]``, no header."""

from __future__ import annotations

import numpy as np

from seisviz.catalog.source import Payload
from seisviz.catalog.times import localize, time_from_decimal_year, time_from_parts
from seisviz.catalog.validate import finish
from seisviz.catalog.values import to_float
from seisviz.catalog.whitespace import numeric_width, read_whitespace

ZMAP_COLUMNS = ["longitude", "latitude", "year", "month", "day", "magnitude", "depth", "hour",
                "minute", "second"]


def _is_zmap(text_or_bytes: str | bytes) -> bool:
    """Headerless rows of 9 to 13 numbers."""
    if not isinstance(text_or_bytes, str):
        return False
    width = numeric_width(text_or_bytes)
    return width is not None and 9 <= width <= 13


def _read_zmap(payload: Payload):
    """ZMAP rows -> (catalog, LoadReport). Column 3 may be a decimal year."""
    name = payload.name
    table, rows, bad = read_whitespace(payload.text, None, 1, name, "ZMAP", min_cols=9)
    ncols = table.shape[1]
    table.columns = ZMAP_COLUMNS[:min(ncols, 10)] + [f"column_{i + 1}" for i in range(10, ncols)]
    f = {c: to_float(table[c])[0] for c in ZMAP_COLUMNS[:min(ncols, 10)]}
    year, month, day = f["year"], f["month"], f["day"]
    second = f.get("second", np.zeros(len(table)))
    by_parts = time_from_parts(np.floor(year), month, day, f["hour"], f["minute"], second)
    # col 3 may be a decimal year; it is the time where month/day do not make a date
    use_decimal = by_parts.isna().to_numpy() & np.isfinite(year) & ~(
        (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31))
    time = by_parts.copy()
    if use_decimal.any():
        time[use_decimal] = time_from_decimal_year(year[use_decimal]).to_numpy()
    columns = {"time": "year month day hour minute" + (" second" if ncols >= 10 else ""),
               "longitude": "longitude", "latitude": "latitude", "depth": "depth",
               "magnitude": "magnitude"}
    time = localize(time, payload.options.timezone)
    return finish(name, "zmap", table, rows, time, np.zeros(len(table), bool),
                  {k: table[k] for k in ("latitude", "longitude", "depth", "magnitude")},
                  columns, [], bad, keep_duplicates=payload.options.keep_duplicates)
