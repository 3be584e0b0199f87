"""China Earthquake Networks Center exports: Chinese column names, as CSV (UTF-8 or GBK) or
as an Excel .xlsx workbook."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd

from seisviz.catalog.columns import check_user_columns, header_score, missing_message, unique_names
from seisviz.catalog.source import ZIP_MAGIC, Payload
from seisviz.catalog.csv import read_delimited
from seisviz.catalog.text import head_lines
from seisviz.catalog.validate import catalog_from_table
from seisviz.errors import CatalogError

_CJK_HEADER_WORDS = ("发震", "纬度", "经度", "震级", "深度")


def _is_cenc(text_or_bytes: str | bytes) -> bool:
    """Chinese header words in the first lines; or any zip (only a workbook is read, and a
    zip that is not one is refused with a message saying so)."""
    if isinstance(text_or_bytes, bytes):
        return text_or_bytes[:4] == ZIP_MAGIC
    return any(word in line for line in head_lines(text_or_bytes)[:10] for word in _CJK_HEADER_WORDS)


def _read_cenc(payload: Payload):
    """A CENC export (or any workbook) -> (catalog, LoadReport)."""
    if payload.is_zip:
        if not _is_xlsx(payload.data):
            raise CatalogError(f"{payload.name}: not a text file (a zip archive that is not an "
                               f"Excel .xlsx workbook); unzip it first")
        return _read_xlsx(payload.data, payload.name, payload.options)
    return read_delimited(payload.text, payload.name, "cenc", payload.options)


def _is_xlsx(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def _read_xlsx(data, name, options):
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds
        raise CatalogError(f"{name}: cannot read the Excel workbook ({type(exc).__name__}: {exc})") from None
    try:
        first_header = None
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            head = []
            for i, values in enumerate(rows, start=1):
                head.append((i, values))
                if len(head) >= 20:
                    break
            for i, values in head:
                fields = ["" if v is None else str(v) for v in values]
                if first_header is None and any(f.strip() for f in fields):
                    first_header = fields
                if header_score(fields, options.columns) >= 2:
                    return _xlsx_table(ws, i, fields, name, options)
        check_user_columns(name, first_header or [], options.columns)
        raise CatalogError(missing_message(name, first_header or [], options.columns) + " (in any sheet)")
    finally:
        wb.close()


def _xlsx_table(ws, header_row, header, name, options):
    while header and not header[-1].strip():
        header = header[:-1]
    names = unique_names(header)
    ncols = len(names)
    records, numbers = [], []
    for i, values in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True),
                               start=header_row + 1):
        values = list(values[:ncols]) + [None] * max(0, ncols - len(values))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        records.append(values)
        numbers.append(i)
    if not records:
        raise CatalogError(f"{name}: has a header but no data rows")
    table = pd.DataFrame(records, columns=names, dtype=object)
    return catalog_from_table(table, name, "cenc", rows=np.asarray(numbers, dtype=np.int64),
                              options=options)
