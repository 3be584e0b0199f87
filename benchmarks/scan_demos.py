"""Scan both synthetic demo catalogs with default settings and score the flagged periods
against their true periods (network and beta baseline), as `seisviz scan` would.

    .venv/bin/python benchmarks/scan_demos.py [--model resnet18]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pandas as pd  # noqa: E402

from seisviz.catalog import load_catalog  # noqa: E402
from seisviz.detect import compare_periods  # noqa: E402
from seisviz.detect.scan import baseline_periods, scan_catalog  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def flagged_days(periods):
    """Days covered by the union of the periods (periods of separate episodes may overlap)."""
    days = set()
    for s, e in zip(periods["start"], periods["end"]):
        days.update(pd.date_range(s.floor("D"), e, freq="D", inclusive="left"))
    return float(len(days))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet18")
    args = ap.parse_args()
    print("| demo | method | periods | true episodes | episode recall | period precision | F1 "
          "| share of the catalog's days flagged |")
    print("|---|---|---|---|---|---|---|---|")
    for stem in ("changning_demo", "weiyuan_demo"):
        catalog, _ = load_catalog(os.path.join(ROOT, "data", stem + ".csv"))
        truth = pd.read_csv(os.path.join(ROOT, "data", stem + "_periods.csv"),
                            parse_dates=["start", "end"])
        result = scan_catalog(catalog, model=args.model, device="cpu")
        span_days = (catalog["time"].max() - catalog["time"].min()).total_seconds() / 86400
        for method, periods in (("network", result.periods),
                                ("baseline", baseline_periods(result, catalog))):
            s = compare_periods(periods, truth)
            print(f"| {stem} | {method} | {s['n_picked']} | {s['n_true']} | {s['recall']:.3f} | "
                  f"{s['precision']:.3f} | {s['f1']:.3f} | "
                  f"{flagged_days(periods) / span_days:.0%} |")


if __name__ == "__main__":
    main()
