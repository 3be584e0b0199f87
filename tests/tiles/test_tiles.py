"""seisviz.tiles and `seisviz scan-tiles`: tiling, the merge across tile borders, a real
Dask LocalCluster (processes), a worker killed mid-run, a failed tile, resuming.

The small national catalog is built with benchmarks/bench_tiles.py's generator (the one
the big benchmark uses): a 2x2 grid of 40-km tiles, swarms planted inside two tiles, on
a west-east border and on a corner where three tiles' cores meet (four scan boxes).
The detector is conftest's quick model."""

import importlib.util
import json
import os
import signal
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from seisviz.errors import SeisvizError
from seisviz.tiles import make_tiles, merge_episodes, scan_tiles, split_events
from seisviz.tiles.overview import load_overview, sort_episodes, tile_catalog

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KM = 111.195
AREA = (104.0, 104.0 + 79 / KM / 0.866, 30.0, 30.0 + 79 / KM)
SCAN = {"step_days": 5}


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_tiles", os.path.join(ROOT, "benchmarks", "bench_tiles.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _bench()


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """(catalog, truth, csv path) of the small national catalog."""
    tiles = {t.tile_id: t for t in make_tiles(AREA, 40)}
    assert sorted(tiles) == ["r000c000", "r000c001", "r001c000", "r001c001"]
    a, d = tiles["r000c000"], tiles["r001c001"]
    points = [((a.core[0] + a.core[1]) / 2 - 0.05, (a.core[2] + a.core[3]) / 2 - 0.05, "core"),
              ((d.core[0] + d.core[1]) / 2 + 0.05, (d.core[2] + d.core[3]) / 2 + 0.05, "core"),
              (a.core[1], (a.core[2] + a.core[3]) / 2, "border"),
              (a.core[1], a.core[3], "corner")]
    catalog, truth = BENCH.national_catalog(30_000, AREA, days=420, tile_km=40,
                                            swarm_events=150, n_spots=4, points=points)
    path = tmp_path_factory.mktemp("national") / "national.csv"
    catalog.to_csv(path, index=False)
    return catalog, truth, path


def seisviz(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("SEISVIZ_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "seisviz", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


# ---- tiling and merging: no model, no cluster -------------------------------------------

def test_tiles_are_tile_km_on_the_ground_and_every_event_has_one_core(national):
    catalog = national[0]
    tiles = make_tiles((100.0, 110.0, 25.0, 35.0), 100, 25)
    rows = {t.row for t in tiles}
    assert len(rows) == 12  # 1112 km / 100 km, the last row partly beyond the area
    last_col = {r: max(t.col for t in tiles if t.row == r) for r in rows}
    for t in (t for t in tiles if t.row < 11 and t.col < last_col[t.row]):
        h = (t.core[3] - t.core[2]) * KM
        w = (t.core[1] - t.core[0]) * KM * np.cos(np.radians((t.core[2] + t.core[3]) / 2))
        assert h == pytest.approx(100, rel=1e-4) and w == pytest.approx(100, rel=2e-3)
        assert (t.core[0] - t.box[0]) * KM * np.cos(np.radians(t.core[2])) == \
            pytest.approx(25, rel=0.02)
    tiles = make_tiles(AREA, 40)
    lon, lat = catalog["longitude"].to_numpy(), catalog["latitude"].to_numpy()
    owners = sum(t.in_core(lon, lat).astype(int) for t in tiles)
    assert (owners == 1).all()
    seen = np.zeros(len(catalog), int)
    for t, index in split_events(catalog, tiles):
        assert (np.diff(index) > 0).all()
        b = t.box
        assert ((lon[index] >= b[0]) & (lon[index] < b[1]) & (lat[index] >= b[2])
                & (lat[index] < b[3])).all()
        seen[index] += 1
    assert (seen >= 1).all() and seen.max() == 4  # the overlap: up to four boxes


def episode(tile, lon, lat, onset, days=4, n=100, in_core=True, size_km=2.0):
    d = size_km / KM
    t0 = pd.Timestamp(onset, tz="UTC")
    return {"tile_id": tile, "tile_episode": 1, "onset": t0, "end": t0 + pd.Timedelta(days=days),
            "n_events": n, "rate_ratio": 10.0, "max_magnitude": 3.0, "max_magnitude_time": t0,
            "peak_probability": 0.9, "center_lon": lon, "center_lat": lat, "in_core": in_core,
            "geometry": shapely.box(lon - d, lat - d, lon + d, lat + d)}


def table(*rows):
    return gpd.GeoDataFrame(pd.DataFrame(list(rows)), geometry="geometry", crs="EPSG:4326")


def test_merge_joins_one_episode_seen_by_two_tiles_and_keeps_the_owner():
    a = episode("A", 104.30, 30.2, "2020-05-01", n=140, in_core=False)
    b = episode("B", 104.31, 30.2, "2020-05-02", n=120, in_core=True)
    merged = merge_episodes([table(a), table(b)])
    assert len(merged) == 1
    row = merged.iloc[0]
    assert row["tile_id"] == "B" and row["seen_by"] == "A,B" and row["n_tiles"] == 2
    # neither in its core: the larger is kept
    merged = merge_episodes([table(dict(a)), table(dict(b, in_core=False))])
    assert merged.iloc[0]["tile_id"] == "A"


def test_merge_keeps_apart_other_times_other_places_and_one_tiles_own_episodes():
    a = episode("A", 104.30, 30.2, "2020-05-01")
    later = episode("B", 104.30, 30.2, "2020-07-01")             # same place, later
    far = episode("B", 104.60, 30.2, "2020-05-01")               # same time, 29 km away
    same_tile = episode("A", 104.305, 30.2, "2020-05-02")        # one tile: its scan split them
    merged = merge_episodes([table(a, same_tile), table(later, far)])
    assert len(merged) == 4
    assert list(merged["episode_id"]) == [1, 2, 3, 4]
    assert merged["onset"].is_monotonic_increasing
    # periods are the unions in time of the episodes
    assert merged["period_id"].tolist() == [1, 1, 1, 2]
    # sequences: the place of a, two months on, is one sequence; 29 km away is another
    assert merged["sequence_id"].tolist() == [1, 2, 1, 1]


def test_bad_input_is_one_line_and_exit_2(national, tmp_path):
    _, _, path = national
    for extra, says in ((["--tile-km", "0"], "tile size must be positive"),
                        (["--tile-km", "-5"], "tile size must be positive"),
                        (["--tile-km", "40", "--overlap-km", "40"], "less than the tile size"),
                        (["--tile-km", "40", "--scheduler", "tcp://127.0.0.1:9"],
                         "cannot connect"),
                        (["--tile-km", "40", "--workers", "-1"], "--workers -1"),
                        # no --tile-km: the model's default, then the next check
                        (["--workers", "-1"], "--workers -1")):
        r = seisviz("scan-tiles", path, "--out", tmp_path / "out", *extra)
        assert r.returncode == 2, (extra, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert lines[-1].startswith("error: ") and says in lines[-1], (extra, r.stderr)
        assert "Traceback" not in r.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("time,latitude,longitude,depth,magnitude\n")
    r = seisviz("scan-tiles", empty, "--out", tmp_path / "out", "--tile-km", "40")
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].startswith("error: ")
    with pytest.raises(SeisvizError, match="no events"):
        scan_tiles(pd.DataFrame(columns=["time", "latitude", "longitude", "depth",
                                         "magnitude"]), str(tmp_path / "o"), 40)


# ---- a real LocalCluster --------------------------------------------------------------

def check_merged(out, truth):
    """Every planted swarm found exactly once in episodes.csv; the files agree."""
    episodes = pd.read_csv(out / "episodes.csv")
    hits, _, _ = BENCH.match_truth(episodes, truth)
    assert hits.tolist() == [1] * len(truth), (hits, episodes.to_string())
    # Episodes that are no planted swarm are the smoke-test model's false alarms on the
    # background (how many depends on that 3-epoch model); what the merge must never do
    # is keep one place and time twice: no two episodes within 5 km that overlap in time.
    km = 111.195
    lon, lat = episodes["center_lon"].to_numpy(), episodes["center_lat"].to_numpy()
    on = pd.to_datetime(episodes["onset"]).to_numpy()
    end = pd.to_datetime(episodes["end"]).to_numpy()
    for i in range(len(episodes)):
        for j in range(i + 1, len(episodes)):
            d = np.hypot((lon[i] - lon[j]) * km * np.cos(np.radians(lat[i])),
                         (lat[i] - lat[j]) * km)
            assert not (d <= 5.0 and on[i] <= end[j] and on[j] <= end[i]), \
                (i, j, episodes.to_string())
    by_where = dict(zip(truth["where"], hits))
    assert by_where["border"] == 1 and by_where["corner"] == 1
    near = episodes[np.hypot(episodes["center_lon"] - truth["lon"].iloc[3],
                             episodes["center_lat"] - truth["lat"].iloc[3]) < 0.05]
    assert near["n_tiles"].iloc[0] >= 2  # seen by several tiles, kept once
    subs = gpd.read_file(out / "subregions.geojson")
    assert len(subs) == len(episodes) and subs.crs.to_epsg() == 4326
    tiles = gpd.read_file(out / "tiles.geojson")
    assert sorted(tiles["tile_id"]) == ["r000c000", "r000c001", "r001c000", "r001c001"]
    assert tiles["n_episodes"].sum() == len(episodes)
    assert (tiles["status"] == "done").all()
    periods = pd.read_csv(out / "periods.csv")
    assert periods["n_episodes"].sum() == len(episodes)
    sequences = pd.read_csv(out / "sequences.csv")
    assert sequences["n_episodes"].sum() == len(episodes)
    assert set(sequences["sequence_id"]) == set(episodes["sequence_id"])
    return episodes


@pytest.mark.slow
def test_scan_tiles_on_a_local_cluster_merges_and_resumes(national, quick_model_dir, tmp_path):
    catalog, truth, path = national
    out = tmp_path / "out"
    args = ["scan-tiles", path, "--out", out, "--tile-km", 40, "--workers", 2, "--model",
            quick_model_dir / "resnet18.pt", "--step", 5, "--device", "cpu"]
    r = seisviz(*args)
    assert r.returncode == 0, r.stderr
    assert "Dask dashboard: http" in r.stderr and "wrote" in r.stdout
    run = json.loads((out / "run.json").read_text())
    assert run["cluster"]["mode"] == "dask" and run["cluster"]["n_workers"] == 2
    assert run["n_tiles_done"] == 4 and run["failed"] == {} and run["n_tiles_resumed"] == 0
    assert len(run["cluster"]["max_rss_mb_per_worker"]) == 2
    episodes = check_merged(out, truth)
    for tile in ("r000c000", "r001c001"):
        done = json.loads((out / "tiles" / tile / "done.json").read_text())
        assert done["status"] == "done" and len(done["events_sha256"]) == 64
        assert (out / "tiles" / tile / "windows.csv").is_file()
    # the Overview page's readers
    run2, tiles, subs = load_overview(str(out))
    assert len(subs) == len(episodes)
    assert sort_episodes(subs, "magnitude")["max_magnitude"].is_monotonic_decreasing
    events = tile_catalog(str(out), "r000c000")
    assert len(events) == tiles.set_index("tile_id").loc["r000c000", "n_events"]
    # a rerun skips every tile
    r = seisviz(*args)
    assert r.returncode == 0, r.stderr
    assert "4 of 4 tiles already done" in r.stderr
    assert json.loads((out / "run.json").read_text())["n_tiles_resumed"] == 4
    pd.testing.assert_frame_equal(pd.read_csv(out / "episodes.csv"), episodes)


@pytest.mark.slow
def test_a_killed_worker_and_a_failing_tile_leave_the_others_done(national, quick_model_dir,
                                                                  tmp_path):
    catalog, truth, _ = national
    out = tmp_path / "out"
    model = str(quick_model_dir / "resnet18.pt")
    killed = []

    def kill_a_busy_worker(client, record):
        if killed:
            return
        busy = [w for w, keys in client.processing().items() if keys]
        if busy:
            pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append((busy[0], pid))

    rec = scan_tiles(catalog, str(out), 40, model=model, device="cpu", scan=SCAN, workers=2,
                     on_tile=kill_a_busy_worker, fail_tiles=("r001c000",), log=lambda s: None)
    assert killed, "no worker was busy after the first tile"
    assert list(rec["failed"]) == ["r001c000"] and "on purpose" in rec["failed"]["r001c000"]
    assert rec["n_tiles_done"] == 3
    tiles = gpd.read_file(out / "tiles.geojson").set_index("tile_id")
    assert tiles.loc["r001c000", "status"] == "error"
    assert not (out / "tiles" / "r001c000" / "done.json").exists()
    # a rerun retries only the failed tile (in this process: workers=0), then all is merged
    rec = scan_tiles(catalog, str(out), 40, model=model, device="cpu", scan=SCAN, workers=0,
                     log=lambda s: None)
    assert rec["failed"] == {} and rec["n_tiles_resumed"] == 3 and rec["n_tiles_done"] == 4
    check_merged(out, truth)
