"""`seisviz export SCAN_DIR --catalog CATALOG`: export a scan's results.

The scan is not run again. Its folder holds windows.csv (which windows were flagged),
periods.csv and run.json (the settings); the catalog is rasterized again with those
settings (no model, no torch, seconds), the windows are checked against windows.csv, and
the subregions are found on the flagged windows exactly as `seisviz scan` found them. So
the export shows the scan's own periods even when the weights have changed since.
"""

from __future__ import annotations

import argparse
import os
import sys

from seisviz.catalog.cli_options import add_catalog_arguments, catalog_kwargs
from seisviz.errors import SeisvizError
from seisviz.export import DEFAULT_FORMATS, FORMATS


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of `seisviz export` to `p`."""
    p.add_argument("scan_dir", help="folder written by `python -m seisviz scan`")
    p.add_argument("--catalog", required=True, help="the catalog file the scan read")
    add_catalog_arguments(p)
    p.add_argument("--formats", default=",".join(DEFAULT_FORMATS),
                   help=f"comma-separated, from {','.join(FORMATS)} (default: all but png, "
                        "which needs Chrome or Chromium)")
    p.add_argument("--out", help="output folder (default: SCAN_DIR/export)")
    p.add_argument("--max-figures", type=int, default=40,
                   help="most subregion figures to draw (html, png)")


def run(args: argparse.Namespace) -> int:
    """Run `seisviz export` with the parsed `args`; returns the exit status."""
    from seisviz.catalog import load_catalog
    from seisviz.export import parse_formats, write_exports
    from seisviz.scanfolder import load_scan_folder

    formats = parse_formats(args.formats)
    if args.max_figures < 0:
        raise SeisvizError(f"--max-figures must be 0 or more, got {args.max_figures}")
    catalog, report = load_catalog(args.catalog, **catalog_kwargs(args))
    print(report.summary(), file=sys.stderr)
    catalog, result = load_scan_folder(args.scan_dir, catalog)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    out = args.out or os.path.join(args.scan_dir, "export")
    names = write_exports(catalog, result, out, formats,
                          catalog_name=os.path.abspath(args.catalog),
                          max_figures=args.max_figures)
    print(f"{len(result.periods)} periods; wrote {len(names)} files to {out}: "
          f"{', '.join(names)}")
    return 0
