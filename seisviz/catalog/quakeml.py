"""QuakeML 1.2: read events (preferred origin and magnitude) and write a catalog.

Parsing uses xml.etree and ignores namespace prefixes, so QuakeML from FDSN services,
SeisComP, ObsPy and the like all read the same way.
"""

from __future__ import annotations

from typing import IO, BinaryIO
import io
import os
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

from seisviz.catalog.options import LoadOptions
from seisviz.catalog.source import Payload
from seisviz.catalog.times import format_time
from seisviz.catalog.validate import catalog_from_table
from seisviz.errors import CatalogError

BED_NS = "http://quakeml.org/xmlns/bed/1.2"
QUAKEML_NS = "http://quakeml.org/xmlns/quakeml/1.2"
ID_PREFIX = "smi:local/seisviz"


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(elem, name):
    for c in elem:
        if _local(c.tag) == name:
            return c
    return None


def _children(elem, name):
    return [c for c in elem if _local(c.tag) == name]


def _text(elem, *path):
    """Text at elem/path[0]/path[1]/..., stripped, or None."""
    for name in path:
        if elem is None:
            return None
        elem = _child(elem, name)
    if elem is None or elem.text is None:
        return None
    return elem.text.strip() or None


def _pick(elems, preferred_id):
    if not elems:
        return None
    if preferred_id:
        for e in elems:
            if e.get("publicID") == preferred_id:
                return e
    return elems[0]


def _is_quakeml(text_or_bytes: str | bytes) -> bool:
    """XML: the text starts with "<" (the reader says when it is XML but not QuakeML)."""
    return isinstance(text_or_bytes, str) and text_or_bytes[:4096].lstrip().startswith("<")


def _read_quakeml(payload: Payload):
    """QuakeML events -> (catalog, LoadReport); dropped rows are numbered by event."""
    table = read_quakeml(payload.data, name=payload.name)
    if len(table) == 0:
        raise CatalogError(f"{payload.name}: QuakeML file contains no events")
    rows = table.pop("row").to_numpy()
    # the user's column hints do not apply to QuakeML; keeping near-duplicates does
    options = LoadOptions(keep_duplicates=payload.options.keep_duplicates)
    return catalog_from_table(table, payload.name, "quakeml", rows=rows, options=options)


def read_quakeml(source: str | os.PathLike | bytes | BinaryIO,
                 name: str | None = None) -> pd.DataFrame:
    """Events of a QuakeML file as a table, one row per event.

    source: path, bytes or binary file object. Returns a DataFrame with columns
    ``row`` (1-based event number), ``event_id``, ``time`` (text as in the file),
    ``latitude``, ``longitude``, ``depth`` (km), ``depth_m`` (as in the file), ``magnitude``,
    ``magnitude_type``; values are left as text where they are not numbers so that the loader
    can report them. Raises CatalogError for a file that is not QuakeML.
    """
    if isinstance(source, (str, os.PathLike)):
        name = name or os.fspath(source)
        try:
            with open(source, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise CatalogError(f"{name}: file not found") from None
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        data = source.read()
    name = name or getattr(source, "name", None) or "QuakeML"
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise CatalogError(f"{name}: not valid XML ({exc})") from None
    if _local(root.tag) == "eventParameters":
        params = [root]
    else:
        params = [e for e in root.iter() if _local(e.tag) == "eventParameters"]
    if not params:
        raise CatalogError(f"{name}: XML but not QuakeML (root element <{_local(root.tag)}>, "
                           f"no <eventParameters>)")
    records = []
    for ep in params:
        for event in _children(ep, "event"):
            origin = _pick(_children(event, "origin"), _text(event, "preferredOriginID"))
            mag = _pick(_children(event, "magnitude"), _text(event, "preferredMagnitudeID"))
            depth_m = _text(origin, "depth", "value") if origin is not None else None
            try:
                depth = float(depth_m) / 1000.0 if depth_m is not None else None
            except ValueError:
                depth = depth_m  # left as text: reported as "depth not a number"
            event_id = event.get("publicID")
            if event_id and event_id.startswith(ID_PREFIX + "/event/"):
                event_id = event_id[len(ID_PREFIX + "/event/"):]  # written by write_quakeml
            records.append({
                "row": len(records) + 1,
                "event_id": event_id,
                "time": _text(origin, "time", "value") if origin is not None else None,
                "latitude": _text(origin, "latitude", "value") if origin is not None else None,
                "longitude": _text(origin, "longitude", "value") if origin is not None else None,
                "depth": depth,
                "depth_m": depth_m,
                "magnitude": _text(mag, "mag", "value") if mag is not None else None,
                "magnitude_type": _text(mag, "type") if mag is not None else None,
            })
    columns = ["row", "event_id", "time", "latitude", "longitude", "depth", "depth_m",
               "magnitude", "magnitude_type"]
    return pd.DataFrame(records, columns=columns, dtype=object).astype({"row": np.int64})


def _sub(parent, tag, text=None):
    e = ET.SubElement(parent, tag)
    if text is not None:
        e.text = text
    return e


def _value(parent, tag, value):
    e = _sub(parent, tag)
    _sub(e, "value", value)
    return e


def _number(x):
    return repr(float(x))


def write_quakeml(catalog: pd.DataFrame, path_or_buffer: str | os.PathLike | IO) -> None:
    """Write a catalog as QuakeML 1.2 (origin time/latitude/longitude/depth in metres,
    magnitude with its type). Columns other than the canonical ones are ignored."""
    ET.register_namespace("q", QUAKEML_NS)
    ET.register_namespace("", BED_NS)
    root = ET.Element(f"{{{QUAKEML_NS}}}quakeml")
    params = ET.SubElement(root, f"{{{BED_NS}}}eventParameters",
                           {"publicID": f"{ID_PREFIX}/catalog"})
    # children of eventParameters are in the default (bed) namespace
    bed = "{" + BED_NS + "}"
    times = format_time(catalog["time"]) if len(catalog) else []
    ids = catalog["event_id"] if "event_id" in catalog else None
    types = catalog["magnitude_type"] if "magnitude_type" in catalog else None
    for i in range(len(catalog)):
        raw_id = None if ids is None or pd.isna(ids.iloc[i]) else str(ids.iloc[i])
        if raw_id and raw_id.startswith(("smi:", "quakeml:")):
            event_id = raw_id
        else:
            safe = re.sub(r"[^\w\-.*()+?~'=,;#&]", "_", raw_id or str(i + 1))
            event_id = f"{ID_PREFIX}/event/{safe}"
        origin_id = f"{event_id}/origin"
        mag_id = f"{event_id}/magnitude"
        event = ET.SubElement(params, bed + "event", {"publicID": event_id})
        _sub(event, bed + "preferredOriginID", origin_id)
        _sub(event, bed + "preferredMagnitudeID", mag_id)
        origin = _sub(event, bed + "origin")
        origin.set("publicID", origin_id)
        _value(origin, bed + "time", times[i])
        _value(origin, bed + "latitude", _number(catalog["latitude"].iloc[i]))
        _value(origin, bed + "longitude", _number(catalog["longitude"].iloc[i]))
        _value(origin, bed + "depth", _number(float(catalog["depth"].iloc[i]) * 1000.0))
        mag = _sub(event, bed + "magnitude")
        mag.set("publicID", mag_id)
        _value(mag, bed + "mag", _number(catalog["magnitude"].iloc[i]))
        mtype = None if types is None or pd.isna(types.iloc[i]) else str(types.iloc[i])
        if mtype:
            _sub(mag, bed + "type", mtype)
        _sub(mag, bed + "originID", origin_id)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    if isinstance(path_or_buffer, (str, os.PathLike)):
        with open(path_or_buffer, "wb") as f:
            tree.write(f, encoding="utf-8", xml_declaration=True)
    elif isinstance(path_or_buffer, io.TextIOBase):
        tree.write(path_or_buffer, encoding="unicode", xml_declaration=True)
    else:
        tree.write(path_or_buffer, encoding="utf-8", xml_declaration=True)
