"""Scan a large catalog tile by tile on a Dask cluster, and merge the tiles' episodes.

`scan_tiles` splits the catalog's area into tiles (seisviz.tiles.grid), skips tiles
already done with the same settings and events (``DIR/tiles/<tile_id>/done.json``),
runs the others as Dask tasks (`seisviz.tiles.task.scan_tile`, one per tile, carrying
only that tile's events; `retries` reruns of a task that raised; a worker that dies is
replaced and its task rescheduled by Dask), writes each finished tile's scan folder as it
arrives, and at the end merges every done tile into ``episodes.csv``, ``periods.csv``,
``sequences.csv``, ``subregions.geojson``, ``tiles.geojson`` and ``run.json`` in DIR.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import uuid
from typing import Any, Callable

import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.export.files import episodes_csv, periods_csv, sequences_csv, with_iso_times
from seisviz.runinfo import run_header
from seisviz.subregions.sequences import sequence_table
from seisviz.settings import (DEFAULT_DEVICE, DEFAULT_MODEL, MIN_EVENTS, MIN_PERIOD_DAYS,
                              PIXEL_KM, STEP_DAYS)
from seisviz.tiles.grid import (Tile, catalog_area, check_sizes, default_overlap_km,
                                default_tile_km, events_digest, make_tiles, split_events,
                                tile_events)
from seisviz.tiles.merge import merge_episodes, periods_of, tile_table
from seisviz.tiles.task import read_episodes, scan_tile
from seisviz.timeutil import iso_now

TILES_FORMAT = 1
EVENTS_FILE = "events.parquet"  # each tile folder's events (its scan box)
CONNECT_TIMEOUT_S = 10


def settings_digest(tile: Tile, options: dict, model_sha: str | None) -> str:
    """What decides a tile's result besides its events: its box, the scan settings, the
    model's weights, the minimum event count."""
    key = {"format": TILES_FORMAT, "box": list(tile.box), "core": list(tile.core),
           "model_sha256": model_sha, "model": options["model"], "scan": options["scan"],
           "min_events": options["min_events"]}
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def _model_sha(model: str) -> str | None:
    from seisviz.detect import read_card, resolve_model_path

    return read_card(resolve_model_path(model)).sha256


def tile_scan(step_days: float = STEP_DAYS, window_days: float | None = None,
              threshold: float | None = None, min_magnitude: float | None = None,
              min_period_days: float = MIN_PERIOD_DAYS, runtime: str | None = None) -> dict:
    """The scan settings every tile runs with, as `scan_tiles(scan=...)` takes them: the
    same dict from the command line and the Overview page, so that either continues a
    run the other began (None: the card's or the default; the torch runtime stays out of
    the settings digest)."""
    return {"window_days": window_days, "step_days": step_days, "threshold": threshold,
            "min_magnitude": min_magnitude, "min_period_days": min_period_days,
            "runtime": runtime if runtime == "onnx" else None}


def model_tile_km(model: str) -> float:
    """The default tile size for `model`: its card's grid times its trained pixel size
    (the card's ``pixel_km``, else `PIXEL_KM`) across a tile's scan box
    (`seisviz.tiles.grid.default_tile_km`)."""
    from seisviz.detect import read_card, resolve_model_path

    card = read_card(resolve_model_path(model))
    pixel_km = card.get("pixel_km") or PIXEL_KM
    return default_tile_km(card.grid, pixel_km)


def _done_record(folder: str) -> dict | None:
    try:
        with open(os.path.join(folder, "done.json")) as f:
            rec = json.load(f)
        return rec if isinstance(rec, dict) else None
    except (OSError, ValueError):
        return None


def _write_tile(folder: str, record: dict, done: dict) -> None:
    os.makedirs(folder, exist_ok=True)
    for name, data in record.get("files", {}).items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    tmp = os.path.join(folder, "done.json.tmp")
    with open(tmp, "w") as f:
        json.dump(done, f, indent=2)
    os.replace(tmp, os.path.join(folder, "done.json"))  # done.json last, whole or absent


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


def open_client(scheduler: str | None, workers: int,
                log: Callable[[str], None]) -> tuple[Any, Any]:
    """(client, cluster or None): a LocalCluster of `workers` processes with one thread
    each, or a client of the scheduler at `scheduler`."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SeisvizError("scan-tiles needs Dask: pip install 'seisviz[tiles]' "
                           "(dask[distributed])") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise SeisvizError(f"--scheduler {scheduler}: cannot connect "
                               f"({' '.join(str(exc).split())[:200]})") from None
        return client, None
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=":8787")
    return Client(cluster), cluster


def default_workers() -> int:
    """One worker per GPU where there are GPUs, else one per CPU core."""
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.device_count()
    except ImportError:
        pass
    return max(1, os.cpu_count() or 1)


def scan_tiles(catalog: pd.DataFrame, out: str, tile_km: float,
               overlap_km: float | None = None, model: str = DEFAULT_MODEL,
               device: str = DEFAULT_DEVICE, scan: dict | None = None,
               scheduler: str | None = None, workers: int | None = None,
               min_events: int = MIN_EVENTS, retries: int = 1, source: str | None = None,
               progress: Callable | None = None, log: Callable[[str], None] | None = None,
               on_tile: Callable | None = None, fail_tiles: tuple = ()) -> dict:
    """Scan `catalog` tile by tile into the folder `out`; -> the run record (run.json).

    Args:
        tile_km, overlap_km: tile size and overlap on each side (default a quarter).
        model, device, scan: the model and ScanSettings fields (window_days, step_days,
            threshold, ...) used for every tile.
        scheduler: address of a running Dask scheduler; else a LocalCluster of `workers`
            processes (default `default_workers()`); `workers=0` runs in this process.
        retries: reruns of a tile whose task raised; a tile still failing is reported in
            the record's ``failed`` and the run goes on.
        progress: progress(done, total) per tile; log: one line at a time (the dashboard
            address, skipped tiles); on_tile(client, record): after each tile (tests).
    """
    log = log or (lambda line: print(line, file=sys.stderr))
    if overlap_km is None:
        overlap_km = default_overlap_km(tile_km) if _positive_number(tile_km) else 0.0
    tile_km, overlap_km = check_sizes(tile_km, overlap_km)
    if len(catalog) == 0:
        raise SeisvizError("the catalog has no events: nothing to scan")
    if workers is not None and int(workers) < 0:
        raise SeisvizError(f"--workers {workers}: must be 0 (in this process) or more")
    if os.path.exists(out) and not os.path.isdir(out):
        raise SeisvizError(f"--out {out}: is a file, not a folder")
    t_start = time.perf_counter()
    scan = {k: v for k, v in (scan or {}).items() if v is not None}
    options = {"model": model, "device": device, "scan": scan, "min_events": int(min_events),
               "fail_tiles": tuple(fail_tiles)}
    model_sha = _model_sha(model)
    tiles = make_tiles(catalog_area(catalog), tile_km, overlap_km)
    os.makedirs(os.path.join(out, "tiles"), exist_ok=True)

    records: dict[str, dict] = {}
    t_split = time.perf_counter()
    pending = []  # (tile, index, settings digest, events digest)
    for tile, index in split_events(catalog, tiles):
        events = tile_events(catalog, index)
        s_key, e_key = settings_digest(tile, options, model_sha), events_digest(events)
        done = _done_record(os.path.join(out, "tiles", tile.tile_id))
        if done and done.get("settings_sha256") == s_key and done.get("events_sha256") == e_key:
            records[tile.tile_id] = dict(done, resumed=True)
        else:
            pending.append((tile, index, s_key, e_key))
    n_resumed = len(records)
    total = n_resumed + len(pending)
    split_s = time.perf_counter() - t_split
    if n_resumed:
        log(f"{n_resumed} of {total} tiles already done with these settings: skipped")
    failed: dict[str, str] = {}

    def finish(tile, s_key, e_key, record, index):
        folder = os.path.join(out, "tiles", tile.tile_id)
        if record["status"] == "error":
            failed[tile.tile_id] = record["message"]
        else:
            # the tile's events, for the Overview page's "open this tile" (one click)
            os.makedirs(folder, exist_ok=True)
            tile_events(catalog, index).to_parquet(os.path.join(folder, EVENTS_FILE),
                                                   index=False)
            keep = {k: v for k, v in record.items() if k != "files"}
            done = dict(keep, tile=tile.to_dict(), settings_sha256=s_key,
                        events_sha256=e_key, written_at=iso_now())
            _write_tile(folder, record, done)
        records[tile.tile_id] = {k: v for k, v in record.items() if k != "files"}
        if progress:
            progress(len(records), total)

    if progress:
        progress(len(records), total)
    cluster_info: dict[str, Any] = {"mode": "serial" if workers == 0 else "dask",
                                    "split_s": round(split_s, 2)}
    if pending and workers == 0:
        for tile, index, s_key, e_key in pending:
            record = _serial_tile(tile, tile_events(catalog, index), options, retries)
            finish(tile, s_key, e_key, record, index)
    elif pending:
        cluster_info.update(_run_dask(catalog, pending, options, scheduler, workers, retries,
                                      finish, failed, records, log, on_tile))
    return write_overview(out, tiles, records, failed, catalog, source, tile_km, overlap_km,
                          options, model_sha, cluster_info, n_resumed,
                          time.perf_counter() - t_start)


def _positive_number(v) -> bool:
    try:
        return float(v) > 0
    except (TypeError, ValueError):
        return False


def _serial_tile(tile, events, options, retries):
    for attempt in range(retries + 1):
        try:
            return scan_tile(tile.to_dict(), events, options)
        except Exception as exc:  # a bug or a crash in one tile: retry, then report it
            error = exc
    return {"tile_id": tile.tile_id, "status": "error", "n_events": len(events),
            "n_episodes": 0, "message": _one_line(error), "files": {}}


def _run_dask(catalog, pending, options, scheduler, workers, retries, finish, failed,
              records, log, on_tile) -> dict:
    from distributed import as_completed

    n_workers = workers or default_workers()
    t0 = time.perf_counter()
    client, cluster = open_client(scheduler, n_workers, log)
    try:
        if cluster is not None:
            # several workers on one machine share its cores: torch gets its share
            options = dict(options, torch_threads=max(1, (os.cpu_count() or 1) // n_workers))
        info = {"scheduler": client.scheduler.address, "dashboard": client.dashboard_link,
                "n_workers": len(client.scheduler_info(n_workers=-1).get("workers", {})),
                "start_s": round(time.perf_counter() - t0, 2)}
        log(f"Dask dashboard: {client.dashboard_link} (scheduler {info['scheduler']}, "
            f"{info['n_workers']} workers)")
        slots = max(2, 2 * max(info["n_workers"], 1))  # tasks in flight: bounded memory
        queue = list(pending)
        meta = {}
        run_id = uuid.uuid4().hex[:8]

        def submit():
            tile, index, s_key, e_key = queue.pop(0)
            fut = client.submit(scan_tile, tile.to_dict(), tile_events(catalog, index), options,
                                key=f"scan-tile-{tile.tile_id}-{run_id}", retries=retries,
                                pure=False)
            meta[fut.key] = (tile, s_key, e_key, index)
            return fut

        futures = as_completed([submit() for _ in range(min(slots, len(queue)))])
        for fut in futures:
            tile, s_key, e_key, index = meta.pop(fut.key)
            try:
                record = fut.result()
            except Exception as exc:  # raised twice (retries), or its worker kept dying
                record = {"tile_id": tile.tile_id, "status": "error", "n_events": len(index),
                          "n_episodes": 0, "message": _one_line(exc), "files": {}}
            finish(tile, s_key, e_key, record, index)
            fut.release()
            if on_tile is not None:
                on_tile(client, record)
            if queue:
                futures.add(submit())
        info["max_rss_mb_per_worker"] = _worker_memory(client)
        return info
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _worker_memory(client) -> dict:
    """Peak resident memory (MiB) of each worker process, as its OS reports it."""
    import resource

    def peak():
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return round(rss / (2**20 if sys.platform == "darwin" else 2**10), 1)

    try:
        return {str(k): v for k, v in client.run(peak).items()}
    except Exception:  # a worker gone at the very end: no figure rather than no result
        return {}


def write_overview(out: str, tiles: list[Tile], records: dict, failed: dict,
                   catalog: pd.DataFrame, source: str | None, tile_km: float,
                   overlap_km: float, options: dict, model_sha: str | None,
                   cluster_info: dict, n_resumed: int, seconds: float) -> dict:
    """Merge the done tiles and write the overview files; -> the run record."""
    t0 = time.perf_counter()
    tables = []
    for tile_id, rec in sorted(records.items()):
        path = os.path.join(out, "tiles", tile_id, "tile_episodes.geojson")
        if rec.get("status") == "done" and os.path.exists(path):
            with open(path, "rb") as f:
                tables.append(read_episodes(f.read()))
    episodes = merge_episodes(tables)
    periods = periods_of(episodes)
    episodes_csv(episodes, os.path.join(out, "episodes.csv"))
    sequences_csv(sequence_table(episodes), os.path.join(out, "sequences.csv"))
    periods_csv(periods, os.path.join(out, "periods.csv"))
    # all columns (tile_id too), times exact as in a scan folder
    _write_geojson(with_iso_times(episodes), os.path.join(out, "subregions.geojson"))
    _write_geojson(tile_table(tiles, records, episodes), os.path.join(out, "tiles.geojson"))
    counts = pd.Series([r.get("status") for r in records.values()]).value_counts()
    record = {
        **run_header("tiles_format", TILES_FORMAT, source),
        "n_events": int(len(catalog)),
        "area": list(catalog_area(catalog)),
        "tile_km": tile_km, "overlap_km": overlap_km,
        "model": options["model"], "model_sha256": model_sha, "device": options["device"],
        "scan": options["scan"], "min_events": options["min_events"],
        "n_tiles": len(tiles), "n_tiles_with_events": len(records),
        "n_tiles_done": int(counts.get("done", 0)),
        "n_tiles_sparse": int(counts.get("sparse", 0)),
        "n_tiles_resumed": n_resumed,
        "failed": dict(sorted(failed.items())),
        "n_episodes": int(len(episodes)), "n_periods": int(len(periods)),
        "n_sequences": int(episodes["sequence_id"].nunique()) if len(episodes) else 0,
        "cluster": cluster_info,
        "seconds": round(seconds + time.perf_counter() - t0, 2),
        "merge_s": round(time.perf_counter() - t0, 2),
        "tile_seconds": {k: r.get("seconds") for k, r in sorted(records.items())},
        "outputs": ["episodes.csv", "periods.csv", "sequences.csv", "subregions.geojson",
                    "tiles.geojson", "run.json", "tiles/"],
    }
    with open(os.path.join(out, "run.json"), "w") as f:
        json.dump(record, f, indent=2, default=str)
    return record


def _write_geojson(table, path):
    if len(table) == 0:
        with open(path, "w") as f:
            f.write('{"type": "FeatureCollection", "features": []}')
        return
    with open(path, "w") as f:
        f.write(table.to_json(drop_id=True))
