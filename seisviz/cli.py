"""`seisviz` (or `python -m seisviz`): one subcommand per module in seisviz/commands.

Each command module defines `add_arguments(parser)` and `run(args) -> int`.
A SeisvizError becomes one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from seisviz.errors import SeisvizError

COMMANDS = {
    "info": "print a catalog's summary and its dropped-row report",
    "fetch": "download a catalog from an FDSN event web service",
    "make-demo": "regenerate the bundled synthetic demo catalogs",
    "rasterize": "write sliding-window distribution maps to an .npz file",
    "train": "train a ResNet detector on artificial distribution maps",
    "evaluate": "score the detector and the classical baseline on held-out catalogs",
    "scan": "run the detector over a catalog: windows, periods, subregions",
    "export": "export periods, subregions and the condensed catalog of a scan",
    "movie": "animate a scan's anomalous seismicity (Movie S3) as .html, .gif or .mp4",
    "scan-tiles": "scan a large catalog in tiles of K km on a Dask cluster and merge them",
}


def build_parser() -> argparse.ArgumentParser:
    """The `seisviz` parser, one subcommand per command module found."""
    parser = argparse.ArgumentParser(
        prog="seisviz",
        description="Find anomalous seismicity in earthquake catalogs with a ResNet detector.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        module = _command_module(name)
        if module is None:
            continue
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def _command_module(name):
    try:
        return importlib.import_module("seisviz.commands." + name.replace("-", "_"))
    except ModuleNotFoundError as exc:
        if exc.name == "seisviz.commands." + name.replace("-", "_"):
            return None
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._module.run(args) or 0)
    except SeisvizError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, but still no traceback for the user
        if os.environ.get("SEISVIZ_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (set SEISVIZ_DEBUG=1 for a traceback)",
              file=sys.stderr)
        return 1
