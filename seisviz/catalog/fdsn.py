"""Download a catalog from an FDSN event web service (fdsnws-event, text format).

Only the standard library's urllib is used. Long time spans are fetched in pages; a page
the server refuses as too large (HTTP 413, or USGS's "exceeds search limit") or that comes
back with exactly `limit` events is split in two and fetched again.
"""

from __future__ import annotations

from typing import Any
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
import pandas as pd

from seisviz.catalog.csv import read_delimited
from seisviz.catalog.options import LoadOptions
from seisviz.catalog.report import LoadReport
from seisviz.catalog.source import Payload
from seisviz.catalog.validate import catalog_from_table
from seisviz.errors import SeisvizError
from seisviz.timeutil import utc
from seisviz.version import __version__

SERVICES = {
    "usgs": "https://earthquake.usgs.gov/fdsnws/event/1/query",
    "iris": "https://service.iris.edu/fdsnws/event/1/query",
    "earthscope": "https://service.iris.edu/fdsnws/event/1/query",
    "isc": "https://www.isc.ac.uk/fdsnws/event/1/query",
}
TEXT_COLUMNS = ["EventID", "Time", "Latitude", "Longitude", "Depth/km", "Author", "Catalog",
                "Contributor", "ContributorID", "MagType", "Magnitude", "MagAuthor",
                "EventLocationName"]
MIN_PAGE = pd.Timedelta(minutes=1)


def service_url(service: str) -> str:
    """Query URL for a service name ("usgs", "iris"/"earthscope", "isc") or a base URL."""
    key = str(service).strip().lower()
    if key in SERVICES:
        return SERVICES[key]
    url = str(service).strip()
    if not url.lower().startswith(("http://", "https://")):
        raise SeisvizError(f"unknown FDSN service {service!r}: use usgs, iris, earthscope, isc "
                           f"or a URL ending in /fdsnws/event/1/query")
    if not url.rstrip("/").endswith("/query"):
        url = url.rstrip("/") + "/query"
    return url


def _is_fdsn(text_or_bytes: str | bytes) -> bool:
    """fdsnws-event text saved to a file: the first line is '#EventID|Time|...' (IRIS writes
    spaces around the bars)."""
    if not isinstance(text_or_bytes, str):
        return False
    first = text_or_bytes[:400].lstrip().split("\n", 1)[0]
    return first.replace(" ", "").lower().startswith("#eventid|time|")


def _read_fdsn(payload: Payload):
    """FDSN text -> (catalog, LoadReport), as a pipe-delimited table."""
    return read_delimited(payload.text, payload.name, "fdsn", payload.options)


def _fmt(ts):
    return ts.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S")


def parse_fdsn_text(text: str) -> tuple[pd.DataFrame, np.ndarray]:
    """FDSN text-format response -> DataFrame of its columns (strings) and line numbers."""
    lines = text.splitlines()
    header = None
    records, numbers = [], []
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if line.startswith("#"):
            if header is None:
                header = [h.strip() for h in line.lstrip("#").split("|")]
            continue
        parts = [p.strip() for p in line.split("|")]
        records.append(parts)
        numbers.append(i)
    header = header or TEXT_COLUMNS
    width = len(header)
    records = [(r + [""] * width)[:width] for r in records]
    table = pd.DataFrame(records, columns=header, dtype="str") if records else \
        pd.DataFrame({h: pd.Series([], dtype="str") for h in header})
    return table, np.asarray(numbers, dtype=np.int64)


def _get(url, timeout):
    """(status, body text) for one request; raises SeisvizError with a one-line message."""
    host = urllib.parse.urlsplit(url).netloc
    request = urllib.request.Request(url, headers={"User-Agent": f"seisviz/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        body = ""
        try:
            body = exc.read().decode("utf-8", errors="replace")
        except Exception:
            pass
        return exc.code, body
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise SeisvizError(f"cannot reach {host}: no answer within {timeout} s") from None
        if isinstance(reason, ssl.SSLError):
            raise SeisvizError(f"cannot reach {host}: secure connection failed ({reason})") from None
        raise SeisvizError(f"cannot reach {host}: you seem to be offline ({_reason(reason)})") from None
    except (socket.timeout, TimeoutError):
        raise SeisvizError(f"cannot reach {host}: no answer within {timeout} s") from None
    except ConnectionError as exc:
        raise SeisvizError(f"cannot reach {host}: you seem to be offline ({_reason(exc)})") from None


def _reason(reason):
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return "host name not found"
    text = getattr(reason, "strerror", None) or str(reason)
    return text.lower() if text else type(reason).__name__


def _too_large(status, body):
    return status == 413 or (status == 400 and "exceeds search limit" in body.lower())


def _first_line(body):
    for line in body.splitlines():
        line = line.strip()
        if line and not line.lower().startswith(("error 4", "error 5")):
            return line[:200]
    return ""


def fetch_fdsn(service: str, start: Any, end: Any, bbox: tuple | None = None,
               min_magnitude: float | None = None, page_days: float | None = None,
               limit: int | None = None, timeout: float = 30,
               keep_duplicates: bool = False) -> tuple[pd.DataFrame, LoadReport]:
    """Download events between start and end into ``(catalog, report)``.

    service: "usgs", "iris"/"earthscope", "isc" or a query URL. bbox: (min_lon, max_lon,
    min_lat, max_lat). page_days: length of each request's time span (None: one request,
    split only when the server says it is too large). limit: events per request; a page
    returning exactly `limit` events is split in two. Events are de-duplicated by event id,
    near-duplicates (two agencies' copies) as by `load_catalog` unless keep_duplicates;
    rows that fail validation are dropped and reported as for files; a dropped row's ``row``
    is its event number in the order received.
    """
    url = service_url(service)
    host = urllib.parse.urlsplit(url).netloc
    start, end = utc(start), utc(end)
    if end <= start:
        raise SeisvizError(f"fetch: end {end} is not after start {start}")
    params = {"format": "text", "orderby": "time-asc"}
    if bbox is not None:
        min_lon, max_lon, min_lat, max_lat = bbox
        params.update(minlongitude=min_lon, maxlongitude=max_lon, minlatitude=min_lat,
                      maxlatitude=max_lat)
    if min_magnitude is not None:
        params["minmagnitude"] = min_magnitude
    if limit is not None:
        params["limit"] = int(limit)

    step = pd.Timedelta(days=page_days) if page_days else end - start
    pages = []
    t = start
    while t < end:
        pages.append((t, min(t + step, end)))
        t = t + step

    tables, numbers, notes = [], [], []
    n_requests = 0
    offset = 0
    while pages:
        a, b = pages.pop(0)
        query = dict(params, starttime=_fmt(a), endtime=_fmt(b))
        status, body = _get(url + "?" + urllib.parse.urlencode(query), timeout)
        n_requests += 1
        if status == 204 or (status == 200 and not body.strip()):
            continue
        if _too_large(status, body) and b - a > MIN_PAGE:
            mid = a + (b - a) / 2
            pages[:0] = [(a, mid), (mid, b)]
            continue
        if status != 200:
            detail = _first_line(body)
            raise SeisvizError(f"{host} answered HTTP {status} for {_fmt(a)}..{_fmt(b)}"
                               + (f": {detail}" if detail else ""))
        table, _ = parse_fdsn_text(body)
        if limit is not None and len(table) >= limit:
            if b - a > MIN_PAGE:
                mid = a + (b - a) / 2
                pages[:0] = [(a, mid), (mid, b)]
                continue
            notes.append(f"{_fmt(a)}..{_fmt(b)} returned {limit} events, the limit: some may be missing")
        tables.append(table)
        numbers.append(np.arange(offset + 1, offset + len(table) + 1, dtype=np.int64))
        offset += len(table)
    notes.insert(0, f"{n_requests} request(s) to {url}")

    if not tables:
        raise SeisvizError(f"{host}: no events between {_fmt(start)} and {_fmt(end)} "
                           f"matching the request")
    table = pd.concat(tables, ignore_index=True)
    rows = np.concatenate(numbers)
    id_col = next((c for c in table.columns if c.lower() == "eventid"), None)
    extra = None
    if id_col is not None:
        dup = table.duplicated(subset=[id_col], keep="first").to_numpy()
        if dup.any():
            extra = table.loc[dup].reset_index(drop=True)
            extra.insert(0, "row", rows[dup])
            extra["reason"] = "duplicate"
            table = table.loc[~dup].reset_index(drop=True)
            rows = rows[~dup]
    catalog, report = catalog_from_table(table, url, "fdsn", rows=rows, extra_dropped=extra,
                                         options=LoadOptions(keep_duplicates=keep_duplicates))
    report.notes[:0] = notes
    return catalog, report
