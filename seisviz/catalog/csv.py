"""Tables with a header row: comma, semicolon, tab, pipe or whitespace delimited, with
flexible column names (the fallback format: whatever no other format claims)."""

from __future__ import annotations

import pandas as pd

from seisviz.catalog.columns import unique_names
from seisviz.catalog.source import Payload
from seisviz.catalog.text import find_header, read_rows_python, read_with_pyarrow
from seisviz.catalog.times import format_time
from seisviz.catalog.validate import catalog_from_table
from seisviz.catalog.whitespace import read_whitespace
from seisviz.errors import CatalogError


def _is_csv(text_or_bytes: str | bytes) -> bool:
    """Any text: the registry asks this format last."""
    return isinstance(text_or_bytes, str)


def _read_csv(payload: Payload):
    """A delimited table -> (catalog, LoadReport)."""
    return read_delimited(payload.text, payload.name, "csv")


def read_delimited(text: str, name: str, fmt: str):
    """Find the header and delimiter, read the rows with their line numbers, and build the
    catalog; fmt is the format the report names."""
    header_idx, header, delim = find_header(text, name)
    names = unique_names(header)
    # character offset of the first line after the header
    offset = 0
    for _ in range(header_idx + 1):
        nl = text.find("\n", offset)
        offset = len(text) if nl < 0 else nl + 1
    body = text[offset:]
    first_line = header_idx + 2
    if not body.strip():
        raise CatalogError(f"{name}: has a header but no data rows")

    if delim is None:
        table, rows, bad = read_whitespace(body, names, first_line, name)
    else:
        result = read_with_pyarrow(body, names, delim, first_line)
        if result is None:
            result = read_rows_python(body, names, delim, first_line)
        table, rows, bad = result
    if len(table) == 0 and len(bad) == 0:
        raise CatalogError(f"{name}: has a header but no data rows")
    return catalog_from_table(table, name, fmt, rows=rows, extra_dropped=bad)


def write_catalog_csv(catalog: pd.DataFrame, path_or_buffer) -> None:
    """Write a catalog as CSV (time as ISO 8601 UTC with Z) that `load_catalog` reads back."""
    out = catalog.copy()
    out["time"] = format_time(out["time"])
    out.to_csv(path_or_buffer, index=False)
