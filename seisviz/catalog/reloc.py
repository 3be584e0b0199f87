"""hypoDD ``.reloc``: ``ID LAT LON DEPTH X Y Z EX EY EZ YR MO DY HR MI SC MAG ...``, no header."""

from __future__ import annotations

import numpy as np

from seisviz.catalog.source import Payload
from seisviz.catalog.times import localize, time_from_parts
from seisviz.catalog.validate import finish
from seisviz.catalog.values import to_float
from seisviz.catalog.whitespace import numeric_width, read_whitespace

RELOC_COLUMNS = ["ID", "LAT", "LON", "DEPTH", "X", "Y", "Z", "EX", "EY", "EZ", "YR", "MO", "DY",
                 "HR", "MI", "SC", "MAG", "NCCP", "NCCS", "NCTP", "NCTS", "RCC", "RCT", "CID"]


def _is_reloc(text_or_bytes: str | bytes) -> bool:
    """Headerless rows of 20 or more numbers."""
    if not isinstance(text_or_bytes, str):
        return False
    width = numeric_width(text_or_bytes)
    return width is not None and width >= 20


def _read_reloc(payload: Payload):
    """hypoDD rows -> (catalog, LoadReport); SC = 60.00 rolls over into the next minute."""
    name = payload.name
    table, rows, bad = read_whitespace(payload.text, None, 1, name, "hypoDD .reloc", min_cols=17,
                                       text_columns=(0,))
    ncols = table.shape[1]
    table.columns = RELOC_COLUMNS[:ncols] + [f"column_{i + 1}" for i in range(len(RELOC_COLUMNS), ncols)]
    f = {c: to_float(table[c])[0] for c in ("YR", "MO", "DY", "HR", "MI", "SC")}
    time = localize(time_from_parts(f["YR"], f["MO"], f["DY"], f["HR"], f["MI"], f["SC"]),
                    payload.options.timezone)
    values = {"latitude": table["LAT"], "longitude": table["LON"], "depth": table["DEPTH"],
              "magnitude": table["MAG"], "event_id": table["ID"]}
    columns = {"time": "YR MO DY HR MI SC", "latitude": "LAT", "longitude": "LON",
               "depth": "DEPTH", "magnitude": "MAG", "event_id": "ID"}
    return finish(name, "reloc", table, rows, time, np.zeros(len(table), bool), values,
                  columns, [], bad, keep_duplicates=payload.options.keep_duplicates)
