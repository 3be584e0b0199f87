"""Column names: which file column stands for which canonical column."""

from __future__ import annotations

import re
from collections import Counter

# Column names are compared after `norm_name`: lower case, units in brackets removed,
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
MAG_TYPE_COLUMNS = {"mw", "ml", "ms", "mb", "md", "mww", "mwr"}


def norm_name(name) -> str:
    """A column name as compared with the aliases: lower case, units in brackets removed,
    spaces / dashes / slashes / dots turned into "_"."""
    s = str(name).strip().strip("\"'").strip().lstrip("#").strip()
    s = re.sub(r"[\(（\[【].*?[\)）\]】]", "", s)
    s = s.lower().strip()
    return re.sub(r"[\s\-/\.]+", "_", s).strip("_")


def map_columns(names) -> dict[str, int]:
    """{key: column index} for the keys of COLUMN_ALIASES found in `names`."""
    norm = [norm_name(n) for n in names]
    found = {}
    for key, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in norm:
                found[key] = norm.index(alias)
                break
    return found


def header_score(names) -> int:
    """How many of time, latitude, longitude, depth, magnitude the names stand for."""
    found = map_columns(names)
    has_time = "time" in found or "date" in found or "year" in found
    return has_time + sum(k in found for k in ("latitude", "longitude", "depth", "magnitude"))


def missing_columns(names) -> list[str]:
    """Canonical columns that no name in `names` stands for."""
    found = map_columns(names)
    missing = [] if ("time" in found or "date" in found or "year" in found) else ["time"]
    return missing + [k for k in ("latitude", "longitude", "depth", "magnitude") if k not in found]


def missing_message(name: str, names) -> str:
    """The one-line error for a header that lacks canonical columns."""
    missing = missing_columns(names)
    what = "columns" if len(missing) > 1 else "column"
    return (f"{name}: no recognisable {what} for {', '.join(missing)}; found columns "
            f"{show_names(names)} (accepted names: docs/catalog-formats.md)")


def unique_names(names) -> list[str]:
    """Names made unique by appending _2, _3, ... to repeats; blanks become "column"."""
    seen = Counter()
    out = []
    for raw in names:
        n = str(raw).strip() or "column"
        seen[n] += 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def show_names(fields, limit: int = 12) -> str:
    """The first `limit` names, quoted, for messages."""
    shown = ", ".join(repr(str(f).strip()) for f in fields[:limit])
    if len(fields) > limit:
        shown += f", … ({len(fields)} columns)"
    return shown or "nothing"
