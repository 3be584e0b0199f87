"""`python -m seisviz rasterize CATALOG --out maps.npz`: sliding-window distribution maps.

Writes the .npz of `seisviz.maps.save_npz` (maps [windows, channels, ny, nx], float32;
window_start / window_end as ISO-8601 UTC strings; bbox; grid; channels; has_history;
settings = window, step, background days) and prints what loading dropped and what the
rasterizer left outside the grid or outside every window.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import os

import numpy as np

from seisviz.catalog.cli_options import add_catalog_arguments, catalog_kwargs
from seisviz.errors import SeisvizError
from seisviz.settings import BACKGROUND_DAYS, GRID_PIXELS, STEP_DAYS, WINDOW_DAYS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of `seisviz rasterize` to `parser`."""
    parser.add_argument("catalog", help="catalog file (CSV, Excel, QuakeML, ...)")
    parser.add_argument("--out", required=True, metavar="PATH",
                        help="the .npz file to write")
    add_catalog_arguments(parser)
    parser.add_argument("--bbox", nargs=4, type=float, metavar=("MINLON", "MAXLON", "MINLAT",
                                                               "MAXLAT"),
                        help="grid extent in degrees (default: the catalog's, padded 2%%)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--grid", type=int, default=GRID_PIXELS, metavar="N",
                      help=f"pixels per side (default: {GRID_PIXELS})")
    size.add_argument("--pixel-km", type=float, metavar="K",
                      help="square pixels of K km instead of a fixed number of pixels")
    parser.add_argument("--window", type=float, default=WINDOW_DAYS, metavar="DAYS",
                        help=f"window length in days (default: {WINDOW_DAYS:g})")
    parser.add_argument("--step", type=float, default=STEP_DAYS, metavar="DAYS",
                        help=f"days between window starts (default: {STEP_DAYS:g})")
    parser.add_argument("--background", type=float, default=BACKGROUND_DAYS, metavar="DAYS",
                        help="days before each window for the background channel "
                             f"(default: {BACKGROUND_DAYS:g})")
    parser.add_argument("--min-magnitude", type=float, metavar="M",
                        help="keep only events of magnitude >= M")


def check_bbox(bbox: Sequence[float]) -> None:
    """A SeisvizError unless `bbox` = (min_lon, max_lon, min_lat, max_lat) is usable."""
    min_lon, max_lon, min_lat, max_lat = bbox
    if not np.all(np.isfinite(bbox)):
        raise SeisvizError(f"--bbox {_fmt(bbox)}: all four values must be numbers")
    if not (min_lon < max_lon and min_lat < max_lat):
        raise SeisvizError(f"--bbox {_fmt(bbox)} is empty: the order is MINLON MAXLON MINLAT "
                           "MAXLAT, with MINLON < MAXLON and MINLAT < MAXLAT")
    if min_lat < -90 or max_lat > 90 or min_lon < -180 or max_lon > 360:
        raise SeisvizError(f"--bbox {_fmt(bbox)} is off the globe: latitudes must lie in "
                           "[-90, 90], longitudes in [-180, 360]")


def _fmt(values):
    return " ".join(f"{v:g}" for v in values)


def run(args: argparse.Namespace) -> int:
    """Run `seisviz rasterize` with the parsed `args`; returns the exit status."""
    from seisviz.catalog import load_catalog
    from seisviz.maps import catalog_bbox, make_grid, rasterize, save_npz

    if args.bbox is not None:
        check_bbox(args.bbox)
    if args.grid is not None and args.grid < 1:
        raise SeisvizError(f"--grid {args.grid}: need at least 1 pixel per side")
    out = args.out if args.out.endswith(".npz") else args.out + ".npz"
    out_dir = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(out_dir):
        raise SeisvizError(f"--out {args.out}: folder {out_dir} does not exist")

    catalog, report = load_catalog(args.catalog, **catalog_kwargs(args))
    print(report.summary())
    if args.min_magnitude is not None:
        keep = catalog["magnitude"].to_numpy(float) >= args.min_magnitude
        print(f"--min-magnitude {args.min_magnitude:g}: kept {keep.sum():,} of "
              f"{len(catalog):,} events")
        catalog = catalog[keep]
    if len(catalog) == 0:
        raise SeisvizError(f"{args.catalog}: no events left to rasterize")

    bbox = args.bbox if args.bbox is not None else catalog_bbox(catalog)
    grid = (make_grid(bbox, pixel_km=args.pixel_km) if args.pixel_km is not None
            else make_grid(bbox, args.grid))
    dmaps = rasterize(catalog, grid, window_days=args.window, step_days=args.step,
                      background_days=args.background)
    print(dmaps.report())
    try:
        save_npz(out, dmaps)
    except OSError as exc:
        raise SeisvizError(f"cannot write {out}: {exc.strerror or exc}") from None
    w, h = grid.pixel_km
    print(f"wrote {out}: maps {'x'.join(str(s) for s in dmaps.maps.shape)} "
          f"(windows x channels x ny x nx), pixels {w:.2f} x {h:.2f} km, "
          f"{str(dmaps.window_start[0])[:10]} .. {str(dmaps.window_end[-1])[:10]}")
    return 0
