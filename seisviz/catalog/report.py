"""LoadReport: what a load kept, what it dropped and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd


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
    time_resolution: str = "second"  # 'year', 'day' or 'second': see catalog.resolution

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
            return head + "; dropped none"
        return f"{head}; dropped {self.n_dropped:,}: {describe_counts(self.reason_counts())}"


def describe_counts(counts: dict[str, int]) -> str:
    """'150 unparseable time, 38 latitude out of range'."""
    return ", ".join(f"{n:,} {reason}" for reason, n in counts.items())
