"""Delimited text tables: find the header line and its delimiter, then read the rows with
their line numbers (pyarrow's CSV reader, or Python's csv module for irregular files)."""

from __future__ import annotations

from collections.abc import Sequence
import csv
import io
import re

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from seisviz.catalog.columns import check_user_columns, header_score, map_columns, missing_message
from seisviz.errors import CatalogError

NUMBER = re.compile(r"^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)$", re.IGNORECASE)
DELIMITERS = [",", ";", "\t", "|", None]  # None = runs of whitespace


def head_lines(text: str, n: int = 40, max_chars: int = 200_000) -> list[str]:
    """The first n non-blank lines of text."""
    return [line for line in text[:max_chars].splitlines() if line.strip()][:n]


def split_line(line: str, delim: str | None) -> list[str]:
    """Fields of one line (delim None: runs of whitespace)."""
    if delim is None:
        return line.split()
    return next(csv.reader([line], delimiter=delim))


def find_header(text: str, name: str, user: dict[str, str] | None = None,
                delimiter: str | None = None) -> tuple[int, list[str], str | None]:
    """(line index, header fields, delimiter) of the header line, or raise.

    The header is the line among the first 20 non-blank ones that names the most canonical
    columns (user: the columns the user named count too); delimiter: the one to use
    ("whitespace" for runs of spaces), else each of DELIMITERS is tried."""
    lines = [line.rstrip("\r") for line in text[:200_000].split("\n")]
    candidates = [(i, line) for i, line in enumerate(lines) if line.strip()][:20]
    delimiters = DELIMITERS if delimiter is None else \
        [None if delimiter == "whitespace" else delimiter]
    best = None
    for pos, (i, line) in enumerate(candidates):
        nxt = candidates[pos + 1][1] if pos + 1 < len(candidates) else None
        for d in delimiters:
            fields = split_line(line, d)
            if len(fields) < 2:
                continue
            score = header_score(fields, user)
            if score < 2:
                continue
            consistent = nxt is None or len(split_line(nxt, d)) in (len(fields), len(fields) + 1)
            key = (score, consistent)
            if best is None or key > best[0]:
                best = (key, i, fields, d)
        if best is not None and best[0] == (5, True):
            break
    if best is None:
        first = candidates[0][1] if candidates else ""
        fields = max((split_line(first, d) for d in delimiters), key=len)
        check_user_columns(name, fields, user)
        hint = ""
        if fields and all(NUMBER.match(f.strip()) for f in fields):
            hint = " (the first line looks like data, not a header: for ZMAP or hypoDD files pass format='zmap' or 'reloc')"
        raise CatalogError(missing_message(name, fields, user) + hint)
    _, i, fields, d = best
    if fields:
        fields[0] = fields[0].lstrip("\ufeff")
    return i, fields, d


def _is_ragged_error(exc):
    return bool(re.search(r"Expected \d+ columns?, got \d+", str(exc)))


def wrong_columns(rows: ArrayLike, texts: Sequence[str], expected: int,
                  counts: Sequence[int]) -> pd.DataFrame:
    """The report rows for records with the wrong number of fields."""
    return pd.DataFrame({
        "row": np.asarray(rows, dtype=np.int64),
        "text": [t.strip() for t in texts],
        "reason": [f"wrong number of columns (expected {expected}, got {c})" for c in counts],
    })


def read_with_pyarrow(body: str, names: list[str], delim: str, first_line: int
                      ) -> tuple[pd.DataFrame, LazyRows | np.ndarray, pd.DataFrame] | None:
    """Fast path: pyarrow's CSV reader -> (table, rows, wrong-column rows), or None when the
    file is too irregular for it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    found = map_columns(names)
    numeric = {names[i] for k, i in found.items()
               if k in ("latitude", "longitude", "depth", "magnitude", "year", "month", "day",
                        "hour", "minute", "second")}
    infer_time = {names[found["time"]]} if "time" in found and "date" not in found else set()
    data = body.encode("utf-8")
    nulls = ["", "NA", "NaN", "nan", "N/A", "null", "NULL", "None", "-", "--"]
    typed = {n: (pa.float64() if n in numeric else pa.string()) for n in names if n not in infer_time}
    strings = {n: pa.string() for n in names}
    ragged = False
    for types in (typed, strings):
        while True:
            invalid = []

            def handler(row):
                if row.text.strip():
                    invalid.append((row.number, row.actual_columns, row.text))
                return "skip"

            read = pacsv.ReadOptions(column_names=names, block_size=1 << 22, use_threads=not ragged)
            parse = pacsv.ParseOptions(delimiter=delim, invalid_row_handler=handler if ragged else None)
            convert = pacsv.ConvertOptions(column_types=types, null_values=nulls,
                                           strings_can_be_null=True, quoted_strings_can_be_null=True)
            try:
                table = pacsv.read_csv(io.BytesIO(data), read_options=read, parse_options=parse,
                                       convert_options=convert).to_pandas()
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                if _is_ragged_error(exc) and not ragged:
                    ragged = True
                    continue  # again, skipping and recording the rows of the wrong width
                break  # a value of the wrong type: try all columns as text
            if not ragged:
                return table, LazyRows(body, first_line, len(table)), wrong_columns([], [], 0, [])
            if any(number is None for number, _, _ in invalid):
                return None
            # pyarrow numbers records 1, 2, ... over the non-empty lines
            lines = body.split("\n")
            nonempty = np.flatnonzero([bool(line.rstrip("\r")) for line in lines]) + first_line
            skipped = np.zeros(len(nonempty), dtype=bool)
            whitespace_only = [i for i, line in enumerate(lines) if line.rstrip("\r") and not line.strip()]
            skipped[np.searchsorted(nonempty, np.asarray(whitespace_only, dtype=np.int64) + first_line)] = True
            bad_idx = np.asarray([number - 1 for number, _, _ in invalid], dtype=np.int64)
            skipped[bad_idx] = True
            rows = nonempty[~skipped]
            if len(rows) != len(table):
                return None
            bad = wrong_columns(nonempty[bad_idx], [t for _, _, t in invalid], len(names),
                                 [c for _, c, _ in invalid])
            return table, rows, bad
    return None


class LazyRows:
    """Line numbers of the non-blank lines of `body`, computed only if asked."""

    def __init__(self, body: str, first_line: int, n: int):
        self.body, self.first_line, self.n = body, first_line, n

    def resolve(self) -> np.ndarray:
        if "\n\n" not in self.body and "\n\r\n" not in self.body and not self.body.startswith(("\n", "\r\n")):
            return np.arange(self.first_line, self.first_line + self.n, dtype=np.int64)
        lines = self.body.split("\n")
        numbers = np.array([i for i, line in enumerate(lines) if line.strip()], dtype=np.int64)
        return (numbers[: self.n] + self.first_line) if len(numbers) >= self.n else \
            np.arange(self.first_line, self.first_line + self.n, dtype=np.int64)


def read_rows_python(body: str, names: list[str], delim: str, first_line: int,
                     extra_groups: int = 0) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Slow, exact path (csv module): every record with its line number; records with the
    wrong number of fields are dropped. extra_groups=k: a record may carry whole groups of k
    fields more than the header (ISC magnitudes); those are cut off."""
    ncols = len(names)
    records, numbers, bad = [], [], []
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delim)
    prev = 0
    for rec in reader:
        start = prev + 1
        prev = reader.line_num
        if not rec or all(not f.strip() for f in rec):
            continue
        if extra_groups and len(rec) > ncols and (len(rec) - ncols) % extra_groups == 0:
            rec = rec[:ncols]
        if len(rec) == ncols:
            records.append(rec)
            numbers.append(start + first_line - 1)
        else:
            bad.append((start + first_line - 1, len(rec), delim.join(rec)))
    table = pd.DataFrame(records, columns=names, dtype="str") if records else \
        pd.DataFrame({n: pd.Series([], dtype="str") for n in names})
    dropped = wrong_columns([b[0] for b in bad], [b[2] for b in bad], ncols, [b[1] for b in bad])
    return table, np.asarray(numbers, dtype=np.int64), dropped
