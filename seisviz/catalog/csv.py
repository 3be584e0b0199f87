"""Tables with a header row: comma, semicolon, tab, pipe or whitespace delimited, with
flexible column names (the fallback format: whatever no other format claims)."""

from __future__ import annotations

import os
from typing import IO

import pandas as pd

import re

from seisviz.catalog.columns import norm_name, unique_names
from seisviz.catalog.options import LoadOptions
from seisviz.catalog.report import LoadReport
from seisviz.catalog.source import Payload
from seisviz.catalog.text import find_header, read_rows_python, read_with_pyarrow, split_line
from seisviz.catalog.times import format_time
from seisviz.catalog.validate import catalog_from_table
from seisviz.catalog.whitespace import read_whitespace
from seisviz.errors import CatalogError


def _is_csv(text_or_bytes: str | bytes) -> bool:
    """Any text: the registry asks this format last."""
    return isinstance(text_or_bytes, str)


def _read_csv(payload: Payload):
    """A delimited table -> (catalog, LoadReport)."""
    return read_delimited(payload.text, payload.name, "csv", payload.options)


def read_delimited(text: str, name: str, fmt: str,
                   options: LoadOptions | None = None) -> tuple[pd.DataFrame, LoadReport]:
    """Find the header and delimiter, read the rows with their line numbers, and build the
    catalog; fmt is the format the report names."""
    options = LoadOptions() if options is None else options
    header_idx, header, delim = find_header(text, name, options.columns, options.delimiter)
    header, notes = _fit_header(header, text, header_idx, delim)
    names = unique_names(header)
    # character offset of the first line after the header
    offset = 0
    for _ in range(header_idx + 1):
        nl = text.find("\n", offset)
        offset = len(text) if nl < 0 else nl + 1
    body = text[offset:]
    isc = delim is not None and _is_isc_header(header)
    if isc and body.rstrip().endswith("\nSTOP"):
        body = body[:body.rstrip().rfind("\nSTOP") + 1]  # the ISC web service's end marker
    first_line = header_idx + 2
    if not body.strip():
        raise CatalogError(f"{name}: has a header but no data rows")

    if delim is None:
        table, rows, bad = read_whitespace(body, names, first_line, name)
    else:
        result = None if isc else read_with_pyarrow(body, names, delim, first_line)
        if result is None:
            result = read_rows_python(body, names, delim, first_line,
                                      extra_groups=3 if isc else 0)
        table, rows, bad = result
    if len(table) == 0 and len(bad) == 0:
        raise CatalogError(f"{name}: has a header but no data rows")
    catalog, report = catalog_from_table(table, name, fmt, rows=rows, extra_dropped=bad,
                                         options=options)
    report.notes[:0] = notes
    return catalog, report


_INTEGER = re.compile(r"^\s*\d+\s*$")


def _fit_header(header: list[str], text: str, header_idx: int, delim: str | None):
    """(header, notes): a name added for an unnamed leading index column (R's write.table,
    pandas' to_csv) or an empty trailing field (a delimiter at the end of every row), when
    every sampled row has one field more than the header."""
    if delim is None:
        return header, []  # whitespace tables handle their own extra field (date + time)
    sample = []
    for line in text[:200_000].split("\n")[header_idx + 1:header_idx + 41]:
        if line.strip():
            sample.append(split_line(line.rstrip("\r"), delim))
    if not sample or any(len(fields) != len(header) + 1 for fields in sample):
        return header, []
    if all(not fields[-1].strip() for fields in sample):
        return header + [""], []
    if all(_INTEGER.match(fields[0]) for fields in sample):
        return ["index"] + header, ["an unnamed leading index column was ignored"]
    return header, []


def _is_isc_header(header: list[str]) -> bool:
    """ISC Bulletin CSV: each row lists one or more AUTHOR, TYPE, MAG groups after the header's
    last one (read_rows_python keeps the first group, the header's)."""
    return [norm_name(h) for h in header[-3:]] == ["author", "type", "mag"] and \
        norm_name(header[0]) == "eventid"


def write_catalog_csv(catalog: pd.DataFrame, path_or_buffer: str | os.PathLike | IO) -> None:
    """Write a catalog as CSV (time as ISO 8601 UTC with Z) that `load_catalog` reads back."""
    out = catalog.copy()
    out["time"] = format_time(out["time"])
    out.to_csv(path_or_buffer, index=False)
