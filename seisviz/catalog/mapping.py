"""The column chooser's library side: a preview of a file that the loader could not read
untold, and the user's choice of columns remembered per header line.

A choice is ``{"columns": {key: column}, "delimiter": str | None, "timezone": str | None}``.
It is keyed by a hash of the header line, kept in the session (any dict, e.g. Streamlit's
``st.session_state``) and on disk in ``column_maps.json`` under the cache folder
($SEISVIZ_CACHE_DIR, else $XDG_CACHE_HOME/seisviz, else ~/.cache/seisviz), so a file with
the same header loads with it next time, in this session or a later one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

import pandas as pd

from seisviz.catalog.columns import map_columns, unique_names
from seisviz.catalog.options import parse_delimiter
from seisviz.catalog.source import decode
from seisviz.catalog.text import DELIMITERS, split_line
from seisviz.errors import CatalogError
from seisviz.settings import cache_dir

SESSION_KEY = "column_maps"
FILE_NAME = "column_maps.json"
PREVIEW_LINES = 40  # the header may be any of the first 20 non-blank lines


@dataclass
class Preview:
    """What the chooser shows: the header line (1-based line number), its column names, the
    first rows split into those columns, the delimiter used, and the loader's guesses."""

    header_line: int
    names: list[str]
    rows: pd.DataFrame
    delimiter: str | None  # None: runs of whitespace
    key: str
    guesses: dict[str, str]


def header_key(line: str) -> str:
    """The key a choice is remembered under: a hash of the header line, spaces trimmed."""
    return hashlib.sha256(line.strip().lstrip("\ufeff").encode("utf-8")).hexdigest()[:16]


def _lines(data: bytes, name: str) -> list[tuple[int, str]]:
    if len(data) > 200_000:  # the head is enough; cut at a line end so no character is split
        data = data[: data.rfind(b"\n", 0, 200_000) + 1] or data[:200_000]
    text = decode(data, name)
    lines = text.split("\n")[: PREVIEW_LINES + 200]
    return [(i + 1, line.rstrip("\r")) for i, line in enumerate(lines) if line.strip()]


def _best_delimiter(line: str) -> str | None:
    return max(DELIMITERS, key=lambda d: len(split_line(line, d)))


def preview(data: bytes, name: str, header_line: int | None = None,
            delimiter: str | None = None, n_rows: int = 10) -> Preview:
    """The first n_rows rows after the header line, split by `delimiter` (a character,
    "whitespace", or None: the one that splits the header into the most fields).
    header_line: 1-based line number; None: the first non-blank line."""
    lines = _lines(data, name)
    if not lines:
        return Preview(1, [], pd.DataFrame(), None, header_key(""), {})
    numbers = [i for i, _ in lines]
    pos = numbers.index(header_line) if header_line in numbers else 0
    number, head = lines[pos]
    d = parse_delimiter(delimiter, name)
    d = _best_delimiter(head) if d is None else (None if d == "whitespace" else d)
    names = unique_names(split_line(head, d))
    rows = [split_line(line, d) for _, line in lines[pos + 1: pos + 1 + n_rows]]
    width = len(names)
    rows = [(r + [""] * width)[:width] for r in rows]
    table = pd.DataFrame(rows, columns=names, dtype="str") if rows else \
        pd.DataFrame(columns=names, dtype="str")
    guesses = {k: names[i] for k, i in map_columns(names).items()}
    return Preview(number, names, table, d, header_key(head), guesses)


def _load_disk() -> dict:
    path = os.path.join(cache_dir(), FILE_NAME)
    try:
        with open(path, encoding="utf-8") as f:
            stored = json.load(f)
        return stored if isinstance(stored, dict) else {}
    except (OSError, ValueError):
        return {}  # no file yet, or a damaged one: start afresh


def remember(key: str, choice: dict, session: dict | None = None) -> None:
    """Keep `choice` for files whose header hashes to `key` (session and disk; a disk that
    cannot be written only loses the memory across sessions)."""
    choice = {"columns": dict(choice.get("columns") or {}),
              "delimiter": choice.get("delimiter") or None,
              "timezone": choice.get("timezone") or None}
    if session is not None:
        session.setdefault(SESSION_KEY, {})[key] = choice
    stored = _load_disk()
    stored[key] = choice
    try:
        os.makedirs(cache_dir(), exist_ok=True)
        tmp = os.path.join(cache_dir(), FILE_NAME + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(stored, f, ensure_ascii=False, indent=1)
        os.replace(tmp, os.path.join(cache_dir(), FILE_NAME))
    except OSError:
        pass


def remembered(data: bytes, name: str, session: dict | None = None) -> tuple[str, dict] | None:
    """(key, choice) remembered for one of the file's first non-blank lines, or None."""
    try:
        lines = _lines(data, name)[:20]
    except CatalogError:  # not text: the loader says what it is
        return None
    known = dict(_load_disk())
    if session is not None:
        known.update(session.get(SESSION_KEY, {}))
    for _, line in lines:
        key = header_key(line)
        if key in known:
            return key, known[key]
    return None
