"""The work of one tile, as it runs on a Dask worker (or in-process for a serial run).

`scan_tile` gets only the tile's events, scans them with the normal `scan_catalog`, saves
the scan folder into a temporary folder and sends its files back as bytes: the client
writes them under ``DIR/tiles/<tile_id>/``, so workers need no shared file system. The
model is loaded once per worker process (`_MODELS`, keyed by model and device).
"""

from __future__ import annotations

import io
import os
import resource
import socket
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.settings import MIN_EVENTS, ScanSettings
from seisviz.tables import CRS, TILE_EPISODES

if TYPE_CHECKING:
    import geopandas as gpd

# (model, device) -> (net, card): one load per worker process
_MODELS: dict = {}


def worker_device(device: str) -> str:
    """'auto' or 'cuda' on a worker with GPUs: cuda, on GPU `n mod GPU count` where n is
    the integer the worker's name ends in (LocalCluster names workers 0, 1, ...;
    `dask worker --nworkers 4 --name gpu` gives gpu-0 ... gpu-3): one worker per GPU."""
    import re

    import torch

    if device in ("auto", "cuda") and torch.cuda.is_available():
        try:
            from distributed import get_worker

            found = re.search(r"(\d+)$", str(get_worker().name))
            index = int(found.group(1)) if found else 0
        except (ImportError, ValueError):  # not on a Dask worker
            index = 0
        torch.cuda.set_device(index % torch.cuda.device_count())
        return "cuda"
    return device


def loaded_model(model: str, device: str,
                 torch_threads: int | None = None) -> tuple[Any, Any, str]:
    """(net, card, device) for this process, loaded at the first tile and kept."""
    import torch

    from seisviz.detect import load_model, pick_device

    if torch_threads:
        torch.set_num_threads(int(torch_threads))
    device = pick_device(worker_device(device))
    key = (model, device)
    if key not in _MODELS:
        _MODELS[key] = load_model(model, device)
    net, card = _MODELS[key]
    return net, card, device


def scan_tile(tile: dict, events: pd.DataFrame, options: dict) -> dict:
    """Scan one tile. -> {tile_id, status, n_events, n_episodes, files {name: bytes},
    seconds, max_rss_mb, worker, message}.

    `options`: model, device, torch_threads, scan (ScanSettings fields without bbox),
    min_events. status: "done", "sparse" (too few events to scan) or "error" (a
    SeisvizError: the data cannot be scanned, e.g. too short; retrying cannot help)."""
    t0 = time.perf_counter()
    out = {"tile_id": tile["tile_id"], "n_events": int(len(events)), "n_episodes": 0,
           "files": {}, "message": "", "worker": f"{socket.gethostname()}:{os.getpid()}"}
    if options.get("fail_tiles") and tile["tile_id"] in options["fail_tiles"]:
        raise RuntimeError(f"tile {tile['tile_id']} failed on purpose (test)")
    if len(events) < int(options.get("min_events", MIN_EVENTS)):
        out["status"] = "sparse"
        return _finish(out, t0)
    try:
        net, card, device = loaded_model(options["model"], options.get("device", "auto"),
                                         options.get("torch_threads"))
        settings = ScanSettings.from_card(card, model=options["model"], bbox=tile["box"],
                                          device=device, **options.get("scan", {}))
        from seisviz.detect import scan_catalog
        from seisviz.scanfolder import save_scan_folder

        result = scan_catalog(events, loaded=(net, card), settings=settings)
        with tempfile.TemporaryDirectory(prefix=f"seisviz-{tile['tile_id']}-") as tmp:
            names = save_scan_folder(result, tmp, events, source=f"tile {tile['tile_id']}")
            episodes = tile_episodes(result, tmp, events, tile)
            episodes_text = episodes_geojson(episodes)
            for name in names:
                path = os.path.join(tmp, name)
                if os.path.isfile(path):
                    with open(path, "rb") as f:
                        out["files"][name] = f.read()
        out["files"]["tile_episodes.geojson"] = episodes_text.encode()
        out["n_episodes"] = int(len(episodes))
        out["n_windows"] = int(len(result.windows))
        out["status"] = "done"
    except SeisvizError as exc:
        out["status"] = "error"
        out["message"] = str(exc)
    return _finish(out, t0)


def _finish(out: dict, t0: float) -> dict:
    out["seconds"] = round(time.perf_counter() - t0, 3)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, B on macOS
    out["max_rss_mb"] = round(rss / (2**20 if sys.platform == "darwin" else 2**10), 1)
    return out


def tile_episodes(result: Any, folder: str, events: pd.DataFrame,
                  tile: dict) -> gpd.GeoDataFrame:
    """The tile's episodes as a GeoDataFrame with the columns of
    `seisviz.tables.TILE_EPISODES` + geometry.

    Taken from the scan's episodes (`result.episodes`) when the scan has them, else from
    the subregions it saved (a subregion's period as its span)."""
    import geopandas as gpd

    table = getattr(result, "episodes", None)
    if table is None:
        path = os.path.join(folder, "subregions.geojson")
        table = gpd.read_file(path) if os.path.exists(path) else None
    if table is None or len(table) == 0:
        return TILE_EPISODES.empty()
    table = table.copy()
    if "onset" not in table:
        table["onset"] = table["start"]
    for col in ("onset", "end"):
        table[col] = pd.to_datetime(table[col], utc=True)
    if "max_magnitude" not in table or "max_magnitude_time" not in table:
        mags = [_largest_event(events, g, s, e) for g, s, e in
                zip(table.geometry, table["onset"], table["end"])]
        table["max_magnitude"] = [m for m, _ in mags]
        table["max_magnitude_time"] = [t for _, t in mags]
    table["max_magnitude_time"] = pd.to_datetime(table["max_magnitude_time"], utc=True)
    for col in ("rate_ratio", "peak_probability", "n_events"):
        if col not in table:
            table[col] = np.nan
    table["tile_id"] = tile["tile_id"]
    table["tile_episode"] = np.arange(1, len(table) + 1)
    core = tile["core"]
    lon, lat = table["center_lon"].to_numpy(float), table["center_lat"].to_numpy(float)
    table["in_core"] = (lon >= core[0]) & (lon < core[1]) & (lat >= core[2]) & (lat < core[3])
    return gpd.GeoDataFrame(TILE_EPISODES.select(table), geometry=table.geometry.values,
                            crs=CRS)


def _largest_event(events: pd.DataFrame, geom, start, end):
    """(magnitude, time) of the largest event inside `geom` in [start, end)."""
    import shapely

    t = pd.to_datetime(events["time"], utc=True)
    sel = events[(t >= start) & (t < end)]
    inside = shapely.contains_xy(geom, sel["longitude"].to_numpy(float),
                                 sel["latitude"].to_numpy(float))
    sel = sel[inside]
    if len(sel) == 0:
        return np.nan, pd.NaT
    i = int(np.argmax(sel["magnitude"].to_numpy(float)))
    return float(sel["magnitude"].iloc[i]), sel["time"].iloc[i]


def episodes_geojson(episodes: gpd.GeoDataFrame) -> str:
    """GeoJSON text of an episodes table, times as ISO-8601 UTC."""
    from seisviz.timeutil import iso_utc

    if len(episodes) == 0:
        return '{"type": "FeatureCollection", "features": []}'
    out = episodes.copy()
    for col in TILE_EPISODES.time_columns:
        out[col] = iso_utc(out[col])
    return out.to_json(drop_id=True)


def read_episodes(data: bytes | str) -> gpd.GeoDataFrame:
    """An episodes table back from `episodes_geojson` text."""
    import geopandas as gpd

    if isinstance(data, bytes):
        data = data.decode()
    table = gpd.read_file(io.StringIO(data))
    if len(table) == 0:
        return TILE_EPISODES.empty()
    table = TILE_EPISODES.with_utc_times(table)
    if table.crs is None:
        table = table.set_crs(CRS)
    return table
