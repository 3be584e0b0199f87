"""`python -m seisviz fetch`: download a catalog from an FDSN event web service."""

from __future__ import annotations

import argparse

from seisviz.catalog import write_catalog_csv
from seisviz.catalog.fdsn import SERVICES, fetch_fdsn


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of `seisviz fetch` to `parser`."""
    parser.add_argument("--service", default="usgs",
                        help=f"{', '.join(SERVICES)} or a URL ending in /fdsnws/event/1/query "
                             f"(default usgs)")
    parser.add_argument("--start", required=True, help="start time, e.g. 2019-01-01 (UTC)")
    parser.add_argument("--end", required=True, help="end time, e.g. 2020-01-01 (UTC)")
    parser.add_argument("--bbox", nargs=4, type=float, metavar=("MINLON", "MAXLON", "MINLAT", "MAXLAT"),
                        help="longitude/latitude box")
    parser.add_argument("--min-magnitude", type=float, help="smallest magnitude to fetch")
    parser.add_argument("--page-days", type=float,
                        help="fetch in pages of this many days (default: one request, split if too large)")
    parser.add_argument("--limit", type=int, help="events per request (pages that hit it are split)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait per request (default 30)")
    parser.add_argument("--keep-duplicates", action="store_true",
                        help="keep every copy of a near-duplicate event (two agencies' "
                             "solutions of one earthquake); by default one is kept")
    parser.add_argument("--out", required=True,
                        help="output file: .csv (canonical columns) or .xml/.quakeml (QuakeML 1.2)")


def run(args: argparse.Namespace) -> int:
    """Run `seisviz fetch` with the parsed `args`; returns the exit status."""
    catalog, report = fetch_fdsn(args.service, args.start, args.end, bbox=args.bbox,
                                 min_magnitude=args.min_magnitude, page_days=args.page_days,
                                 limit=args.limit, timeout=args.timeout,
                                 keep_duplicates=args.keep_duplicates)
    if args.out.lower().endswith((".xml", ".quakeml", ".qml")):
        from seisviz.catalog.quakeml import write_quakeml

        write_quakeml(catalog, args.out)
    else:
        write_catalog_csv(catalog, args.out)
    for note in report.notes:
        print(note)
    print(report.summary())
    for reason, n in report.reason_counts().items():
        print(f"  {n:,}  {reason}")
    print(f"wrote {len(catalog):,} events to {args.out}")
    return 0
