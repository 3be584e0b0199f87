"""Rasterization speed: `seisviz.maps.rasterize` against a naive per-window loop.

A random catalog of 1,000,000 events over 3 years, a 64x64 grid, 30-day windows every
day (about 1,066 windows). Both are timed in this run, on this machine:

- `rasterize` (count and background channels), best of --repeat runs;
- the naive way: for each window, select its events with a boolean mask and call
  np.histogram2d (count channel only, so the naive side does *less* work). It is timed
  on --naive-windows windows spread over the catalog, best of 2, and scaled linearly to
  all windows (each window costs the same: a mask over all events plus a histogram).

Exit status 1 if rasterize takes more than --max-seconds (1 s) or the speed-up is less
than --min-speedup (20x).

    .venv/bin/python benchmarks/bench_raster.py
"""

import argparse
import os
import platform
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from seisviz.timeutil import DAY_NS  # noqa: E402
from seisviz.maps import make_grid, rasterize


def random_catalog(n, years, seed=0):
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2019-01-01", tz="UTC").value
    t = np.sort(rng.integers(t0, t0 + int(years * 365 * DAY_NS), n))
    return pd.DataFrame({
        "time": pd.to_datetime(t, utc=True),
        "latitude": rng.uniform(28.0, 29.0, n),
        "longitude": rng.uniform(104.5, 105.5, n),
        "depth": rng.uniform(0, 10, n),
        "magnitude": np.round(rng.exponential(0.43, n), 1),
    })


def naive_window(t, lon, lat, start, length, edges):
    m = (t >= start) & (t < start + length)
    return np.histogram2d(lat[m], lon[m], bins=edges)[0]


def best_of(n, fn):
    times, result = [], None
    for _ in range(n):
        s = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - s)
    return min(times), result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--years", type=float, default=3.0)
    p.add_argument("--grid", type=int, default=64)
    p.add_argument("--window", type=float, default=30.0)
    p.add_argument("--step", type=float, default=1.0)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--naive-windows", type=int, default=60,
                   help="windows the naive loop is timed on, then scaled (0: all)")
    p.add_argument("--max-seconds", type=float, default=1.0)
    p.add_argument("--min-speedup", type=float, default=20.0)
    args = p.parse_args(argv)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}")
    catalog = random_catalog(args.events, args.years)
    grid = make_grid((104.5, 105.5, 28.0, 29.0), args.grid)
    print(f"catalog: {len(catalog):,} events over {args.years:g} years; grid "
          f"{grid.nx}x{grid.ny}; {args.window:g}-day windows every {args.step:g} d")

    fast, dmaps = best_of(args.repeat, lambda: rasterize(
        catalog, grid, window_days=args.window, step_days=args.step))
    n_windows = len(dmaps)
    print(f"rasterize: {fast:.3f} s for {n_windows:,} windows x 2 channels "
          f"(best of {args.repeat})")

    t = pd.DatetimeIndex(catalog["time"]).as_unit("ns").asi8
    lon, lat = catalog["longitude"].to_numpy(), catalog["latitude"].to_numpy()
    edges = [grid.lat_edges, grid.lon_edges]
    starts = dmaps.window_start.astype(np.int64)
    length = int(round(args.window * DAY_NS))
    k = n_windows if args.naive_windows <= 0 else min(args.naive_windows, n_windows)
    picked = np.unique(np.linspace(0, n_windows - 1, k).round().astype(int))

    def naive():
        return [naive_window(t, lon, lat, starts[i], length, edges) for i in picked]

    naive_part, hists = best_of(2, naive)
    # the same counts, so both sides did the same job
    for i, h in zip(picked, hists):
        if not np.array_equal(h, dmaps.channel("count")[i]):
            print(f"FAIL: window {i}: rasterize and histogram2d disagree")
            return 1
    naive_total = naive_part / len(picked) * n_windows
    scaled = "" if len(picked) == n_windows else (
        f", timed on {len(picked)} of {n_windows:,} windows and scaled linearly")
    print(f"naive per-window histogram2d loop (count channel only): {naive_total:.2f} s"
          f"{scaled}")
    speedup = naive_total / fast
    print(f"speed-up: {speedup:.0f}x")

    ok = True
    if fast > args.max_seconds:
        print(f"FAIL: rasterize took {fast:.3f} s > {args.max_seconds:g} s")
        ok = False
    if speedup < args.min_speedup:
        print(f"FAIL: speed-up {speedup:.1f}x < {args.min_speedup:g}x")
        ok = False
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
