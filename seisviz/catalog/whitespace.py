"""Whitespace-separated tables: ZMAP, hypoDD .reloc, and whitespace CSV with a header."""

from __future__ import annotations

import csv
import io
from collections import Counter

import numpy as np
import pandas as pd

from seisviz.catalog.columns import map_columns, unique_names
from seisviz.catalog.text import NUMBER, head_lines, wrong_columns
from seisviz.errors import CatalogError


def numeric_width(text: str) -> int | None:
    """The usual number of fields when the first lines are headerless rows of numbers (ZMAP,
    hypoDD), else None. A few odd rows are allowed, a header line is not."""
    lines = head_lines(text)
    if not lines:
        return None
    sample = [line.split() for line in lines[:20]]
    numeric = [all(NUMBER.match(tok) for tok in toks) for toks in sample]
    if not (numeric[0] and sum(numeric) >= 0.8 * len(sample)):
        return None
    return Counter(len(toks) for toks, ok in zip(sample, numeric) if ok).most_common(1)[0][0]


def read_whitespace(body: str, names: list[str] | None, first_line: int, name: str,
                    label: str = "table", min_cols: int | None = None,
                    text_columns: tuple = ()) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Whitespace-separated table -> (table, line numbers, wrong-column rows).

    names=None: headerless (ZMAP, reloc): the usual number of fields is the number of
    columns, and `text_columns` (indices) stay text; the others are read as numbers when
    possible. With a header of n names whose rows have n + 1 fields and a "time" column, the
    first two fields are read as "date time". label: the format named in errors. Regular files are parsed by pandas' C reader;
    files with rows of the wrong width are split line by line with pyarrow.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = _arrow_lines(body)
    trimmed = pc.utf8_trim_whitespace(lines)
    nonblank = pc.greater(pc.utf8_length(trimmed), 0).to_numpy(zero_copy_only=False)
    nonblank_idx = np.flatnonzero(nonblank)
    if len(nonblank_idx) == 0:
        return pd.DataFrame(columns=names or []), np.array([], np.int64), wrong_columns([], [], 0, [])
    sample = trimmed.take(pa.array(nonblank_idx[:1000])).to_pylist()
    usual = Counter(len(line.split()) for line in sample).most_common(1)[0][0]
    if names is None:
        if usual < min_cols:
            raise CatalogError(f"{name}: not a {label} file: expected at least "
                               f"{min_cols} whitespace-separated columns, found {usual}")
        ncols = usual
        col_names = [f"column_{i + 1}" for i in range(ncols)]
        text_names = {col_names[i] for i in text_columns if i < ncols}
    else:
        ncols = len(names)
        found = map_columns(names)
        if usual == ncols + 1 and "time" in found and "date" not in found:
            t = found["time"]
            names = unique_names(names[:t] + ["date", "time"] + names[t + 1:])
            ncols += 1
            found = map_columns(names)
        col_names = names
        numeric = {names[i] for k, i in found.items()
                   if k in ("latitude", "longitude", "depth", "magnitude", "year", "month", "day",
                            "hour", "minute", "second")}
        text_names = set(names) - numeric

    fast = _read_whitespace_fast(body, col_names, text_names, trimmed, nonblank_idx)
    if fast is not None:
        return fast[0], fast[1] + first_line, wrong_columns([], [], 0, [])

    tokens = pc.utf8_split_whitespace(trimmed)
    counts = np.where(nonblank, pc.list_value_length(tokens).to_numpy(zero_copy_only=False), 0)
    good = counts == ncols
    bad_idx = np.flatnonzero(nonblank & ~good)
    bad_text = lines.take(pa.array(bad_idx, type=pa.int64())).to_pylist()
    bad = wrong_columns(bad_idx + first_line, bad_text, ncols, counts[bad_idx])
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
