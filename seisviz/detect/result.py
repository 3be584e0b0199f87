"""`ScanResult`: what a scan found, and the scan folder it saves to and loads from.

A scan folder holds
- ``windows.csv``: one row per window (window_start, window_end, n_events, probability,
  flagged, baseline_beta, baseline_flagged, has_history), times ISO-8601 UTC;
- ``periods.csv``: the flagged periods;
- ``subregions.geojson`` and ``condensed_catalog.csv`` (see seisviz.export);
- ``run.json``: everything needed to reproduce it (`run_record`), with
  ``scan_format`` = `SCAN_FORMAT`.
Loading needs the catalog the scan read: the maps are rasterized again with the saved
settings (no model, no torch, seconds) and checked against windows.csv.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from seisviz import __version__
from seisviz.errors import SeisvizError
from seisviz.settings import ScanSettings
from seisviz.subregions.condensed import scanned_catalog
from seisviz.timeutil import iso_now, iso_utc

SCAN_FORMAT = 2  # 2: periods to the day, episodes.csv (1: periods were window spans)
WINDOW_COLUMNS = ["window_start", "window_end", "n_events", "probability", "flagged",
                  "baseline_beta", "baseline_flagged", "has_history"]


@dataclass(frozen=True)
class ScanResult:
    """The windows a scan scored, its flagged periods and what made them.

    Attributes:
        windows: one row per window (WINDOW_COLUMNS).
        periods: the flagged periods to the day (seisviz.subregions.refine): period_id,
            start, end (union of their episodes' onset and end), window_start,
            window_end (the flagged windows' span), peak_probability, n_windows,
            n_episodes, episode_ids, n_events.
        subregions: one row per episode, i.e. per place and time (GeoDataFrame,
            EPSG:4326): period_id, subregion_id, episode_id, start (= onset), end, ….
        dmaps: the distribution maps (seisviz.maps.DistributionMaps).
        settings: the scan's ScanSettings.
        model: what run.json records of the model (architecture, sha256, threshold…).
        card: the full ModelCard when the model was loaded (None for a loaded folder).
    """

    windows: pd.DataFrame
    periods: pd.DataFrame
    dmaps: Any
    settings: ScanSettings
    subregions: Any = None
    model: dict = field(default_factory=dict)
    card: Any = None
    timings: dict = field(default_factory=dict)
    device_info: dict = field(default_factory=dict)
    notes: tuple = ()  # lines for the user, e.g. that a scan folder was upgraded

    def save(self, folder: str, catalog: pd.DataFrame, source: str | None = None,
             load_report: Any = None) -> list[str]:
        """Write the scan folder (see the module docstring); -> file names written.

        `catalog` is the catalog that was scanned (for subregions and the condensed
        catalog), `source` its file name and `load_report` what loading it dropped."""
        from seisviz.export import periods_csv, write_scan_subregions

        if os.path.exists(folder) and not os.path.isdir(folder):
            raise SeisvizError(f"{folder}: is a file, not a folder")
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise SeisvizError(f"{folder}: cannot create the folder "
                               f"({exc.strerror or exc})") from None
        windows = self.windows.copy()
        for col in ("window_start", "window_end"):
            windows[col] = iso_utc(windows[col])
        windows.to_csv(os.path.join(folder, "windows.csv"), index=False)
        periods_csv(self.periods, os.path.join(folder, "periods.csv"))
        extra = write_scan_subregions(catalog, self, folder)
        names = ["windows.csv", "periods.csv", *extra, "run.json"]
        record = run_record(self, catalog_name=source, load_report=load_report,
                            outputs=names)
        with open(os.path.join(folder, "run.json"), "w") as f:
            json.dump(record, f, indent=2, default=_json_default)
        return names

    @classmethod
    def load(cls, folder: str, catalog: pd.DataFrame) -> tuple[pd.DataFrame, "ScanResult"]:
        """A ScanResult rebuilt from a scan folder and the catalog it read.

        -> (the scanned catalog: `catalog` above the scan's min magnitude, the result).
        Every problem is one SeisvizError line naming the folder or file."""
        from seisviz.detect.scan import derive_periods

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
        result = cls(windows=windows, periods=periods, dmaps=None, settings=settings,
                     model=dict(run.get("model") or {}), notes=notes).with_maps(catalog)
        # periods, subregions and episodes are derived again from the saved flags, exactly
        # as the scan derived them: a folder of an older format is upgraded this way
        return scanned_catalog(catalog, result), derive_periods(result, catalog)

    def with_maps(self, catalog: pd.DataFrame) -> "ScanResult":
        """This result with its distribution maps rasterized again from the catalog it
        scanned, with its own settings (no model, no torch: seconds). One SeisvizError
        line when the catalog gives other windows than the result has."""
        from seisviz.maps import make_grid, rasterize

        s = self.settings
        catalog = scanned_catalog(catalog, self)
        if len(catalog) == 0:
            raise SeisvizError("no events left in the catalog after the scan's min_magnitude")
        dmaps = rasterize(catalog, make_grid(s.bbox, s.grid), s.window_days, s.step_days,
                          s.background_days)
        starts = pd.DatetimeIndex(pd.to_datetime(dmaps.window_start, utc=True))
        if len(dmaps) != len(self.windows) or not np.array_equal(
                starts.as_unit("ns").asi8,
                pd.DatetimeIndex(self.windows["window_start"]).as_unit("ns").asi8):
            raise SeisvizError(f"the catalog gives {len(dmaps):,} windows from "
                               f"{starts[0]:%Y-%m-%d}, the scan had {len(self.windows):,}: "
                               "is it the catalog the scan read?")
        return replace(self, dmaps=dmaps)


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


def run_record(result: ScanResult, catalog_name: str | None = None, load_report: Any = None,
               outputs: list[str] | tuple = (), subregions: Any = None,
               condensed: pd.DataFrame | None = None,
               catalog: pd.DataFrame | None = None) -> dict:
    """run.json: everything needed to reproduce a scan or an export of it."""
    windows = result.windows
    info = {
        **run_header("scan_format", SCAN_FORMAT, catalog_name),
        "load_report": load_report.summary() if load_report is not None else None,
        "settings": result.settings.to_dict(),
        "model": dict(result.model),
        "device": result.device_info or None,
        "timings_s": result.timings or None,
        "rasterization": result.dmaps.report() if result.dmaps is not None else None,
        "n_windows": int(len(windows)),
        "n_flagged_windows": int(windows["flagged"].sum()) if "flagged" in windows else None,
        "n_periods": int(len(result.periods)),
        "outputs": list(outputs),
    }
    if subregions is not None:
        info["subregions"] = {"n": int(len(subregions)),
                              "settings": dict(subregions.attrs.get("settings", {}))}
    if condensed is not None:
        n_all = len(catalog) if catalog is not None else None
        info["condensed_catalog"] = {
            "n_events": int(len(condensed)), "n_catalog": n_all,
            "percent_kept": round(100.0 * len(condensed) / n_all, 3) if n_all else None}
    return info


def run_header(format_key: str, format_version: int, catalog_name: str | None) -> dict:
    """The first fields of every run.json (a scan's, an export's, scan-tiles'): seisviz
    version, the folder's format, when, the command line and the catalog."""
    return {"seisviz_version": __version__, format_key: format_version,
            "written_at": iso_now(), "command": " ".join(sys.argv) if sys.argv else None,
            "catalog": catalog_name}


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    return str(o)
