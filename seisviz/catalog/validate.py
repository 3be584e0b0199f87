"""From a table with named columns to the canonical catalog: build the time, check every
value, drop with reasons, de-duplicate, sort."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from seisviz.catalog.columns import (MAG_TYPE_COLUMNS, check_user_columns, map_columns,
                                     missing_columns, missing_message, norm_name)
from seisviz.catalog.duplicates import groups_of, near_duplicates_in_table
from seisviz.catalog.options import LoadOptions
from seisviz.catalog.report import NEAR_DUPLICATE, LoadReport, describe_counts
from seisviz.catalog.resolution import column_resolution, resolution_note
from seisviz.catalog.schema import (DEPTH_RANGE, LATITUDE_RANGE, LONGITUDE_RANGE,
                                    MAGNITUDE_RANGE, TIME_UNIT)
from seisviz.catalog.times import (as_date_text, as_text, looks_like_time_of_day, numeric_time_kind,
                                   parse_time, time_from_decimal_year, time_from_parts)
from seisviz.catalog.text import LazyRows
from seisviz.catalog.values import blank_mask, to_float
from seisviz.errors import CatalogError

BEIJING_MARKERS = ("北京", "beijing", "bjt")  # in a time column's name: Beijing time, UTC+8


def catalog_from_table(table: pd.DataFrame, name: str, format: str = "table",
                       rows: LazyRows | ArrayLike | None = None,
                       extra_dropped: pd.DataFrame | None = None,
                       options: LoadOptions | None = None) -> tuple[pd.DataFrame, LoadReport]:
    """Turn a table whose columns have recognisable names into ``(catalog, report)``.

    table: DataFrame as read from the file (any dtypes). rows: the line/record number of each
    table row in the file (default 1..n). extra_dropped: rows already dropped while reading
    (columns ``row``, ``reason`` and anything else). Raises CatalogError naming the missing
    canonical columns when the names are not recognised. options: the columns the user named
    (they win over the guesses) and the time zone of naive times.
    """
    options = LoadOptions() if options is None else options
    names = [str(c) for c in table.columns]
    check_user_columns(name, names, options.columns)
    found = map_columns(names, options.columns)
    if missing_columns(names, options.columns):
        raise CatalogError(missing_message(name, names, options.columns))

    col = {k: table.iloc[:, i] for k, i in found.items()}
    used = {k: names[i] for k, i in found.items()}
    notes = []
    time_key = [k for k in ("date", "time", "year") if k in found]
    tz_hint = options.timezone
    if tz_hint is not None:
        notes.append(f"times without an offset read as {tz_hint} and converted to UTC")
    elif any(m in names[found[k]].lower() for k in time_key for m in BEIJING_MARKERS):
        tz_hint = "Asia/Shanghai"
        notes.append("times read as Beijing time (UTC+8) and converted to UTC")

    if "time" in found and "year" in found and "month" in found and "day" in found \
            and looks_like_time_of_day(col["time"]):
        date = time_from_parts(*(to_float(col[k])[0] for k in ("year", "month", "day")),
                                np.zeros(len(table)), np.zeros(len(table)), np.zeros(len(table)))
        date_text = pd.Series(np.datetime_as_string(date.dt.tz_localize(None).to_numpy(), unit="D"),
                              index=table.index)
        time, blank = parse_time(date_text + " " + as_text(col["time"]), tz_hint)
        blank = blank | blank_mask(col["time"])
        used["time"] = f"{used['year']} {used['month']} {used['day']} {used['time']}"
        resolution = "second"
    elif "time" in found and "date" in found:
        text = as_date_text(col["date"]) + " " + as_text(col["time"])
        time, blank = parse_time(text, tz_hint)
        blank = blank_mask(col["date"]) | blank_mask(col["time"])
        used["time"] = f"{used['date']} + {used['time']}"
        resolution = "second"
    elif "time" in found or "date" in found:
        key = "time" if "time" in found else "date"
        time, blank = parse_time(col[key], tz_hint)
        used["time"] = used[key]
        resolution = column_resolution(col[key])
        kind = numeric_time_kind(col[key])
        if kind:
            notes.append(f"time read as {kind} from column {used[key]!r}")
    elif "month" in found and "day" in found:
        zeros = np.zeros(len(table))
        parts = [to_float(col[k])[0] if k in col else zeros
                 for k in ("year", "month", "day", "hour", "minute", "second")]
        time = time_from_parts(*parts)
        blank = np.isnan(parts[0])
        resolution = "second" if "hour" in found else "day"
        used["time"] = " ".join(used[k] for k in ("year", "month", "day", "hour", "minute", "second")
                                if k in used)
    else:  # a decimal year
        year = to_float(col["year"])[0]
        time = time_from_decimal_year(year)
        blank = np.isnan(year)
        used["time"] = used["year"]
        resolution = column_resolution(year)
        if resolution != "year":
            notes.append(f"time read as a decimal year from column {used['year']!r}")
    for k in ("date", "year", "month", "day", "hour", "minute", "second"):
        used.pop(k, None)
    note = resolution_note(resolution, used["time"])
    if note:
        notes.append(note)

    values = {k: col[k] for k in ("latitude", "longitude", "depth", "magnitude")}
    for k in ("magnitude_type", "event_id"):
        if k in col:
            values[k] = col[k]
    mag_col = norm_name(used["magnitude"])
    if "magnitude_type" not in col and mag_col in MAG_TYPE_COLUMNS:
        values["magnitude_type"] = pd.Series(str(used["magnitude"]).strip().split("(")[0],
                                             index=table.index, dtype="str")
        notes.append(f"magnitude type {values['magnitude_type'].iloc[0] if len(table) else ''} "
                     f"taken from the column name")
    return finish(name, format, table, rows, time, np.asarray(blank, bool), values, used, notes,
                  extra_dropped, resolution, options.keep_duplicates)


def finish(name: str, fmt: str, table: pd.DataFrame, rows: LazyRows | ArrayLike | None,
           time: pd.Series, time_blank: np.ndarray,
           values: dict, used: dict, notes: list,
           extra_dropped: pd.DataFrame | None = None,
           resolution: str = "second",
           keep_duplicates: bool = False) -> tuple[pd.DataFrame, LoadReport]:
    """Validate, drop with reasons, de-duplicate, sort: -> (catalog, LoadReport).
    resolution: how finely the file gives times ('year', 'day', 'second'), recorded in the
    report and in ``catalog.attrs["time_resolution"]``. Near-duplicate events (one
    earthquake from two agencies, seisviz.catalog.duplicates) are dropped but for one, or
    only named in a note when keep_duplicates."""
    n = len(table)
    if isinstance(rows, LazyRows):
        lazy_rows, rows = rows, None
    else:
        lazy_rows = None
        rows = np.arange(1, n + 1, dtype=np.int64) if rows is None else np.asarray(rows, np.int64)
    reasons = [None]
    code = np.zeros(n, dtype=np.int16)

    def mark(mask, reason):
        mask = np.asarray(mask, bool) & (code == 0)
        if mask.any():
            if reason not in reasons:
                reasons.append(reason)
            code[mask] = reasons.index(reason)

    time = pd.Series(time).reset_index(drop=True)
    tnat = time.isna().to_numpy()
    mark(tnat & time_blank, "missing time")
    mark(tnat, "unparseable time")
    cols = {}
    for key in ("latitude", "longitude", "depth", "magnitude"):
        v, blank, bad = to_float(values[key])
        cols[key] = v
        mark(blank, f"missing {key}")
        mark(bad, f"{key} not a number")
        lo, hi = {"latitude": LATITUDE_RANGE, "longitude": LONGITUDE_RANGE,
                  "depth": DEPTH_RANGE, "magnitude": MAGNITUDE_RANGE}[key]
        with np.errstate(invalid="ignore"):
            mark((v < lo) | (v > hi), f"{key} out of range")

    catalog = pd.DataFrame({"time": time, **cols})
    for key in ("magnitude_type", "event_id"):
        if key in values:
            s = pd.Series(values[key]).reset_index(drop=True)
            if s.dtype == object:
                s = s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                          else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
            catalog[key] = s.astype("str").str.strip()

    valid = code == 0
    dup = np.zeros(n, bool)
    if valid.any():
        dup[valid] = catalog.loc[valid, ["time", "latitude", "longitude", "magnitude"]] \
            .duplicated(keep="first").to_numpy()
    mark(dup, "duplicate")
    near, kept_for = (near_duplicates_in_table(table, catalog, code == 0)
                      if resolution == "second" else (np.array([], np.int64),) * 2)
    if not keep_duplicates:
        mark(np.isin(np.arange(n), near), NEAR_DUPLICATE)

    keep = code == 0
    catalog = catalog.loc[keep].sort_values("time", kind="stable").reset_index(drop=True)
    if str(catalog["time"].dtype) != f"datetime64[{TIME_UNIT}, UTC]":
        catalog["time"] = pd.to_datetime(catalog["time"], utc=True).dt.as_unit(TIME_UNIT)

    drop_idx = np.flatnonzero(~keep)
    if lazy_rows is not None:
        rows = lazy_rows.resolve() if len(drop_idx) or len(near) else None
    dropped = table.iloc[drop_idx].reset_index(drop=True).copy()
    dropped.columns = [c if c not in ("row", "reason", "kept_row") else f"{c}_in_file"
                       for c in dropped.columns]
    dropped.insert(0, "row", rows[drop_idx] if rows is not None else np.array([], np.int64))
    dropped["reason"] = np.asarray(reasons, dtype=object)[code[drop_idx]]
    if len(near) and not keep_duplicates:
        kept_row = pd.array(np.full(n, pd.NA), dtype="Int64")
        kept_row[near] = rows[kept_for]
        dropped["kept_row"] = kept_row[drop_idx]
    n_rows = n
    if extra_dropped is not None and len(extra_dropped):
        dropped = pd.concat([dropped, extra_dropped], ignore_index=True)
        dropped = dropped.sort_values("row", kind="stable").reset_index(drop=True)
        n_rows += len(extra_dropped)
    report = LoadReport(source=str(name), format=fmt, n_rows=n_rows, n_kept=len(catalog),
                        dropped=dropped, columns=dict(used), notes=list(notes),
                        time_resolution=resolution,
                        duplicates_kept=groups_of(rows[near], rows[kept_for])
                        if len(near) and keep_duplicates else [])
    if len(catalog) == 0:
        if n_rows == 0:
            raise CatalogError(f"{name}: has a header but no data rows")
        raise CatalogError(f"{name}: no usable rows: dropped all {n_rows:,}: "
                           f"{describe_counts(report.reason_counts())}")
    if resolution != "second":
        catalog.attrs["time_resolution"] = resolution  # kept by filtering; see check_resolution
    return catalog, report
