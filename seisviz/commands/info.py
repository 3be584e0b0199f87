"""`python -m seisviz info CATALOG`: a catalog's summary and its dropped-row report."""

from __future__ import annotations

import argparse

import pandas as pd

from seisviz.catalog import load_catalog, summarize
from seisviz.catalog.cli_options import add_catalog_arguments, catalog_kwargs
from seisviz.stats import MIN_EVENTS_CLASSIC, b_value, magnitude_types


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of `seisviz info` to `parser`."""
    parser.add_argument("catalog", help="catalog file (CSV, ZMAP, hypoDD .reloc, QuakeML, CENC CSV/.xlsx)")
    add_catalog_arguments(parser)
    parser.add_argument("--show-dropped", type=int, default=5, metavar="N",
                        help="how many dropped rows to print (default 5)")


def _fmt(value):
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _print_statistics(catalog: pd.DataFrame) -> None:
    """The b-value line and the magnitude types (with the warning when scales mix)."""
    est = b_value(catalog["magnitude"].to_numpy())
    if est is None:
        print(f"  b-value    - (needs {MIN_EVENTS_CLASSIC} events above Mc)")
    else:
        print(f"  b-value    {est.b:.2f} ± {est.b_err:.2f} ({est.method} above Mc "
              f"{est.mc:g}, {est.n_used:,} events)")
    mix = magnitude_types(catalog)
    if len(mix.counts):
        print("  mag types  " + ", ".join(f"{t} {n:,}" for t, n in mix.counts.items()))
    if mix.warning:
        print(f"  warning    {mix.warning}")


def run(args: argparse.Namespace) -> int:
    """Run `seisviz info` with the parsed `args`; returns the exit status."""
    catalog, report = load_catalog(args.catalog, **catalog_kwargs(args))
    s = summarize(catalog)
    print(f"{report.source} ({report.format})")
    print(f"  events     {s['n_events']:,}")
    print(f"  time       {_fmt(s['start'])} .. {_fmt(s['end'])}")
    print(f"  longitude  {_fmt(s['min_longitude'])} .. {_fmt(s['max_longitude'])}")
    print(f"  latitude   {_fmt(s['min_latitude'])} .. {_fmt(s['max_latitude'])}")
    print(f"  depth km   {_fmt(s['min_depth'])} .. {_fmt(s['max_depth'])}")
    print(f"  magnitude  {_fmt(s['min_magnitude'])} .. {_fmt(s['max_magnitude'])}")
    print(f"  Mc         {_fmt(s['mc'])} (maximum curvature + 0.2)")
    _print_statistics(catalog)
    if report.time_resolution != "second":
        print(f"  resolution {report.time_resolution} (times are known to the {report.time_resolution})")
    columns = ", ".join(f"{k} <- {v}" for k, v in report.columns.items())
    if columns:
        print(f"  columns    {columns}")
    for note in report.notes:
        print(f"  note       {note}")
    print(report.summary())
    counts = report.reason_counts()
    if counts:
        print("dropped rows by reason:")
        width = max(len(f"{n:,}") for n in counts.values())
        for reason, n in counts.items():
            print(f"  {n:>{width},}  {reason}")
        n_show = max(0, args.show_dropped)
        if n_show:
            shown = report.dropped.head(n_show)
            where = {"quakeml": "event number in the file", "cenc": "row in the file"}.get(
                report.format, "line number in the file")
            print(f"first {len(shown)} dropped row(s) (row = {where}):")
            with pd.option_context("display.width", 200, "display.max_columns", 20,
                                   "display.max_colwidth", 40):
                print(shown.to_string(index=False))
    return 0
