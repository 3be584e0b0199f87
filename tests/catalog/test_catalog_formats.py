"""Each catalog format, read from a real file written in the test."""

import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from seisviz.catalog import load_catalog, write_catalog_csv
from seisviz.catalog.quakeml import read_quakeml, write_quakeml

T0 = pd.Timestamp("2019-06-17 14:55:43.5", tz="UTC")


def utc(text):
    return pd.Timestamp(text, tz="UTC")


def check_canonical(catalog):
    assert list(catalog.columns[:5]) == ["time", "latitude", "longitude", "depth", "magnitude"]
    assert str(catalog["time"].dtype) == "datetime64[us, UTC]"
    for col in ("latitude", "longitude", "depth", "magnitude"):
        assert catalog[col].dtype == np.float64
    assert catalog["time"].is_monotonic_increasing
    assert list(catalog.index) == list(range(len(catalog)))


def test_plain_csv_sorted_utc_and_tz_converted(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "time,latitude,longitude,depth,magnitude\n"
        "2019-06-17T14:55:43.5Z,28.34,104.90,3.0,6.0\n"
        "2019-06-17 08:00:00,28.30,104.80,5.5,1.2\n"       # naive: taken as UTC
        "2019-06-17T23:00:00+08:00,28.31,104.81,4.0,2.2\n"  # = 15:00 UTC
    )
    catalog, report = load_catalog(path)
    check_canonical(catalog)
    assert list(catalog["time"]) == [utc("2019-06-17 08:00"), T0, utc("2019-06-17 15:00")]
    assert list(catalog["magnitude"]) == [1.2, 6.0, 2.2]
    assert report.format == "csv" and report.n_rows == 3 and report.n_kept == 3
    assert report.summary() == "kept 3 of 3 rows; dropped none"
    assert report.source == str(path)


def test_csv_column_aliases_and_magnitude_type_from_column_name(tmp_path):
    path = tmp_path / "aliases.csv"
    path.write_text(
        "Origin Time,LAT,lng,Depth (km),ML,EventID\n"
        "2019-06-17 14:55:43.5,28.34,104.90,3.0,6.0,a1\n"
        "2019-06-18 01:00:00,28.35,104.91,2.0,1.5,a2\n"
    )
    catalog, report = load_catalog(path)
    check_canonical(catalog)
    assert catalog["time"].iloc[0] == T0
    assert list(catalog["magnitude_type"]) == ["ML", "ML"]
    assert list(catalog["event_id"]) == ["a1", "a2"]
    assert report.columns["latitude"] == "LAT"
    assert report.columns["depth"] == "Depth (km)"


@pytest.mark.parametrize("header, rows", [
    ("lat;Longitude;mag;depth_km;datetime",
     ["28,34;104,90;6,0;3,0;2019-06-17 14:55:43.5", "28,30;104,80;1,2;5,5;2019-06-18 00:00:00"]),
    ("Latitude\tLongitude\tMagnitude\tDepth\ttime",
     ["28.34\t104.90\t6.0\t3.0\t2019-06-17T14:55:43.5", "28.30\t104.80\t1.2\t5.5\t2019-06-18T00:00:00"]),
    ("lat  lon  depth  mag  time",
     ["28.34  104.90  3.0  6.0  2019-06-17T14:55:43.5", "28.30  104.80  5.5  1.2  2019-06-18T00:00:00"]),
])
def test_delimiters_semicolon_decimal_comma_tab_whitespace(tmp_path, header, rows):
    path = tmp_path / "events.txt"
    path.write_text("\n".join([header] + rows) + "\n")
    catalog, report = load_catalog(path)
    check_canonical(catalog)
    assert report.n_kept == 2
    assert catalog["time"].iloc[0] == T0
    assert catalog["latitude"].iloc[0] == pytest.approx(28.34)
    assert catalog["magnitude"].tolist() == [6.0, 1.2]


def test_separate_date_and_time_columns(tmp_path):
    path = tmp_path / "datetime.csv"
    path.write_text(
        "date,time,latitude,longitude,depth,mag\n"
        "2019/06/17,14:55:43.5,28.34,104.90,3.0,6.0\n"
        "2019/06/18,00:00:01,28.30,104.80,5.5,1.2\n"
    )
    catalog, report = load_catalog(path)
    assert list(catalog["time"]) == [T0, utc("2019-06-18 00:00:01")]
    assert report.columns["time"] == "date + time"


def test_whitespace_file_with_date_and_time_under_one_header_word(tmp_path):
    path = tmp_path / "events.dat"
    path.write_text(
        "time lat lon depth mag\n"
        "2019-06-17 14:55:43.5 28.34 104.90 3.0 6.0\n"
        "2019-06-18 00:00:01.0 28.30 104.80 5.5 1.2\n"
    )
    catalog, _ = load_catalog(path)
    assert list(catalog["time"]) == [T0, utc("2019-06-18 00:00:01")]


def test_year_month_day_hour_minute_second_columns_with_second_60(tmp_path):
    path = tmp_path / "ymd.csv"
    path.write_text(
        "year,month,day,hour,minute,second,lat,lon,depth,mag\n"
        "2019,6,17,14,55,43.5,28.34,104.90,3.0,6.0\n"
        "2019,12,31,23,59,60.0,28.30,104.80,5.5,1.2\n"    # second 60 rolls into the new year
        "2019,2,30,0,0,0,28.30,104.80,5.5,1.2\n"          # no such day
    )
    catalog, report = load_catalog(path)
    assert list(catalog["time"]) == [T0, utc("2020-01-01 00:00:00")]
    assert report.reason_counts() == {"unparseable time": 1}
    assert report.dropped["row"].tolist() == [4]


def test_fdsn_text_saved_to_a_file_reads_as_csv(tmp_path):
    path = tmp_path / "usgs.txt"
    path.write_text(
        "#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|"
        "MagType|Magnitude|MagAuthor|EventLocationName\n"
        "us1|2019-06-17T14:55:43.5|28.34|104.90|3.0|us|us|us|us1|mww|6.0|us|Sichuan, China\n"
    )
    catalog, _ = load_catalog(path)
    assert catalog.loc[0, "event_id"] == "us1"
    assert catalog.loc[0, "magnitude_type"] == "mww"
    assert catalog.loc[0, "time"] == T0


def test_upload_like_bytesio_uses_its_name(tmp_path):
    upload = io.BytesIO(b"time,lat,lon,depth,mag\n2019-06-17T14:55:43.5Z,28.34,104.9,3,6\n")
    upload.name = "my upload.csv"
    upload.read()  # Streamlit may have read it already: the whole stream is still used
    catalog, report = load_catalog(upload)
    assert report.source == "my upload.csv" and len(catalog) == 1


def test_written_csv_reads_back_identically(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("time,lat,lon,depth,mag,magnitude_type,event_id\n"
                    "2019-06-17T14:55:43.123456Z,28.34,104.9,3,6,Mw,e1\n"
                    "2019-06-18T00:00:00Z,28.3,104.8,5.5,1.2,ML,e2\n")
    catalog, _ = load_catalog(path)
    out = tmp_path / "out.csv"
    write_catalog_csv(catalog, out)
    again, _ = load_catalog(out)
    pd.testing.assert_frame_equal(catalog, again)


# ZMAP ------------------------------------------------------------------------------------------


def test_zmap_10_columns(tmp_path):
    path = tmp_path / "catalog.zmap"
    path.write_text(
        "104.90 28.34 2019.4575 6 17 6.0 3.0 14 55 43.5\n"
        "104.80 28.30 2019 6 18 1.2 5.5 0 0 1\n"
    )
    catalog, report = load_catalog(path)
    assert report.format == "zmap"
    check_canonical(catalog)
    assert list(catalog["time"]) == [T0, utc("2019-06-18 00:00:01")]
    assert catalog["longitude"].tolist() == [104.9, 104.8]
    assert catalog["depth"].tolist() == [3.0, 5.5]


def test_zmap_9_columns_without_seconds_and_decimal_year(tmp_path):
    path = tmp_path / "catalog.dat"
    path.write_text(
        "104.90 28.34 2019 6 17 6.0 3.0 14 55\n"
        "104.80 28.30 2020.5 0 0 1.2 5.5 0 0\n"   # month/day 0: the decimal year is the time
    )
    catalog, report = load_catalog(path)
    assert report.format == "zmap" and report.n_kept == 2
    # 2020 has 366 days: .5 of it is noon on 2 July
    assert list(catalog["time"]) == [utc("2019-06-17 14:55"), utc("2020-07-02 00:00")]


# hypoDD .reloc ---------------------------------------------------------------------------------


def test_hypodd_reloc(tmp_path):
    path = tmp_path / "hypoDD.reloc"
    path.write_text(
        "     1  28.340000  104.900000    3.000   -12.3    45.6    78.9   10.0   12.0   15.0 "
        "2019  6 17 14 55 43.50  6.0   10   12    5    6  0.100  0.200  1\n"
        "     2  28.300000  104.800000    5.500    -1.0     2.0     3.0   10.0   12.0   15.0 "
        "2019  6 17  8  0 60.00  1.2    3    4    5    6  0.100  0.200  1\n"
    )
    catalog, report = load_catalog(path)
    assert report.format == "reloc"
    check_canonical(catalog)
    assert list(catalog["time"]) == [utc("2019-06-17 08:01:00"), T0]
    assert catalog["event_id"].tolist() == ["2", "1"]
    assert catalog["depth"].tolist() == [5.5, 3.0]


# QuakeML ---------------------------------------------------------------------------------------

QUAKEML = """<?xml version="1.0" encoding="UTF-8"?>
<q:quakeml xmlns:q="http://quakeml.org/xmlns/quakeml/1.2" xmlns="http://quakeml.org/xmlns/bed/1.2">
  <eventParameters publicID="smi:test/ep">
    <event publicID="smi:test/event/1">
      <preferredOriginID>smi:test/origin/1b</preferredOriginID>
      <preferredMagnitudeID>smi:test/mag/1b</preferredMagnitudeID>
      <origin publicID="smi:test/origin/1a">
        <time><value>2019-06-17T00:00:00Z</value></time>
        <latitude><value>0</value></latitude><longitude><value>0</value></longitude>
        <depth><value>1000</value></depth>
      </origin>
      <origin publicID="smi:test/origin/1b">
        <time><value>2019-06-17T14:55:43.5Z</value></time>
        <latitude><value>28.34</value></latitude><longitude><value>104.9</value></longitude>
        <depth><value>3000</value></depth>
      </origin>
      <magnitude publicID="smi:test/mag/1a"><mag><value>5.5</value></mag><type>ML</type></magnitude>
      <magnitude publicID="smi:test/mag/1b"><mag><value>6.0</value></mag><type>Mw</type></magnitude>
    </event>
    <event publicID="smi:test/event/2">
      <origin publicID="smi:test/origin/2">
        <time><value>2019-06-17T08:00:00Z</value></time>
        <latitude><value>28.3</value></latitude><longitude><value>104.8</value></longitude>
        <depth><value>5500</value></depth>
      </origin>
      <magnitude publicID="smi:test/mag/2"><mag><value>1.2</value></mag><type>ML</type></magnitude>
    </event>
    <event publicID="smi:test/event/3">
      <origin publicID="smi:test/origin/3">
        <time><value>2019-06-18T08:00:00Z</value></time>
        <latitude><value>28.3</value></latitude><longitude><value>104.8</value></longitude>
        <depth><value>5500</value></depth>
      </origin>
    </event>
  </eventParameters>
</q:quakeml>
"""


def test_quakeml_preferred_origin_and_magnitude(tmp_path):
    path = tmp_path / "events.xml"
    path.write_text(QUAKEML)
    catalog, report = load_catalog(path)
    assert report.format == "quakeml"
    check_canonical(catalog)
    assert list(catalog["time"]) == [utc("2019-06-17 08:00"), T0]
    assert catalog["depth"].tolist() == [5.5, 3.0]  # metres -> km
    assert catalog["magnitude"].tolist() == [1.2, 6.0]
    assert catalog["magnitude_type"].tolist() == ["ML", "Mw"]
    assert catalog["event_id"].tolist() == ["smi:test/event/2", "smi:test/event/1"]
    # the event without a magnitude is reported, by its event number
    assert report.dropped[["row", "reason"]].values.tolist() == [[3, "missing magnitude"]]


def test_quakeml_round_trip(tmp_path):
    src = tmp_path / "src.csv"
    src.write_text("time,lat,lon,depth,mag,magnitude_type,event_id,period_id\n"
                   "2019-06-17T14:55:43.123456Z,28.34,104.9,3.25,6,Mw,us/7000 a,1\n"
                   "2019-06-18T00:00:00Z,-28.3,-104.8,0,-0.5,ML,e2,1\n"
                   "2019-06-19T00:00:00Z,10,350,700,2,,,2\n")
    catalog, _ = load_catalog(src)
    out = tmp_path / "out.xml"
    write_quakeml(catalog, out)
    table = read_quakeml(out)
    assert len(table) == 3
    again, report = load_catalog(out)
    assert report.format == "quakeml" and report.n_kept == 3
    for col in ("time", "latitude", "longitude", "depth", "magnitude"):
        pd.testing.assert_series_equal(again[col], catalog[col])
    assert again["magnitude_type"].tolist()[:2] == ["Mw", "ML"]
    assert again["event_id"].tolist()[1] == "e2"
    # also into a text buffer
    buf = io.StringIO()
    write_quakeml(catalog, buf)
    assert buf.getvalue().count("<event ") == 3


# CENC ------------------------------------------------------------------------------------------

CENC_ROWS = [
    ("2019-06-17 14:55:43.5", "28.34", "104.90", "3", "6.0", "四川长宁县"),
    ("2019-06-18 00:00:01", "28.30", "104.80", "5", "1.2", "四川长宁县"),
]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_cenc_csv(tmp_path, encoding):
    path = tmp_path / "cenc.csv"
    lines = ["发震时刻,纬度(°),经度(°),深度(km),震级(M),参考位置"] + [",".join(r) for r in CENC_ROWS]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    catalog, report = load_catalog(path)
    assert report.format == "cenc"
    check_canonical(catalog)
    assert list(catalog["time"]) == [T0, utc("2019-06-18 00:00:01")]
    assert catalog["depth"].tolist() == [3.0, 5.0]
    assert report.columns["latitude"] == "纬度(°)"


def test_cenc_beijing_time_header_is_converted_to_utc(tmp_path):
    path = tmp_path / "cenc_bjt.csv"
    path.write_bytes(("发震时刻(北京时间),纬度,经度,深度,震级\n"
                      "2019-06-17 22:55:43.5,28.34,104.90,3,6.0\n").encode("gb18030"))
    catalog, report = load_catalog(path)
    assert catalog["time"].iloc[0] == T0
    assert any("Beijing" in note for note in report.notes)


def test_cenc_xlsx_with_title_row_and_datetime_cells(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["中国地震台网正式目录"])
    ws.append(["发震时刻", "纬度(°)", "经度(°)", "深度(km)", "震级(M)", "参考位置"])
    ws.append([pd.Timestamp("2019-06-17 14:55:43.5").to_pydatetime(), 28.34, 104.9, 3, 6.0, "四川长宁县"])
    ws.append([])
    ws.append(["2019-06-18 00:00:01", 28.30, 104.8, 5, 1.2, "四川长宁县"])
    ws.append(["not a time", 28.30, 104.8, 5, 1.2, "四川长宁县"])
    path = tmp_path / "cenc.xlsx"
    wb.save(path)
    catalog, report = load_catalog(path)
    assert report.format == "cenc"
    check_canonical(catalog)
    assert list(catalog["time"]) == [T0, utc("2019-06-18 00:00:01")]
    assert catalog["magnitude"].tolist() == [6.0, 1.2]
    # spreadsheet row numbers: title 1, header 2, data 3, empty 4, data 5, bad 6
    assert report.dropped[["row", "reason"]].values.tolist() == [[6, "unparseable time"]]


def test_format_override(tmp_path):
    path = tmp_path / "cenc.txt"
    path.write_text("发震时刻,纬度,经度,深度,震级\n2019-06-17 14:55:43.5,28.34,104.90,3,6.0\n")
    catalog, report = load_catalog(path, format="csv")
    assert report.format == "csv" and len(catalog) == 1
    from seisviz.errors import CatalogError

    with pytest.raises(CatalogError, match="not a ZMAP file"):
        load_catalog(path, format="zmap")


def test_cenc_xls_export_with_title_row_and_datetime_cells():
    """CENC's own export format is the old Excel .xls. The fixture was written with xlwt
    1.3.0: a title row, the header, a datetime cell, an empty row, a text time and a bad
    row, in a sheet named in Chinese."""
    catalog, report = load_catalog(Path(__file__).parent / "fixtures" / "cenc_export.xls")
    assert report.format == "cenc"
    check_canonical(catalog)
    assert list(catalog["time"]) == [utc("2019-06-17 14:55:43"), utc("2019-06-18 00:00:01")]
    assert catalog["magnitude"].tolist() == [6.0, 1.2]
    assert report.dropped[["row", "reason"]].values.tolist() == [[6, "unparseable time"]]


def test_an_office_file_that_is_no_workbook_is_one_line(tmp_path):
    path = tmp_path / "notes.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    from seisviz.errors import CatalogError

    with pytest.raises(CatalogError, match=r"notes.xls: cannot read the Excel workbook") as e:
        load_catalog(path)
    assert "\n" not in str(e.value)
