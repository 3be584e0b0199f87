"""Fast scan against exhaustive scan: time, episodes and recall, from one run (issue 19).

A fast scan (the default, seisviz.detect.passes) gives the network no window with fewer
than MIN_EVENTS events in the map, scores every 5th window first and the 1-day windows only
around the coarse windows that reached the fine pass's floor. `--exhaustive` scores every
window, as scans always did. Both run here on the same catalogs, with the same loaded
model, one after the other:

1. held-out synthetic catalogs (`seisviz.training.synthetic.random_scenario`, seeds
   `HELDOUT_SEED + 6262 + k`: used by no training, `seisviz evaluate` or other bench):
   every anomaly kind, persistent busy spots, drift and completeness changes drawn at
   random, 30-day windows every day as `seisviz scan`. Printed: the network time and the
   whole scan's time of both, the per-episode onset and end differences (fast minus
   exhaustive, each fast episode matched to the exhaustive one of the same place, i.e.
   the same pixels, nearest in onset), and the episode recall of both (a labelled true
   episode - one that makes a window with history anomalous under the label rule, as in
   `seisviz evaluate` - is found when a refined period overlaps it in time);
2. a nearly empty tile, as a region cut at the trained scale is mostly made of: 48 events
   in --quiet-years years on 0.5 degrees (the issue's 35-year catalog tile).

    .venv/bin/python benchmarks/bench_fast_scan.py [--n-catalogs 12] [--quiet-years 35]
"""

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from seisviz.detect import overlaps, scan_catalog  # noqa: E402
from seisviz.detect.inference import window_probabilities  # noqa: E402
from seisviz.detect.loading import load_model  # noqa: E402
from seisviz.training.evaluate import HELDOUT_SEED  # noqa: E402
from seisviz.training.synthetic import random_scenario, window_labels  # noqa: E402

OFFSET = 6262


def timed_scan(catalog, loaded, bbox, exhaustive):
    t0 = time.perf_counter()
    result = scan_catalog(catalog, model="given", loaded=loaded, bbox=bbox, step_days=1.0,
                          device="cpu", exhaustive=exhaustive)
    return result, time.perf_counter() - t0


def episode_differences(fast, full):
    """(onset, end) differences in days, fast minus exhaustive, per exhaustive episode
    (NaN where the fast scan has none at the same place), and the fast episodes with no
    exhaustive one."""
    rows, used = [], set()
    a, b = full.episodes, fast.episodes
    for i in range(len(a)):
        same = [j for j in range(len(b)) if j not in used
                and b.geometry.iloc[j].equals(a.geometry.iloc[i])]
        if not same:
            rows.append((np.nan, np.nan))
            continue
        j = min(same, key=lambda j: abs(b["start"].iloc[j] - a["start"].iloc[i]))
        used.add(j)
        rows.append(((b["start"].iloc[j] - a["start"].iloc[i]) / pd.Timedelta(days=1),
                     (b["end"].iloc[j] - a["end"].iloc[i]) / pd.Timedelta(days=1)))
    return rows, len(b) - len(used)


def found(periods, truth):
    if len(truth) == 0:
        return np.zeros(0, bool)
    if len(periods) == 0:
        return np.zeros(len(truth), bool)
    return overlaps(periods["start"], periods["end"], truth["start"], truth["end"]).any(axis=0)


def synthetic(args, loaded):
    rng = np.random.default_rng(HELDOUT_SEED + OFFSET)
    totals = {"fast": [0.0, 0.0, 0], "exhaustive": [0.0, 0.0, 0]}  # scan s, network s, maps
    diffs, extra, n_true, n_found = [], 0, 0, {"fast": 0, "exhaustive": 0}
    same_periods = 0
    for k in range(args.n_catalogs):
        sc = random_scenario(rng)
        runs = {}
        for name in ("exhaustive", "fast"):
            result, seconds = timed_scan(sc.catalog, loaded, list(sc.bbox), name == "exhaustive")
            runs[name] = result
            t = totals[name]
            t[0] += seconds
            t[1] += result.device_info["seconds"]
            t[2] += result.device_info["maps"]
        fast, full = runs["fast"], runs["exhaustive"]
        rows, more = episode_differences(fast, full)
        diffs += [(k, i + 1, *r) for i, r in enumerate(rows)]
        extra += more
        same_periods += fast.periods[["start", "end"]].equals(full.periods[["start", "end"]])
        labels, cause = window_labels(sc.catalog, full.dmaps)
        labelled = set(np.unique(cause[labels & full.dmaps.has_history])) - {-1}
        truth = sc.episodes[sc.episodes["episode"].isin(labelled)]
        n_true += len(truth)
        for name, result in runs.items():
            n_found[name] += int(found(result.periods, truth).sum())
        print(f"catalog {k + 1:2d}: {len(full.windows):4d} windows, network saw "
              f"{full.device_info['maps']:4d} exhaustive / {fast.device_info['maps']:4d} fast; "
              f"{len(full.episodes)} / {len(fast.episodes)} episodes", flush=True)
    return totals, diffs, extra, n_true, n_found, same_periods


def quiet_tile(args, loaded):
    rng = np.random.default_rng(HELDOUT_SEED + OFFSET - 1)
    span = args.quiet_years * 365.25
    n = 48
    t0 = pd.Timestamp("1990-01-01", tz="UTC")
    catalog = pd.DataFrame({
        "time": t0 + pd.to_timedelta(np.sort(rng.uniform(0, span, n)), unit="D"),
        "latitude": rng.uniform(36.0, 36.5, n), "longitude": rng.uniform(-98.0, -97.5, n),
        "depth": rng.uniform(2, 8, n), "magnitude": rng.uniform(2.5, 4.0, n)})
    out = {}
    for name in ("fast", "exhaustive"):
        result, seconds = timed_scan(catalog, loaded, [-98.0, -97.5, 36.0, 36.5],
                                     name == "exhaustive")
        out[name] = (seconds, result.device_info["maps"], len(result.windows),
                     len(result.periods))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="resnet18")
    p.add_argument("--n-catalogs", type=int, default=12)
    p.add_argument("--quiet-years", type=float, default=35.0)
    args = p.parse_args(argv)
    loaded = load_model(args.model, "cpu")
    # torch's first batches are slow (allocations, kernels chosen): not the first scan's cost
    window_probabilities(np.zeros((64, loaded[1].in_channels, 64, 64), np.float32), *loaded)

    totals, diffs, extra, n_true, n_found, same = synthetic(args, loaded)
    (fs, fn, fm), (es, en, em) = totals["fast"], totals["exhaustive"]
    print(f"\nheld-out synthetic catalogs: {args.n_catalogs} (seeds HELDOUT_SEED + {OFFSET} on)")
    print(f"  network maps   exhaustive {em:,}  fast {fm:,}  ratio {em / max(fm, 1):.2f}x")
    print(f"  network time   exhaustive {en:.1f} s  fast {fn:.1f} s  ratio {en / max(fn, 1e-9):.2f}x")
    print(f"  whole scans    exhaustive {es:.1f} s  fast {fs:.1f} s  ratio {es / max(fs, 1e-9):.2f}x")
    table = pd.DataFrame(diffs, columns=["catalog", "episode", "onset_diff_d", "end_diff_d"])
    matched = table.dropna()
    print(f"  episodes       exhaustive {len(table)}  matched in the fast scan {len(matched)}  "
          f"fast-only {extra}  catalogs with the same periods {same}/{args.n_catalogs}")
    if len(matched):
        print(f"  onset |fast - exhaustive|  max {matched['onset_diff_d'].abs().max():.3f} d  "
              f"within a day {(matched['onset_diff_d'].abs() <= 1).mean():.0%};  end max "
              f"{matched['end_diff_d'].abs().max():.3f} d")
    print(f"  recall (labelled true episodes: {n_true})  exhaustive "
          f"{n_found['exhaustive'] / max(n_true, 1):.3f}  fast {n_found['fast'] / max(n_true, 1):.3f}")
    print("\nper episode (days, fast minus exhaustive):")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))

    q = quiet_tile(args, loaded)
    (qf, mf, nw, pf), (qe, me, _, pe) = q["fast"], q["exhaustive"]
    print(f"\nnearly empty tile: 48 events in {args.quiet_years:g} years, {nw:,} windows")
    print(f"  exhaustive {qe:.1f} s ({me:,} maps, {pe} periods)  fast {qf:.1f} s ({mf:,} maps, "
          f"{pf} periods)  ratio {qe / max(qf, 1e-9):.1f}x")


if __name__ == "__main__":
    main()
