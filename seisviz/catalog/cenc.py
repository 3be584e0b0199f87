"""China Earthquake Networks Center exports: Chinese column names, as CSV (UTF-8 or GBK) or
as an Excel workbook, .xls (CENC's own export) or .xlsx, read with python-calamine."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import numpy as np
import pandas as pd

from seisviz.catalog.columns import check_user_columns, header_score, missing_message, unique_names
from seisviz.catalog.source import OLE_MAGIC, ZIP_MAGIC, Payload
from seisviz.catalog.csv import read_delimited
from seisviz.catalog.text import head_lines
from seisviz.catalog.validate import catalog_from_table
from seisviz.errors import CatalogError

_CJK_HEADER_WORDS = ("发震", "纬度", "经度", "震级", "深度")


def _is_cenc(text_or_bytes: str | bytes) -> bool:
    """Chinese header words in the first lines; or any workbook: a zip (only an .xlsx is
    read, and a zip that is not one is refused with a message saying so) or an old .xls."""
    if isinstance(text_or_bytes, bytes):
        return text_or_bytes[:4] == ZIP_MAGIC or text_or_bytes[:4] == OLE_MAGIC
    return any(word in line for line in head_lines(text_or_bytes)[:10] for word in _CJK_HEADER_WORDS)


def _read_cenc(payload: Payload):
    """A CENC export (or any workbook) -> (catalog, LoadReport)."""
    if payload.is_zip and not _is_xlsx(payload.data):
        raise CatalogError(f"{payload.name}: not a text file (a zip archive that is not an "
                           f"Excel .xlsx workbook); unzip it first")
    if payload.is_workbook:
        return _read_workbook(payload.data, payload.name, payload.options)
    return read_delimited(payload.text, payload.name, "cenc", payload.options)


def _is_xlsx(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def _read_workbook(data: bytes, name: str, options: Any):
    """The first sheet with a catalog header in its first 20 rows, .xls or .xlsx alike."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [book.get_sheet_by_index(i) for i in range(len(book.sheet_names))]
    except Exception as exc:  # calamine raises its own errors and plain ones alike
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise CatalogError(f"{name}: cannot read the Excel workbook ({detail})") from None
    first_header = None
    for sheet in sheets:
        # from cell A1, so that list index + 1 is the spreadsheet's row number
        rows = sheet.to_python(skip_empty_area=False)
        for i, values in enumerate(rows[:20]):
            fields = _texts(values)
            if first_header is None and any(f.strip() for f in fields):
                first_header = fields
            if header_score(fields, options.columns) >= 2:
                return _sheet_table(rows[i + 1:], i + 1, fields, name, options)
    check_user_columns(name, first_header or [], options.columns)
    raise CatalogError(missing_message(name, first_header or [], options.columns) + " (in any sheet)")


def _texts(values: list) -> list[str]:
    return ["" if v is None else str(v) for v in values]


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _sheet_table(rows: list, header_row: int, header: list[str], name: str, options: Any):
    """The rows under the header as a table; empty rows are skipped, numbers kept."""
    while header and not header[-1].strip():
        header = header[:-1]
    names = unique_names(header)
    ncols = len(names)
    records, numbers = [], []
    for i, values in enumerate(rows, start=header_row + 1):
        values = [None if _blank(v) else v for v in values[:ncols]]
        values += [None] * (ncols - len(values))
        if all(v is None for v in values):
            continue
        records.append(values)
        numbers.append(i)
    if not records:
        raise CatalogError(f"{name}: has a header but no data rows")
    table = pd.DataFrame(records, columns=names, dtype=object)
    return catalog_from_table(table, name, "cenc", rows=np.asarray(numbers, dtype=np.int64),
                              options=options)
