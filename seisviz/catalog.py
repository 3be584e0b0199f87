"""Load an earthquake catalog file into the canonical catalog, with a report of what was dropped.

The canonical catalog is a pandas DataFrame sorted by time, index 0..n-1, with columns

- ``time``: ``datetime64[us, UTC]`` (naive times in a file are taken as UTC, times with an
  offset are converted to UTC, times in a column headed "北京时间"/Beijing are taken as UTC+8)
- ``latitude``, ``longitude`` (degrees), ``depth`` (km), ``magnitude``: float64
- optional ``magnitude_type`` and ``event_id`` (strings)

Formats (see docs/catalog-formats.md): ``csv`` (flexible column names, delimiter sniffed),
``zmap``, ``reloc`` (hypoDD), ``quakeml`` and ``cenc`` (Chinese CENC export, CSV or .xlsx).

Rows that cannot be used are dropped, never silently: `LoadReport.dropped` holds each one
with its line/record number in the file (``row``) and a ``reason``. A file that cannot be
used at all raises `CatalogError` with a one-line message naming the file.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from seisviz.errors import CatalogError

FORMATS = ("csv", "zmap", "reloc", "quakeml", "cenc")
FORMAT_NAMES = {
    "csv": "CSV",
    "zmap": "ZMAP",
    "reloc": "hypoDD .reloc",
    "quakeml": "QuakeML",
    "cenc": "CENC",
    "fdsn": "FDSN text",
    "table": "table",
}
MAGNITUDE_RANGE = (-3.0, 10.0)  # outside: a placeholder such as 99 or -9, not a magnitude
DEPTH_RANGE = (-10.0, 1000.0)  # km; negative = above sea level
LATITUDE_RANGE = (-90.0, 90.0)
LONGITUDE_RANGE = (-180.0, 360.0)
DEFAULT_MAX_BYTES = 2 * 1024**3

TIME_UNIT = "us"
_NA_STRINGS = ["", "na", "nan", "n/a", "null", "none", "-", "--"]
_EXPECTED = "expected CSV, ZMAP, hypoDD .reloc, QuakeML or a CENC export (CSV or .xlsx)"

# Column names are compared after `_norm_name`: lower case, units in brackets removed,
# spaces / dashes / slashes / dots turned into "_". First alias found wins.
COLUMN_ALIASES = {
    "time": ["time", "datetime", "date_time", "origin_time", "origintime", "otime", "event_time",
             "eventtime", "time_utc", "utc_time", "utc_datetime", "origin_datetime", "timestamp",
             "发震时刻", "发震时间", "发震日期时间", "时间", "时刻"],
    "date": ["date", "origin_date", "event_date", "日期", "发震日期"],
    "year": ["year", "yr", "yyyy", "decimal_year", "decyear", "年"],
    "month": ["month", "mo", "mon", "月"],
    "day": ["day", "dy", "日"],
    "hour": ["hour", "hr", "时"],
    "minute": ["minute", "min", "mi", "分"],
    "second": ["second", "seconds", "sec", "sc", "秒"],
    "latitude": ["latitude", "lat", "lat_deg", "evla", "纬度", "震中纬度"],
    "longitude": ["longitude", "lon", "lng", "long", "lon_deg", "evlo", "经度", "震中经度"],
    "depth": ["depth", "depth_km", "depthkm", "dep", "evdp", "深度", "震源深度"],
    "magnitude": ["magnitude", "mag", "preferred_magnitude", "mag_value", "mw", "ml", "ms", "mb",
                  "md", "mww", "mwr", "m", "震级"],
    "magnitude_type": ["magnitude_type", "magtype", "mag_type", "magnitudetype", "震级类型"],
    "event_id": ["event_id", "eventid", "evid", "ev_id", "id", "event", "事件id"],
}
_MAG_TYPE_COLUMNS = {"mw", "ml", "ms", "mb", "md", "mww", "mwr"}
_CJK_HEADER_WORDS = ("发震", "纬度", "经度", "震级", "深度")
_BEIJING_MARKERS = ("北京", "beijing", "bjt")

ZMAP_COLUMNS = ["longitude", "latitude", "year", "month", "day", "magnitude", "depth", "hour",
                "minute", "second"]
RELOC_COLUMNS = ["ID", "LAT", "LON", "DEPTH", "X", "Y", "Z", "EX", "EY", "EZ", "YR", "MO", "DY",
                 "HR", "MI", "SC", "MAG", "NCCP", "NCCS", "NCTP", "NCTS", "RCC", "RCT", "CID"]

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive; unzip it first"),
    (b"BZh", "a bzip2 archive; unzip it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive; unzip it first"),
    (b"Rar!", "a RAR archive; unzip it first"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls (or other Office) file; save it as .xlsx or CSV"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
    (b"PAR1", "a Parquet file"),
]


@dataclass
class LoadReport:
    """What happened when a catalog was loaded.

    `dropped` has the original columns of each dropped row, plus ``row`` (1-based line number
    in a text file, row number in a spreadsheet, event number in QuakeML) and ``reason``.
    """

    source: str
    format: str
    n_rows: int
    n_kept: int
    dropped: pd.DataFrame
    columns: dict = field(default_factory=dict)  # canonical name -> column(s) it was read from
    notes: list = field(default_factory=list)

    @property
    def n_dropped(self):
        return self.n_rows - self.n_kept

    def reason_counts(self):
        """{reason: number of rows}, most frequent first."""
        if len(self.dropped) == 0:
            return {}
        counts = Counter(self.dropped["reason"])
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self):
        """One line: 'kept 9,812 of 10,000 rows; dropped 188: 150 unparseable time, 38 …'."""
        head = f"kept {self.n_kept:,} of {self.n_rows:,} rows"
        if self.n_dropped == 0:
            return head + "; dropped none"
        return f"{head}; dropped {self.n_dropped:,}: {_describe_counts(self.reason_counts())}"


def _describe_counts(counts):
    return ", ".join(f"{n:,} {reason}" for reason, n in counts.items())


# --------------------------------------------------------------------------------------------
# entry point


def load_catalog(source, format="auto", name=None, max_bytes=DEFAULT_MAX_BYTES):
    """Read a catalog file into ``(catalog, report)``.

    source: a path, bytes, or a binary file-like object (e.g. a Streamlit upload, whose
    ``.name`` is used in messages). name: what messages call the file. format: "auto"
    (sniffed from the content) or one of FORMATS. Files larger than max_bytes are refused
    before reading. Raises CatalogError (one line, naming the file) when nothing can be used.
    """
    if format not in ("auto",) + FORMATS:
        raise CatalogError(f"unknown catalog format {format!r}; choose auto, " + ", ".join(FORMATS))
    data, name = _read_source(source, name, max_bytes)

    is_zip = data[:4] == b"PK\x03\x04"
    if is_zip and format in ("auto", "cenc", "csv"):
        if not _is_xlsx(data):
            raise CatalogError(f"{name}: not a text file (a zip archive that is not an Excel .xlsx "
                               f"workbook); unzip it first")
        return _load_xlsx(data, name)

    text = _decode(data, name)
    fmt = _sniff_format(text) if format == "auto" else format
    if fmt == "quakeml":
        from seisviz.quakeml import read_quakeml

        table = read_quakeml(data, name=name)
        if len(table) == 0:
            raise CatalogError(f"{name}: QuakeML file contains no events")
        rows = table.pop("row").to_numpy()
        return catalog_from_table(table, name, "quakeml", rows=rows)
    if fmt == "zmap":
        return _load_zmap(text, name)
    if fmt == "reloc":
        return _load_reloc(text, name)
    return _load_delimited(text, name, fmt)


# --------------------------------------------------------------------------------------------
# reading bytes, refusing what is not a catalog


def _read_source(source, name, max_bytes):
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        name = name or path
        if not os.path.exists(path):
            raise CatalogError(f"{name}: file not found")
        if os.path.isdir(path):
            raise CatalogError(f"{name}: is a folder, not a catalog file")
        _check_size(os.path.getsize(path), max_bytes, name)
        with open(path, "rb") as f:
            data = f.read()
    elif isinstance(source, (bytes, bytearray, memoryview)):
        name = name or "uploaded catalog"
        _check_size(len(source), max_bytes, name)
        data = bytes(source)
    elif hasattr(source, "read"):
        name = name or getattr(source, "name", None) or "uploaded catalog"
        name = os.fspath(name) if isinstance(name, os.PathLike) else str(name)
        size = _stream_size(source)
        if size is not None:
            _check_size(size, max_bytes, name)
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        _check_size(len(data), max_bytes, name)
    else:
        raise TypeError(f"load_catalog: expected a path, bytes or a file object, got {type(source).__name__}")
    if not data.strip():
        raise CatalogError(f"{name}: empty file")
    return data, name


def _stream_size(stream):
    """Bytes in the stream (from the start: the stream is the whole file), or None."""
    if hasattr(stream, "getbuffer"):
        try:
            stream.seek(0)
            return stream.getbuffer().nbytes
        except (ValueError, OSError):
            pass
    try:
        if stream.seekable():
            stream.seek(0, io.SEEK_END)
            size = stream.tell()
            stream.seek(0)
            return size
    except (AttributeError, OSError, ValueError):
        pass
    return None


def _human_bytes(n):
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _check_size(size, max_bytes, name):
    if max_bytes is not None and size > max_bytes:
        raise CatalogError(f"{name}: file is {_human_bytes(size)}, larger than the "
                           f"{_human_bytes(max_bytes)} limit (max_bytes)")


def _is_xlsx(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def _decode(data, name):
    """bytes -> str (UTF-8, UTF-16 with BOM, or GBK/GB18030); refuse binary data."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise CatalogError(f"{name}: not a text file ({what}); {_EXPECTED}")
    if data[:4] == b"PK\x03\x04":
        raise CatalogError(f"{name}: not a text file (a zip archive); {_EXPECTED}")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise CatalogError(f"{name}: not a text file (bad UTF-16); {_EXPECTED}") from None
    if b"\x00" in data[:65536]:
        raise CatalogError(f"{name}: not a text file (binary data); {_EXPECTED}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise CatalogError(f"{name}: not a text file (neither UTF-8 nor GBK text); "
                               f"{_EXPECTED}") from None
    if "\n" not in text[:200_000] and "\r" in text[:200_000]:
        text = text.replace("\r", "\n")  # classic Mac line ends
    head = text[:65536]
    control = sum(1 for c in head if c < " " and c not in "\t\n\r\f\v")
    if control > max(8, len(head) // 100):
        raise CatalogError(f"{name}: not a text file (binary data); {_EXPECTED}")
    return text


_NUMBER = re.compile(r"^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)$", re.IGNORECASE)


def _head_lines(text, n=40, max_chars=200_000):
    return [line for line in text[:max_chars].splitlines() if line.strip()][:n]


def _sniff_format(text):
    """Guess the format from the first lines (the caller handles .xlsx)."""
    stripped = text[:4096].lstrip()
    if stripped.startswith("<"):
        return "quakeml"
    lines = _head_lines(text)
    if not lines:
        return "csv"
    if any(word in line for line in lines[:10] for word in _CJK_HEADER_WORDS):
        return "cenc"
    # headerless numeric rows: ZMAP or hypoDD (a few odd rows are allowed, a header is not)
    sample = [line.split() for line in lines[:20]]
    numeric = [all(_NUMBER.match(tok) for tok in toks) for toks in sample]
    if numeric[0] and sum(numeric) >= 0.8 * len(sample):
        ncols = Counter(len(toks) for toks, ok in zip(sample, numeric) if ok).most_common(1)[0][0]
        if 9 <= ncols <= 13:
            return "zmap"
        if ncols >= 20:
            return "reloc"
    return "csv"


# --------------------------------------------------------------------------------------------
# column names


def _norm_name(name):
    s = str(name).strip().strip("\"'").strip().lstrip("#").strip()
    s = re.sub(r"[\(（\[【].*?[\)）\]】]", "", s)
    s = s.lower().strip()
    return re.sub(r"[\s\-/\.]+", "_", s).strip("_")


def _map_columns(names):
    """{key: column index} for the keys of COLUMN_ALIASES found in `names`."""
    norm = [_norm_name(n) for n in names]
    found = {}
    for key, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in norm:
                found[key] = norm.index(alias)
                break
    return found


def _header_score(names):
    found = _map_columns(names)
    has_time = "time" in found or "date" in found or "year" in found
    return has_time + sum(k in found for k in ("latitude", "longitude", "depth", "magnitude"))


def _missing_columns(names):
    """Canonical columns that no name in `names` stands for."""
    found = _map_columns(names)
    missing = [] if ("time" in found or "date" in found or "year" in found) else ["time"]
    return missing + [k for k in ("latitude", "longitude", "depth", "magnitude") if k not in found]


def _missing_message(name, names):
    missing = _missing_columns(names)
    what = "columns" if len(missing) > 1 else "column"
    return (f"{name}: no recognisable {what} for {', '.join(missing)}; found columns "
            f"{_show_names(names)} (accepted names: docs/catalog-formats.md)")


def _unique(names):
    seen = Counter()
    out = []
    for raw in names:
        n = str(raw).strip() or "column"
        seen[n] += 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


# --------------------------------------------------------------------------------------------
# delimited text (CSV, semicolon, tab, pipe, whitespace; CENC CSV)

_DELIMITERS = [",", ";", "\t", "|", None]  # None = runs of whitespace


def _split(line, delim):
    if delim is None:
        return line.split()
    return next(csv.reader([line], delimiter=delim))


def _find_header(text, name):
    """(line index, header fields, delimiter) of the header line, or raise."""
    lines = [line.rstrip("\r") for line in text[:200_000].split("\n")]
    candidates = [(i, line) for i, line in enumerate(lines) if line.strip()][:20]
    best = None
    for pos, (i, line) in enumerate(candidates):
        nxt = candidates[pos + 1][1] if pos + 1 < len(candidates) else None
        for d in _DELIMITERS:
            fields = _split(line, d)
            if len(fields) < 2:
                continue
            score = _header_score(fields)
            if score < 2:
                continue
            consistent = nxt is None or len(_split(nxt, d)) in (len(fields), len(fields) + 1)
            key = (score, consistent)
            if best is None or key > best[0]:
                best = (key, i, fields, d)
        if best is not None and best[0] == (5, True):
            break
    if best is None:
        first = candidates[0][1] if candidates else ""
        fields = max((_split(first, d) for d in _DELIMITERS), key=len)
        hint = ""
        if fields and all(_NUMBER.match(f.strip()) for f in fields):
            hint = " (the first line looks like data, not a header: for ZMAP or hypoDD files pass format='zmap' or 'reloc')"
        raise CatalogError(_missing_message(name, fields) + hint)
    _, i, fields, d = best
    if fields:
        fields[0] = fields[0].lstrip("\ufeff")
    return i, fields, d


def _show_names(fields, limit=12):
    shown = ", ".join(repr(str(f).strip()) for f in fields[:limit])
    if len(fields) > limit:
        shown += f", … ({len(fields)} columns)"
    return shown or "nothing"


def _load_delimited(text, name, fmt):
    header_idx, header, delim = _find_header(text, name)
    names = _unique(header)
    # character offset of the first line after the header
    offset = 0
    for _ in range(header_idx + 1):
        nl = text.find("\n", offset)
        offset = len(text) if nl < 0 else nl + 1
    body = text[offset:]
    first_line = header_idx + 2
    if not body.strip():
        raise CatalogError(f"{name}: has a header but no data rows")

    if delim is None:
        table, rows, bad = _read_whitespace(body, names, first_line, name, "csv")
    else:
        result = _read_with_pyarrow(body, names, delim, first_line)
        if result is None:
            result = _read_rows_python(body, names, delim, first_line)
        table, rows, bad = result
    if len(table) == 0 and len(bad) == 0:
        raise CatalogError(f"{name}: has a header but no data rows")
    return catalog_from_table(table, name, fmt, rows=rows, extra_dropped=bad)


def _is_ragged_error(exc):
    return bool(re.search(r"Expected \d+ columns?, got \d+", str(exc)))


def _wrong_columns(rows, texts, expected, counts):
    return pd.DataFrame({
        "row": np.asarray(rows, dtype=np.int64),
        "text": [t.strip() for t in texts],
        "reason": [f"wrong number of columns (expected {expected}, got {c})" for c in counts],
    })


def _read_with_pyarrow(body, names, delim, first_line):
    """Fast path: pyarrow's CSV reader -> (table, rows, wrong-column rows), or None when the
    file is too irregular for it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    found = _map_columns(names)
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
                return table, _LazyRows(body, first_line, len(table)), _wrong_columns([], [], 0, [])
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
            bad = _wrong_columns(nonempty[bad_idx], [t for _, _, t in invalid], len(names),
                                 [c for _, c, _ in invalid])
            return table, rows, bad
    return None


class _LazyRows:
    """Line numbers of the non-blank lines of `body`, computed only if asked."""

    def __init__(self, body, first_line, n):
        self.body, self.first_line, self.n = body, first_line, n

    def resolve(self):
        if "\n\n" not in self.body and "\n\r\n" not in self.body and not self.body.startswith(("\n", "\r\n")):
            return np.arange(self.first_line, self.first_line + self.n, dtype=np.int64)
        lines = self.body.split("\n")
        numbers = np.array([i for i, line in enumerate(lines) if line.strip()], dtype=np.int64)
        return (numbers[: self.n] + self.first_line) if len(numbers) >= self.n else \
            np.arange(self.first_line, self.first_line + self.n, dtype=np.int64)


def _read_rows_python(body, names, delim, first_line):
    """Slow, exact path (csv module): every record with its line number; records with the
    wrong number of fields are dropped."""
    ncols = len(names)
    records, numbers, bad = [], [], []
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delim)
    prev = 0
    for rec in reader:
        start = prev + 1
        prev = reader.line_num
        if not rec or all(not f.strip() for f in rec):
            continue
        if len(rec) == ncols:
            records.append(rec)
            numbers.append(start + first_line - 1)
        else:
            bad.append((start + first_line - 1, len(rec), delim.join(rec)))
    table = pd.DataFrame(records, columns=names, dtype="str") if records else \
        pd.DataFrame({n: pd.Series([], dtype="str") for n in names})
    dropped = _wrong_columns([b[0] for b in bad], [b[2] for b in bad], ncols, [b[1] for b in bad])
    return table, np.asarray(numbers, dtype=np.int64), dropped


# --------------------------------------------------------------------------------------------
# whitespace-separated tables: ZMAP, hypoDD .reloc, and whitespace CSV with a header


def _read_whitespace(body, names, first_line, name, fmt, min_cols=None, text_columns=()):
    """Whitespace-separated table -> (table, line numbers, wrong-column rows).

    names=None: headerless (ZMAP, reloc): the usual number of fields is the number of
    columns, and `text_columns` (indices) stay text; the others are read as numbers when
    possible. With a header of n names whose rows have n + 1 fields and a "time" column, the
    first two fields are read as "date time". Regular files are parsed by pandas' C reader;
    files with rows of the wrong width are split line by line with pyarrow.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = _arrow_lines(body)
    trimmed = pc.utf8_trim_whitespace(lines)
    nonblank = pc.greater(pc.utf8_length(trimmed), 0).to_numpy(zero_copy_only=False)
    nonblank_idx = np.flatnonzero(nonblank)
    if len(nonblank_idx) == 0:
        return pd.DataFrame(columns=names or []), np.array([], np.int64), _wrong_columns([], [], 0, [])
    sample = trimmed.take(pa.array(nonblank_idx[:1000])).to_pylist()
    usual = Counter(len(line.split()) for line in sample).most_common(1)[0][0]
    if names is None:
        if usual < min_cols:
            raise CatalogError(f"{name}: not a {FORMAT_NAMES[fmt]} file: expected at least "
                               f"{min_cols} whitespace-separated columns, found {usual}")
        ncols = usual
        col_names = [f"column_{i + 1}" for i in range(ncols)]
        text_names = {col_names[i] for i in text_columns if i < ncols}
    else:
        ncols = len(names)
        found = _map_columns(names)
        if usual == ncols + 1 and "time" in found and "date" not in found:
            t = found["time"]
            names = _unique(names[:t] + ["date", "time"] + names[t + 1:])
            ncols += 1
            found = _map_columns(names)
        col_names = names
        numeric = {names[i] for k, i in found.items()
                   if k in ("latitude", "longitude", "depth", "magnitude", "year", "month", "day",
                            "hour", "minute", "second")}
        text_names = set(names) - numeric

    fast = _read_whitespace_fast(body, col_names, text_names, trimmed, nonblank_idx)
    if fast is not None:
        return fast[0], fast[1] + first_line, _wrong_columns([], [], 0, [])

    tokens = pc.utf8_split_whitespace(trimmed)
    counts = np.where(nonblank, pc.list_value_length(tokens).to_numpy(zero_copy_only=False), 0)
    good = counts == ncols
    bad_idx = np.flatnonzero(nonblank & ~good)
    bad_text = lines.take(pa.array(bad_idx, type=pa.int64())).to_pylist()
    bad = _wrong_columns(bad_idx + first_line, bad_text, ncols, counts[bad_idx])
    kept = tokens.filter(pa.array(good))
    columns = [pc.list_element(kept, i) for i in range(ncols)]
    table = pa.Table.from_arrays(columns, names=col_names).to_pandas()
    return table, np.flatnonzero(good) + first_line, bad


def _arrow_lines(body):
    """Every line of `body` (blank ones too) as a pyarrow string array; line i+1 = item i."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    data = body.encode("utf-8")
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=["line"], block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter="\x1f", quote_char=False,
                                             escape_char=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={"line": pa.string()},
                                                 null_values=[], strings_can_be_null=False))
        lines = table.column("line").combine_chunks()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        lines = None
    expected = body.count("\n") + (0 if body.endswith("\n") else 1)
    if lines is None or len(lines) != expected:
        lines = pa.array([line.rstrip("\r") for line in body.split("\n")][:expected], type=pa.string())
    return lines


def _read_whitespace_fast(body, col_names, text_names, trimmed, nonblank_idx):
    """pandas' C reader for a whitespace table whose rows all have len(col_names) fields;
    None if that is not so (or a value is not a number), and the caller splits exactly."""
    import warnings

    dtype = {c: (str if c in text_names else np.float64) for c in col_names}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = pd.read_csv(io.StringIO(body), sep=r"\s+", header=None, names=col_names,
                                dtype=dtype, quoting=csv.QUOTE_NONE, index_col=False,
                                skip_blank_lines=True, engine="c")
    except (ValueError, pd.errors.ParserError, OverflowError):
        return None
    if len(table) != len(nonblank_idx):
        return None
    # the C reader pads short rows with NaN: look at rows whose last field is empty
    short = table.iloc[:, -1].isna().to_numpy()
    if short.any():
        import pyarrow as pa

        suspects = trimmed.take(pa.array(nonblank_idx[short])).to_pylist()
        if any(len(line.split()) != len(col_names) for line in suspects):
            return None
    return table, nonblank_idx


def _load_zmap(text, name):
    table, rows, bad = _read_whitespace(text, None, 1, name, "zmap", min_cols=9)
    ncols = table.shape[1]
    table.columns = ZMAP_COLUMNS[:min(ncols, 10)] + [f"column_{i + 1}" for i in range(10, ncols)]
    f = {c: _to_float(table[c])[0] for c in ZMAP_COLUMNS[:min(ncols, 10)]}
    year, month, day = f["year"], f["month"], f["day"]
    second = f.get("second", np.zeros(len(table)))
    by_parts = _time_from_parts(np.floor(year), month, day, f["hour"], f["minute"], second)
    # col 3 may be a decimal year; it is the time where month/day do not make a date
    use_decimal = by_parts.isna().to_numpy() & np.isfinite(year) & ~(
        (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31))
    time = by_parts.copy()
    if use_decimal.any():
        time[use_decimal] = _time_from_decimal_year(year[use_decimal]).to_numpy()
    columns = {"time": "year month day hour minute" + (" second" if ncols >= 10 else ""),
               "longitude": "longitude", "latitude": "latitude", "depth": "depth",
               "magnitude": "magnitude"}
    return _finish(name, "zmap", table, rows, time, np.zeros(len(table), bool),
                   {k: table[k] for k in ("latitude", "longitude", "depth", "magnitude")},
                   columns, [], bad)


def _load_reloc(text, name):
    table, rows, bad = _read_whitespace(text, None, 1, name, "reloc", min_cols=17, text_columns=(0,))
    ncols = table.shape[1]
    table.columns = RELOC_COLUMNS[:ncols] + [f"column_{i + 1}" for i in range(len(RELOC_COLUMNS), ncols)]
    f = {c: _to_float(table[c])[0] for c in ("YR", "MO", "DY", "HR", "MI", "SC")}
    time = _time_from_parts(f["YR"], f["MO"], f["DY"], f["HR"], f["MI"], f["SC"])
    values = {"latitude": table["LAT"], "longitude": table["LON"], "depth": table["DEPTH"],
              "magnitude": table["MAG"], "event_id": table["ID"]}
    columns = {"time": "YR MO DY HR MI SC", "latitude": "LAT", "longitude": "LON",
               "depth": "DEPTH", "magnitude": "MAG", "event_id": "ID"}
    return _finish(name, "reloc", table, rows, time, np.zeros(len(table), bool), values,
                   columns, [], bad)


# --------------------------------------------------------------------------------------------
# Excel (.xlsx; CENC exports)


def _load_xlsx(data, name):
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds
        raise CatalogError(f"{name}: cannot read the Excel workbook ({type(exc).__name__}: {exc})") from None
    try:
        first_header = None
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            head = []
            for i, values in enumerate(rows, start=1):
                head.append((i, values))
                if len(head) >= 20:
                    break
            for i, values in head:
                fields = ["" if v is None else str(v) for v in values]
                if first_header is None and any(f.strip() for f in fields):
                    first_header = fields
                if _header_score(fields) >= 2:
                    return _xlsx_table(ws, i, fields, name)
        raise CatalogError(_missing_message(name, first_header or []) + " (in any sheet)")
    finally:
        wb.close()


def _xlsx_table(ws, header_row, header, name):
    while header and not header[-1].strip():
        header = header[:-1]
    names = _unique(header)
    ncols = len(names)
    records, numbers = [], []
    for i, values in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True),
                               start=header_row + 1):
        values = list(values[:ncols]) + [None] * max(0, ncols - len(values))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        records.append(values)
        numbers.append(i)
    if not records:
        raise CatalogError(f"{name}: has a header but no data rows")
    table = pd.DataFrame(records, columns=names, dtype=object)
    return catalog_from_table(table, name, "cenc", rows=np.asarray(numbers, dtype=np.int64))


# --------------------------------------------------------------------------------------------
# from a table with named columns to the canonical catalog


def catalog_from_table(table, name, format="table", rows=None, extra_dropped=None):
    """Turn a table whose columns have recognisable names into ``(catalog, report)``.

    table: DataFrame as read from the file (any dtypes). rows: the line/record number of each
    table row in the file (default 1..n). extra_dropped: rows already dropped while reading
    (columns ``row``, ``reason`` and anything else). Raises CatalogError naming the missing
    canonical columns when the names are not recognised.
    """
    names = [str(c) for c in table.columns]
    found = _map_columns(names)
    if _missing_columns(names):
        raise CatalogError(_missing_message(name, names))

    col = {k: table.iloc[:, i] for k, i in found.items()}
    used = {k: names[i] for k, i in found.items()}
    notes = []
    time_key = [k for k in ("date", "time", "year") if k in found]
    tz_hint = None
    if any(m in names[found[k]].lower() for k in time_key for m in _BEIJING_MARKERS):
        tz_hint = "Asia/Shanghai"
        notes.append("times read as Beijing time (UTC+8) and converted to UTC")

    if "time" in found and "year" in found and "month" in found and "day" in found \
            and _looks_like_time_of_day(col["time"]):
        date = _time_from_parts(*(_to_float(col[k])[0] for k in ("year", "month", "day")),
                                np.zeros(len(table)), np.zeros(len(table)), np.zeros(len(table)))
        date_text = pd.Series(np.datetime_as_string(date.dt.tz_localize(None).to_numpy(), unit="D"),
                              index=table.index)
        time, blank = _parse_time(date_text + " " + _as_text(col["time"]), tz_hint)
        blank = blank | _blank(col["time"])
        used["time"] = f"{used['year']} {used['month']} {used['day']} {used['time']}"
    elif "time" in found and "date" in found:
        text = _as_date_text(col["date"]) + " " + _as_text(col["time"])
        time, blank = _parse_time(text, tz_hint)
        blank = _blank(col["date"]) | _blank(col["time"])
        used["time"] = f"{used['date']} + {used['time']}"
    elif "time" in found:
        time, blank = _parse_time(col["time"], tz_hint)
    elif "date" in found:
        time, blank = _parse_time(col["date"], tz_hint)
        used["time"] = used["date"]
    elif "month" in found and "day" in found:
        zeros = np.zeros(len(table))
        parts = [_to_float(col[k])[0] if k in col else zeros
                 for k in ("year", "month", "day", "hour", "minute", "second")]
        time = _time_from_parts(*parts)
        blank = np.isnan(parts[0])
        used["time"] = " ".join(used[k] for k in ("year", "month", "day", "hour", "minute", "second")
                                if k in used)
    else:  # a decimal year
        year = _to_float(col["year"])[0]
        time = _time_from_decimal_year(year)
        blank = np.isnan(year)
        used["time"] = used["year"]
        notes.append(f"time read as a decimal year from column {used['year']!r}")
    for k in ("date", "year", "month", "day", "hour", "minute", "second"):
        used.pop(k, None)

    values = {k: col[k] for k in ("latitude", "longitude", "depth", "magnitude")}
    for k in ("magnitude_type", "event_id"):
        if k in col:
            values[k] = col[k]
    mag_col = _norm_name(used["magnitude"])
    if "magnitude_type" not in col and mag_col in _MAG_TYPE_COLUMNS:
        values["magnitude_type"] = pd.Series(str(used["magnitude"]).strip().split("(")[0],
                                             index=table.index, dtype="str")
        notes.append(f"magnitude type {values['magnitude_type'].iloc[0] if len(table) else ''} "
                     f"taken from the column name")
    return _finish(name, format, table, rows, time, np.asarray(blank, bool), values, used, notes,
                   extra_dropped)


def _looks_like_time_of_day(series):
    sample = _as_text(series.dropna().head(20))
    return len(sample) > 0 and bool(sample.str.match(r"^\s*\d{1,2}:\d{2}").all())


def _as_text(series):
    s = pd.Series(series)
    if s.dtype == object:
        s = s.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else ("" if v is None else str(v)))
    return s.astype("str").fillna("").str.strip()


def _as_date_text(series):
    s = pd.Series(series)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.dt.strftime("%Y-%m-%d").fillna("")
    if s.dtype == object:
        s = s.map(lambda v: v.date().isoformat() if hasattr(v, "date") and callable(v.date)
                  else (v.isoformat() if hasattr(v, "isoformat") else ("" if v is None else str(v))))
    return s.astype("str").fillna("").str.strip()


def _blank(series):
    s = pd.Series(series)
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.isna().to_numpy()
    txt = s.astype("str").str.strip().str.lower()
    return (s.isna() | txt.isin(_NA_STRINGS)).to_numpy()


def _to_float(series):
    """(float64 values, blank mask, not-a-number mask). Accepts a decimal comma."""
    s = pd.Series(series)
    n = len(s)
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype(object)
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        return v, np.isnan(v), np.zeros(n, bool)
    if s.dtype != object:
        fast = _to_float_arrow(s)
        if fast is not None:
            return fast
    blank = _blank(s)
    v = np.array(pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))
    bad = np.isnan(v) & ~blank
    if bad.any():
        retry = pd.to_numeric(s[bad].astype("str").str.strip().str.replace(",", ".", regex=False),
                              errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        v[bad] = retry
        bad = np.isnan(v) & ~blank
    return v, blank, bad


_ARROW_NUMBER = r"(?i)^[+-]?((\d+\.?\d*|\.\d+)(e[+-]?\d+)?|inf|infinity|nan)$"


def _to_float_arrow(s):
    """_to_float for text columns, vectorised with pyarrow; None if it cannot be used."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(s.astype("str"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        return None
    text = pc.utf8_trim_whitespace(arr)
    blank = pc.or_(pc.is_null(text), pc.fill_null(pc.is_in(pc.utf8_lower(text), pa.array(_NA_STRINGS)), True))
    text = pc.if_else(blank, pa.scalar(None, arr.type), text)
    try:
        values = pc.cast(text, pa.float64())
    except pa.ArrowInvalid:
        ok = pc.fill_null(pc.match_substring_regex(text, _ARROW_NUMBER), False)
        comma = pc.replace_substring(text, ",", ".")
        ok_comma = pc.and_(pc.invert(ok), pc.fill_null(pc.match_substring_regex(comma, _ARROW_NUMBER), False))
        text = pc.if_else(ok, text, pc.if_else(ok_comma, comma, pa.scalar(None, arr.type)))
        try:
            values = pc.cast(text, pa.float64())
        except pa.ArrowInvalid:
            return None
    v = np.array(values.to_numpy(zero_copy_only=False), dtype=np.float64)
    blank = blank.to_numpy(zero_copy_only=False).astype(bool)
    return v, blank, np.isnan(v) & ~blank


def _parse_time(series, tz_hint=None):
    """(time Series datetime64[us, UTC] with NaT where unparseable, blank mask)."""
    s = pd.Series(series)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        t = s
        if t.dt.tz is None:
            t = t.dt.tz_localize(tz_hint or "UTC", ambiguous="NaT", nonexistent="NaT")
        return t.dt.tz_convert("UTC").dt.as_unit(TIME_UNIT), s.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        t = _time_from_decimal_year(np.where((v > 1000) & (v < 3000), v, np.nan))
        return t, np.isnan(v)
    text = _as_text(s)
    blank = _blank(s)
    t = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    failed = (t.isna().to_numpy() & ~blank)
    if failed.any():
        from pandas.tseries.api import guess_datetime_format

        first = text[failed].iloc[0]
        fmt = guess_datetime_format(first)
        if fmt:
            t[failed] = pd.to_datetime(text[failed], format=fmt, utc=True, errors="coerce")
            failed = t.isna().to_numpy() & ~blank
        if failed.any() and failed.sum() <= 20_000:
            t[failed] = pd.to_datetime(text[failed], format="mixed", utc=True, errors="coerce")
    t = t.dt.as_unit(TIME_UNIT)
    if tz_hint:
        naive = ~text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).to_numpy()
        shifted = t.dt.tz_localize(None).dt.tz_localize(tz_hint, ambiguous="NaT", nonexistent="NaT")
        t = t.where(~naive, shifted.dt.tz_convert("UTC"))
    return t, blank


def _time_from_parts(year, month, day, hour, minute, second):
    """Vectorised calendar parts -> datetime64[us, UTC]; second=60 rolls over; NaT if invalid."""
    year, month, day, hour, minute, second = (np.asarray(a, dtype=np.float64)
                                              for a in (year, month, day, hour, minute, second))
    n = len(year)
    ok = (np.isfinite(year) & np.isfinite(month) & np.isfinite(day) & np.isfinite(hour)
          & np.isfinite(minute) & np.isfinite(second)
          & (year == np.floor(year)) & (month == np.floor(month)) & (day == np.floor(day))
          & (year >= 1) & (year <= 9999) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
          & (hour >= 0) & (hour < 24) & (minute >= 0) & (minute < 60) & (second >= 0) & (second <= 61))
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    if ok.any():
        base = pd.to_datetime(pd.DataFrame({"year": year[ok].astype(np.int64),
                                            "month": month[ok].astype(np.int64),
                                            "day": day[ok].astype(np.int64)}),
                              errors="coerce").to_numpy().astype("datetime64[us]")
        micro = np.round((hour[ok] * 3600 + minute[ok] * 60 + second[ok]) * 1e6).astype(np.int64)
        out[ok] = base + micro.astype("timedelta64[us]")
    return pd.Series(pd.DatetimeIndex(out).tz_localize("UTC"))


def _time_from_decimal_year(year):
    """Decimal year (e.g. 2019.4567) -> datetime64[us, UTC]."""
    year = np.asarray(year, dtype=np.float64)
    out = np.full(len(year), np.datetime64("NaT"), dtype="datetime64[us]")
    ok = np.isfinite(year) & (year >= 1) & (year < 9999)
    if ok.any():
        y = np.floor(year[ok]).astype(np.int64)
        start = (y - 1970).astype("datetime64[Y]").astype("datetime64[us]")
        end = (y + 1 - 1970).astype("datetime64[Y]").astype("datetime64[us]")
        length = (end - start).astype(np.int64)
        out[ok] = start + np.round((year[ok] - y) * length).astype(np.int64).astype("timedelta64[us]")
    return pd.Series(pd.DatetimeIndex(out).tz_localize("UTC"))


def _finish(name, fmt, table, rows, time, time_blank, values, used, notes, extra_dropped=None):
    """Validate, drop with reasons, de-duplicate, sort: -> (catalog, LoadReport)."""
    n = len(table)
    if isinstance(rows, _LazyRows):
        lazy_rows, rows = rows, None
    else:
        lazy_rows = None
        rows = np.arange(1, n + 1, dtype=np.int64) if rows is None else np.asarray(rows, np.int64)
    reasons = [None]
    code = np.zeros(n, dtype=np.int16)

    def mark(mask, reason):
        mask = np.asarray(mask, bool) & (code == 0)
        if mask.any():
            if reason not in reasons:
                reasons.append(reason)
            code[mask] = reasons.index(reason)

    time = pd.Series(time).reset_index(drop=True)
    tnat = time.isna().to_numpy()
    mark(tnat & time_blank, "missing time")
    mark(tnat, "unparseable time")
    cols = {}
    for key in ("latitude", "longitude", "depth", "magnitude"):
        v, blank, bad = _to_float(values[key])
        cols[key] = v
        mark(blank, f"missing {key}")
        mark(bad, f"{key} not a number")
        lo, hi = {"latitude": LATITUDE_RANGE, "longitude": LONGITUDE_RANGE,
                  "depth": DEPTH_RANGE, "magnitude": MAGNITUDE_RANGE}[key]
        with np.errstate(invalid="ignore"):
            mark((v < lo) | (v > hi), f"{key} out of range")

    catalog = pd.DataFrame({"time": time, **cols})
    for key in ("magnitude_type", "event_id"):
        if key in values:
            s = pd.Series(values[key]).reset_index(drop=True)
            if s.dtype == object:
                s = s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                          else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
            catalog[key] = s.astype("str").str.strip()

    valid = code == 0
    dup = np.zeros(n, bool)
    if valid.any():
        dup[valid] = catalog.loc[valid, ["time", "latitude", "longitude", "magnitude"]] \
            .duplicated(keep="first").to_numpy()
    mark(dup, "duplicate")

    keep = code == 0
    catalog = catalog.loc[keep].sort_values("time", kind="stable").reset_index(drop=True)
    if str(catalog["time"].dtype) != f"datetime64[{TIME_UNIT}, UTC]":
        catalog["time"] = pd.to_datetime(catalog["time"], utc=True).dt.as_unit(TIME_UNIT)

    drop_idx = np.flatnonzero(~keep)
    if lazy_rows is not None:
        rows = lazy_rows.resolve() if len(drop_idx) else None
    dropped = table.iloc[drop_idx].reset_index(drop=True).copy()
    dropped.columns = [c if c not in ("row", "reason") else f"{c}_in_file" for c in dropped.columns]
    dropped.insert(0, "row", rows[drop_idx] if rows is not None else np.array([], np.int64))
    dropped["reason"] = np.asarray(reasons, dtype=object)[code[drop_idx]]
    n_rows = n
    if extra_dropped is not None and len(extra_dropped):
        dropped = pd.concat([dropped, extra_dropped], ignore_index=True)
        dropped = dropped.sort_values("row", kind="stable").reset_index(drop=True)
        n_rows += len(extra_dropped)
    report = LoadReport(source=str(name), format=fmt, n_rows=n_rows, n_kept=len(catalog),
                        dropped=dropped, columns=dict(used), notes=list(notes))
    if len(catalog) == 0:
        if n_rows == 0:
            raise CatalogError(f"{name}: has a header but no data rows")
        raise CatalogError(f"{name}: no usable rows: dropped all {n_rows:,}: "
                           f"{_describe_counts(report.reason_counts())}")
    return catalog, report


# --------------------------------------------------------------------------------------------
# summaries and output


def summarize(catalog):
    """Headline numbers of a catalog: n_events, start, end, extents, magnitude range, mc."""
    from seisviz.filters import mc_max_curvature

    n = len(catalog)
    if n == 0:
        return {"n_events": 0, "start": None, "end": None, "min_longitude": None,
                "max_longitude": None, "min_latitude": None, "max_latitude": None,
                "min_magnitude": None, "max_magnitude": None, "min_depth": None,
                "max_depth": None, "mc": None}
    return {
        "n_events": int(n),
        "start": catalog["time"].min(),
        "end": catalog["time"].max(),
        "min_longitude": float(catalog["longitude"].min()),
        "max_longitude": float(catalog["longitude"].max()),
        "min_latitude": float(catalog["latitude"].min()),
        "max_latitude": float(catalog["latitude"].max()),
        "min_magnitude": float(catalog["magnitude"].min()),
        "max_magnitude": float(catalog["magnitude"].max()),
        "min_depth": float(catalog["depth"].min()),
        "max_depth": float(catalog["depth"].max()),
        "mc": float(mc_max_curvature(catalog["magnitude"].to_numpy())),
    }


def format_time(times):
    """ISO 8601 strings ending in Z (microseconds) for a datetime column."""
    t = pd.Series(times)
    values = t.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]")
    out = np.char.add(np.datetime_as_string(values, unit="us"), "Z").astype(object)
    out[np.isnat(values)] = ""
    return out


def write_catalog_csv(catalog, path_or_buffer):
    """Write a catalog as CSV (time as ISO 8601 UTC with Z) that `load_catalog` reads back."""
    out = catalog.copy()
    out["time"] = format_time(out["time"])
    out.to_csv(path_or_buffer, index=False)
