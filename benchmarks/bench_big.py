"""Big catalogs: a 5,000,000-event CSV loaded, rasterized and scanned, with time and peak memory.

    .venv/bin/python benchmarks/bench_big.py [--events 5000000] [--years 4] [--model PATH]

Everything is measured in this run, on this machine, one stage after the other in one
process:

1. write a CSV of --events random events over --years (time with milliseconds and Z,
   latitude, longitude, depth, magnitude) into a temporary folder;
2. load: `load_catalog` (sniff, parse, validate, de-duplicate, sort);
   baseline: `pandas.read_csv` + `pd.to_datetime` of the time column (no validation);
3. rasterize: `rasterize` on a 64x64 grid, 30-day windows every day, 180-day background;
   baseline: the naive per-window loop (boolean mask over all events + np.histogram2d,
   count channel only) timed on --naive-windows windows and scaled to all windows;
4. scan: `scan_catalog` (rasterize + detector on the CPU + baseline statistic + periods)
   with the model of --model (default: the shipped weights/resnet18 if present, else a
   resnet18 with random weights saved like a trained one: the cost is the same);
5. the same scan on a 50,000-event subsample over the same span, so the same windows:
   the detector's cost depends on the number of windows, not of events.

Memory per stage: before each stage the peak-RSS mark of the process is reset
(/proc/self/clear_refs, Linux), after it VmHWM is read: "peak" is the highest resident
memory of the whole process during that stage, "stage +" is peak minus the resident memory
at the stage's start (what the stage itself needed on top of what was already held).
"traced" is tracemalloc's peak for the stage: Python objects and numpy arrays (pyarrow and
torch buffers are not traced). Exit status 1 when a stage's memory is not bounded: load
above --max-load-factor x the CSV size, or rasterize / scan above --max-stage-mib on top of
what was held.
"""

import argparse
import ctypes
import gc
import json
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from seisviz.catalog import load_catalog  # noqa: E402
from seisviz.maps import catalog_bbox, make_grid, rasterize  # noqa: E402

MIB = 1024 * 1024


# ---- memory ----------------------------------------------------------------------------------

def _status_kib(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _trim():
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # give freed heap pages back to the OS
    except (OSError, AttributeError):
        pass


def _reset_peak():
    """Reset the process's peak-RSS mark; False where the OS does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Stage:
    """Time, peak RSS and tracemalloc peak of the code inside `with Stage(name):`."""

    rows = []

    def __init__(self, name, detail=""):
        self.name, self.detail = name, detail

    def __enter__(self):
        _trim()
        self.resettable = _reset_peak()
        self.rss0 = _status_kib("VmRSS")
        tracemalloc.start()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        if self.resettable and self.rss0 is not None:
            peak = _status_kib("VmHWM") / 1024
            extra = peak - self.rss0 / 1024
        else:  # no per-stage reset: the process's peak so far
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            extra = float("nan")
        self.peak_mib, self.extra_mib, self.traced_mib = peak, extra, traced / MIB
        Stage.rows.append(self)
        print(f"  {self.name:<34} {self.seconds:8.2f} s   peak {peak:7.0f} MiB   "
              f"stage + {extra:6.0f} MiB   traced {self.traced_mib:6.0f} MiB  {self.detail}",
              flush=True)
        return False


# ---- data ------------------------------------------------------------------------------------

def write_csv(path, n, years, seed=0, chunk=1_000_000):
    """Random events (sorted times, ms resolution) written chunk by chunk."""
    rng = np.random.default_rng(seed)
    t0 = np.datetime64("2016-01-01T00:00:00", "ms")
    span_ms = int(years * 365.25 * 86400 * 1000)
    offsets = np.sort(rng.integers(0, span_ms, n))
    opts = pacsv.WriteOptions(quoting_style="none")
    with pacsv.CSVWriter(path, pa.schema([("time", pa.string()), ("latitude", pa.float64()),
                                          ("longitude", pa.float64()), ("depth", pa.float64()),
                                          ("magnitude", pa.float64())]), write_options=opts) as w:
        for lo in range(0, n, chunk):
            k = min(chunk, n - lo)
            times = np.char.add(np.datetime_as_string(
                t0 + offsets[lo:lo + k].astype("timedelta64[ms]"), unit="ms"), "Z")
            w.write_table(pa.table({
                "time": pa.array(times.astype(object), pa.string()),
                "latitude": np.round(rng.uniform(27.5, 29.5, k), 4),
                "longitude": np.round(rng.uniform(103.5, 106.0, k), 4),
                "depth": np.round(rng.uniform(0.0, 15.0, k), 2),
                "magnitude": np.round(rng.exponential(0.45, k) + 0.5, 1),
            }))


def naive_windows(catalog, grid, dmaps, n_windows):
    """Seconds per window of the naive loop (mask + histogram2d), checked against dmaps."""
    t = catalog["time"].dt.tz_convert(None).to_numpy().astype("datetime64[ns]").view(np.int64)
    lon, lat = catalog["longitude"].to_numpy(), catalog["latitude"].to_numpy()
    pick = np.linspace(0, len(dmaps) - 1, n_windows).astype(int)
    t0 = time.perf_counter()
    for k in pick:
        s = dmaps.window_start[k].astype("datetime64[ns]").view(np.int64)
        e = dmaps.window_end[k].astype("datetime64[ns]").view(np.int64)
        m = (t >= s) & (t < e)
        h, _, _ = np.histogram2d(lat[m], lon[m], bins=[grid.lat_edges, grid.lon_edges])
        assert np.array_equal(h, dmaps.channel("count")[k]), k
    return (time.perf_counter() - t0) / n_windows


def model_for_scan(requested, tmp):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if requested:
        return requested, requested
    shipped = os.path.join(root, "weights", "resnet18.json")
    if os.path.exists(shipped):
        return "resnet18", "shipped weights/resnet18.pt"
    import torch

    from seisviz.detect.models import build_model, save_model

    torch.manual_seed(0)
    card = {"architecture": "resnet18", "in_channels": 2, "grid": 64, "window_days": 30.0,
            "background_days": 180.0, "threshold": 0.5,
            "normalization": {"transform": "log1p", "mean": [0.05, 0.05], "std": [0.2, 0.2]}}
    path, _ = save_model(build_model("resnet18", 2), card, os.path.join(tmp, "model"))
    return path, "resnet18 with random weights (no shipped weights/resnet18.pt)"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=5_000_000)
    p.add_argument("--years", type=float, default=4.0)
    p.add_argument("--model", help="weights .pt/.json or an architecture name")
    p.add_argument("--small", type=int, default=50_000, help="events in the small scan")
    p.add_argument("--naive-windows", type=int, default=12)
    p.add_argument("--no-baseline", action="store_true", help="skip pandas.read_csv")
    p.add_argument("--max-load-factor", type=float, default=12.0)
    p.add_argument("--max-stage-mib", type=float, default=1500.0)
    p.add_argument("--json", help="also write the figures to this JSON file")
    args = p.parse_args(argv)

    import torch
    import torchvision  # noqa: F401  (imported here so that no stage counts its import)

    torch.set_num_threads(os.cpu_count() or 1)
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM, "
          f"load average {os.getloadavg()[0]:.1f}; Python {platform.python_version()}, "
          f"numpy {np.__version__}, pandas {pd.__version__}, pyarrow {pa.__version__}, "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print(f"command: {' '.join([os.path.basename(sys.executable)] + sys.argv)}")
    from seisviz.detect.scan import scan_catalog

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.csv")
        t = time.perf_counter()
        write_csv(path, args.events, args.years)
        size = os.path.getsize(path)
        print(f"wrote {args.events:,} events over {args.years:g} years: {size / MIB:,.0f} MiB CSV "
              f"in {time.perf_counter() - t:.1f} s")
        model, model_name = model_for_scan(args.model, tmp)
        _trim()
        rss_start = _status_kib("VmRSS") / 1024
        print(f"resident before loading: {rss_start:.0f} MiB (Python, numpy, pandas, torch)")

        if not args.no_baseline:
            with Stage("baseline: pandas.read_csv"):
                df = pd.read_csv(path)
                df["time"] = pd.to_datetime(df["time"], utc=True, format="ISO8601")
            del df
        with Stage("load_catalog", f"{size / MIB:,.0f} MiB CSV") as load:
            catalog, report = load_catalog(path)
        assert report.n_kept == args.events, report.summary()
        cat_mib = catalog.memory_usage(deep=True).sum() / MIB
        print(f"    {report.summary()}; catalog in memory {cat_mib:,.0f} MiB")

        grid = make_grid(catalog_bbox(catalog), 64)
        with Stage("rasterize 64x64, 30 d / 1 d") as ras:
            dmaps = rasterize(catalog, grid, 30.0, 1.0, 180.0)
        maps_mib = dmaps.maps.nbytes / MIB
        print(f"    {dmaps.report()}; maps {maps_mib:,.0f} MiB")
        per_window = naive_windows(catalog, grid, dmaps, args.naive_windows)
        naive_s = per_window * len(dmaps)
        print(f"    naive loop: {per_window * 1000:.0f} ms per window (timed on "
              f"{args.naive_windows}, same counts) x {len(dmaps):,} windows = {naive_s:.1f} s; "
              f"rasterize is {naive_s / ras.seconds:.0f}x faster")
        n_windows = len(dmaps)
        del dmaps

        with Stage("scan (CPU)", model_name) as big:
            result = scan_catalog(catalog, model=model, device="cpu", grid=64, window_days=30.0,
                                  step_days=1.0)
        tb = result.timings
        print(f"    {len(result.windows):,} windows; load model {tb['load_model_s']:.2f} s, "
              f"rasterize {tb['rasterize_s']:.2f} s, detect {tb['detect_s']:.2f} s "
              f"({result.device_info['maps_per_second']:,.0f} maps/s), total "
              f"{tb['total_s']:.2f} s")
        del result

        small = catalog.sample(n=min(args.small, len(catalog)), random_state=0)
        small = small.sort_values("time").reset_index(drop=True)
        # pin the small catalog's span to the big one's so the windows are the same
        first = catalog.iloc[[0]]
        last = catalog.iloc[[-1]]
        small = pd.concat([first, small, last], ignore_index=True).sort_values(
            "time", kind="stable").reset_index(drop=True)
        with Stage(f"scan (CPU), {len(small):,} events", "same windows"):
            result_small = scan_catalog(small, model=model, device="cpu", grid=64,
                                        bbox=result_bbox(catalog), window_days=30.0,
                                        step_days=1.0)
        ts = result_small.timings
        assert len(result_small.windows) == n_windows
        print(f"    {len(result_small.windows):,} windows; rasterize {ts['rasterize_s']:.2f} s, "
              f"detect {ts['detect_s']:.2f} s; detect time big / small catalog = "
              f"{tb['detect_s'] / ts['detect_s']:.2f} for {len(catalog) / len(small):.0f}x the "
              f"events")

    # (ru_maxrss is reset with the peak mark by clear_refs: take the stages' peaks)
    peak_all = max([s.peak_mib for s in Stage.rows]
                   + [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024])
    print(f"process peak RSS over the whole run: {peak_all:,.0f} MiB")
    figures = {
        "events": args.events, "csv_mib": size / MIB, "windows": n_windows,
        "catalog_mib": cat_mib, "maps_mib": maps_mib, "naive_raster_s": naive_s,
        "detect_big_s": tb["detect_s"], "detect_small_s": ts["detect_s"],
        "stages": [{"stage": s.name, "seconds": s.seconds, "peak_mib": s.peak_mib,
                    "stage_mib": s.extra_mib, "traced_mib": s.traced_mib} for s in Stage.rows],
        "process_peak_mib": peak_all,
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)

    failed = []
    if load.peak_mib - rss_start > args.max_load_factor * size / MIB:
        failed.append(f"load_catalog: peak {load.peak_mib - rss_start:.0f} MiB above the start "
                      f"> {args.max_load_factor:g} x the CSV's {size / MIB:.0f} MiB")
    for s in (ras, big):
        if s.extra_mib > args.max_stage_mib:
            failed.append(f"{s.name}: {s.extra_mib:.0f} MiB on top of what was held "
                          f"> {args.max_stage_mib:g} MiB")
    for f in failed:
        print("FAILED:", f)
    return 1 if failed else 0


def result_bbox(catalog):
    return list(catalog_bbox(catalog))


if __name__ == "__main__":
    sys.exit(main())
