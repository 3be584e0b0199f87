"""Onset and end timing of flagged episodes, before and after refinement (issue 11).

Held-out synthetic catalogs from `seisviz.training.synthetic.random_scenario` (seed
`seisviz.training.evaluate.HELDOUT_SEED + --offset`; training uses seeds 0 and 100,000,
`seisviz evaluate` HELDOUT_SEED + 1000 k, bench_subregions + 4242) - every anomaly kind,
with persistent busy spots, drift and completeness changes drawn at random - are scanned
as `seisviz scan` does (`scan_catalog`, the shipped weights, 30-day windows every day).
The network's periods and the beta baseline's (`baseline_periods`) each get subregions
(`find_subregions`) and episodes (`seisviz.subregions.episodes`), exactly as
`seisviz scan` refines them (`seisviz.subregions.refine.refine_periods`).

Truth: `Scenario.episodes` (start = first event, end = 90% quantile of the episode's event
times). Only *labelled* episodes count for recall and timing: those that make at least
one window with history anomalous under the label rule (as `seisviz evaluate`).

Matching rule:
- before refinement: a true episode is found by a raw period that overlaps it in time;
- after: by an episode whose [onset, end] overlaps it in time *and* whose subregion
  polygon contains the true centre or lies within --tolerance km (3) of it.
When several match, the one with the smallest |onset error| is used for both errors.
Precision: the share of raw periods (before) / episodes (after) that match some true
episode (labelled or not) by the same rule.

Also the two demos (data/*_demo.csv, truth data/*_periods.csv): for every true period, the
onset error of the best matching episode (same rule, tolerance radius + --tolerance).

    .venv/bin/python benchmarks/bench_timing.py [--n-catalogs 40] [--quick]
"""

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from seisviz.detect import flagged_periods, overlaps, scan_catalog, scanned_events  # noqa: E402
from seisviz.subregions import distance_km  # noqa: E402
from seisviz.subregions.refine import refine_periods  # noqa: E402
from seisviz.timeutil import DAY_NS, to_ns  # noqa: E402
from seisviz.training.evaluate import HELDOUT_SEED  # noqa: E402
from seisviz.training.synthetic import random_scenario, window_labels  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OFFSET = 5151  # seeds HELDOUT_SEED + OFFSET: used by no other bench, training or evaluate


def method_outputs(result, scanned, method):
    """(raw periods, refined periods, episodes with geometry) of `method` ('network' or
    'baseline'): the network's are the scan's own (`result.periods`, `result.episodes`),
    the baseline's are refined the same way (`refine_periods`)."""
    w, s = result.windows, result.settings
    flag, score = ("flagged", "probability") if method == "network" else \
        ("baseline_flagged", "baseline_beta")
    raw = flagged_periods(w, w[flag], s.max_gap_days, w[score].to_numpy(), s.min_period_days)
    if method == "network":
        return raw, result.periods, result.episodes
    periods, eps = refine_periods(scanned, result.dmaps, raw, w[flag].to_numpy(bool))
    return raw, periods, eps


def near(geoms, lon, lat, tol_km):
    return np.array([distance_km(g, lon, lat) <= tol_km for g in geoms], bool)


def match(truth, periods, eps, tol_km, extra_radius=False):
    """Per true episode: before/after found flags and errors (days); and precision counts."""
    rows = []
    t0, t1 = to_ns(truth["start"]), to_ns(truth["end"])
    hit_p = overlaps(truth["start"], truth["end"], periods["start"], periods["end"]) \
        if len(periods) and len(truth) else np.zeros((len(truth), len(periods)), bool)
    hit_e = overlaps(truth["start"], truth["end"], eps["onset"], eps["end"]) \
        if len(eps) and len(truth) else np.zeros((len(truth), len(eps)), bool)
    place = np.zeros_like(hit_e)
    for i, tr in enumerate(truth.itertuples()):
        tol = tol_km + (tr.radius_km if extra_radius else 0.0)
        if hit_e[i].any():
            place[i, hit_e[i]] = near(eps.geometry[hit_e[i]], tr.center_lon, tr.center_lat, tol)
    good_e = hit_e & place
    ps, pe = to_ns(periods["start"]), to_ns(periods["end"])
    es, ee = to_ns(eps["onset"]), to_ns(eps["end"])
    for i, tr in enumerate(truth.itertuples()):
        row = {"episode": tr.episode, "kind": tr.kind}
        for stage, ok, s, e in (("before", hit_p[i], ps, pe), ("after", good_e[i], es, ee)):
            row[f"found_{stage}"] = bool(ok.any())
            if ok.any():
                j = np.flatnonzero(ok)[np.argmin(np.abs(s[ok] - t0[i]))]
                row[f"onset_{stage}"] = (s[j] - t0[i]) / DAY_NS
                row[f"end_{stage}"] = (e[j] - t1[i]) / DAY_NS
        rows.append(row)
    return (pd.DataFrame(rows), int(hit_p.any(axis=0).sum()), len(periods),
            int(good_e.any(axis=0).sum()), len(eps))


STAGES = {"before": "raw periods", "after": "episodes", "periods": "refined periods"}


def summary(table, correct_b, n_b, correct_a, n_a, correct_p, n_p):
    out = {}
    correct = {"before": (correct_b, n_b), "after": (correct_a, n_a),
               "periods": (correct_p, n_p)}
    for stage in STAGES:
        if f"found_{stage}" not in table:
            continue
        found = table[table[f"found_{stage}"].astype(bool)]
        on = np.abs(found[f"onset_{stage}"].to_numpy(float))
        en = np.abs(found[f"end_{stage}"].to_numpy(float))
        q = (lambda a, p: float(np.quantile(a, p)) if len(a) else float("nan"))
        c, n = correct[stage]
        out[stage] = {"onset_med": q(on, 0.5), "onset_p90": q(on, 0.9), "end_med": q(en, 0.5),
                      "end_p90": q(en, 0.9), "recall": len(found) / len(table),
                      "precision": c / n if n else float("nan"), "n": n}
    return out


CLEAN = {m: {"periods": 0, "overlapping": 0, "empty": 0, "episodes": 0, "under_min": 0}
         for m in ("network", "baseline")}


def count_clean(method, scanned, periods, eps):
    """Issue 19's clean list: overlapping period pairs, periods without an episode,
    episodes under the label rule's minimum of distinct events."""
    from seisviz.settings import MIN_EVENTS
    from seisviz.subregions.united import distinct_events

    c = CLEAN[method]
    order = np.argsort(to_ns(periods["start"]), kind="stable")
    s, e = to_ns(periods["start"])[order], to_ns(periods["end"])[order]
    c["periods"] += len(periods)
    c["overlapping"] += int((s[1:] <= np.maximum.accumulate(e)[:-1]).sum())
    c["empty"] += int((periods["n_episodes"] == 0).sum())
    c["episodes"] += len(eps)
    c["under_min"] += int((distinct_events(scanned, eps) < MIN_EVENTS).sum()) if len(eps) else 0


def synthetic(args, loaded):
    rng = np.random.default_rng(HELDOUT_SEED + args.offset)
    tables = {"network": [], "baseline": []}
    counts = {m: [0, 0, 0, 0, 0, 0] for m in tables}
    for k in range(args.n_catalogs):
        sc = random_scenario(rng)
        result = scan_catalog(sc.catalog, model="given", loaded=loaded, bbox=list(sc.bbox),
                              step_days=1.0, device="cpu")
        scanned = scanned_events(sc.catalog, result.settings, result.dmaps.grid)
        labels, cause = window_labels(sc.catalog, result.dmaps)
        labelled = set(np.unique(cause[labels & result.dmaps.has_history])) - {-1}
        for method in tables:
            periods, refined, eps = method_outputs(result, scanned, method)
            count_clean(method, scanned, refined, eps)
            t, cb, nb, ca, na = match(sc.episodes, periods, eps, args.tolerance)
            # the refined periods (union of episodes), matched in time only like the raw
            tp, cp, np_, _, _ = match(sc.episodes, refined, eps, args.tolerance)
            if len(t):
                for col in ("found", "onset", "end"):
                    if f"{col}_before" in tp:
                        t[f"{col}_periods"] = tp[f"{col}_before"]
                t["catalog"] = k
                t["labelled"] = t["episode"].isin(labelled)
                tables[method].append(t[t["labelled"]])
            for j, v in enumerate((cb, nb, ca, na, cp, np_)):
                counts[method][j] += v
    return {m: (pd.concat(tables[m], ignore_index=True) if tables[m] else pd.DataFrame(),
                counts[m]) for m in tables}


def demos(args, loaded):
    from seisviz.catalog import load_catalog

    lines = []
    for stem in ("changning_demo", "weiyuan_demo"):
        catalog, _ = load_catalog(os.path.join(ROOT, "data", stem + ".csv"))
        truth = pd.read_csv(os.path.join(ROOT, "data", stem + "_periods.csv"))
        for col in ("start", "end"):
            truth[col] = pd.to_datetime(truth[col], utc=True)
        truth = truth.rename(columns={"period_id": "episode"})
        result = scan_catalog(catalog, model="given", loaded=loaded, device="cpu")
        scanned = scanned_events(catalog, result.settings, result.dmaps.grid)
        for method in ("network", "baseline"):
            periods, _, eps = method_outputs(result, scanned, method)
            t, *_ = match(truth, periods, eps, args.tolerance, extra_radius=True)
            for tr, r in zip(truth.itertuples(), t.itertuples()):
                lines.append((stem, method, tr.episode, tr.kind, tr.start,
                              getattr(r, "onset_before", np.nan) if r.found_before else np.nan,
                              getattr(r, "onset_after", np.nan) if r.found_after else np.nan,
                              getattr(r, "end_after", np.nan) if r.found_after else np.nan))
    return pd.DataFrame(lines, columns=["demo", "method", "true_period", "kind", "true_start",
                                        "onset_error_before", "onset_error_after",
                                        "end_error_after"])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="resnet18")
    p.add_argument("--n-catalogs", type=int, default=40)
    p.add_argument("--quick", action="store_true", help="8 catalogs")
    p.add_argument("--offset", type=int, default=OFFSET)
    p.add_argument("--tolerance", type=float, default=3.0, help="km from the true centre")
    p.add_argument("--no-demos", action="store_true")
    p.add_argument("--save", help="write the per-episode table to this CSV")
    args = p.parse_args(argv)
    if args.quick:
        args.n_catalogs = min(args.n_catalogs, 8)
    from seisviz.detect import load_model

    loaded = load_model(args.model, "cpu")
    t0 = time.perf_counter()
    res = synthetic(args, loaded)
    print(f"{args.n_catalogs} held-out catalogs (seed {HELDOUT_SEED} + {args.offset}), "
          f"model {args.model}, tolerance {args.tolerance:g} km, "
          f"{time.perf_counter() - t0:.0f} s")
    print()
    print("| method | compared | true episodes | recall | precision (of n) | median abs "
          "onset error (d) | p90 | median abs end error (d) | p90 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for method, (table, counts) in res.items():
        if len(table) == 0:
            continue
        for stage, v in summary(table, *counts).items():
            print(f"| {method} | {STAGES[stage]} | {len(table)} | {v['recall']:.3f} | "
                  f"{v['precision']:.3f} ({v['n']}) | {v['onset_med']:.2f} | "
                  f"{v['onset_p90']:.2f} | {v['end_med']:.2f} | {v['end_p90']:.2f} |")
    print()
    for method, c in CLEAN.items():
        print(f"{method}: {c['periods']} refined periods, {c['overlapping']} overlapping "
              f"pairs, {c['empty']} without an episode; {c['episodes']} episodes, "
              f"{c['under_min']} under the label rule's minimum of distinct events")
    print()
    print("after refinement, per kind (network):")
    table = res["network"][0]
    if len(table):
        for kind, g in table.groupby("kind"):
            f = g[g["found_after"]]
            print(f"  {kind:10s} n={len(g):3d} found={len(f):3d} "
                  f"onset med/p90 {np.median(np.abs(f['onset_after'])):.2f}/"
                  f"{np.quantile(np.abs(f['onset_after']), 0.9):.2f} d, "
                  f"end (signed) med {np.median(f['end_after']):+.2f} "
                  f"abs med/p90 {np.median(np.abs(f['end_after'])):.2f}/"
                  f"{np.quantile(np.abs(f['end_after']), 0.9):.2f} d; raw period end "
                  f"(signed) med {np.median(g['end_before'].dropna()):+.2f} d")
        f = table[table["found_after"] & (table["kind"] != "aftershock")]
        if len(f):
            print(f"  swarm + injection: end abs med/p90 "
                  f"{np.median(np.abs(f['end_after'])):.2f}/"
                  f"{np.quantile(np.abs(f['end_after']), 0.9):.2f} d (n={len(f)})")
    if args.save:
        pd.concat([t.assign(method=m) for m, (t, _) in res.items()]).to_csv(args.save,
                                                                          index=False)
    if not args.no_demos:
        t1 = time.perf_counter()
        d = demos(args, loaded)
        print()
        print(f"demos ({time.perf_counter() - t1:.0f} s): onset error (days) of every true "
              "period, best matching period (before) / episode (after)")
        print(d.to_string(index=False, float_format=lambda v: f"{v:+.2f}"))
        for method, g in d.groupby("method", sort=False):
            ok = (np.abs(g["onset_error_after"]) <= 1.0).sum()
            print(f"  {method}: {ok} of {len(g)} true periods with onset within 1 day")
    return 0


if __name__ == "__main__":
    sys.exit(main())
