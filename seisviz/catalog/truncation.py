"""Is a text file cut off in its last line? A download or copy that stopped early leaves
a last line without its line end, shorter than the rows above it; the rows before it are
whole, so they load, and the report says the file looks truncated and how many rows it
kept, instead of loading quietly."""

from __future__ import annotations

from collections import Counter

from seisviz.catalog.text import split_line

SAMPLE_LINES = 200  # the rows above the last one it is compared with


def cut_off_note(text: str, n_kept: int) -> str | None:
    """A note for the load report when the last line looks cut off, else None.

    The last line looks cut off when the text does not end with a line end and that line
    either has fewer fields than most lines above it (the cut fell before a delimiter) or
    is shorter than every one of them (the cut fell inside the last field)."""
    if not text or text.endswith(("\n", "\r")):
        return None  # a cut exactly at a line end leaves nothing to see
    tail = text[-200_000:].split("\n")
    lines = [line.rstrip("\r") for line in tail if line.strip()]
    if len(lines) < 4:
        return None
    # the file's first line is left out when the sample reaches it: it is usually a header
    last, above = lines[-1], lines[max(1, len(lines) - 1 - SAMPLE_LINES):-1]
    line_no = text.count("\n") + 1
    delim = _delimiter(above)
    n_fields = Counter(len(split_line(line, delim)) for line in above).most_common(1)[0][0]
    got = len(split_line(last, delim))
    if got < n_fields:
        what = f"line {line_no:,} ends after {got} of {n_fields} fields"
    elif len(last) < min(len(line) for line in above):
        what = f"line {line_no:,} is shorter than every line above it and has no line end"
    else:
        return None
    return (f"warning: the file looks truncated: {what}; {n_kept:,} rows kept (the rows before it "
            "are whole)")


def _delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits the sample lines most evenly (None: whitespace)."""
    best, best_key = None, (0, 0)
    for d in (",", ";", "\t", "|"):
        counts = Counter(line.count(d) for line in lines)
        n, share = counts.most_common(1)[0]
        key = (share, n) if n > 0 else (0, 0)
        if key > best_key:
            best, best_key = d, key
    return best
