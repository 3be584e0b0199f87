"""A scan folder: what `seisviz scan` writes and `seisviz export` reads back.

A scan folder holds
- ``windows.csv``: one row per window (window_start, window_end, n_events, probability,
  flagged, baseline_beta, baseline_flagged, has_history, network, regional_beta), times
  ISO-8601 UTC; `network` says whether the network scored the window
  (seisviz.detect.passes); a folder from before it existed reads as every window with
  history scored;
- ``periods.csv``: the flagged periods;
- ``sequences.csv``: the episodes grouped into sequences (seisviz.subregions.sequences;
  episodes.csv names each episode's sequence_id);
- ``unlocated.csv``: the unlocated alarms, runs of flagged windows with no place elevated
  (`seisviz.tables.UNLOCATED`; folders written before them have none);
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

from seisviz.detect.passes import with_network_state
from seisviz.detect.region import reflag_region
from seisviz.detect.result import ScanResult
from seisviz.detect.scan import derive_periods
from seisviz.detect.tiled import tile_scans, tile_windows_table
from seisviz.errors import SeisvizError
from seisviz.export.bundle import write_scan_subregions
from seisviz.export.files import periods_csv, sequences_csv, unlocated_csv
from seisviz.runinfo import SCAN_FORMAT, json_default, run_record
from seisviz.settings import ScanSettings
from seisviz.subregions.condensed import scanned_catalog
from seisviz.subregions.sequences import scan_sequences
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
    names = ["windows.csv"]
    if result.tiles or (result.cut or {}).get("kind") == "tiles":
        # a region cut into tiles: each tile's windows, to derive it again
        tiled = tile_windows_table(result)
        for col in ("window_start", "window_end"):
            tiled[col] = iso_utc(tiled[col])
        tiled.to_csv(os.path.join(folder, "tile_windows.csv"), index=False,
                     float_format="%.6g")
        names.append("tile_windows.csv")
    periods_csv(result.periods, os.path.join(folder, "periods.csv"))
    sequences_csv(scan_sequences(result)[1], os.path.join(folder, "sequences.csv"))
    unlocated_csv(result.unlocated, os.path.join(folder, "unlocated.csv"))
    extra = write_scan_subregions(catalog, result, folder)
    names = [*names, "periods.csv", "sequences.csv", "unlocated.csv", *extra, "run.json"]
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
    cut = run.get("cut")
    if is_tiled_record(cut):  # cut into tiles: derived again tile by tile, no maps kept
        scans = tile_scans(_read_tile_windows(folder), catalog, cut, settings)
        result = ScanResult(windows=windows, periods=periods, dmaps=None, settings=settings,
                            model=dict(run.get("model") or {}), notes=notes, cut=cut,
                            tiles=scans)
        return scanned_catalog(catalog, result), reflag_region(result, catalog)
    result = ScanResult(windows=windows, periods=periods, dmaps=None, settings=settings,
                        model=dict(run.get("model") or {}), notes=notes,
                        cut=cut).with_maps(catalog)
    # periods, subregions, episodes and sequences are derived again from the saved flags,
    # exactly as the scan derived them: a folder of an older format (e.g. without
    # sequences.csv) is upgraded this way
    return scanned_catalog(catalog, result), derive_periods(result, catalog)


def is_tiled_record(cut: Any) -> bool:
    """Does run.json's "cut" say the region was cut into tiles?"""
    return isinstance(cut, dict) and cut.get("kind") == "tiles"


def _read_tile_windows(folder: str) -> pd.DataFrame:
    path = os.path.join(folder, "tile_windows.csv")
    try:
        table = pd.read_csv(path)
        for col in ("window_start", "window_end"):
            table[col] = pd.to_datetime(table[col], utc=True)
        table["has_history"] = table["has_history"].astype(str).str.lower().isin(["true", "1"])
    except (KeyError, ValueError, OSError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise SeisvizError(f"{path}: unreadable ({reason}); run.json says the region was "
                           "cut into tiles") from None
    return table


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
    return run, with_network_state(windows), periods
