"""What the user tells the loader instead of letting it guess: which column is which, the
delimiter, and the time zone of times written without one."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field

from seisviz.catalog.columns import CANONICAL_KEYS
from seisviz.errors import CatalogError

DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|",
                   "space": "whitespace", "spaces": "whitespace", "whitespace": "whitespace"}
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


@dataclass(frozen=True)
class LoadOptions:
    """columns: {canonical key: column name in the file}, e.g. {"time": "OT"} or
    {"year": "YYYY", "month": "MM", "day": "DD", ...}; keys are CANONICAL_KEYS.
    delimiter: one character, or "whitespace"; None: sniffed.
    timezone: what naive times in the file are (a tzinfo); None: UTC (or Beijing time for
    CENC columns that say so).
    keep_duplicates: keep every copy of a near-duplicate event (seisviz.catalog.duplicates)
    instead of one; not a reading hint, so it does not make the options true."""

    columns: dict = field(default_factory=dict)
    delimiter: str | None = None
    timezone: dt.tzinfo | None = None
    keep_duplicates: bool = False

    def __bool__(self) -> bool:
        return bool(self.columns or self.delimiter or self.timezone)


def make_options(columns: dict | None = None, delimiter: str | None = None,
                 timezone: str | dt.tzinfo | None = None, name: str = "catalog",
                 keep_duplicates: bool = False) -> LoadOptions:
    """Checked LoadOptions; a bad key, delimiter or time zone is a one-line CatalogError
    naming the file."""
    columns = {str(k).strip(): str(v) for k, v in (columns or {}).items() if str(v).strip()}
    unknown = [k for k in columns if k not in CANONICAL_KEYS]
    if unknown:
        raise CatalogError(f"{name}: unknown column key {unknown[0]!r} (use "
                           f"{', '.join(CANONICAL_KEYS)})")
    if "time" in columns and set(columns) & {"year", "month", "day", "hour", "minute", "second"}:
        raise CatalogError(f"{name}: give the time as one column (time=...) or as its parts "
                           f"(year=..., month=..., ...), not both")
    return LoadOptions(columns=columns, delimiter=parse_delimiter(delimiter, name),
                       timezone=parse_timezone(timezone, name),
                       keep_duplicates=bool(keep_duplicates))


def parse_delimiter(delimiter: str | None, name: str = "catalog") -> str | None:
    """',', ';', '\\t', '|', any single character, a name (comma, tab, pipe, whitespace...),
    or None."""
    if delimiter is None or delimiter == "":
        return None
    d = DELIMITER_NAMES.get(str(delimiter).strip().lower(), delimiter)
    if d == "whitespace" or (len(d) == 1 and d not in "\"\r\n"):
        return d
    raise CatalogError(f"{name}: delimiter {delimiter!r} is not one character (or comma, "
                       f"semicolon, tab, pipe, whitespace)")


def parse_timezone(timezone: str | dt.tzinfo | None, name: str = "catalog") -> dt.tzinfo | None:
    """An IANA name ('Asia/Tokyo'), 'UTC', or a fixed offset ('+09:00', '+0900', 'UTC+9')."""
    if timezone is None or isinstance(timezone, dt.tzinfo):
        return timezone
    text = str(timezone).strip()
    if not text:
        return None
    m = _OFFSET.match(text)
    if m:
        sign, hours, minutes = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise CatalogError(f"{name}: time zone {text!r} is not a UTC offset")
        delta = dt.timedelta(hours=hours, minutes=minutes)
        return dt.timezone(-delta if sign == "-" else delta)
    if text.upper() in ("UTC", "Z", "GMT"):
        return dt.timezone.utc
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CatalogError(f"{name}: unknown time zone {text!r} (use e.g. Asia/Tokyo or "
                           f"+09:00)") from None


def parse_columns(text: str | None) -> dict[str, str]:
    """'time=OT,latitude=Lat' -> {"time": "OT", "latitude": "Lat"} (keys checked later, where
    the file's name is known)."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, sep, column = part.partition("=")
        if not sep or not key.strip() or not column.strip():
            raise CatalogError(f"--columns: {part.strip()!r} is not KEY=COLUMN (e.g. "
                               f"time=OriginTime,magnitude=Mag)")
        out[key.strip()] = column.strip()
    return out
