"""Located: the share of raw periods (runs of flagged windows) that get a place.

For held-out synthetic catalogs of `seisviz evaluate`'s sets (`EVALUATION_SETS`, set k
drawn from seed `HELDOUT_SEED + 1000 k`, as `seisviz evaluate` draws them), the scan path
(`scan_catalog` with --model, its card's threshold) flags windows; each run of flagged
windows is a *raw period*. A raw period is **located** when it gets at least one episode
with a polygon on its own: `refine_periods` run on that raw period alone (its own
subregions, their own events) returns an episode. The rest are the scan's unlocated
alarms (docs/detection.md). Each raw period is also refined with places looked for in
3x3 pixels only (`neighbourhood_km=0`, the finder before issue 19), on the same flags:
the "before" column.

Raw periods are grouped by the kinds of the true episodes that overlap them in time (a
raw period over a swarm and an aftershock sequence counts for both), "false alarm" when
none does. Exit status 1 when the share over all raw periods with a true episode is below
--target (0.97).

    .venv/bin/python benchmarks/bench_located.py --n-catalogs 6
"""

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from seisviz.detect import flagged_periods, overlaps  # noqa: E402
from seisviz.detect.scan import scan_catalog, scanned_events  # noqa: E402
from seisviz.subregions.refine import refine_periods  # noqa: E402
from seisviz.training.evaluate import EVALUATION_SETS, HELDOUT_SEED, NO_ANOMALY  # noqa: E402
from seisviz.training.synthetic import random_scenario  # noqa: E402

DEFAULT_SETS = ("mixed", "diffuse episodes (3-6 km)", "swarm, no busy spots",
                "injection, no busy spots", "aftershock, no busy spots", NO_ANOMALY)


def raw_period_rows(sc, loaded):
    """One row per raw period of a scan of `sc`: kinds of the true episodes it overlaps,
    whether it is located, its span."""
    result = scan_catalog(sc.catalog, model="given", loaded=loaded, bbox=list(sc.bbox),
                          device="cpu")
    w, s = result.windows, result.settings
    flagged = w["flagged"].to_numpy(bool)
    raw = flagged_periods(w, flagged, s.max_gap_days, w["probability"].to_numpy(),
                          s.min_period_days)
    events = scanned_events(sc.catalog, s, result.dmaps.grid)
    eps = sc.episodes
    hit = overlaps(raw["start"], raw["end"], eps["start"], eps["end"]) if len(eps) \
        else np.zeros((len(raw), 0), bool)
    rows = []
    for k in range(len(raw)):
        _, episodes = refine_periods(events, result.dmaps, raw.iloc[[k]], flagged)
        _, in_3x3 = refine_periods(events, result.dmaps, raw.iloc[[k]], flagged,
                                   neighbourhood_km=0.0)
        kinds = sorted(set(eps["kind"].to_numpy()[hit[k]]))
        rows.append({"kinds": kinds, "located": len(episodes) > 0,
                     "located_3x3": len(in_3x3) > 0,
                     "start": raw["start"].iloc[k], "end": raw["end"].iloc[k],
                     "radius_km": float(eps["radius_km"].to_numpy()[hit[k]].max())
                     if hit[k].any() else np.nan})
    # the scan's own unlocated alarms, for a check against the count of unlocated runs
    return rows, len(result.unlocated)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="resnet18")
    p.add_argument("--n-catalogs", type=int, default=6, help="per set")
    p.add_argument("--sets", nargs="*", default=list(DEFAULT_SETS),
                   help="names of seisviz.training.evaluate.EVALUATION_SETS")
    p.add_argument("--target", type=float, default=0.97)
    args = p.parse_args(argv)
    from seisviz.detect.loading import load_model

    loaded = load_model(args.model, "cpu")
    names = list(EVALUATION_SETS)
    rows, n_alarms = [], 0
    t0 = time.perf_counter()
    for name in args.sets:
        if name not in EVALUATION_SETS:
            p.error(f"unknown set {name!r}; one of: {', '.join(names)}")
        rng = np.random.default_rng(HELDOUT_SEED + 1000 * names.index(name))
        for c in range(args.n_catalogs):
            sc = random_scenario(rng, **EVALUATION_SETS[name])
            found, n = raw_period_rows(sc, loaded)
            n_alarms += n
            rows += [{"set": name, "catalog": c, **r} for r in found]
    table = pd.DataFrame(rows, columns=["set", "catalog", "kinds", "located", "located_3x3",
                                        "start", "end", "radius_km"])
    print(f"model {args.model}; {args.n_catalogs} held-out catalogs per set "
          f"(seed {HELDOUT_SEED} + 1000 k, as seisviz evaluate), {len(table)} raw periods, "
          f"{time.perf_counter() - t0:.0f} s\n")
    true = table[table["kinds"].map(len) > 0]
    print("| raw periods | n | located, 3x3 pixels only (before) | located | unlocated |")
    print("|---|---|---|---|---|")

    def line(label, part):
        if len(part):
            print(f"| {label} | {len(part)} | {part['located_3x3'].mean():.3f} | "
                  f"{part['located'].mean():.3f} | {int((~part['located']).sum())} |")

    line("over a true episode", true)
    for kind in ("swarm", "injection", "aftershock"):
        line(f"over {kind} episodes", true[true["kinds"].map(lambda k: kind in k)])
    for name in args.sets:
        line(f"set: {name}", true[true["set"] == name])
    line("false alarms (no true episode)", table[table["kinds"].map(len) == 0])
    line("all", table)
    print(f"\nthe scans' unlocated alarms (unlocated.csv): {n_alarms}")
    missed = true[~true["located"]]
    if len(missed):
        print("\nraw periods over a true episode without a place:")
        print(missed.to_string(index=False))
    rate = true["located"].mean() if len(true) else 1.0
    return 0 if rate >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
