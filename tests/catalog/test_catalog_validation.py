"""Dropped-row report, and every kind of file that cannot be used."""

import struct
import zlib

import numpy as np
import pandas as pd
import pytest

from seisviz.catalog import load_catalog, summarize
from seisviz.errors import CatalogError

GOOD = "2020-01-0{d}T00:00:00Z,28.1,104.9,3.0,{m}"


def test_dropped_rows_have_line_numbers_reasons_and_counts(tmp_path):
    lines = [
        "time,latitude,longitude,depth,magnitude",        # 1
        GOOD.format(d=1, m=2.0),                          # 2 kept
        "yesterday,28.1,104.9,3.0,1.0",                   # 3 unparseable time
        "2020-01-02T00:00:00Z,95.0,104.9,3.0,1.0",        # 4 latitude out of range
        "2020-01-02T00:00:00Z,28.1,400,3.0,1.0",          # 5 longitude out of range
        "",                                               # 6 blank: skipped, not counted
        "2020-01-03T00:00:00Z,28.1,104.9,3.0,",           # 7 missing magnitude
        "2020-01-03T00:00:00Z,28.1,104.9,deep,1.0",       # 8 depth not a number
        "2020-01-04T00:00:00Z,28.1,104.9,3.0,99",         # 9 magnitude out of range
        ",28.1,104.9,3.0,1.0",                            # 10 missing time
        GOOD.format(d=1, m=2.0),                          # 11 duplicate of line 2
        GOOD.format(d=5, m=1.5),                          # 12 kept
        "2020-01-06T00:00:00Z,28.1,104.9,3.0,1.0,extra",  # 13 wrong number of columns
        "2020-01-07T00:00:00Z,28.1,360,3.0,1.0",          # 14 kept: 0..360 longitudes are fine
    ]
    path = tmp_path / "messy.csv"
    path.write_text("\n".join(lines) + "\n")
    catalog, report = load_catalog(path)

    assert len(catalog) == 3 and report.n_kept == 3
    assert report.n_rows == 12
    expected = {
        3: "unparseable time", 4: "latitude out of range", 5: "longitude out of range",
        7: "missing magnitude", 8: "depth not a number", 9: "magnitude out of range",
        10: "missing time", 11: "duplicate", 13: "wrong number of columns (expected 5, got 6)",
    }
    assert dict(zip(report.dropped["row"], report.dropped["reason"])) == expected
    assert report.reason_counts() == {r: 1 for r in sorted(expected.values())}
    assert report.summary().startswith("kept 3 of 12 rows; dropped 9: 1 ")
    # the original values are kept for the user to fix
    bad_time = report.dropped.loc[report.dropped["row"] == 3].iloc[0]
    assert bad_time["time"] == "yesterday"


def test_summary_line_orders_reasons_by_count(tmp_path):
    rows = ["time,lat,lon,depth,mag"]
    rows += [f"2020-01-{1 + i:02d}T00:00:00Z,28.1,104.9,3.0,{1.0 + i / 100}" for i in range(20)]
    rows += ["bad time,28.1,104.9,3,1"] * 3 + ["2020-01-01T00:00:00Z,-91,104.9,3,1"] * 2
    path = tmp_path / "counts.csv"
    path.write_text("\n".join(rows) + "\n")
    _, report = load_catalog(path)
    assert report.summary() == ("kept 20 of 25 rows; dropped 5: 3 unparseable time, "
                                "2 latitude out of range")
    assert report.reason_counts() == {"unparseable time": 3, "latitude out of range": 2}


def test_many_rows_fast_path_reports_the_right_lines(tmp_path):
    n = 5000
    rng = np.random.default_rng(0)
    times = pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(np.arange(n), unit="min")
    df = pd.DataFrame({"time": times.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "latitude": rng.uniform(28, 29, n).round(4),
                       "longitude": rng.uniform(104, 105, n).round(4),
                       "depth": rng.uniform(0, 10, n).round(2),
                       "magnitude": rng.uniform(0, 3, n).round(1)})
    df.loc[4000, "magnitude"] = 99.0
    path = tmp_path / "big.csv"
    df.to_csv(path, index=False)
    catalog, report = load_catalog(path)
    assert report.n_kept == n - 1
    assert report.dropped[["row", "reason"]].values.tolist() == [[4002, "magnitude out of range"]]


def one_line_error(excinfo, *words):
    message = str(excinfo.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


def test_missing_file(tmp_path):
    with pytest.raises(CatalogError) as e:
        load_catalog(tmp_path / "nope.csv")
    one_line_error(e, "nope.csv", "file not found")


@pytest.mark.parametrize("content", [b"", b"  \n\n \t\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    one_line_error(e, "empty.csv", "empty file")


def test_header_only(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("time,latitude,longitude,depth,magnitude\n\n")
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    one_line_error(e, "header.csv", "header but no data rows")


def test_no_usable_rows(tmp_path):
    path = tmp_path / "allbad.csv"
    path.write_text("time,latitude,longitude,depth,magnitude\n"
                    "never,28,104,3,1\nnot ever,28,104,3,1\n2020-01-01,28,104,3,99\n")
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    one_line_error(e, "allbad.csv", "no usable rows", "2 unparseable time", "1 magnitude out of range")


def test_binary_junk(tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    one_line_error(e, "junk.csv", "not a text file")


def png_bytes():
    """A real 2x2 RGB PNG image."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_png_renamed_csv(tmp_path):
    path = tmp_path / "picture.csv"
    path.write_bytes(png_bytes())
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    one_line_error(e, "picture.csv", "not a text file", "PNG image")


def test_no_recognisable_columns(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("station,channel,amplitude\nABC,HHZ,1.5\n")
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    one_line_error(e, "other.csv", "no recognisable columns for time, latitude, longitude, depth, "
                   "magnitude", "'station', 'channel', 'amplitude'")


def test_some_columns_missing_are_named(tmp_path):
    path = tmp_path / "nodepth.csv"
    path.write_text("time,lat,lon,mag,station\n2020-01-01T00:00:00Z,28,104,1.0,ABC\n")
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    one_line_error(e, "nodepth.csv", "no recognisable column for depth", "'station'")


def test_too_large_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("time,lat,lon,depth,mag\n" + GOOD.format(d=1, m=1.0) + "\n")
    with pytest.raises(CatalogError) as e:
        load_catalog(path, max_bytes=20)
    one_line_error(e, "big.csv", "larger than the 20 bytes limit")
    # a stream is refused from its size, without reading it
    with open(path, "rb") as f:
        with pytest.raises(CatalogError):
            load_catalog(f, max_bytes=20)
        assert f.tell() == 0


def test_xml_that_is_not_quakeml(tmp_path):
    path = tmp_path / "page.xml"
    path.write_text("<html><body>hello</body></html>")
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    one_line_error(e, "page.xml", "not QuakeML")


def test_unknown_format_name(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("time,lat,lon,depth,mag\n" + GOOD.format(d=1, m=1.0) + "\n")
    with pytest.raises(CatalogError, match="unknown catalog format"):
        load_catalog(path, format="xls")


def test_summarize(tmp_path):
    path = tmp_path / "s.csv"
    rows = ["time,lat,lon,depth,mag"]
    mags = [1.0] * 5 + [1.1] * 9 + [1.2] * 4 + [2.5]
    for i, m in enumerate(mags):
        rows.append(f"2020-01-{1 + i:02d}T00:00:00Z,{28 + i / 100},{104 + i / 100},{i},{m}")
    path.write_text("\n".join(rows) + "\n")
    catalog, _ = load_catalog(path)
    s = summarize(catalog)
    assert s["n_events"] == 19
    assert s["start"] == pd.Timestamp("2020-01-01", tz="UTC")
    assert s["end"] == pd.Timestamp("2020-01-19", tz="UTC")
    assert (s["min_latitude"], s["max_latitude"]) == (28.0, 28.18)
    assert (s["min_longitude"], s["max_longitude"]) == (104.0, 104.18)
    assert (s["min_magnitude"], s["max_magnitude"]) == (1.0, 2.5)
    assert (s["min_depth"], s["max_depth"]) == (0.0, 18.0)
    assert s["mc"] == pytest.approx(1.3)  # most populated bin 1.1, + 0.2
    assert summarize(catalog.iloc[:0])["n_events"] == 0


def test_line_numbers_count_blank_lines_on_the_fast_path(tmp_path):
    # no ragged rows: read by pyarrow, whose blank-line skipping must not shift line numbers
    path = tmp_path / "blanks.csv"
    path.write_text("time,lat,lon,depth,mag\n\n" + GOOD.format(d=1, m=1.0) + "\n\n\n"
                    + GOOD.format(d=2, m=99) + "\n" + GOOD.format(d=3, m=1.0) + "\n")
    catalog, report = load_catalog(path)
    assert len(catalog) == 2
    assert report.dropped[["row", "reason"]].values.tolist() == [[6, "magnitude out of range"]]


def test_ragged_rows_in_a_large_file_keep_exact_line_numbers(tmp_path):
    n = 3000
    lines = ["time,lat,lon,depth,mag"]
    for i in range(n):
        lines.append(f"2020-01-01T00:00:{i % 60:02d}.{i:04d}Z,28.1,104.9,3.0,1.0")
    lines[1000] += ",extra"          # line 1001
    lines.insert(2000, "")            # a blank line becomes line 2001
    lines.insert(2500, "   ")         # a line of spaces: skipped, not reported
    lines[2800] = "2020-01-02T00:00:00Z,28.1"  # line 2801
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n")
    catalog, report = load_catalog(path, keep_duplicates=True)  # one place, one minute
    assert report.dropped[["row", "reason"]].values.tolist() == [
        [1001, "wrong number of columns (expected 5, got 6)"],
        [2801, "wrong number of columns (expected 5, got 2)"]]
    assert report.n_kept == n - 2 == len(catalog)


@pytest.mark.parametrize("odd_line, reason", [
    ("104.5 28.0 2020 1 5 1.0 5.0 0 0", "wrong number of columns (expected 10, got 9)"),
    ("104.5 28.0 2020 1 5 1.0 5.0 0 0 0 7", "wrong number of columns (expected 10, got 11)"),
    ("104.5 28.0 2020 1 5 1.0 5.0 0 0 NaN", "unparseable time"),
    ("104.5 28.0 2020 1 5 1.0 deep 0 0 0", "depth not a number"),
])
def test_zmap_odd_rows_are_reported_on_their_line(tmp_path, odd_line, reason):
    good = [f"104.5 28.0 2020 1 {d} 1.0 5.0 12 30 15.5" for d in range(1, 5)]
    path = tmp_path / "odd.zmap"
    path.write_text("\n".join(good[:2] + ["", odd_line] + good[2:]) + "\n")
    catalog, report = load_catalog(path)
    assert report.format == "zmap" and len(catalog) == 4
    assert report.dropped[["row", "reason"]].values.tolist() == [[4, reason]]
    assert catalog["time"].iloc[0] == pd.Timestamp("2020-01-01 12:30:15.5", tz="UTC")
