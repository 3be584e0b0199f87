"""A state-size catalog scanned at the trained scale, against the Changning demo scan.

Prints, from one run:
- the time of `seisviz scan`'s scan (seisviz.detect.scan_region, defaults) of the
  Changning demo catalog (data/changning_demo.csv, one grid);
- the time of the same scan of a state-size artificial catalog (seisviz.training.statewide:
  35 years, 9 x 3.5 degrees, ~18,000 events at the defaults; cut into tiles at the trained
  pixel size), and the ratio of the two (target: under 12x on 2 cores);
- the same catalog scanned with ScanSettings.exhaustive (every window through the
  network), its time, and the episodes of the two scans side by side (onset, place,
  n_events), with how many of the catalog's planted episodes each found.

    .venv/bin/python benchmarks/bench_scale.py                 # the full state catalog
    .venv/bin/python benchmarks/bench_scale.py --years 5 --width 3 --height 1.5
    .venv/bin/python benchmarks/bench_scale.py --no-exhaustive  # the timing only

--years / --width / --height make the catalog smaller when the exhaustive scan would not
finish in the time at hand (it runs every window of every tile).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from seisviz.catalog import load_catalog  # noqa: E402
from seisviz.detect import load_model, scan_region  # noqa: E402
from seisviz.maps import KM_PER_DEGREE  # noqa: E402
from seisviz.training.statewide import statewide_catalog  # noqa: E402

NEAR_KM, SLACK_DAYS = 10.0, 3.0  # the same episode in two scans (or a scan and the truth)


def timed(catalog, loaded, model, device, **options):
    t0 = time.perf_counter()
    result = scan_region(catalog, model=model, loaded=loaded, device=device, **options)
    return result, time.perf_counter() - t0


def n_maps(result) -> int:
    """Windows scanned: over all tiles of a tiled result, else the grid's."""
    if result.tiles:
        return sum(len(s.windows) for s in result.tiles)
    return len(result.windows)


def km_apart(a_lon, a_lat, b_lon, b_lat):
    dx = (a_lon - b_lon) * KM_PER_DEGREE * np.cos(np.radians((a_lat + b_lat) / 2))
    return np.hypot(dx, (a_lat - b_lat) * KM_PER_DEGREE)


def matches(a: pd.DataFrame, b: pd.DataFrame, a_time="onset", b_time="onset") -> list:
    """For each row of `a`, the position of the nearest row of `b` at the same place and
    time (within NEAR_KM and SLACK_DAYS), else None."""
    out = []
    for _, row in a.iterrows():
        d = km_apart(row["center_lon"], row["center_lat"], b["center_lon"].to_numpy(float),
                     b["center_lat"].to_numpy(float))
        dt = np.abs((b[b_time] - row[a_time]).dt.total_seconds().to_numpy()) / 86400.0
        ok = np.flatnonzero((d <= NEAR_KM) & (dt <= SLACK_DAYS))
        out.append(int(ok[np.argmin(dt[ok])]) if len(ok) else None)
    return out


def side_by_side(fast: pd.DataFrame, full: pd.DataFrame) -> pd.DataFrame:
    """One row per episode of either scan: the fast scan's and the exhaustive scan's
    onset, place and event count, and the onset difference in days."""
    fmt = lambda e: (f"{e['onset']:%Y-%m-%d %H:%M}", f"{e['center_lon']:.3f}",  # noqa: E731
                     f"{e['center_lat']:.3f}", int(e["n_events"]))
    rows, used = [], set()
    for i, j in enumerate(matches(fast, full)):
        f = fast.iloc[i]
        e = full.iloc[j] if j is not None else None
        if j is not None:
            used.add(j)
        rows.append((*fmt(f), *(fmt(e) if e is not None else ("-",) * 4),
                     round((f["onset"] - e["onset"]).total_seconds() / 86400, 2)
                     if e is not None else ""))
    for j in range(len(full)):
        if j not in used:
            rows.append((*("-",) * 4, *fmt(full.iloc[j]), ""))
    cols = ["fast onset", "lon", "lat", "n", "exhaustive onset", "lon ", "lat ", "n ",
            "Δ days"]
    return pd.DataFrame(rows, columns=cols).sort_values(["fast onset", "exhaustive onset"])


def recall(episodes: pd.DataFrame, truth: pd.DataFrame) -> str:
    found = [j is not None for j in matches(truth, episodes, "start", "onset")]
    return f"{sum(found)} of {len(truth)} planted episodes"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--years", type=float, default=35.0)
    p.add_argument("--width", type=float, default=9.0, help="degrees of longitude")
    p.add_argument("--height", type=float, default=3.5, help="degrees of latitude")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", default="resnet18")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2, help="torch threads (the cores)")
    p.add_argument("--no-exhaustive", action="store_true",
                   help="skip the exhaustive scan (timing only)")
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    loaded = load_model(args.model, args.device)
    demo, _ = load_catalog(os.path.join(ROOT, "data", "changning_demo.csv"))
    state = statewide_catalog(args.seed, args.years, args.width, args.height)
    catalog = state.catalog[["time", "latitude", "longitude", "depth", "magnitude"]]
    print(f"state catalog: {len(catalog):,} events, {args.years:g} years, "
          f"{args.width:g} x {args.height:g} degrees, {len(state.episodes)} planted episodes; "
          f"{args.model} on {args.device}, {args.threads} torch threads")

    demo_result, demo_s = timed(demo, loaded, args.model, args.device)
    print(f"demo (Changning, {len(demo):,} events): {demo_result.cut['description']}; "
          f"{demo_s:.1f} s, {n_maps(demo_result):,} windows, "
          f"{len(demo_result.periods)} periods")
    fast, fast_s = timed(catalog, loaded, args.model, args.device)
    print(f"state, defaults: {fast.cut['description']}; {fast_s:.1f} s, "
          f"{n_maps(fast):,} windows over the tiles, "
          f"{len(fast.episodes)} episodes in {len(fast.periods)} periods "
          f"({recall(fast.episodes, state.episodes)})")
    print(f"ratio state / demo: {fast_s / demo_s:.1f}x (target: under 12x on 2 cores)")
    if args.no_exhaustive:
        return 0
    full, full_s = timed(catalog, loaded, args.model, args.device, exhaustive=True)
    print(f"state, exhaustive: {full_s:.1f} s ({full_s / fast_s:.1f}x the defaults), "
          f"{len(full.episodes)} episodes in {len(full.periods)} periods "
          f"({recall(full.episodes, state.episodes)})")
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(side_by_side(fast.episodes, full.episodes).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
