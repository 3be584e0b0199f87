"""`seisviz movie SCAN_DIR --catalog CATALOG --out FILE`: Movie S3 of a scan.

The anomalous seismicity over the scan's whole span (seisviz.plots.movie): the episodes'
events coloured by the days since their episode's onset, the polygons lit while active
and faded after, a time strip with the periods. The scan folder is read back as
`seisviz export` reads it (seisviz.scanfolder.load_scan_folder); the file's format is its
extension: .html (works offline), .gif, or .mp4 (needs ffmpeg).
"""

from __future__ import annotations

import argparse
import sys

from seisviz.catalog.cli_options import add_catalog_arguments, catalog_kwargs
from seisviz.settings import FRAME_MS, MOVIE_FRAMES


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of `seisviz movie` to `p`."""
    p.add_argument("scan_dir", help="folder written by `seisviz scan`")
    p.add_argument("--catalog", required=True, help="the catalog file the scan read")
    add_catalog_arguments(p)
    p.add_argument("--out", required=True,
                   help="the movie file: .html (works offline), .gif, or .mp4 (needs ffmpeg)")
    p.add_argument("--step-days", type=float, default=None,
                   help=f"days between frames (default: whole days giving at most "
                        f"{MOVIE_FRAMES} frames)")
    p.add_argument("--frame-ms", type=int, default=FRAME_MS,
                   help=f"milliseconds per frame (default {FRAME_MS})")


def run(args: argparse.Namespace) -> int:
    """Run `seisviz movie` with the parsed `args`; returns the exit status."""
    from seisviz.catalog import load_catalog
    from seisviz.plots.movie_files import movie_format, write_movie
    from seisviz.scanfolder import load_scan_folder

    movie_format(args.out)  # an unknown extension is refused before any work
    catalog, report = load_catalog(args.catalog, **catalog_kwargs(args))
    print(report.summary(), file=sys.stderr)
    catalog, result = load_scan_folder(args.scan_dir, catalog)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    n = write_movie(result, catalog, args.out, step_days=args.step_days,
                    frame_ms=args.frame_ms)
    print(f"{len(result.episodes)} episodes; wrote {n} frames to {args.out}")
    return 0
