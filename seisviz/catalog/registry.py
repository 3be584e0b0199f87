"""The one table of catalog formats: name -> label, sniffer, reader.

The loader, the CLI's ``--format`` choices and the Catalog page's format box all read
`FORMATS` from here, so a new format is one module with `_is_<fmt>` and `_read_<fmt>` plus
one line below. Sniffers are asked in table order; the first that says yes reads the file,
so the fallback (csv) comes last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from seisviz.catalog import cenc, csv, fdsn, quakeml, reloc, zmap
from seisviz.catalog.report import LoadReport
from seisviz.catalog.source import Payload
from seisviz.errors import CatalogError


@dataclass(frozen=True)
class Format:
    """One readable format. sniff(text, or a zip's first bytes) -> bool; read(payload) ->
    (catalog, LoadReport)."""

    name: str
    label: str
    sniff: Callable[[str | bytes], bool]
    read: Callable[[Payload], tuple]


REGISTRY: dict[str, Format] = {f.name: f for f in (
    Format("quakeml", "QuakeML", quakeml._is_quakeml, quakeml._read_quakeml),
    Format("fdsn", "FDSN text", fdsn._is_fdsn, fdsn._read_fdsn),
    Format("cenc", "CENC", cenc._is_cenc, cenc._read_cenc),
    Format("zmap", "ZMAP", zmap._is_zmap, zmap._read_zmap),
    Format("reloc", "hypoDD .reloc", reloc._is_reloc, reloc._read_reloc),
    Format("csv", "CSV", csv._is_csv, csv._read_csv),
)}

# the order users see (CLI choices, page box): the general format first
FORMATS: tuple[str, ...] = ("csv", "zmap", "reloc", "quakeml", "cenc", "fdsn")
# labels for every value a LoadReport.format can take (also fetched and in-memory tables)
FORMAT_NAMES: dict[str, str] = {**{n: REGISTRY[n].label for n in FORMATS},
                                "table": "table"}
assert set(FORMATS) == set(REGISTRY)


def format_choices() -> tuple[str, ...]:
    """("auto", "csv", ...): what `load_catalog(format=...)` and the CLI accept."""
    return ("auto",) + FORMATS


def check_format(format: str) -> None:
    """Raise CatalogError for a format name that is not in the table."""
    if format not in format_choices():
        raise CatalogError(f"unknown catalog format {format!r}; choose " + ", ".join(format_choices()))


def sniff(payload: Payload) -> str:
    """The name of the first format whose sniffer claims the payload."""
    sample = payload.sample()
    return next(f.name for f in REGISTRY.values() if f.sniff(sample))


def read(payload: Payload, format: str = "auto") -> tuple[pd.DataFrame, LoadReport]:
    """(catalog, LoadReport) of a payload in `format` ("auto": sniffed)."""
    check_format(format)
    if format == "csv" and payload.is_workbook:
        format = "cenc"  # a workbook asked for as a table: the workbook reader reads tables
    name = sniff(payload) if format == "auto" else format
    return REGISTRY[name].read(payload)
