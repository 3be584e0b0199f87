"""A century of a national catalog scanned at a 1-day step: time and peak memory.

    .venv/bin/python benchmarks/bench_long_catalog.py [--years 100] [--events 25000]

Everything is measured in this run, on this machine:

1. write a CSV of --events synthetic events over --years (a JMA-like national region,
   130-146 E, 30-46 N; background plus a few swarms and aftershock sequences, M2-7),
   into a temporary folder;
2. run `seisviz scan CATALOG --out DIR --step 1` as a child process twice:
   - *streamed* (the default): maps beyond the memory budget (1 GiB, or
     SEISVIZ_MAP_MEMORY_MB) are rasterized a chunk at a time into a disk-backed array
     that the detector reads batch by batch;
   - *in memory*: SEISVIZ_MAP_MEMORY_MB set above the maps' size, as before this change;
   while each runs, its /proc/PID/status is sampled every 50 ms: the peak of RssAnon
   (anonymous memory: arrays, tensors, Python objects; what the machine cannot page out
   to the maps file) and VmHWM (all resident memory, file-backed map pages included,
   which the kernel may drop at any time).
3. print both, and the ratio of the anonymous peaks. Exit status 1 if the streamed scan's
   anonymous peak is above --max-anon-mib.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 2**20


def national_catalog(years: int, n_events: int, seed: int = 0) -> pd.DataFrame:
    """Background over the region and through the years, plus clustered episodes."""
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("1925-01-01", tz="UTC").value
    span = years * 365.25 * 86400e9
    n_bg = int(n_events * 0.7)
    t = t0 + rng.uniform(0, span, n_bg)
    lon = rng.uniform(130, 146, n_bg)
    lat = rng.uniform(30, 46, n_bg)
    mag = 2.0 + rng.exponential(1 / np.log(10), n_bg)
    parts = [(t, lon, lat, mag)]
    left = n_events - n_bg
    while left > 0:
        n = int(min(left, rng.integers(50, 600)))
        onset = t0 + rng.uniform(0.05, 0.98) * span
        # Omori-like decay: most events in the first days
        dt = (rng.pareto(1.1, n) * 0.2) * 86400e9
        c_lon, c_lat = rng.uniform(131, 145), rng.uniform(31, 45)
        parts.append((onset + np.minimum(dt, 200 * 86400e9),
                      c_lon + rng.normal(0, 0.08, n), c_lat + rng.normal(0, 0.08, n),
                      2.0 + rng.exponential(1 / np.log(10), n)))
        left -= n
    t, lon, lat, mag = (np.concatenate(x) for x in zip(*parts))
    order = np.argsort(t)
    return pd.DataFrame({
        "time": pd.to_datetime(t[order].astype(np.int64), utc=True),
        "latitude": lat[order].round(4), "longitude": lon[order].round(4),
        "depth": rng.uniform(0, 60, len(t)).round(1),
        "magnitude": np.minimum(mag[order], 7.5).round(1),
    })


def _status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("RssAnon", "VmHWM"):
                    out[key] = int(value.split()[0]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def run_scan(csv, out, env_extra):
    env = dict(os.environ, **env_extra)
    env["PYTHONPATH"] = ROOT
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "seisviz", "scan", csv, "--out", out,
                             "--step", "1", "--device", "cpu"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = {"RssAnon": 0, "VmHWM": 0}

    def sample():
        while proc.poll() is None:
            for k, v in _status(proc.pid).items():
                peak[k] = max(peak[k], v)
            time.sleep(0.05)

    th = threading.Thread(target=sample)
    th.start()
    stdout, stderr = proc.communicate()
    th.join()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"scan failed ({proc.returncode}): {stderr.strip().splitlines()[-1]}")
    return seconds, peak, stdout.strip().splitlines()[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, default=100)
    ap.add_argument("--events", type=int, default=25_000)
    ap.add_argument("--max-anon-mib", type=float, default=1024.0)
    ap.add_argument("--skip-in-memory", action="store_true",
                    help="only the streamed scan (the in-memory one needs the maps' size in RAM)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cat = national_catalog(args.years, args.events)
        csv = os.path.join(tmp, "national.csv")
        cat.to_csv(csv, index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
        n_windows = int((cat["time"].iloc[-1] - cat["time"].iloc[0]).days) - 29
        maps_mib = n_windows * 2 * 64 * 64 * 4 / MIB
        print(f"catalog: {len(cat):,} events over {args.years} years; "
              f"~{n_windows:,} windows of 30 d every 1 d on 64x64: maps ~{maps_mib:,.0f} MiB")
        rows = []
        modes = [("streamed (default)", {})]
        if not args.skip_in_memory:
            modes.append(("in memory", {"SEISVIZ_MAP_MEMORY_MB": str(int(maps_mib * 4 + 1024))}))
        for name, env in modes:
            seconds, peak, last = run_scan(csv, os.path.join(tmp, name.split()[0]), env)
            rows.append((name, seconds, peak))
            print(f"{name:>20}: {seconds:7.1f} s, peak anonymous memory "
                  f"{peak['RssAnon'] / MIB:7.0f} MiB, peak resident (incl. map file pages) "
                  f"{peak['VmHWM'] / MIB:7.0f} MiB | {last}")
        if len(rows) == 2:
            print(f"anonymous peak, streamed / in memory: "
                  f"{rows[0][2]['RssAnon'] / max(rows[1][2]['RssAnon'], 1):.2f}")
        if rows[0][2]["RssAnon"] / MIB > args.max_anon_mib:
            print(f"FAIL: streamed anonymous peak above {args.max_anon_mib:g} MiB")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
