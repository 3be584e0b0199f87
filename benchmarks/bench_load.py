"""Time `load_catalog` on a 1,000,000-row CSV against a naive baseline.

    .venv/bin/python benchmarks/bench_load.py [--rows N] [--baseline-rows N] [--extra]

Writes the CSV (time,latitude,longitude,depth,magnitude) into a temporary folder, times
load_catalog (best of 3) and a naive baseline — the standard csv module plus per-row
datetime parsing, the way a hand-written loader would do it — on a subsample, scaled up
linearly to the full row count. Exits 1 if load_catalog takes longer than --limit seconds.
"""

import argparse
import csv
import os
import sys
import tempfile
import time
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from seisviz.catalog import load_catalog  # noqa: E402


def write_csv(path, n, seed=0):
    rng = np.random.default_rng(seed)
    t0 = np.datetime64("2015-01-01T00:00:00", "ms")
    offsets = np.sort(rng.integers(0, 8 * 365 * 86400 * 1000, n)).astype("timedelta64[ms]")
    times = np.char.add(np.datetime_as_string(t0 + offsets, unit="ms"), "Z")
    table = pa.table({
        "time": pa.array(times.astype(object), pa.string()),
        "latitude": np.round(rng.uniform(27.5, 29.5, n), 4),
        "longitude": np.round(rng.uniform(103.5, 106.0, n), 4),
        "depth": np.round(rng.uniform(0.0, 15.0, n), 2),
        "magnitude": np.round(rng.exponential(0.45, n) + 0.5, 1),
    })
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none"))


def naive_load(path, max_rows):
    """csv module + datetime.fromisoformat per row, as a hand-written loader would."""
    rows = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        for i, rec in enumerate(reader):
            if i >= max_rows:
                break
            t = datetime.fromisoformat(rec["time"].replace("Z", "+00:00")).astimezone(timezone.utc)
            rows.append((t, float(rec["latitude"]), float(rec["longitude"]), float(rec["depth"]),
                         float(rec["magnitude"])))
    df = pd.DataFrame(rows, columns=["time", "latitude", "longitude", "depth", "magnitude"])
    df["time"] = pd.to_datetime(df["time"], utc=True)
    return df.sort_values("time").reset_index(drop=True)


def time_slow_paths(tmp, path, catalog):
    """One run each of the paths a plain CSV does not take."""
    with open(path) as f:
        lines = f.read().split("\n")
    lines[len(lines) // 2] += ",extra"  # one ragged row: pyarrow skips and reports it
    ragged = os.path.join(tmp, "ragged.csv")
    with open(ragged, "w") as f:
        f.write("\n".join(lines))
    t = catalog["time"]
    zmap = pd.DataFrame({
        "lon": catalog["longitude"], "lat": catalog["latitude"], "year": t.dt.year,
        "month": t.dt.month, "day": t.dt.day, "mag": catalog["magnitude"],
        "depth": catalog["depth"], "hour": t.dt.hour, "minute": t.dt.minute,
        "second": t.dt.second + t.dt.microsecond / 1e6})
    zpath = os.path.join(tmp, "catalog.zmap")
    zmap.to_csv(zpath, sep=" ", header=False, index=False)
    out = []
    for label, p in [("CSV with one row of the wrong width", ragged), ("ZMAP", zpath)]:
        t0 = time.perf_counter()
        _, report = load_catalog(p)
        out.append((f"load_catalog, {label} ({report.summary()})", time.perf_counter() - t0))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--baseline-rows", type=int, default=200_000,
                   help="rows the naive baseline reads; its time is scaled up to --rows")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--limit", type=float, default=5.0, help="fail above this many seconds")
    p.add_argument("--extra", action="store_true",
                   help="also time (once, no limit) the slower paths: the same CSV with one "
                        "row of the wrong width, and the same events as a ZMAP file")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "catalog.csv")
        write_csv(path, args.rows)
        size = os.path.getsize(path)
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            catalog, report = load_catalog(path)
            times.append(time.perf_counter() - t)
        assert report.n_kept == args.rows, report.summary()
        best = min(times)

        extra = []
        if args.extra:
            extra = time_slow_paths(tmp, path, catalog)

        nb = min(args.baseline_rows, args.rows)
        t = time.perf_counter()
        base = naive_load(path, nb)
        base_time = time.perf_counter() - t
        assert len(base) == nb
        base_scaled = base_time * args.rows / nb

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"file: {args.rows:,} rows, {size / 1e6:.1f} MB; {os.cpu_count()} CPU cores, "
          f"load average {load}")
    print(f"load_catalog: best of {args.repeat} {best:.2f} s "
          f"({args.rows / best:,.0f} rows/s; all runs: {', '.join(f'{x:.2f}' for x in times)})")
    print(f"naive baseline (csv module + datetime.fromisoformat per row): {base_time:.2f} s for "
          f"{nb:,} rows, scaled to {args.rows:,} rows: {base_scaled:.2f} s "
          f"({nb / base_time:,.0f} rows/s)")
    print(f"speed-up: {base_scaled / best:.1f}x")
    for label, seconds in extra:
        print(f"{label}: {seconds:.2f} s (one run)")
    if best > args.limit:
        print(f"FAIL: {best:.2f} s is over the {args.limit:.1f} s target", file=sys.stderr)
        return 1
    print(f"OK: under the {args.limit:.1f} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
