"""run.json: the record of how a scan folder, an export or a tiled scan was made.

`run_header` gives the fields every run.json starts with, `run_record` the whole record of
a scan (or an export of it), and `json_default` writes what json cannot (numpy scalars,
timestamps). This module sits low, beside settings and timeutil, so that both the scan
folder (seisviz.scanfolder) and the exports (seisviz.export) write the same record without
importing each other.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd

from seisviz.timeutil import iso_now
from seisviz.version import __version__

SCAN_FORMAT = 2  # 2: periods to the day, episodes.csv (1: periods were window spans)


def run_record(result: Any, catalog_name: str | None = None, load_report: Any = None,
               outputs: list[str] | tuple = (), subregions: Any = None,
               condensed: pd.DataFrame | None = None,
               catalog: pd.DataFrame | None = None, command: str | None = None,
               catalog_source: dict | None = None, filters: dict | None = None,
               declustering: dict | None = None) -> dict:
    """run.json of a `seisviz.detect.ScanResult`: everything needed to reproduce a scan or
    an export of it.

    `load_report`: a LoadReport or its summary line. The dashboard gives `command` (the
    equivalent `seisviz scan` command line, seisviz.workstate.scan_command, instead of the
    program's own), `catalog_source` (the demo's path or the upload's name, and the
    sha256 of the file's bytes) and `filters` (the Catalog page's filters). `declustering`:
    {"method", "share_removed"} when the catalog was declustered before the scan."""
    windows = result.windows
    if load_report is not None and not isinstance(load_report, str):
        load_report = load_report.summary()
    info = {
        **run_header("scan_format", SCAN_FORMAT, catalog_name, command),
        "load_report": load_report,
        "settings": result.settings.to_dict(),
        "model": dict(result.model),
        "device": result.device_info or None,
        "timings_s": result.timings or None,
        "rasterization": result.dmaps.report() if result.dmaps is not None else None,
        "n_windows": int(len(windows)),
        "n_flagged_windows": int(windows["flagged"].sum()) if "flagged" in windows else None,
        "n_periods": int(len(result.periods)),
        "network": network_record(result),
        # runs of flagged windows with no place (unlocated.csv); None: not known
        "n_unlocated_alarms": None if getattr(result, "unlocated", None) is None
        else int(len(result.unlocated)),
        **_sequence_record(result),
        "outputs": list(outputs),
    }
    if getattr(result, "cut", None):  # how the region was cut (seisviz.detect.region)
        info["cut"] = dict(result.cut)
    if catalog_source is not None:
        info["catalog_source"] = dict(catalog_source)
    if filters is not None:
        info["filters"] = dict(filters)
    if declustering is not None:
        info["declustering"] = dict(declustering)
    if subregions is not None:
        info["subregions"] = {"n": int(len(subregions)),
                              "settings": dict(subregions.attrs.get("settings", {}))}
    if condensed is not None:
        n_all = len(catalog) if catalog is not None else None
        info["condensed_catalog"] = {
            "n_events": int(len(condensed)), "n_catalog": n_all,
            "percent_kept": round(100.0 * len(condensed) / n_all, 3) if n_all else None}
    return info


def network_record(result: Any) -> dict:
    """What the network saw: windows scored ("seen") and skipped for each reason ("sparse",
    "coarse pass", "no history"; the `network` column of windows.csv,
    seisviz.detect.passes), and how the fast scan picked them (its coarse stride in windows
    and its probability floor; {} for an exhaustive scan)."""
    windows = result.windows
    counts = windows["network"].value_counts() if "network" in windows else pd.Series(dtype=int)
    return {"exhaustive": bool(result.settings.exhaustive),
            "fine_pass": result.settings.fine_pass(),
            "n_seen": int(counts.get("seen", 0)),
            "n_sparse": int(counts.get("sparse", 0)),
            "n_coarse_pass": int(counts.get("coarse pass", 0)),
            "n_no_history": int(counts.get("no history", 0))}


def run_header(format_key: str, format_version: int, catalog_name: str | None,
               command: str | None = None) -> dict:
    """The first fields of every run.json (a scan's, an export's, scan-tiles'): seisviz
    version, the folder's format, when, the command line and the catalog. `command`: the
    command line that redoes the run, when it is not this program's own (the dashboard's
    equivalent `seisviz scan ...`); by default sys.argv."""
    if command is None and sys.argv:
        command = " ".join(sys.argv)
    return {"seisviz_version": __version__, format_key: format_version,
            "written_at": iso_now(), "command": command,
            "catalog": catalog_name}


def json_default(o: Any) -> Any:
    """For json.dump(default=…): numpy scalars as Python numbers, anything else as its
    string (timestamps, paths)."""
    if isinstance(o, np.generic):
        return o.item()
    return str(o)


def _sequence_record(result: Any) -> dict:
    """How many sequences the scan's episodes form, and the rule that grouped them."""
    from seisviz.settings import SEQUENCE_DISTANCE_KM, SEQUENCE_GAP_DAYS

    sequences = getattr(result, "sequences", None)
    return {"n_sequences": None if sequences is None else int(len(sequences)),
            "sequence_rule": {"max_gap_days": SEQUENCE_GAP_DAYS,
                              "max_distance_km": SEQUENCE_DISTANCE_KM}}
