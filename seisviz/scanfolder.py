"""A scan folder: what `seisviz scan` writes and `seisviz export` reads back.

A scan folder holds
- ``windows.csv``: one row per window (window_start, window_end, n_events, probability,
  flagged, baseline_beta, baseline_flagged, has_history, regional_beta), times ISO-8601 UTC;
- ``periods.csv``: the flagged periods;
- ``episodes.csv``, ``subregions.geojson`` and ``condensed_catalog.csv`` (see
  seisviz.export);
- ``run.json``: everything needed to reproduce it (seisviz.runinfo.run_record), with
  ``scan_format`` = `SCAN_FORMAT`.
Loading needs the catalog the scan read: the maps are rasterized again with the saved
settings (no model, no torch, seconds) and checked against windows.csv.

This module sits above both seisviz.detect (the `ScanResult` it writes, the periods it
derives again) and seisviz.export (the files it writes), so neither imports the other.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd

from seisviz.detect.result import ScanResult
from seisviz.detect.scan import derive_periods
from seisviz.errors import SeisvizError
from seisviz.export.bundle import write_scan_subregions
from seisviz.export.files import periods_csv
from seisviz.runinfo import SCAN_FORMAT, json_default, run_record
from seisviz.settings import ScanSettings
from seisviz.subregions.condensed import scanned_catalog
from seisviz.timeutil import iso_utc


def save_scan_folder(result: ScanResult, folder: str, catalog: pd.DataFrame,
                     source: str | None = None, load_report: Any = None,
                     declustering: dict | None = None) -> list[str]:
    """Write `result`'s scan folder (see the module docstring); -> file names written.

    `catalog` is the catalog that was scanned (for subregions and the condensed
    catalog), `source` its file name and `load_report` what loading it dropped."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise SeisvizError(f"{folder}: is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise SeisvizError(f"{folder}: cannot create the folder "
                           f"({exc.strerror or exc})") from None
    windows = result.windows.copy()
    for col in ("window_start", "window_end"):
        windows[col] = iso_utc(windows[col])
    windows.to_csv(os.path.join(folder, "windows.csv"), index=False)
    periods_csv(result.periods, os.path.join(folder, "periods.csv"))
    extra = write_scan_subregions(catalog, result, folder)
    names = ["windows.csv", "periods.csv", *extra, "run.json"]
    record = run_record(result, catalog_name=source, load_report=load_report,
                        outputs=names, declustering=declustering)
    with open(os.path.join(folder, "run.json"), "w") as f:
        json.dump(record, f, indent=2, default=json_default)
    return names


def load_scan_folder(folder: str, catalog: pd.DataFrame) -> tuple[pd.DataFrame, ScanResult]:
    """A ScanResult rebuilt from a scan folder and the catalog it read.

    -> (the scanned catalog: `catalog` above the scan's min magnitude, the result).
    Every problem is one SeisvizError line naming the folder or file."""
    run, windows, periods = _read_folder(folder)
    fmt = run.get("scan_format", 1)
    if not isinstance(fmt, int) or fmt > SCAN_FORMAT:
        raise SeisvizError(f"{folder}: scan format {fmt!r} is newer than this seisviz "
                           f"reads ({SCAN_FORMAT}): update seisviz")
    notes = () if fmt == SCAN_FORMAT else (
        f"{folder} was written by an older seisviz (scan format {fmt}); its periods, "
        "subregions and episodes were derived again from its flagged windows, to the day",)
    try:
        settings = ScanSettings.from_dict(run["settings"])
    except KeyError as exc:
        raise SeisvizError(f"{folder}: unreadable scan output (no {exc} in it)") from None
    except (ValueError, TypeError) as exc:
        raise SeisvizError(f"{folder}/run.json: unusable settings ({exc})") from None
    if settings.bbox is None:
        raise SeisvizError(f"{folder}/run.json: unusable bbox {settings.bbox!r}")
    result = ScanResult(windows=windows, periods=periods, dmaps=None, settings=settings,
                        model=dict(run.get("model") or {}), notes=notes).with_maps(catalog)
    # periods, subregions and episodes are derived again from the saved flags, exactly
    # as the scan derived them: a folder of an older format is upgraded this way
    return scanned_catalog(catalog, result), derive_periods(result, catalog)


def _read_folder(folder: str) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """(run.json, windows, periods) of a scan folder, times parsed as UTC."""
    def path(name):
        p = os.path.join(folder, name)
        if not os.path.exists(p):
            raise SeisvizError(f"{p} not found: is {folder} a folder written by "
                               "`seisviz scan`?")
        return p

    try:
        with open(path("run.json")) as f:
            run = json.load(f)
        windows = pd.read_csv(path("windows.csv"))
        periods = pd.read_csv(path("periods.csv"))
        for col in ("window_start", "window_end"):
            windows[col] = pd.to_datetime(windows[col], utc=True)
        for col in ("start", "end"):
            periods[col] = pd.to_datetime(periods[col], utc=True)
    except KeyError as exc:
        raise SeisvizError(f"{folder}: unreadable scan output (no {exc} in it)") from None
    except (ValueError, TypeError, OSError) as exc:
        # ValueError covers bad JSON, empty CSVs (EmptyDataError), unreadable dates
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise SeisvizError(f"{folder}: unreadable scan output ({reason})") from None
    if not isinstance(run, dict):
        raise SeisvizError(f"{folder}: unreadable scan output (run.json is not a JSON object)")
    if "flagged" not in windows:
        raise SeisvizError(f"{folder}/windows.csv has no 'flagged' column")
    windows["flagged"] = windows["flagged"].astype(str).str.lower().isin(["true", "1"])
    return run, windows, periods
