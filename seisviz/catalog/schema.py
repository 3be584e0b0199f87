"""The canonical catalog: its columns, their types and the values that count as valid.

A catalog is a pandas DataFrame sorted by time, index 0..n-1, with columns

- ``time``: ``datetime64[us, UTC]`` (naive times in a file are taken as UTC, times with an
  offset are converted to UTC)
- ``latitude``, ``longitude`` (degrees), ``depth`` (km), ``magnitude``: float64
- optional ``magnitude_type`` and ``event_id`` (strings)
"""

from __future__ import annotations

CANONICAL_COLUMNS = ("time", "latitude", "longitude", "depth", "magnitude")
OPTIONAL_COLUMNS = ("magnitude_type", "event_id")

MAGNITUDE_RANGE = (-3.0, 10.0)  # outside: a placeholder such as 99 or -9, not a magnitude
DEPTH_RANGE = (-10.0, 1000.0)  # km; negative = above sea level
LATITUDE_RANGE = (-90.0, 90.0)
LONGITUDE_RANGE = (-180.0, 360.0)
DEFAULT_MAX_BYTES = 2 * 1024**3

TIME_UNIT = "us"
NA_STRINGS = ["", "na", "nan", "n/a", "null", "none", "-", "--"]
