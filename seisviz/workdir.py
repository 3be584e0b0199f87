"""The work folder: the one server folder the dashboard reads and writes scan folders in.

The dashboard may be served to others, so a page never opens a path a user typed as it
is: `work_path` resolves a folder name *inside* the work folder and refuses anything that
would lead out of it (an absolute path elsewhere, a ``..``, a symbolic link pointing
outside) with a one-line SeisvizError. The work folder is ``$SEISVIZ_WORK_DIR``, else
``scans/`` in the cache folder (`seisviz.settings.cache_dir`).

`scan_folders` lists what is in it (folders written by `seisviz scan-tiles` and by
`seisviz scan`), `model_files` the weights files (with their card) a user put there, and
`output_folder` checks a new tiled scan's output folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from seisviz.errors import SeisvizError
from seisviz.settings import WORK_DIR_ENV, WORK_SUBDIR, cache_dir

TILES = "scan-tiles"
SCAN = "scan"
MAX_DEPTH = 2  # scan folders are looked for this many folder levels down
MODELS_SUBDIR = "models"  # weights files are looked for in the work folder and here


def work_dir() -> Path:
    """The work folder, absolute and with its links resolved (not created here)."""
    given = os.environ.get(WORK_DIR_ENV, "").strip()
    root = os.path.expanduser(given) if given else os.path.join(cache_dir(), WORK_SUBDIR)
    return Path(os.path.realpath(os.path.abspath(root)))


def work_path(name: str, what: str = "folder") -> Path:
    """The path of `name` inside the work folder (resolved, links included), or a one-line
    SeisvizError. `name` is relative to the work folder (``national``, ``runs/2024``), or
    an absolute path that lies inside it; ``..``, ``~`` and links that lead outside are
    refused. `what` names the thing in the message."""
    root = work_dir()
    text = str(name if name is not None else "").strip()
    if not text:
        raise SeisvizError(f"no {what} name given")
    if "\x00" in text:
        raise SeisvizError(f"{what} {text!r}: not a folder name")
    shown = text if len(text) <= 120 else text[:117] + "..."
    outside = (f"{what} {shown}: not inside the work folder; give a name inside it "
               f"(set {WORK_DIR_ENV} to use another folder)")
    if text.startswith("~") or ".." in Path(text).parts:
        raise SeisvizError(outside)
    path = Path(text) if os.path.isabs(text) else root / text
    real = Path(os.path.realpath(path))  # follows every link that exists on the way
    if real != root and root not in real.parents:
        raise SeisvizError(outside)
    return real


def work_name(path: str | Path) -> str:
    """How a path inside the work folder is named to the user (relative to it)."""
    rel = os.path.relpath(os.path.realpath(path), work_dir())
    return "." if rel == os.curdir else rel


@dataclass(frozen=True)
class ScanFolder:
    """A scan folder found in the work folder: its name there, its kind (``scan-tiles``
    or ``scan``) and the first fields of its run.json."""

    name: str
    kind: str
    written_at: str | None
    catalog: str | None
    n_episodes: int | None

    def describe(self) -> str:
        parts = [self.name, self.kind]
        if self.n_episodes is not None:
            parts.append(f"{self.n_episodes} episodes")
        if self.written_at:
            parts.append(str(self.written_at)[:16].replace("T", " "))
        return " · ".join(parts)


def folder_kind(folder: str | Path) -> tuple[str | None, dict]:
    """(``scan-tiles``, ``scan`` or None, its run.json) of a folder."""
    try:
        with open(os.path.join(folder, "run.json")) as f:
            run = json.load(f)
    except (OSError, ValueError):
        return None, {}
    if not isinstance(run, dict):
        return None, {}
    if "tiles_format" in run:
        return TILES, run
    if "scan_format" in run or "settings" in run:
        return SCAN, run
    return None, run


def scan_folders(max_depth: int = MAX_DEPTH) -> list[ScanFolder]:
    """The scan folders in the work folder (newest first), up to `max_depth` levels down;
    a scan folder's own sub-folders (a tiled scan's tiles) are not searched, nor links
    that lead out of the work folder."""
    root = work_dir()
    found: list[ScanFolder] = []

    def visit(folder: Path, depth: int) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            try:
                path = work_path(os.path.join(folder, entry.name))
            except SeisvizError:
                continue  # a link out of the work folder
            kind, run = folder_kind(path)
            if kind is not None:
                n = run.get("n_episodes")
                found.append(ScanFolder(os.path.relpath(os.path.join(folder, entry.name), root),
                                        kind, run.get("written_at"), run.get("catalog"),
                                        n if isinstance(n, int) else None))
            elif depth < max_depth:
                visit(path, depth + 1)

    if root.is_dir():
        visit(root, 1)
    return sorted(found, key=lambda f: str(f.written_at or ""), reverse=True)


def model_files() -> list[str]:
    """Weights files (``.pt`` with their ``.json`` card beside them) in the work folder and
    its ``models/`` folder, as names inside the work folder."""
    root = work_dir()
    out = []
    for folder in (root, root / MODELS_SUBDIR):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.pt")):
            try:
                real = work_path(str(path), "model")
            except SeisvizError:
                continue
            if real.is_file() and real.with_suffix(".json").is_file():
                out.append(os.path.relpath(path, root))
    return out


def output_folder(name: str) -> Path:
    """A tiled scan's output folder inside the work folder: new, empty, or one that
    `seisviz scan-tiles` wrote (a rerun continues it); anything else is refused."""
    path = work_path(name, "output folder")
    if path == work_dir():
        raise SeisvizError("output folder: give a name for a new folder inside the work "
                           "folder")
    if path.exists() and not path.is_dir():
        raise SeisvizError(f"output folder {name}: is a file, not a folder")
    if path.is_dir() and any(path.iterdir()) and folder_kind(path)[0] != TILES and \
            not (path / "tiles").is_dir():
        raise SeisvizError(f"output folder {name}: holds other files; give a new name (or "
                           "the name of an earlier tiled scan to continue it)")
    return path
