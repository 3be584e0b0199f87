"""`seisviz scan`: one pass from a catalog file to a scan folder (see
seisviz.scanfolder for what it holds)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from seisviz.catalog.cli_options import add_catalog_arguments, catalog_kwargs
from seisviz.errors import SeisvizError
from seisviz.detect.models import MODEL_NAMES
from seisviz.settings import (ASSIST_THRESHOLD, COARSE_STEP_DAYS, DEFAULT_DEVICE, DEFAULT_MODEL,
                              DEFAULT_RUNTIME, MAX_GAP_DAYS, MIN_EVENTS, MIN_PERIOD_DAYS,
                              RUNTIMES, STEP_DAYS, check_batch_size)

if TYPE_CHECKING:
    import pandas as pd


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of `seisviz scan` to `p`."""
    p.add_argument("catalog", help="catalog file (CSV, ZMAP, hypoDD .reloc, QuakeML, CENC)")
    p.add_argument("--out", required=True, help="output folder")
    add_catalog_arguments(p)
    p.add_argument("--bbox", nargs=4, type=float, metavar=("MINLON", "MAXLON", "MINLAT", "MAXLAT"),
                   help="the maps' extent, set by hand: one grid (default: the scanned "
                        "events' extent, padded 2%%, at the trained pixel size)")
    f = p.add_argument_group("catalog filters (the dashboard's Catalog page)")
    f.add_argument("--start", help="keep events from this time on (UTC), e.g. 2019-01-01")
    f.add_argument("--end", help="keep events before this time (UTC, exclusive)")
    f.add_argument("--min-depth", type=float, help="keep events at least this deep (km)")
    f.add_argument("--max-depth", type=float, help="keep events at most this deep (km)")
    f.add_argument("--clip-box", nargs=4, type=float,
                   metavar=("MINLON", "MAXLON", "MINLAT", "MAXLAT"),
                   help="keep events inside this longitude/latitude box")
    f.add_argument("--region", help="keep events inside the polygons of this file (GeoJSON, "
                                    "GeoPackage or zipped Shapefile)")
    f.add_argument("--decluster", metavar="METHOD",
                   help="remove clustered events after the filters and the --min-magnitude "
                        "cut, before the maps: gardner-knopoff or zaliapin (docs/statistics.md)")
    p.add_argument("--grid", type=int,
                   help="pixels per side, set by hand: one grid over the region, whatever its "
                        "pixel size (default: the model card's grid at its trained pixel "
                        "size; a wider region is cut into tiles, docs/detection.md)")
    p.add_argument("--window", type=float, help="window length in days (default: the card's)")
    p.add_argument("--step", type=float, default=STEP_DAYS, help="window step in days")
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"{'|'.join(MODEL_NAMES)} or a path to a .pt/.json")
    p.add_argument("--device", default=DEFAULT_DEVICE, help="auto, cpu, cuda or mps")
    p.add_argument("--threshold", type=float, help="probability threshold (default: the card's)")
    p.add_argument("--background", type=float,
                   help="background period in days (default: the card's)")
    p.add_argument("--baseline-threshold", type=float,
                   help="the baseline's beta threshold (default: the card's)")
    p.add_argument("--assist-threshold", type=float,
                   help="a lower probability that flags a window too where the regional beta "
                        f"agrees (default {ASSIST_THRESHOLD:g}; 1: the probability alone; "
                        "docs/detection.md)")
    p.add_argument("--min-magnitude", type=float, help="drop events below this magnitude")
    p.add_argument("--max-gap", type=float, default=MAX_GAP_DAYS,
                   help="days of unflagged windows that may lie inside one period (default 0: "
                   "only back-to-back flagged windows join)")
    p.add_argument("--min-period", type=float, default=MIN_PERIOD_DAYS,
                   help="days: runs of flagged windows shorter than this are dropped as "
                   f"flicker (default {MIN_PERIOD_DAYS:g})")
    p.add_argument("--exhaustive", action="store_true",
                   help="score every window with the network, also those with fewer than "
                        f"{MIN_EVENTS} events and those the coarse pass passes over "
                        "(slower; the periods are the same: docs/detection.md)")
    p.add_argument("--coarse-step", type=float, default=COARSE_STEP_DAYS,
                   help="days between the windows the network scores first; it scores the "
                        "others only near what they flagged (default "
                        f"{COARSE_STEP_DAYS:g})")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--runtime", choices=RUNTIMES, default=DEFAULT_RUNTIME,
                   help="what runs the network on the CPU: torch (default) or onnx (ONNX "
                        "Runtime, exported once per model into the cache folder; on a GPU "
                        "torch runs)")


def run(args: argparse.Namespace) -> int:
    """Run `seisviz scan` with the parsed `args`; returns the exit status."""
    from seisviz.catalog import load_catalog
    from seisviz.detect import pick_device, scan_region
    from seisviz.detect.runtime import check_runtime
    from seisviz.progress import terminal_progress
    from seisviz.scanfolder import save_scan_folder

    # an absent GPU fails before a large catalog is read, and so does a missing onnxruntime
    if pick_device(args.device) == "cpu":
        check_runtime(args.runtime)
    check_batch_size(args.batch_size, "--batch-size")
    check_decluster(args.decluster)
    if os.path.exists(args.out) and not os.path.isdir(args.out):  # before the scan, not after
        raise SeisvizError(f"--out {args.out}: is a file, not a folder")
    catalog, report = load_catalog(args.catalog, **catalog_kwargs(args))
    print(report.summary(), file=sys.stderr)
    catalog = filtered(catalog, args)
    catalog, declustering = declustered(catalog, args)
    bar = terminal_progress("detect", unit="map")
    # no --grid and no --bbox: the region is looked at at the model's trained pixel size
    # (one grid, or tiles: seisviz.detect.region)
    result = scan_region(catalog, model=args.model, progress=bar, bbox=args.bbox,
                          by_hand=args.grid is not None or args.bbox is not None,
                          grid=args.grid, window_days=args.window, step_days=args.step,
                          threshold=args.threshold, background_days=args.background,
                          baseline_threshold=args.baseline_threshold, min_magnitude=args.min_magnitude,
                          max_gap_days=args.max_gap, min_period_days=args.min_period,
                          device=args.device, batch_size=args.batch_size,
                          runtime=args.runtime, exhaustive=args.exhaustive,
                          coarse_step_days=args.coarse_step,
                          assist_threshold=args.assist_threshold)
    if bar:
        bar(None, None)
    print(f"region: {result.cut['description']}", file=sys.stderr)
    for note in result.notes:
        print(f"warning: {note}", file=sys.stderr)
    save_scan_folder(result, args.out, catalog, source=os.path.abspath(args.catalog),
                     load_report=report, declustering=declustering)
    info = result.device_info
    runtime = " with ONNX Runtime" if info.get("runtime") == "onnx" else ""
    seen = int((result.windows["network"] == "seen").sum())
    print(f"{len(result.windows):,} windows, {seen:,} scored on {info.get('device')}{runtime} "
          f"(batch {info.get('batch_size')}, {info.get('maps_per_second', 0):,.0f} maps/s); "
          f"{int(result.windows['flagged'].sum()):,} flagged in {len(result.periods)} periods"
          f"{_unlocated_note(result)}; wrote {args.out}")
    return 0


def _unlocated_note(result) -> str:
    """', 2 unlocated alarms (unlocated.csv)' when runs of flagged windows had no place."""
    n = 0 if result.unlocated is None else len(result.unlocated)
    return f", {n} unlocated alarm{'s' * (n != 1)} (unlocated.csv)" if n else ""


def filtered(catalog: "pd.DataFrame", args: argparse.Namespace) -> "pd.DataFrame":
    """The catalog less what the filter options drop (as the Catalog page's filters)."""
    from seisviz.catalog import clip_to_region, filter_catalog, read_region

    if any(v is not None for v in (args.start, args.end, args.min_depth, args.max_depth,
                                   args.clip_box)):
        catalog = filter_catalog(catalog, start=args.start, end=args.end,
                                 min_depth=args.min_depth, max_depth=args.max_depth,
                                 bbox=args.clip_box)
    if args.region:
        catalog = clip_to_region(catalog, read_region(args.region))
    return catalog


def check_decluster(method: str | None) -> None:
    """A one-line error for an unknown --decluster method, before the catalog is read."""
    from seisviz.stats import DECLUSTER_METHODS

    if method is not None and method not in DECLUSTER_METHODS:
        raise SeisvizError(f"--decluster {method}: expected one of "
                           f"{', '.join(DECLUSTER_METHODS)}")


def declustered(catalog: "pd.DataFrame",
                args: argparse.Namespace) -> tuple["pd.DataFrame", dict | None]:
    """(catalog, run.json's declustering record): with --decluster, the catalog cut at
    --min-magnitude and declustered (as the Catalog page declusters its filtered
    catalog); else the catalog as it is and None."""
    if not args.decluster:
        return catalog, None
    from seisviz.catalog import filter_catalog
    from seisviz.stats import decluster

    if args.min_magnitude is not None:
        catalog = filter_catalog(catalog, min_magnitude=args.min_magnitude)
    n = len(catalog)
    catalog, share, _ = decluster(catalog, method=args.decluster)
    print(f"--decluster {args.decluster}: removed {n - len(catalog):,} of {n:,} events "
          f"({share:.1%})", file=sys.stderr)
    return catalog, {"method": args.decluster, "share_removed": share}
