"""Time `load_catalog` on a 1,000,000-row CSV against a naive baseline.

    .venv/bin/python benchmarks/bench_load.py [--rows N] [--baseline-rows N] [--extra]
    .venv/bin/python benchmarks/bench_load.py --duplicates [--duplicate-rows N]

Writes the CSV (time,latitude,longitude,depth,magnitude) into a temporary folder, times
load_catalog (best of 3) and a naive baseline — the standard csv module plus per-row
datetime parsing, the way a hand-written loader would do it — on a subsample, scaled up
linearly to the full row count. Exits 1 if load_catalog takes longer than --limit seconds.

--duplicates instead times the search for near-duplicate events on a merged catalog of
--duplicate-rows events (default 200,000), a tenth of them located a second time by another
agency: load_catalog as by default (one copy of each kept; best of --repeat) and keeping
every copy, alternating, then the search alone and the search with the choice of the copy
kept, as a share of the default load.
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
from seisviz.catalog.duplicates import (KM_PER_DEGREE, near_duplicate_groups,  # noqa: E402
                                        near_duplicates_in_table)


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


def write_merged_csv(path, n, seed=0):
    """A merged catalog of n rows over 8 years in a 2° x 2.5° box: 91 % events of one
    agency, 9 % second copies of some of them by another agency (0-1.5 s and 0-4 km away,
    magnitude +-0.3). Returns the number of second copies."""
    rng = np.random.default_rng(seed)
    n_copies = n // 11
    n_events = n - n_copies
    t = np.sort(rng.integers(0, 8 * 365 * 86400 * 1000, n_events))
    lat = rng.uniform(27.5, 29.5, n_events)
    lon = rng.uniform(103.5, 106.0, n_events)
    mag = np.round(rng.exponential(0.45, n_events) + 0.5, 1)
    of = rng.choice(n_events, n_copies, replace=False)
    km, azimuth = rng.uniform(0, 4, n_copies), rng.uniform(0, 2 * np.pi, n_copies)
    t = np.r_[t, t[of] + rng.integers(-1500, 1500, n_copies)]
    lat = np.r_[lat, lat[of] + km * np.cos(azimuth) / KM_PER_DEGREE]
    lon = np.r_[lon, lon[of] + km * np.sin(azimuth) / KM_PER_DEGREE / np.cos(np.radians(28.5))]
    mag = np.r_[mag, np.round(mag[of] + rng.uniform(-0.3, 0.3, n_copies), 1)]
    order = np.argsort(t, kind="stable")
    times = np.datetime64("2015-01-01T00:00:00", "ms") + t[order].astype("timedelta64[ms]")
    table = pa.table({
        "time": pa.array(np.char.add(np.datetime_as_string(times, unit="ms"), "Z")
                         .astype(object), pa.string()),
        "latitude": np.round(lat[order], 4), "longitude": np.round(lon[order], 4),
        "depth": np.round(rng.uniform(0.0, 15.0, n), 2), "magnitude": mag[order],
        "agency": np.where(order < n_events, "LOCAL", "GLOBAL").astype(object)})
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none"))
    return n_copies


def time_duplicates(tmp, n, repeat):
    """Lines of the --duplicates report: the loader with and without the search."""
    path = os.path.join(tmp, "merged.csv")
    n_copies = write_merged_csv(path, n)
    with_search, keeping_all = [], []
    for _ in range(repeat):  # alternating: both see the same machine load
        t = time.perf_counter()
        catalog, report = load_catalog(path)
        with_search.append(time.perf_counter() - t)
        t = time.perf_counter()
        full, _ = load_catalog(path, keep_duplicates=True)
        keeping_all.append(time.perf_counter() - t)
    t = time.perf_counter()
    groups = near_duplicate_groups(full)
    search = time.perf_counter() - t
    t = time.perf_counter()  # the search, the choice of the copy kept, its completeness
    dropped, _ = near_duplicates_in_table(full, full, np.ones(n, bool))
    step = time.perf_counter() - t
    n_found = report.reason_counts().get("near-duplicate", 0)
    assert len(full) == n and n_found >= n_copies and len(dropped) == n_found, report.summary()
    best, base = min(with_search), min(keeping_all)
    return [f"merged catalog: {n:,} rows, {n_copies:,} of them second copies by another "
            f"agency (0-1.5 s, 0-4 km)",
            f"near-duplicate rows dropped: {n_found:,} ({n_found - n_copies:,} more than the "
            f"planted copies: events that fall within the tolerances by chance); groups: "
            f"{len(set(groups[groups >= 0].tolist())):,}",
            f"load_catalog, default (one copy of each kept): best of {repeat} {best:.2f} s "
            f"(all: {', '.join(f'{x:.2f}' for x in with_search)})",
            f"load_catalog, keep_duplicates=True (all kept, still searched to report them): "
            f"best of {repeat} {base:.2f} s (all: {', '.join(f'{x:.2f}' for x in keeping_all)})",
            f"the search alone (near_duplicate_groups, {n:,} events): {search:.3f} s",
            f"search + choosing the copies kept (near_duplicates_in_table): {step:.3f} s = "
            f"{step / best:.1%} of the default load"]


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
    p.add_argument("--duplicates", action="store_true",
                   help="time the near-duplicate search on a merged catalog instead")
    p.add_argument("--duplicate-rows", type=int, default=200_000)
    args = p.parse_args(argv)

    if args.duplicates:
        with tempfile.TemporaryDirectory() as tmp:
            lines = time_duplicates(tmp, args.duplicate_rows, args.repeat)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{os.cpu_count()} CPU cores, load average {load}")
        print("\n".join(lines))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "catalog.csv")
        write_csv(path, args.rows)
        size = os.path.getsize(path)
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            catalog, report = load_catalog(path)
            times.append(time.perf_counter() - t)
        # random events: a few fall within the near-duplicate tolerances by chance
        assert set(report.reason_counts()) <= {"near-duplicate"}, report.summary()
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
