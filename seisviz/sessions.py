"""A dashboard session on disk, so that a browser refresh keeps its catalog and last scan.

The dashboard keeps a session token in the page's URL (``?session=…``). Under
seisviz's cache folder (``seisviz.settings.cache_dir``) ``sessions/<token>/`` holds:

- ``catalog.parquet`` and ``catalog.json`` (its name, whether it is the demo, its
  fingerprint, the demo's true periods);
- ``work.json``: the user's work (seisviz.workstate.Work as JSON: the catalog's source
  and filters, the Detect page's settings, the map settings);
- ``upload.bin`` and ``region.bin``: the bytes of the uploaded catalog file and polygon
  region file, read again (parsed, never unpickled) on restore;
- ``overlays.pkl``: the user's map layers;
- ``scan.pkl``: the last scan — its `ScanResult` without the distribution maps (they are
  rasterized again from the catalog on restore, in a second) and the scan key it was
  cached under (catalog fingerprint, raster settings, weights' sha256).

`restore` says what came back and what did not, in one line each. Only this machine's
own dashboard writes these files; sessions older than `MAX_AGE_DAYS` are removed.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pickle
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.settings import cache_dir as seisviz_cache_dir

MAX_AGE_DAYS = 14
TOKEN = re.compile(r"^[0-9a-f]{16,32}$")


def cache_dir() -> Path:
    """The folder of stored sessions: `sessions` in seisviz's cache folder
    (seisviz.settings.cache_dir)."""
    return Path(seisviz_cache_dir()) / "sessions"


def new_token() -> str:
    return uuid.uuid4().hex


def valid_token(token: Any) -> bool:
    return isinstance(token, str) and bool(TOKEN.match(token))


def _folder(token: str) -> Path:
    if not valid_token(token):
        raise SeisvizError(f"not a session token: {token!r}")
    return cache_dir() / token


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def save_catalog(token: str, catalog: pd.DataFrame, fingerprint: str, name: str,
                 is_demo: bool = False, true_periods: pd.DataFrame | None = None) -> bool:
    """Store the session's catalog (unless the stored one has the same fingerprint and
    name); drops a stored scan of another catalog. -> True when written."""
    folder = _folder(token)
    meta_path = folder / "catalog.json"
    try:
        old = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    except (OSError, ValueError):
        old = {}
    if old.get("fingerprint") == fingerprint and old.get("name") == name:
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / "catalog.parquet",
                      lambda p: catalog.to_parquet(p, index=False))
        periods = None if true_periods is None else true_periods.to_json(
            orient="records", date_format="iso")
        meta = {"fingerprint": fingerprint, "name": name, "is_demo": bool(is_demo),
                "true_periods": periods, "events": len(catalog), "saved": time.time()}
        _atomic_write(meta_path, lambda p: p.write_text(json.dumps(meta)))
        scan = folder / "scan.pkl"
        if scan.exists():
            scan.unlink()
    except OSError as exc:
        raise SeisvizError(f"cannot keep the session in {folder}: "
                           f"{exc.strerror or exc}") from None
    prune()
    return True


def save_scan(token: str, key: tuple, result: Any) -> None:
    """Store the session's last scan (without its maps) under its scan key."""
    folder = _folder(token)
    light = dataclasses.replace(result, dmaps=None)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / "scan.pkl", lambda p: p.write_bytes(
            pickle.dumps({"key": key, "result": light}, protocol=pickle.HIGHEST_PROTOCOL)))
    except OSError as exc:
        raise SeisvizError(f"cannot keep the scan in {folder}: {exc.strerror or exc}") from None


def save_overlays(token: str, overlays: dict) -> None:
    """Store the session's map layers ({id: seisviz.overlays.Overlay})."""
    folder = _folder(token)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / "overlays.pkl", lambda p: p.write_bytes(
            pickle.dumps(dict(overlays), protocol=pickle.HIGHEST_PROTOCOL)))
    except OSError as exc:
        raise SeisvizError(f"cannot keep the map layers in {folder}: "
                           f"{exc.strerror or exc}") from None


BLOBS = ("upload", "region")  # the uploaded files a session keeps


def save_work(token: str, work: dict) -> None:
    """Store the user's work (seisviz.workstate.Work.to_dict(), JSON)."""
    folder = _folder(token)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / "work.json", lambda p: p.write_text(json.dumps(work)))
    except (OSError, TypeError, ValueError) as exc:
        raise SeisvizError(f"cannot keep the session's settings in {folder}: "
                           f"{getattr(exc, 'strerror', None) or exc}") from None


def save_blob(token: str, kind: str, data: bytes | None) -> None:
    """Store (or with None, forget) an uploaded file's bytes: kind "upload" (the catalog
    file) or "region" (the polygon region)."""
    if kind not in BLOBS:
        raise SeisvizError(f"unknown kind of upload {kind!r}")
    folder = _folder(token)
    path = folder / f"{kind}.bin"
    try:
        if data is None:
            if path.exists():
                path.unlink()
            return
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, lambda p: p.write_bytes(bytes(data)))
    except OSError as exc:
        raise SeisvizError(f"cannot keep the uploaded file in {folder}: "
                           f"{exc.strerror or exc}") from None


def restore(token: str) -> dict:
    """What a stored session holds: {"catalog", "name", "is_demo", "true_periods",
    "fingerprint", "scan_key", "result", "work" (a dict, see seisviz.workstate), "blobs"
    ({"upload"/"region": bytes}), "overlays", "said": [lines for the user]}; empty
    without one.
    The scan's maps are rasterized again from the catalog."""
    folder = _folder(token)
    out: dict = {"said": []}
    meta_path = folder / "catalog.json"
    if not meta_path.exists():
        return {}
    try:
        meta = json.loads(meta_path.read_text())
        catalog = pd.read_parquet(folder / "catalog.parquet")
    except (OSError, ValueError) as exc:
        return {"said": [f"The stored session could not be read ({exc}); the catalog and "
                         "results of before the refresh are lost."]}
    periods = None
    if meta.get("true_periods"):
        periods = pd.read_json(io.StringIO(meta["true_periods"]), orient="records")
        for col in ("start", "end"):
            if col in periods:
                periods[col] = pd.to_datetime(periods[col], utc=True)
    out.update(catalog=catalog, name=meta.get("name", "catalog"),
               is_demo=bool(meta.get("is_demo")), true_periods=periods,
               fingerprint=meta.get("fingerprint"))
    said = f"Restored after a refresh: the catalog {out['name']} ({len(catalog):,} events)"
    scan = folder / "scan.pkl"
    if scan.exists():
        try:
            stored = pickle.loads(scan.read_bytes())
            out["scan_key"], out["result"] = stored["key"], stored["result"].with_maps(catalog)
            said += " and the last scan " + _scan_words(out["result"])
        except Exception as exc:  # an unpickling or rasterizing failure of any kind
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            said += f"; the last scan could not be restored ({first}): run it again"
    else:
        said += "; there was no scan to restore"
    work = folder / "work.json"
    if work.exists():
        try:
            out["work"] = json.loads(work.read_text())
        except (OSError, ValueError):
            said += "; the settings could not be restored"
    out["blobs"] = {}
    for kind in BLOBS:
        path = folder / f"{kind}.bin"
        if path.exists():
            try:
                out["blobs"][kind] = path.read_bytes()
            except OSError:
                pass
    layers = folder / "overlays.pkl"
    if layers.exists():
        try:
            out["overlays"] = pickle.loads(layers.read_bytes())
            if out["overlays"]:
                said += f"; {len(out['overlays'])} map layer(s)"
        except Exception:  # noqa: BLE001 - any unpickling failure: say it, go on
            said += "; the map layers could not be restored: upload them again"
    out["said"].append(said + ".")
    return out


def _scan_words(result: Any) -> str:
    s = result.settings
    model = (getattr(result, "model", None) or {}).get("architecture")
    return (f"({model + ', ' if model else ''}{len(result.windows):,} windows of "
            f"{s.window_days:g} d, "
            f"{len(result.periods)} periods)")


def prune(max_age_days: float = MAX_AGE_DAYS) -> None:
    """Remove stored sessions untouched for more than `max_age_days`."""
    root = cache_dir()
    if not root.is_dir():
        return
    limit = time.time() - max_age_days * 86400
    for folder in root.iterdir():
        try:
            if valid_token(folder.name) and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass
