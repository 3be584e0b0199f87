"""Earthquake catalogs: load a file into the canonical catalog, with a report of what was
dropped; fetch from FDSN services; filter; write CSV and QuakeML.

The canonical catalog (see `seisviz.catalog.schema`) is a pandas DataFrame sorted by time,
index 0..n-1, with ``time`` (datetime64[us, UTC]), ``latitude``, ``longitude``, ``depth``
(km), ``magnitude`` and optionally ``magnitude_type`` and ``event_id``.

Formats live one per module (csv, zmap, reloc, quakeml, cenc), each with a sniffer and a
reader, found through the one table in `seisviz.catalog.registry`; docs/catalog-formats.md
describes them. Rows that cannot be used are dropped, never silently: `LoadReport.dropped`
holds each one with its line/record number (``row``) and a ``reason``. A file that cannot be
used at all raises `CatalogError` with a one-line message naming the file.
"""

from __future__ import annotations

import os
from datetime import tzinfo
from typing import BinaryIO

import pandas as pd

from seisviz.catalog import registry
from seisviz.catalog.csv import write_catalog_csv
from seisviz.catalog.fdsn import fetch_fdsn, parse_fdsn_text, service_url
from seisviz.catalog.filters import clip_to_region, filter_catalog, mc_max_curvature, read_region
from seisviz.catalog.options import LoadOptions, make_options
from seisviz.catalog.quakeml import read_quakeml, write_quakeml
from seisviz.catalog.registry import FORMAT_NAMES, FORMATS, REGISTRY, format_choices
from seisviz.catalog.report import LoadReport
from seisviz.catalog.resolution import check_resolution
from seisviz.catalog.schema import DEFAULT_MAX_BYTES
from seisviz.catalog.source import Payload, read_source
from seisviz.catalog.summary import summarize
from seisviz.catalog.times import format_time
from seisviz.catalog.truncation import cut_off_note
from seisviz.catalog.validate import catalog_from_table
from seisviz.errors import CatalogError

__all__ = [
    "CatalogError", "DEFAULT_MAX_BYTES", "FORMATS", "FORMAT_NAMES", "REGISTRY", "LoadOptions",
    "LoadReport", "catalog_from_table", "check_resolution", "clip_to_region", "fetch_fdsn",
    "filter_catalog", "format_choices", "format_time", "load_catalog", "mc_max_curvature",
    "parse_fdsn_text", "read_quakeml", "read_region", "service_url", "summarize",
    "write_catalog_csv", "write_quakeml",
]


def load_catalog(source: str | os.PathLike | bytes | BinaryIO, format: str = "auto",
                 name: str | None = None,
                 max_bytes: int | None = DEFAULT_MAX_BYTES, columns: dict | None = None,
                 delimiter: str | None = None,
                 timezone: str | tzinfo | None = None,
                 keep_duplicates: bool = False) -> tuple[pd.DataFrame, LoadReport]:
    """Read a catalog file into ``(catalog, report)``.

    source: a path, bytes, or a binary file-like object (e.g. a Streamlit upload, whose
    ``.name`` is used in messages). name: what messages call the file. format: "auto"
    (sniffed from the content) or one of FORMATS. Files larger than max_bytes are refused
    before reading. When guessing fails, say what the file holds: columns
    ({"time": "OriginTime", "latitude": "Lat", ...}, or the time as its parts {"year": ...,
    "month": ..., "day": ..., "hour": ..., "minute": ..., "second": ...}), delimiter (one
    character or "whitespace") and timezone of times written without an offset ("Asia/Tokyo",
    "+09:00"). Columns and delimiter apply to tables with a header (csv, cenc, fdsn), the time
    zone also to ZMAP and hypoDD rows (QuakeML times carry their own). Near-duplicate
    events (one earthquake located by two agencies: origins within
    settings.DUPLICATE_SECONDS and DUPLICATE_KM) are dropped but for one, each dropped copy
    reported with the row kept in its place (``kept_row``); keep_duplicates keeps them all
    and says so in a note. Raises CatalogError (one line, naming the file) when nothing can
    be used.
    """
    registry.check_format(format)
    data, name = read_source(source, name, max_bytes)
    options = make_options(columns, delimiter, timezone, name, keep_duplicates)
    payload = Payload(data, name, options)
    catalog, report = registry.read(payload, format)
    if not payload.is_workbook and report.format != "quakeml":
        note = cut_off_note(payload.text, report.n_kept)
        if note:
            report.notes.append(note)
    return catalog, report
