"""`seisviz scan-tiles`: a national or global catalog scanned in tiles of a fixed size in
km on a Dask cluster (seisviz.tiles; docs/tiles.md), merged into one overview folder."""

from __future__ import annotations

import argparse
import os
import sys

from seisviz.catalog.cli_options import add_catalog_arguments, catalog_kwargs
from seisviz.detect.models import MODEL_NAMES
from seisviz.errors import SeisvizError
from seisviz.settings import (DEFAULT_DEVICE, DEFAULT_MODEL, MIN_EVENTS, MIN_PERIOD_DAYS,
                              RUNTIMES, STEP_DAYS)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("catalog", help="catalog file (CSV, ZMAP, hypoDD .reloc, QuakeML, CENC)")
    p.add_argument("--out", required=True,
                   help="output folder (a rerun into it skips the tiles already done)")
    add_catalog_arguments(p)
    p.add_argument("--tile-km", type=float,
                   help="tile size in km (default: the model card's grid of its trained "
                        "pixel size across a tile's scan box, ~43 km for the shipped models)")
    p.add_argument("--overlap-km", type=float,
                   help="overlap on each side of a tile in km (default: a quarter of the tile)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a "
                        "LocalCluster on this machine)")
    p.add_argument("--workers", type=int,
                   help="LocalCluster worker processes (default: one per GPU, else one per "
                        "CPU core); 0 runs the tiles one by one in this process")
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"{'|'.join(MODEL_NAMES)} or a path to a .pt/.json (the same path "
                        "on every worker)")
    p.add_argument("--device", default=DEFAULT_DEVICE, help="auto, cpu, cuda or mps (on the workers)")
    p.add_argument("--runtime", choices=RUNTIMES,
                   help="what runs the network on a CPU worker: torch (default) or onnx "
                        "(ONNX Runtime; each worker exports the model once into its cache "
                        "folder)")
    p.add_argument("--window", type=float, help="window length in days (default: the card's)")
    p.add_argument("--step", type=float, default=STEP_DAYS, help="window step in days")
    p.add_argument("--threshold", type=float, help="probability threshold (default: the card's)")
    p.add_argument("--min-magnitude", type=float, help="drop events below this magnitude")
    p.add_argument("--min-period", type=float, default=MIN_PERIOD_DAYS,
                   help=f"days: shorter runs of flagged windows are flicker "
                        f"(default {MIN_PERIOD_DAYS:g})")
    p.add_argument("--min-events", type=int, default=MIN_EVENTS,
                   help=f"tiles with fewer events are not scanned (default {MIN_EVENTS})")


def run(args: argparse.Namespace) -> int:
    from seisviz.catalog import load_catalog
    from seisviz.progress import terminal_progress
    from seisviz.tiles import scan_tiles
    from seisviz.tiles.grid import check_sizes, default_overlap_km
    from seisviz.tiles.run import model_tile_km, tile_scan

    # every bad option is refused before a large catalog is read
    if args.tile_km is None:
        args.tile_km = model_tile_km(args.model)
    overlap = args.overlap_km
    check_sizes(args.tile_km, overlap if overlap is not None else
                default_overlap_km(args.tile_km) if args.tile_km > 0 else 0.0)
    if args.workers is not None and args.workers < 0:
        raise SeisvizError(f"--workers {args.workers}: must be 0 (in this process) or more")
    if args.min_events < 1:
        raise SeisvizError(f"--min-events {args.min_events}: must be at least 1")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise SeisvizError(f"--out {args.out}: is a file, not a folder")
    if args.scheduler:
        _check_scheduler(args.scheduler)
    if args.runtime == "onnx" and not args.scheduler:  # a cluster's workers check their own
        from seisviz.detect.runtime import check_runtime

        check_runtime(args.runtime)
    catalog, report = load_catalog(args.catalog, **catalog_kwargs(args))
    print(report.summary(), file=sys.stderr)
    if len(catalog) == 0:
        raise SeisvizError(f"{args.catalog}: no events to scan")
    bar = terminal_progress("tiles", unit="tile")
    scan = tile_scan(args.step, args.window, args.threshold, args.min_magnitude,
                     args.min_period, args.runtime)
    record = scan_tiles(catalog, args.out, args.tile_km, overlap, model=args.model,
                        device=args.device, scan=scan, scheduler=args.scheduler,
                        workers=args.workers, min_events=args.min_events,
                        source=os.path.abspath(args.catalog), progress=bar)
    if bar:
        bar(None, None)
    print(f"{record['n_tiles_with_events']} tiles with events of {record['n_tiles']} "
          f"({record['n_tiles_done']} scanned, {record['n_tiles_sparse']} too sparse to scan, "
          f"{record['n_tiles_resumed']} of them from an earlier run); episodes: "
          f"{record['n_episodes']}, periods: {record['n_periods']}; {record['seconds']:.1f} s; "
          f"wrote {args.out}")
    if record["failed"]:
        names = "; ".join(f"{k}: {v}" for k, v in record["failed"].items())
        raise SeisvizError(f"{len(record['failed'])} tile(s) failed ({names[:600]}); the "
                           "others are merged; rerun the same command to retry them")
    return 0


def _check_scheduler(address: str) -> None:
    """A TCP scheduler address that answers, checked before a large catalog is read (the
    Dask handshake itself is checked on connecting)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else "tcp://" + address)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or not port:
        raise SeisvizError(f"--scheduler {address}: not an address (e.g. tcp://host:8786)")
    if parts.scheme not in ("tcp", "tls"):
        return  # e.g. ucx:// or ws://: left to Dask
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        raise SeisvizError(f"--scheduler {address}: cannot connect "
                           f"({exc.strerror or exc})") from None
