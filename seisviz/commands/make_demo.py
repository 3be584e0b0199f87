"""`python -m seisviz make-demo [--name changning|weiyuan|all] [--out data] [--seed N]`.

Writes `DIR/<name>_demo.csv` (the SYNTHETIC catalog, canonical columns only),
`DIR/<name>_demo_periods.csv` (its truly anomalous periods, also the default manual picks)
and `DIR/README.md`. The default seeds reproduce the bundled files exactly.
"""

from __future__ import annotations

import argparse
import os

from seisviz.errors import SeisvizError

NAMES = ("changning", "weiyuan")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of `seisviz make-demo` to `parser`."""
    parser.add_argument("--name", choices=(*NAMES, "all"), default="all",
                        help="which demo to write (default: all)")
    parser.add_argument("--out", default="data", metavar="DIR",
                        help="folder to write into (default: data)")
    parser.add_argument("--seed", type=int, metavar="N",
                        help="random seed (default: each demo's own, which reproduces the "
                             "bundled files)")


def run(args: argparse.Namespace) -> int:
    """Run `seisviz make-demo` with the parsed `args`; returns the exit status."""
    from seisviz.training.demo import demo_paths, write_demo, write_readme

    names = NAMES if args.name == "all" else (args.name,)
    if not os.path.isdir(args.out):
        raise SeisvizError(f"--out {args.out}: folder {os.path.abspath(args.out)} does not exist")
    for name in names:
        try:
            build = write_demo(name, args.out, args.seed)
        except OSError as exc:
            raise SeisvizError(f"cannot write into {args.out}: {exc.strerror or exc}") from None
        catalog_path, periods_path = demo_paths(name, args.out)
        kinds = build.periods["kind"].value_counts()
        dropped = build.dropped
        print(f"{name} (seed {build.seed}): wrote {catalog_path} ({len(build.catalog):,} "
              f"synthetic events, {os.path.getsize(catalog_path) / 1e6:.1f} MB) and "
              f"{periods_path} ({len(build.periods)} anomalous periods: "
              + ", ".join(f"{n} {k}" for k, n in kinds.items()) + ")")
        print(f"  {len(dropped)} of {len(build.episodes)} episodes never meet the label rule "
              "and are not listed" + (": " + "; ".join(dropped["note"]) if len(dropped) else ""))
    try:
        print(f"wrote {write_readme(args.out)}")
    except OSError as exc:
        raise SeisvizError(f"cannot write the README into {args.out}: "
                           f"{exc.strerror or exc}") from None
    return 0
