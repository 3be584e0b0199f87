"""The catalog options that every command reading a catalog file takes (info, rasterize,
scan, export): --format, and for files whose columns are not recognised, --columns,
--delimiter and --timezone; --keep-duplicates keeps every copy of a near-duplicate event."""

from __future__ import annotations

import argparse

from seisviz.catalog.columns import CANONICAL_KEYS
from seisviz.catalog.options import parse_columns
from seisviz.catalog.registry import FORMAT_NAMES, format_choices
from seisviz.settings import DUPLICATE_KM, DUPLICATE_MAGNITUDE, DUPLICATE_SECONDS


def add_catalog_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --format, --columns, --delimiter, --timezone and --keep-duplicates to a command's
    parser."""
    parser.add_argument("--format", default="auto", choices=format_choices(),
                        help="catalog file format: " + ", ".join(
                            f"{k} ({FORMAT_NAMES[k]})" for k in format_choices()[1:])
                        + " (default: guessed from the content)")
    parser.add_argument("--columns", metavar="KEY=COLUMN,...",
                        help="name the file's columns yourself when they are not recognised, "
                             "e.g. time=OriginTime,latitude=Lat,longitude=Lon,depth=Z,"
                             "magnitude=Mag; the time may also be given as its parts "
                             "(year=,month=,day=,hour=,minute=,second=) or date=,time=; keys: "
                             + ", ".join(CANONICAL_KEYS))
    parser.add_argument("--delimiter", metavar="CHAR",
                        help="column delimiter: one character, or comma, semicolon, tab, pipe, "
                             "whitespace (default: guessed)")
    parser.add_argument("--timezone", metavar="TZ",
                        help="time zone of times written without an offset, e.g. Asia/Tokyo or "
                             "+09:00 (default: UTC)")
    parser.add_argument("--keep-duplicates", action="store_true",
                        help="keep every copy of a near-duplicate event (one earthquake located "
                             f"by two agencies: origins within {DUPLICATE_SECONDS:g} s and "
                             f"{DUPLICATE_KM:g} km, magnitudes within {DUPLICATE_MAGNITUDE:g}); "
                             "by default the most complete copy is kept and the others are "
                             "reported as dropped")


def catalog_kwargs(args: argparse.Namespace) -> dict:
    """Keyword arguments for `load_catalog` from the parsed options."""
    return {"format": args.format, "columns": parse_columns(args.columns),
            "delimiter": args.delimiter, "timezone": args.timezone,
            "keep_duplicates": bool(getattr(args, "keep_duplicates", False))}
