"""LoadReport: what a load kept, what it dropped and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

NEAR_DUPLICATE = "near-duplicate"  # the reason of a dropped copy of an event (catalog.duplicates)


@dataclass
class LoadReport:
    """What happened when a catalog was loaded.

    `dropped` has the original columns of each dropped row, plus ``row`` (1-based line number
    in a text file, row number in a spreadsheet, event number in QuakeML) and ``reason``;
    when near-duplicate events were dropped, also ``kept_row``: for each of them the row of
    the copy kept in its place (empty for the other reasons).
    """

    source: str
    format: str
    n_rows: int
    n_kept: int
    dropped: pd.DataFrame
    columns: dict = field(default_factory=dict)  # canonical name -> column(s) it was read from
    notes: list = field(default_factory=list)
    time_resolution: str = "second"  # 'year', 'day' or 'second': see catalog.resolution
    # near-duplicate events kept whole as asked (keep_duplicates): the rows of each, in order
    duplicates_kept: list = field(default_factory=list)

    @property
    def n_dropped(self) -> int:
        return self.n_rows - self.n_kept

    def reason_counts(self) -> dict[str, int]:
        """{reason: number of rows}, most frequent first."""
        if len(self.dropped) == 0:
            return {}
        counts = Counter(self.dropped["reason"])
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self) -> str:
        """One line: 'kept 9,812 of 10,000 rows; dropped 188: 150 unparseable time, 38 …'."""
        head = f"kept {self.n_kept:,} of {self.n_rows:,} rows"
        if self.n_dropped == 0:
            line = head + "; dropped none"
        else:
            line = f"{head}; dropped {self.n_dropped:,}: {describe_counts(self.reason_counts())}"
        groups = self.near_duplicate_groups()
        if groups:
            line += f"; of near-duplicate events kept {describe_groups(groups)}"
        if self.duplicates_kept:
            n = len(self.duplicates_kept)
            line += (f"; kept every copy of {n:,} near-duplicate event{'s' if n > 1 else ''} "
                     f"as asked ({describe_kept_groups(self.duplicates_kept)})")
        return line

    def near_duplicate_groups(self) -> list[tuple[int, list[int]]]:
        """[(row kept, [rows dropped as its near-duplicates]), ...] in file order."""
        if "kept_row" not in self.dropped.columns or len(self.dropped) == 0:
            return []
        near = self.dropped[self.dropped["reason"] == NEAR_DUPLICATE]
        return [(int(kept), sorted(int(r) for r in rows))
                for kept, rows in near.groupby("kept_row", sort=True)["row"]]


def describe_counts(counts: dict[str, int]) -> str:
    """'150 unparseable time, 38 latitude out of range'."""
    return ", ".join(f"{n:,} {reason}" for reason, n in counts.items())


def describe_groups(groups: list[tuple[int, list[int]]], joiner: str = "over",
                    limit: int = 3) -> str:
    """'row 4 over 5, row 10 over 11 and 12, and 55 more events' from
    [(kept row, [dropped rows]), ...]."""
    parts = []
    for kept, others in groups[:limit]:
        names = [f"{r:,}" for r in others]
        names = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        parts.append(f"row {kept:,} {joiner} {names}")
    text = ", ".join(parts)
    if len(groups) > limit:
        text += f", and {len(groups) - limit:,} more events"
    return text


def describe_kept_groups(groups: list[list[int]], limit: int = 3) -> str:
    """'rows 3 and 4; rows 10, 11 and 12; and 55 more' from [[rows of one event], ...]."""
    parts = []
    for rows in groups[:limit]:
        names = [f"{r:,}" for r in rows]
        parts.append("rows " + ", ".join(names[:-1]) + " and " + names[-1])
    if len(groups) > limit:
        parts.append(f"and {len(groups) - limit:,} more")
    return "; ".join(parts)
