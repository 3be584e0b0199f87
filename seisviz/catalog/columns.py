"""Column names: which file column stands for which canonical column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import re
import unicodedata
from collections import Counter

from seisviz.errors import CatalogError

# Where each accepted name comes from (the keys used in ALIASES below).
SOURCES = {
    "seisviz": "seisviz's own CSV (write_catalog_csv) and the canonical names",
    "ComCat": "USGS ComCat CSV (earthquake.usgs.gov/fdsnws/event/1/query?format=csv); NCEDC's "
              "NCSS catalog files use the same layout",
    "FDSN": "fdsnws-event text format (#EventID|Time|Latitude|...|MagType|Magnitude|...): USGS, "
            "EMSC, INGV, GeoNet, IRIS/EarthScope, ISC, GFZ, NCEDC, SCEDC",
    "ISC": "ISC Bulletin event-catalogue CSV (EVENTID,TYPE,AUTHOR,DATE,TIME,LAT,LON,DEPTH,...,MAG)",
    "ISC-GEM": "ISC-GEM catalogue CSV (date, lat, lon, depth, mw, eventid)",
    "GeoNet": "GeoNet Quake Search CSV (publicid, origintime, latitude, longitude, depth, "
              "magnitude, magnitudetype)",
    "SCEDC": "SCEDC catalog search (#YYY/MM/DD HH:mm:SS.ss ET GT MAG M LAT LON DEPTH Q EVID ...)",
    "ObsPy": "ObsPy CSV plugin (time or year, mon, day, hour, minu, sec; lat, lon, dep, mag, "
             "magtype, id)",
    "pyCSEP": "pyCSEP CSEPCatalog fields (id, origin_time, latitude, longitude, depth, magnitude) "
              "and its ASCII catalog (lon, lat, M, time_string, depth, catalog_id, event_id)",
    "SeismoStats": "SeismoStats Catalog (longitude, latitude, depth, time, magnitude, "
                   "magnitude_type)",
    "ZMAP": "ZMAP 7 catalog tables (Date, Latitude, Longitude, Depth, Magnitude, MagnitudeType) "
            "and the decimal-year column of ZMAP ascii",
    "hypoDD": "hypoDD .reloc column names (YR MO DY HR MI SC LAT LON DEPTH MAG ID)",
    "OpenQuake": "OpenQuake HMTK catalogue CSV (eventID, year, month, day, hour, minute, second, "
                 "longitude, latitude, depth, Mw, Ms, mb, ML)",
    "NOAA": "NOAA NCEI significant-earthquake database (YEAR, MONTH, ..., FOCAL_DEPTH, EQ_PRIMARY)",
    "SAC": "SAC header names (evla, evlo, evdp)",
    "CENC": "China Earthquake Networks Center exports (发震时刻, 纬度, 经度, 深度, 震级)",
    "JMA": "Japan Meteorological Agency exports (発生日時, 緯度, 経度, 深さ, Ｍ)",
    "OGS": "Oklahoma Geological Survey catalog (ORIGINTIME, DEPTH_KM, PREFMAG, PMAG_TYPE, MW, "
           "ML_OGS)",
    "common": "common spellings in state-survey and project catalogs",
}

# (name, canonical key, source): one row per accepted column name. Names are compared after
# `norm_name` (NFKC, lower case, units in brackets removed, spaces / dashes / slashes / dots
# turned into "_"). Within one key the FIRST name present in a file wins, so the order of
# rows is the preference order: for the magnitude, an explicitly preferred magnitude first,
# then a generic magnitude column, then magnitudes of one type (Mw before Ms, mb, ML, Md).
ALIASES: tuple[tuple[str, str, str], ...] = (
    # origin time, one column
    ("time", "time", "ComCat, FDSN, ObsPy, SeismoStats, seisviz"),
    ("origin_time", "time", "pyCSEP"),
    ("origintime", "time", "GeoNet, OGS"),
    ("time_string", "time", "pyCSEP"),
    ("datetime", "time", "common"),
    ("date_time", "time", "common"),
    ("otime", "time", "common"),
    ("ot", "time", "common"),
    ("event_time", "time", "common"),
    ("eventtime", "time", "common"),
    ("time_utc", "time", "common"),
    ("utc_time", "time", "common"),
    ("utc_datetime", "time", "common"),
    ("datetime_utc", "time", "common"),
    ("origin_datetime", "time", "common"),
    ("origin_time_utc", "time", "common"),
    ("timestamp", "time", "common"),
    ("hh:mm:ss_ss", "time", "SCEDC"),
    ("发震时刻", "time", "CENC"),
    ("发震时间", "time", "CENC"),
    ("发震日期时间", "time", "CENC"),
    ("时间", "time", "CENC"),
    ("时刻", "time", "CENC"),
    ("発生日時", "time", "JMA"),
    ("地震の発生日時", "time", "JMA"),
    # date (alone, or with a time-of-day column)
    ("date", "date", "ISC, ISC-GEM, ZMAP"),
    ("origin_date", "date", "common"),
    ("event_date", "date", "common"),
    ("yyyy_mm_dd", "date", "SCEDC"),
    ("yyy_mm_dd", "date", "SCEDC"),
    ("日期", "date", "CENC"),
    ("发震日期", "date", "CENC"),
    ("発生日", "date", "JMA"),
    # calendar parts, or a decimal year
    ("year", "year", "ObsPy, OpenQuake, NOAA"),
    ("yr", "year", "hypoDD"),
    ("yyyy", "year", "common"),
    ("decimal_year", "year", "ZMAP"),
    ("decyear", "year", "ZMAP"),
    ("dec_year", "year", "ZMAP"),
    ("年", "year", "CENC"),
    ("month", "month", "OpenQuake, NOAA"),
    ("mo", "month", "hypoDD"),
    ("mon", "month", "ObsPy"),
    ("月", "month", "CENC"),
    ("day", "day", "ObsPy, OpenQuake, NOAA"),
    ("dy", "day", "hypoDD"),
    ("日", "day", "CENC"),
    ("hour", "hour", "ObsPy, OpenQuake, NOAA"),
    ("hr", "hour", "hypoDD"),
    ("时", "hour", "CENC"),
    ("minute", "minute", "OpenQuake, NOAA"),
    ("minu", "minute", "ObsPy"),
    ("min", "minute", "common"),
    ("mi", "minute", "hypoDD"),
    ("分", "minute", "CENC"),
    ("second", "second", "OpenQuake, NOAA"),
    ("seconds", "second", "common"),
    ("sec", "second", "ObsPy"),
    ("sc", "second", "hypoDD"),
    ("秒", "second", "CENC"),
    # position
    ("latitude", "latitude", "ComCat, FDSN, GeoNet, pyCSEP, SeismoStats, ZMAP, OpenQuake"),
    ("lat", "latitude", "ObsPy, ISC, ISC-GEM, SCEDC, pyCSEP"),
    ("lat_deg", "latitude", "common"),
    ("evla", "latitude", "SAC"),
    ("纬度", "latitude", "CENC"),
    ("震中纬度", "latitude", "CENC"),
    ("緯度", "latitude", "JMA"),
    ("longitude", "longitude", "ComCat, FDSN, GeoNet, pyCSEP, SeismoStats, ZMAP, OpenQuake"),
    ("lon", "longitude", "ObsPy, ISC, ISC-GEM, SCEDC, pyCSEP"),
    ("lng", "longitude", "common"),
    ("long", "longitude", "common"),
    ("lon_deg", "longitude", "common"),
    ("evlo", "longitude", "SAC"),
    ("经度", "longitude", "CENC"),
    ("震中经度", "longitude", "CENC"),
    ("経度", "longitude", "JMA"),
    ("depth", "depth", "ComCat, GeoNet, ISC, ISC-GEM, SCEDC, pyCSEP, SeismoStats, ZMAP"),
    ("depth_km", "depth", "FDSN, OGS"),
    ("depthkm", "depth", "common"),
    ("dep", "depth", "ObsPy"),
    ("focal_depth", "depth", "NOAA"),
    ("evdp", "depth", "SAC"),
    ("深度", "depth", "CENC"),
    ("震源深度", "depth", "CENC"),
    ("深さ", "depth", "JMA"),
    # magnitude, in order of preference
    ("preferred_magnitude", "magnitude", "common"),
    ("pref_mag", "magnitude", "common"),
    ("prefmag", "magnitude", "OGS"),
    ("magnitude_preferred", "magnitude", "common"),
    ("eq_primary", "magnitude", "NOAA"),
    ("magnitude", "magnitude", "FDSN, GeoNet, pyCSEP, SeismoStats, ZMAP, seisviz"),
    ("mag", "magnitude", "ComCat, ObsPy, ISC, SCEDC"),
    ("mag_value", "magnitude", "common"),
    ("magn", "magnitude", "common"),
    ("m", "magnitude", "pyCSEP, JMA"),
    ("震级", "magnitude", "CENC"),
    ("mw", "magnitude", "ISC-GEM, OpenQuake"),
    ("mww", "magnitude", "ComCat"),
    ("mwr", "magnitude", "ComCat"),
    ("ms", "magnitude", "OpenQuake"),
    ("mb", "magnitude", "OpenQuake"),
    ("ml", "magnitude", "OpenQuake"),
    ("md", "magnitude", "common"),
    ("mj", "magnitude", "JMA"),
    # optional columns
    ("magnitude_type", "magnitude_type", "SeismoStats, seisviz"),
    ("magtype", "magnitude_type", "ComCat, FDSN, ObsPy"),
    ("mag_type", "magnitude_type", "common"),
    ("magnitudetype", "magnitude_type", "GeoNet, ZMAP"),
    ("pmag_type", "magnitude_type", "OGS"),
    ("震级类型", "magnitude_type", "CENC"),
    ("event_id", "event_id", "pyCSEP, seisviz"),
    ("eventid", "event_id", "FDSN, ISC, ISC-GEM, OpenQuake"),
    ("publicid", "event_id", "GeoNet"),
    ("evid", "event_id", "SCEDC"),
    ("ev_id", "event_id", "common"),
    ("id", "event_id", "ComCat, ObsPy, pyCSEP, hypoDD"),
    ("event", "event_id", "common"),
    ("事件id", "event_id", "CENC"),
)

CANONICAL_KEYS = ("time", "date", "year", "month", "day", "hour", "minute", "second", "latitude",
                  "longitude", "depth", "magnitude", "magnitude_type", "event_id")
# {canonical key: [accepted names, in order of preference]}
COLUMN_ALIASES: dict[str, list[str]] = {
    key: [alias for alias, k, _ in ALIASES if k == key] for key in CANONICAL_KEYS}
# a magnitude read from one of these columns takes the column name as its type
MAG_TYPE_COLUMNS = {"mw", "ml", "ms", "mb", "md", "mww", "mwr", "mj"}


def norm_name(name: object) -> str:
    """A column name as compared with the aliases: lower case, units in brackets removed,
    spaces / dashes / slashes / dots turned into "_"."""
    s = unicodedata.normalize("NFKC", str(name))  # full-width Ｍ (JMA) -> M
    s = s.strip().strip("\"'").strip().lstrip("#").strip()
    s = re.sub(r"[\(（\[【].*?[\)）\]】]", "", s)
    s = s.lower().strip()
    return re.sub(r"[\s\-/\.]+", "_", s).strip("_")


TIME_KEYS = ("time", "date", "year", "month", "day", "hour", "minute", "second")


def map_columns(names: Sequence[str], user: dict[str, str] | None = None) -> dict[str, int]:
    """{key: column index} for the keys of COLUMN_ALIASES found in `names`.

    user: {key: column name} the user chose; these win over the guesses, and a time given by
    the user (one column or its parts) replaces every guessed time column. Names in `user`
    that are not in `names` are left out (see `check_user_columns`)."""
    norm = [norm_name(n) for n in names]
    found = {}
    for key, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in norm:
                found[key] = norm.index(alias)
                break
    if user:
        chosen = {key: i for key, col in user.items() if (i := find_column(names, col)) is not None}
        if any(key in TIME_KEYS for key in user):
            found = {k: i for k, i in found.items() if k not in TIME_KEYS}
        found.update(chosen)
    return found


def find_column(names: Sequence[str], column: str) -> int | None:
    """Index of `column` in names: the exact name, else the same name ignoring case and
    surrounding spaces; None if absent."""
    names = [str(n) for n in names]
    if column in names:
        return names.index(column)
    folded = [n.strip().strip("\"'").lstrip("#").strip().casefold() for n in names]
    target = str(column).strip().casefold()
    return folded.index(target) if target in folded else None


def check_user_columns(name: str, names: Sequence[str], user: dict[str, str] | None) -> None:
    """Raise CatalogError naming the first user-chosen column that the file lacks."""
    for key, column in (user or {}).items():
        if find_column(names, column) is None:
            raise CatalogError(f"{name}: no column {column!r} (given for {key}) in the file; "
                               f"found columns {show_names(names)}")


def header_score(names: Sequence[str], user: dict[str, str] | None = None) -> int:
    """How many of time, latitude, longitude, depth, magnitude the names stand for."""
    found = map_columns(names, user)
    has_time = "time" in found or "date" in found or "year" in found
    return has_time + sum(k in found for k in ("latitude", "longitude", "depth", "magnitude"))


def missing_columns(names: Sequence[str], user: dict[str, str] | None = None) -> list[str]:
    """Canonical columns that no name in `names` stands for."""
    found = map_columns(names, user)
    missing = [] if ("time" in found or "date" in found or "year" in found) else ["time"]
    return missing + [k for k in ("latitude", "longitude", "depth", "magnitude") if k not in found]


def missing_message(name: str, names: Sequence[str], user: dict[str, str] | None = None) -> str:
    """The one-line error for a header that lacks canonical columns; it says how to name
    them (the Catalog page's column chooser, or --columns)."""
    missing = missing_columns(names, user)
    what = "columns" if len(missing) > 1 else "column"
    return (f"{name}: no recognisable {what} for {', '.join(missing)}; found columns "
            f"{show_names(names)} (accepted names: docs/catalog-formats.md; or name them "
            f"yourself: --columns {','.join(f'{k}=COLUMN' for k in missing)} on the command "
            f"line, the column chooser on the Catalog page)")


def unique_names(names: Iterable[object]) -> list[str]:
    """Names made unique by appending _2, _3, ... to repeats; blanks become "column"."""
    seen = Counter()
    out = []
    for raw in names:
        n = str(raw).strip() or "column"
        seen[n] += 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def show_names(fields: Sequence[object], limit: int = 12) -> str:
    """The first `limit` names, quoted, for messages."""
    shown = ", ".join(repr(str(f).strip()) for f in fields[:limit])
    if len(fields) > limit:
        shown += f", … ({len(fields)} columns)"
    return shown or "nothing"
