"""`python -m seisviz export SCAN_DIR --catalog CATALOG`: export a scan's results.

The scan is not run again. Its folder holds windows.csv (which windows were flagged),
periods.csv and run.json (the settings); the catalog is rasterized again with those
settings (no model, no torch, seconds), the windows are checked against windows.csv, and
the subregions are found on the flagged windows exactly as `seisviz scan` found them. So
the export shows the scan's own periods even when the weights have changed since.
"""

import json
import os
import sys

import numpy as np
import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.export import DEFAULT_FORMATS, FORMATS


def add_arguments(p):
    p.add_argument("scan_dir", help="folder written by `python -m seisviz scan`")
    p.add_argument("--catalog", required=True, help="the catalog file the scan read")
    p.add_argument("--format", default="auto",
                   choices=["auto", "csv", "zmap", "reloc", "quakeml", "cenc"],
                   help="catalog file format")
    p.add_argument("--formats", default=",".join(DEFAULT_FORMATS),
                   help=f"comma-separated, from {','.join(FORMATS)} (default: all but png, "
                        "which needs Chrome or Chromium)")
    p.add_argument("--out", help="output folder (default: SCAN_DIR/export)")
    p.add_argument("--max-figures", type=int, default=40,
                   help="most subregion figures to draw (html, png)")


def _read(scan_dir, name):
    path = os.path.join(scan_dir, name)
    if not os.path.exists(path):
        raise SeisvizError(f"{path} not found: is {scan_dir} a folder written by "
                           "`python -m seisviz scan`?")
    return path


def load_scan(scan_dir, catalog):
    """A ScanResult rebuilt from a scan folder and its catalog (maps re-rasterized)."""
    from seisviz.raster import make_grid, rasterize
    from seisviz.scan import ScanResult
    from seisviz.subregions import scanned_catalog

    try:
        with open(_read(scan_dir, "run.json")) as f:
            run = json.load(f)
        settings = run["settings"]
        windows = pd.read_csv(_read(scan_dir, "windows.csv"))
        periods = pd.read_csv(_read(scan_dir, "periods.csv"))
        for col in ("window_start", "window_end"):
            windows[col] = pd.to_datetime(windows[col], utc=True)
        for col in ("start", "end"):
            periods[col] = pd.to_datetime(periods[col], utc=True)
        if "flagged" not in windows:
            raise SeisvizError(f"{scan_dir}/windows.csv has no 'flagged' column")
        grid_settings = (settings["bbox"], int(settings["grid"]),
                         float(settings["window_days"]), float(settings["step_days"]),
                         float(settings["background_days"]))
    except KeyError as exc:
        raise SeisvizError(f"{scan_dir}: unreadable scan output (no {exc} in it)") from None
    except (ValueError, TypeError, OSError) as exc:
        # ValueError covers bad JSON, empty CSVs (EmptyDataError), unreadable dates
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise SeisvizError(f"{scan_dir}: unreadable scan output ({reason})") from None
    windows["flagged"] = windows["flagged"].astype(str).str.lower().isin(["true", "1"])
    result = ScanResult(windows=windows, periods=periods, dmaps=None, settings=settings,
                        card=dict(run.get("model") or {}))
    catalog = scanned_catalog(catalog, result)
    if len(catalog) == 0:
        raise SeisvizError("no events left in the catalog after the scan's min_magnitude")
    bbox, n_pixels, window_days, step_days, background_days = grid_settings
    try:
        grid = make_grid(bbox, n_pixels)
    except (ValueError, TypeError):  # a bbox that is not four numbers
        raise SeisvizError(f"{scan_dir}/run.json: unusable bbox {bbox!r}") from None
    dmaps = rasterize(catalog, grid, window_days, step_days, background_days)
    starts = pd.DatetimeIndex(pd.to_datetime(dmaps.window_start, utc=True))
    if len(dmaps) != len(windows) or not np.array_equal(
            starts.as_unit("ns").asi8,
            pd.DatetimeIndex(windows["window_start"]).as_unit("ns").asi8):
        raise SeisvizError(f"the catalog gives {len(dmaps):,} windows from {starts[0]:%Y-%m-%d}, "
                           f"the scan had {len(windows):,}: is it the catalog the scan read?")
    result.dmaps = dmaps
    return catalog, result


def run(args):
    from seisviz.catalog import load_catalog
    from seisviz.export import parse_formats, write_exports

    formats = parse_formats(args.formats)
    if args.max_figures < 0:
        raise SeisvizError(f"--max-figures must be 0 or more, got {args.max_figures}")
    catalog, report = load_catalog(args.catalog, format=args.format)
    print(report.summary(), file=sys.stderr)
    catalog, result = load_scan(args.scan_dir, catalog)
    out = args.out or os.path.join(args.scan_dir, "export")
    names = write_exports(catalog, result, out, formats,
                          catalog_name=os.path.abspath(args.catalog),
                          max_figures=args.max_figures)
    print(f"{len(result.periods)} periods; wrote {len(names)} files to {out}: "
          f"{', '.join(names)}")
    return 0
