"""Subregion containment on held-out synthetic catalogs.

For each catalog from `seisviz.synthetic.random_scenario` (seeds
`seisviz.evaluate.HELDOUT_SEED + --offset`, which training never used: training draws
from seed 0 and 100,000), windows are flagged, merged into periods, and
`seisviz.subregions.find_subregions` places the anomalies. Each true episode that a
flagged period overlaps in time is *detected*; it is *located* when some subregion of an
overlapping period lies within (its radius + --tolerance km) of its true centre, i.e. the
subregions contain the centre once grown by radius + 2 km.

Flags come from either
- ``--flags truth``: the label rule itself (`window_labels`), which isolates the
  subregion step from the detector; or
- ``--flags model``: the scan path, `seisviz.detect.scan_catalog` with ``--model``
  (default: the shipped weights/resnet18.pt).

Two episode sets are reported: every detected episode, and the *labelled* ones (those
that make at least one window anomalous under the label rule; a weak episode that only
happens to overlap another one's period in time is in the first set but not the second).
Also: the share of located episodes whose centre is strictly inside a polygon, the
distance from the true centre to the nearest subregion centre, the share of the detected
episodes' in-period events that the condensed catalog keeps, and how much the condensed
catalog shrinks.

Exit status 1 when the labelled-episode containment is below --target (0.9).

    .venv/bin/python benchmarks/bench_subregions.py --flags truth --n-catalogs 60
"""

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from seisviz.detect import flagged_periods, overlaps  # noqa: E402
from seisviz.training.evaluate import HELDOUT_SEED  # noqa: E402
from seisviz.training.synthetic import scenario_windows  # noqa: E402
from seisviz.timeutil import to_ns  # noqa: E402
from seisviz.subregions import condensed_catalog, distance_km, find_subregions  # noqa: E402
from seisviz.training.synthetic import random_scenario  # noqa: E402

OFFSET = 4242  # seeds HELDOUT_SEED + OFFSET: not used by training nor by seisviz evaluate


def truth_flags(sc, window_days, step_days, background_days, n_pixels):
    dmaps, labels, cause = scenario_windows(sc, window_days, step_days, background_days,
                                            n_pixels)
    flagged = labels & dmaps.has_history
    windows = dmaps.window_table()
    periods = flagged_periods(windows, flagged, probability=np.ones(len(windows)))
    return dmaps, flagged, periods, labels, cause


def model_flags(sc, loaded, step_days):
    from seisviz.detect.scan import scan_catalog
    from seisviz.training.synthetic import window_labels

    net, card = loaded
    result = scan_catalog(sc.catalog, model="given", loaded=loaded, bbox=list(sc.bbox),
                          step_days=step_days, device="cpu")
    labels, cause = window_labels(sc.catalog, result.dmaps)
    return (result.dmaps, result.windows["flagged"].to_numpy(bool), result.periods, labels,
            cause)


def score_catalog(sc, dmaps, flagged, periods, labels, cause, tolerance_km, options=None):
    subs = find_subregions(dmaps, periods, catalog=sc.catalog, flagged=flagged,
                           **(options or {}))
    labelled = set(np.unique(cause[labels & dmaps.has_history])) - {-1}
    eps = sc.episodes
    rows = []
    if len(periods) and len(eps):
        hit = overlaps(eps["start"], eps["end"], periods["start"], periods["end"])
    else:
        hit = np.zeros((len(eps), len(periods)), bool)
    condensed = condensed_catalog(sc.catalog, periods, subs)
    for i, ep in enumerate(eps.itertuples()):
        pids = periods["period_id"].to_numpy()[hit[i]]
        if len(pids) == 0:
            continue
        mine = subs[subs["period_id"].isin(pids)]
        dist = min((distance_km(g, ep.center_lon, ep.center_lat) for g in mine.geometry),
                   default=float("inf"))
        if len(mine):
            kx = 111.195 * np.cos(np.radians(ep.center_lat))
            dc = np.hypot((mine["center_lon"] - ep.center_lon) * kx,
                          (mine["center_lat"] - ep.center_lat) * 111.195).min()
        else:
            dc = float("inf")
        # the episode's events inside the overlapping periods, and how many were kept
        ev = sc.catalog[sc.catalog["episode"] == ep.episode]
        t = to_ns(ev["time"])
        in_p = np.zeros(len(ev), bool)
        for s, e in zip(periods["start"][hit[i]], periods["end"][hit[i]]):
            in_p |= (t >= to_ns(s)) & (t < to_ns(e))
        kept = int((condensed["episode"] == ep.episode).sum())
        rows.append({"episode": ep.episode, "kind": ep.kind, "labelled": ep.episode in labelled,
                     "radius_km": ep.radius_km, "distance_km": dist,
                     "located": dist <= ep.radius_km + tolerance_km, "inside": dist == 0.0,
                     "center_error_km": dc, "n_in_periods": int(in_p.sum()), "n_kept": kept,
                     "n_subregions": len(mine)})
    # a subregion is *true* when some episode overlapping its period in time lies within
    # its radius + tolerance of it
    n_true_subs = 0
    for pid, geom in zip(subs["period_id"], subs.geometry):
        j = int(np.flatnonzero(periods["period_id"].to_numpy() == pid)[0])
        near = [distance_km(geom, ep.center_lon, ep.center_lat) <= ep.radius_km + tolerance_km
                for i, ep in enumerate(eps.itertuples()) if hit[i, j]]
        n_true_subs += any(near)
    return rows, len(condensed), len(sc.catalog), len(subs), n_true_subs, len(periods)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--flags", choices=["truth", "model"], default="truth")
    p.add_argument("--model", default="resnet18", help="for --flags model")
    p.add_argument("--n-catalogs", type=int, default=60)
    p.add_argument("--offset", type=int, default=OFFSET)
    p.add_argument("--step", type=float, default=1.0, help="window step in days")
    p.add_argument("--tolerance", type=float, default=2.0, help="km added to the radius")
    p.add_argument("--target", type=float, default=0.9)
    p.add_argument("--n-episodes", type=int, help="force this many episodes per catalog")
    for name in ("min-events", "ratio", "alpha", "dilation"):
        p.add_argument("--" + name, type=float,
                       help="find_subregions setting (default: seisviz.subregions.DEFAULTS)")
    args = p.parse_args(argv)

    loaded = None
    if args.flags == "model":
        from seisviz.detect.loading import load_model

        loaded = load_model(args.model, "cpu")
    options = {k: getattr(args, k) for k in ("min_events", "ratio", "alpha", "dilation")
               if getattr(args, k) is not None}
    if "dilation" in options:
        options["dilation"] = int(options["dilation"])
    rng = np.random.default_rng(HELDOUT_SEED + args.offset)
    rows, n_cond, n_all, n_subs, n_true, n_periods = [], 0, 0, 0, 0, 0
    t0 = time.perf_counter()
    for k in range(args.n_catalogs):
        sc = random_scenario(rng, **({} if args.n_episodes is None
                                     else {"n_episodes": args.n_episodes}))
        if loaded is None:
            flags = truth_flags(sc, 30.0, args.step, 180.0, 64)
        else:
            flags = model_flags(sc, loaded, args.step)
        r, c, a, s, st, n = score_catalog(sc, *flags, args.tolerance, options)
        for row in r:
            row["catalog"] = k
        rows.extend(r)
        n_cond, n_all, n_periods = n_cond + c, n_all + a, n_periods + n
        n_subs, n_true = n_subs + s, n_true + st
    seconds = time.perf_counter() - t0
    table = pd.DataFrame(rows)
    print(f"flags: {args.flags}{' (' + args.model + ')' if loaded else ''}; "
          f"{args.n_catalogs} held-out catalogs (seed {HELDOUT_SEED} + {args.offset}), "
          f"{n_periods} periods, {n_subs} subregions ({n_true} near a true episode of their "
          f"period), {seconds:.0f} s")
    if len(table) == 0:
        print("no detected episodes")
        return 1
    print()
    print("| episodes | n | located (radius + %g km) | centre inside a polygon | "
          "median centre error (km) | episode events kept |" % args.tolerance)
    print("|---|---|---|---|---|---|")
    for name, part in [("detected", table), ("detected and labelled", table[table["labelled"]])]\
            + [(f"labelled, {k}", g[g["labelled"]]) for k, g in table.groupby("kind")]:
        if len(part) == 0:
            continue
        kept = part["n_kept"].sum() / max(part["n_in_periods"].sum(), 1)
        print(f"| {name} | {len(part)} | {part['located'].mean():.3f} | "
              f"{part['inside'].mean():.3f} | {part['center_error_km'].median():.2f} | "
              f"{kept:.3f} |")
    print()
    print(f"condensed catalog: {n_cond:,} of {n_all:,} events ({100 * n_cond / n_all:.1f}%)")
    missed = table[table["labelled"] & ~table["located"]]
    if len(missed):
        print("\nlabelled episodes not located:")
        print(missed.drop(columns=["labelled", "located", "inside"]).to_string(index=False))
    rate = table[table["labelled"]]["located"].mean()
    return 0 if rate >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
