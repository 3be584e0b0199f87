"""Property tests (hypothesis): loading never loses a valid row; rasterizing counts every event once.

1. A random catalog, written as delimited text with random column-name aliases, column
   order, delimiter, time formats, padding and extra columns, with random garbage rows
   mixed in: `load_catalog` keeps exactly the valid rows (values equal to what was
   written), drops exactly the garbage rows with the right line number and reason, and
   kept + dropped == rows.
2. `rasterize`: each window's count channel sums to the number of events inside the grid
   (bounds closed) with window_start <= time < window_end, and pixel by pixel equals
   np.histogram2d of those events.
"""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seisviz.catalog import load_catalog
from seisviz.maps import make_grid, rasterize

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

ALIASES = {  # some of the names each canonical column is recognised by (docs/catalog-formats.md)
    "time": ["time", "Time", "DateTime", "origin_time", "Origin Time", "otime", "time_utc",
             "event_time", "timestamp", "发震时刻"],
    "latitude": ["latitude", "Lat", "LAT", "lat_deg", "evla", "Latitude (deg)", "纬度"],
    "longitude": ["longitude", "Lon", "lng", "Long", "evlo", "Longitude [deg]", "经度"],
    "depth": ["depth", "Depth (km)", "depth_km", "dep", "evdp", "深度"],
    "magnitude": ["magnitude", "Mag", "ML", "Mw", "mag_value", "M", "震级"],
}
CANON = ["time", "latitude", "longitude", "depth", "magnitude"]
T0 = pd.Timestamp("2015-01-01", tz="UTC").value // 1000  # microseconds
GARBAGE = {  # kind -> (canonical column it spoils or None, the value, reason)
    "bad_time": ("time", "not-a-time", "unparseable time"),
    "no_time": ("time", "", "missing time"),
    "no_lat": ("latitude", "", "missing latitude"),
    "lat_91": ("latitude", "91.5", "latitude out of range"),
    "lon_text": ("longitude", "east", "longitude not a number"),
    "depth_deep": ("depth", "1200", "depth out of range"),
    "mag_99": ("magnitude", "99", "magnitude out of range"),
    "mag_nan": ("magnitude", "NaN", "missing magnitude"),
}


def time_text(us, style):
    t = pd.Timestamp(us * 1000, tz="UTC")
    if style == 0:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if style == 1:
        return t.strftime("%Y-%m-%d %H:%M:%S.%f")  # naive: UTC
    return (t + pd.Timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S.%f+08:00")


@st.composite
def catalog_files(draw):
    n_good = draw(st.integers(1, 25))
    # distinct times (so no row is a duplicate of another), microsecond resolution
    offsets = draw(st.lists(st.integers(0, 5 * 365 * 86400 * 10**6), min_size=n_good,
                            max_size=n_good, unique=True))
    good = [{
        "time": T0 + off,
        "latitude": draw(st.integers(-900000, 900000)) / 10**4,
        "longitude": draw(st.integers(-1800000, 3600000)) / 10**4,
        "depth": draw(st.integers(-1000, 70000)) / 100,
        "magnitude": draw(st.integers(-30, 99)) / 10,
    } for off in offsets]
    garbage = draw(st.lists(st.sampled_from(sorted(GARBAGE) + ["short_row"]), max_size=8))
    order = draw(st.permutations(list(range(len(good) + len(garbage)))))
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    columns = draw(st.permutations(CANON))
    names = {c: draw(st.sampled_from(ALIASES[c])) for c in CANON}
    extra = draw(st.booleans())  # an extra text column the loader must ignore
    pad = draw(st.booleans())  # spaces around numbers
    time_style = draw(st.integers(0, 2))
    crlf = draw(st.booleans())
    return good, garbage, order, delim, columns, names, extra, pad, time_style, crlf


def render(case):
    """-> (file bytes, valid events, {line number: reason})."""
    good, garbage, order, delim, columns, names, extra, pad, time_style, crlf = case
    header = [names[c] for c in columns] + (["comment"] if extra else [])
    lines = [delim.join(header)]
    expected_dropped = {}
    rows = [("good", g) for g in good] + [("garbage", k) for k in garbage]
    for i in order:
        kind, item = rows[i]
        base = good[i % len(good)]
        values = {c: (time_text(base["time"], time_style) if c == "time" else repr(base[c]))
                  for c in CANON}
        if kind == "good":
            values = {c: (time_text(item["time"], time_style) if c == "time" else repr(item[c]))
                      for c in CANON}
        elif item == "short_row":
            lines.append(delim.join(values[c] for c in columns[:3]))
            expected_dropped[len(lines)] = (f"wrong number of columns (expected {len(header)}, "
                                            f"got 3)")
            continue
        else:
            col, value, reason = GARBAGE[item]
            values[col] = value
            expected_dropped[len(lines) + 1] = reason
        fields = [(f" {values[c]} " if pad and c != "time" and values[c] else values[c])
                  for c in columns]
        if extra:
            fields.append(f"row {len(lines)}")
        lines.append(delim.join(fields))
    nl = "\r\n" if crlf else "\n"
    return (nl.join(lines) + nl).encode("utf-8"), good, expected_dropped


@SETTINGS
@given(catalog_files())
def test_load_keeps_every_valid_row_and_reports_every_other(tmp_path_factory, case):
    data, good, expected_dropped = render(case)
    path = tmp_path_factory.mktemp("prop") / "catalog.txt"
    path.write_bytes(data)
    # drawn events may fall within seconds and km of each other: every one is kept here
    # (near-duplicates: tests/catalog/test_duplicates.py)
    catalog, report = load_catalog(path, keep_duplicates=True)

    assert report.n_rows == len(good) + len(expected_dropped)
    assert report.n_kept + len(report.dropped) == report.n_rows
    assert report.n_kept == len(catalog) == len(good)
    got = dict(zip(report.dropped["row"].tolist(), report.dropped["reason"].tolist()))
    assert got == expected_dropped

    want = pd.DataFrame(good).sort_values("time", kind="stable").reset_index(drop=True)
    t_us = catalog["time"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy() \
        .astype("datetime64[us]").astype(np.int64)
    assert t_us.tolist() == want["time"].tolist()
    for c in ("latitude", "longitude", "depth", "magnitude"):
        assert catalog[c].tolist() == want[c].tolist(), c


@st.composite
def rasterize_cases(draw):
    n = draw(st.integers(1, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    grid = make_grid((104.0, 105.0, 28.0, 29.0), (draw(st.integers(1, 12)), draw(st.integers(1, 12))))
    # some events outside the grid, some exactly on its edges
    lon = rng.uniform(103.8, 105.2, n)
    lat = rng.uniform(27.8, 29.2, n)
    edge = rng.random(n) < 0.1
    lon[edge] = rng.choice([104.0, 105.0], edge.sum())
    lat[edge] = rng.choice([28.0, 29.0, 28.5], edge.sum())
    days = draw(st.integers(1, 200))
    offsets = rng.uniform(0, days, n)
    on_boundary = rng.random(n) < 0.2  # exactly at a possible window start or end
    offsets[on_boundary] = np.floor(offsets[on_boundary] * 4) / 4
    t = pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(np.sort(offsets), unit="D")
    catalog = pd.DataFrame({"time": t, "latitude": lat, "longitude": lon,
                            "depth": np.full(n, 5.0), "magnitude": np.full(n, 1.0)})
    window = draw(st.sampled_from([0.5, 1.0, 7.0, 30.0]))
    step = draw(st.sampled_from([0.25, 1.0, 3.0, 10.0, 45.0]))
    background = draw(st.sampled_from([10.0, 180.0]))
    return catalog, grid, window, step, background


@SETTINGS
@given(rasterize_cases())
def test_rasterize_counts_every_in_grid_in_window_event_once(case):
    catalog, grid, window, step, background = case
    dmaps = rasterize(catalog, grid, window, step, background)
    t = catalog["time"].dt.tz_convert(None).to_numpy().astype("datetime64[ns]")
    lon, lat = catalog["longitude"].to_numpy(), catalog["latitude"].to_numpy()
    in_grid = (lon >= 104.0) & (lon <= 105.0) & (lat >= 28.0) & (lat <= 29.0)
    # the windows are what was asked for: window days long, one every step days
    day = np.timedelta64(86_400 * 10**9, "ns")
    assert (dmaps.window_end - dmaps.window_start == window * day).all()
    assert (np.diff(dmaps.window_start) == step * day).all()
    assert dmaps.window_start[0] == t[0].astype("datetime64[D]")
    count = dmaps.channel("count")
    assert count.shape == (len(dmaps), grid.ny, grid.nx)
    sums = count.sum(axis=(1, 2))
    for k in range(len(dmaps)):
        inside = in_grid & (t >= dmaps.window_start[k]) & (t < dmaps.window_end[k])
        assert sums[k] == inside.sum(), k
        h, _, _ = np.histogram2d(lat[inside], lon[inside], bins=[grid.lat_edges, grid.lon_edges])
        np.testing.assert_array_equal(count[k], h)
    assert dmaps.n_outside_grid == int((~in_grid).sum())
