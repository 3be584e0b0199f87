"""A national catalog scanned in tiles: serial vs a Dask LocalCluster, in one run.

    .venv/bin/python benchmarks/bench_tiles.py [--events 5000000] [--degrees 10]
        [--days 730] [--tile-km 100] [--step 10] [--workers 2] [--model resnet18]

1. make a synthetic catalog of --events events over --degrees x --degrees degrees (from
   100E 25N) and --days days with numpy only: a uniform background, persistent busy
   spots, and swarms planted in known tiles, on tile borders and on a corner of four
   tiles (`national_catalog`, also used by tests/tiles on a small area);
2. scan it with `seisviz.tiles.scan_tiles` in this process (`workers=0`: serial, torch
   with all its threads), then on a `LocalCluster` of --workers processes with one
   thread each (torch gets cores / workers threads), into two fresh folders;
3. print both times, the speed-up, each worker's peak resident memory, the per-tile cost,
   and check the episodes: each planted swarm should be found exactly once (a merged
   episode within 5 km of it, overlapping it in time) in both runs. A swarm found twice
   is told apart by cause: kept from two tiles (the merge failed: a border duplicate) or
   split in two by one tile's own scan (its episode refinement, not the tiling).

Exit status 1 when a planted episode is missed, found twice across tiles, a tile failed,
or the runs disagree.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

EPOCH = pd.Timestamp("2020-01-01", tz="UTC")
KM = 111.195


def _gr(rng, n, mmin=0.5, b=1.0):
    return np.round(mmin + rng.exponential(1.0 / (b * np.log(10)), n), 1)


def plant_points(area, tile_km, overlap_km=None):
    """Where to plant swarms, from the tiles the run will make over `area`: the centre
    of every 3rd tile's core; for every other tile of every other row, the middle of its
    east and its north border and its north-east corner. -> list of (lon, lat, where)."""
    from seisviz.tiles import make_tiles

    tiles = make_tiles(area, tile_km, overlap_km)
    by_rc = {(t.row, t.col): t for t in tiles}
    inside = [t for t in tiles if t.core[1] <= area[1] and t.core[3] <= area[3]]
    out = [((t.core[0] + t.core[1]) / 2, (t.core[2] + t.core[3]) / 2, f"core {t.tile_id}")
           for t in inside[::3]]
    for t in inside:
        east, north = by_rc.get((t.row, t.col + 1)), by_rc.get((t.row + 1, t.col))
        if east in inside and north in inside and t.row % 2 == 1 and t.col % 2 == 1:
            out.append((t.core[1], (t.core[2] + t.core[3]) / 2, f"border {t.tile_id}|E"))
            out.append(((t.core[0] + t.core[1]) / 2, t.core[3], f"border {t.tile_id}|N"))
            # the north-east corner of the core: this tile, its east neighbour and the
            # row above meet there (rows' columns do not align, their widths follow cos)
            out.append((t.core[1], t.core[3], f"corner {t.tile_id}|NE"))
    return out


def national_catalog(n_events, area=(100.0, 110.0, 25.0, 35.0), days=730.0, tile_km=100.0,
                     overlap_km=None, swarm_events=200, swarm_radius_km=1.5, n_spots=40,
                     seed=0, points=None):
    """-> (catalog, truth). `truth`: one row per planted swarm (lon, lat, onset, end,
    where). Swarms at `points` [(lon, lat, where)], default `plant_points`. Two events
    sit on the area's corners so that the tiles fall where `make_tiles` puts them."""
    rng = np.random.default_rng(seed)
    lon0, lon1, lat0, lat1 = area
    points = points or plant_points(area, tile_km, overlap_km)
    first = 200.0  # after the background period of the first windows
    onsets = first + (np.arange(len(points)) * 37.0) % max(days - first - 40.0, 1.0)
    n_sw = swarm_events * len(points)
    n_spot = (n_events - n_sw) // 5
    n_bg = n_events - n_sw - n_spot - 2
    parts_t, parts_x, parts_y = [], [], []
    # uniform background (in lat by area: sin-uniform is within 1% here; uniform is fine)
    parts_t.append(rng.uniform(0, days, n_bg))
    parts_x.append(rng.uniform(lon0, lon1, n_bg))
    parts_y.append(rng.uniform(lat0, lat1, n_bg))
    # persistent busy spots: busy all the time, never an episode
    sx, sy = rng.uniform(lon0 + 0.2, lon1 - 0.2, n_spots), rng.uniform(lat0 + 0.2, lat1 - 0.2,
                                                                       n_spots)
    k = rng.integers(0, n_spots, n_spot)
    parts_t.append(rng.uniform(0, days, n_spot))
    parts_x.append(sx[k] + rng.normal(0, 2.0, n_spot) / (KM * np.cos(np.radians(sy[k]))))
    parts_y.append(sy[k] + rng.normal(0, 2.0, n_spot) / KM)
    # swarms: swarm_events in 4 days, within swarm_radius_km
    px = np.repeat([p[0] for p in points], swarm_events)
    py = np.repeat([p[1] for p in points], swarm_events)
    parts_t.append(np.repeat(onsets, swarm_events) + rng.uniform(0, 4.0, n_sw))
    parts_x.append(px + rng.normal(0, swarm_radius_km, n_sw) / (KM * np.cos(np.radians(py))))
    parts_y.append(py + rng.normal(0, swarm_radius_km, n_sw) / KM)
    parts_t.append(np.array([0.0, days - 1e-3]))
    parts_x.append(np.array([lon0, lon1]))
    parts_y.append(np.array([lat0, lat1]))
    t = np.concatenate(parts_t)
    order = np.argsort(t, kind="stable")
    n = len(t)
    catalog = pd.DataFrame({
        "time": EPOCH + pd.to_timedelta(np.round(t[order] * 86400e3), unit="ms"),
        "latitude": np.clip(np.concatenate(parts_y)[order], lat0, lat1),
        "longitude": np.clip(np.concatenate(parts_x)[order], lon0, lon1),
        "depth": np.round(rng.uniform(2, 15, n), 2),
        "magnitude": _gr(rng, n)})
    truth = pd.DataFrame({"lon": [p[0] for p in points], "lat": [p[1] for p in points],
                          "onset": EPOCH + pd.to_timedelta(onsets, unit="D"),
                          "end": EPOCH + pd.to_timedelta(onsets + 4.0, unit="D"),
                          "where": [p[2] for p in points]})
    return catalog, truth


def match_truth(episodes, truth, near_km=5.0, slack_days=3.0):
    """Per planted swarm, how many merged episodes are it (centre within `near_km`,
    [onset, end] overlapping) and how many different tiles those were kept from; and the
    number of episodes that are no planted swarm. -> (hits, tiles per swarm, extra)."""
    from seisviz.timeutil import to_ns

    lon = episodes["center_lon"].to_numpy(float)
    lat = episodes["center_lat"].to_numpy(float)
    on, end = to_ns(episodes["onset"]), to_ns(episodes["end"])
    tile = episodes["tile_id"].to_numpy()
    slack = int(slack_days * 86400e9)
    hits, n_tiles, used = [], [], np.zeros(len(episodes), bool)
    for row in truth.itertuples():
        d = np.hypot((lon - row.lon) * KM * np.cos(np.radians(row.lat)), (lat - row.lat) * KM)
        m = (d <= near_km) & (on <= to_ns(row.end) + slack) & (end >= to_ns(row.onset) - slack)
        hits.append(int(m.sum()))
        n_tiles.append(len(set(tile[m])))
        used |= m
    return np.array(hits), np.array(n_tiles), int((~used).sum())


def _peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--degrees", type=float, default=10.0)
    ap.add_argument("--days", type=float, default=730.0)
    ap.add_argument("--tile-km", type=float, default=100.0)
    ap.add_argument("--overlap-km", type=float)
    ap.add_argument("--step", type=float, default=10.0, help="window step in days")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model", default="resnet18")
    ap.add_argument("--skip-serial", action="store_true")
    ap.add_argument("--keep", metavar="DIR", help="write the runs' folders here (kept)")
    args = ap.parse_args(argv)

    from seisviz.tiles import scan_tiles

    area = (100.0, 100.0 + args.degrees, 25.0, 25.0 + args.degrees)
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    catalog, truth = national_catalog(args.events, area, args.days, args.tile_km,
                                      args.overlap_km)
    print(f"catalog: {len(catalog):,} events, {args.degrees:g} x {args.degrees:g} degrees, "
          f"{args.days:g} days, {len(truth)} planted swarms; made in "
          f"{time.perf_counter() - t0:.1f} s")
    scan = {"step_days": args.step}
    runs, failed = {}, False
    with tempfile.TemporaryDirectory(prefix="bench_tiles_") as tmp:
        tmp = args.keep or tmp
        for name, workers in (("serial", 0), (f"LocalCluster({args.workers})", args.workers)):
            if workers == 0 and args.skip_serial:
                continue
            out = os.path.join(tmp, name.split("(")[0])
            t1 = time.perf_counter()
            rec = scan_tiles(catalog, out, args.tile_km, args.overlap_km, model=args.model,
                             device="cpu", scan=scan, workers=workers, log=print)
            seconds = time.perf_counter() - t1
            episodes = pd.read_csv(os.path.join(out, "episodes.csv"))
            hits, tiles_of, extra = match_truth(episodes, truth)
            across = (hits > 1) & (tiles_of > 1)  # a merge failure: kept from two tiles
            runs[name] = {"seconds": seconds, "record": rec, "hits": hits}
            tile_s = [s for s in rec["tile_seconds"].values() if s]
            mem = rec["cluster"].get("max_rss_mb_per_worker") or {"this process": _peak_mib()}
            print(f"{name}: {seconds:.1f} s for {rec['n_tiles_done']} tiles scanned "
                  f"({rec['n_tiles_sparse']} sparse, {len(rec['failed'])} failed); per tile "
                  f"median {np.median(tile_s):.2f} s, sum {sum(tile_s):.1f} s; "
                  f"{rec['n_episodes']} episodes; planted found once {int((hits == 1).sum())}"
                  f"/{len(hits)}, missed {int((hits == 0).sum())}, twice+ across tiles "
                  f"{int(across.sum())}, split in two by one tile's own scan "
                  f"{int(((hits > 1) & ~across).sum())}; unplanted episodes {extra}")
            print(f"  splitting the catalog into tiles and hashing them: "
                  f"{rec['cluster'].get('split_s', float('nan')):.1f} s; merging: "
                  f"{rec.get('merge_s', float('nan')):.1f} s")
            start = rec["cluster"].get("start_s")
            if start is not None:
                print(f"  of which starting the cluster (scheduler + {args.workers} worker "
                      f"processes): {start:.1f} s")
            print("  peak memory (MiB): " + ", ".join(f"{k}: {v:,.0f}" for k, v in mem.items()))
            for row, h, k in zip(truth.itertuples(), hits, tiles_of):
                if h != 1:
                    print(f"  planted {row.where} at {row.lon:.4f} {row.lat:.4f} "
                          f"{row.onset:%Y-%m-%d}: found {h} times, kept from {k} tile(s)")
            failed |= bool((hits == 0).any() or across.any()) or bool(rec["failed"])
    if len(runs) == 2:
        (a, ra), (b, rb) = runs.items()
        print(f"speed-up {b} vs {a}: {ra['seconds'] / rb['seconds']:.2f}x "
              f"({ra['seconds']:.1f} s -> {rb['seconds']:.1f} s)")
        if not np.array_equal(ra["hits"], rb["hits"]):
            print("the two runs found different planted episodes")
            failed = True
    print(json.dumps({k: round(v["seconds"], 2) for k, v in runs.items()}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
