"""Telling the loader what it cannot guess: --columns / columns=, --delimiter, --timezone;
the remembered choice; coarse time columns and the windows they allow."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from seisviz.catalog import check_resolution, filter_catalog, load_catalog
from seisviz.catalog.columns import ALIASES, COLUMN_ALIASES, SOURCES
from seisviz.catalog.mapping import header_key, preview, remember, remembered
from seisviz.catalog.options import parse_columns, parse_timezone
from seisviz.errors import CatalogError, SeisvizError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MADEUP = FIXTURES / "madeup_names.csv"
MADEUP_COLUMNS = {"time": "When", "latitude": "Y", "longitude": "X", "depth": "Km",
                  "magnitude": "Size"}


def seisviz(*args, env=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run([sys.executable, "-m", "seisviz", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_every_alias_has_a_known_source_and_one_key():
    assert {s.strip() for _, _, src in ALIASES for s in src.split(",")} <= set(SOURCES)
    names = [a for a, _, _ in ALIASES]
    assert len(names) == len(set(names))
    assert COLUMN_ALIASES["magnitude"][0] == "preferred_magnitude"


def test_made_up_names_fail_untold_with_a_way_forward():
    with pytest.raises(CatalogError) as e:
        load_catalog(MADEUP)
    assert "no recognisable columns for time, latitude" in str(e.value)
    assert "--columns time=COLUMN" in str(e.value) and "\n" not in str(e.value)


def test_columns_name_them():
    catalog, report = load_catalog(MADEUP, columns=MADEUP_COLUMNS)
    assert len(catalog) == 3 and report.columns["time"] == "When"
    assert catalog["time"].iloc[0] == pd.Timestamp("2021-05-01T10:00:00Z")
    assert catalog["magnitude"].tolist() == [2.1, 1.7, 2.9]


def test_timezone_and_delimiter():
    catalog, report = load_catalog(MADEUP, columns=MADEUP_COLUMNS, delimiter="semicolon",
                                   timezone="+02:00")
    assert catalog["time"].iloc[0] == pd.Timestamp("2021-05-01T08:00:00Z")
    assert any("UTC+02:00" in n for n in report.notes)
    tokyo, _ = load_catalog(MADEUP, columns=MADEUP_COLUMNS, timezone="Asia/Tokyo")
    assert tokyo["time"].iloc[0] == pd.Timestamp("2021-05-01T01:00:00Z")
    # an offset written in the file wins over the option
    jma, _ = load_catalog(FIXTURES / "jma.csv", timezone="America/New_York")
    assert jma["time"].iloc[0] == pd.Timestamp("2024-01-01T07:06:06.2Z")
    with pytest.raises(CatalogError, match="madeup_names.csv: unknown time zone 'Mars/Olympus'"):
        load_catalog(MADEUP, columns=MADEUP_COLUMNS, timezone="Mars/Olympus")
    with pytest.raises(CatalogError, match="delimiter '::' is not one character"):
        load_catalog(MADEUP, columns=MADEUP_COLUMNS, delimiter="::")
    assert parse_timezone("UTC+9") == dt.timezone(dt.timedelta(hours=9))


def test_time_parts_and_date_plus_time(tmp_path):
    path = tmp_path / "parts.txt"
    path.write_text("YYYY MM DD hh mm ss la lo z m\n"
                    "2020 1 2 3 4 5.5 10 20 5 2.0\n"
                    "2020 1 3 0 0 0 10 20 5 2.5\n")
    parts = {"year": "YYYY", "month": "MM", "day": "DD", "hour": "hh", "minute": "mm",
             "second": "ss", "latitude": "la", "longitude": "lo", "depth": "z", "magnitude": "m"}
    catalog, report = load_catalog(path, columns=parts, delimiter="whitespace")
    assert catalog["time"].iloc[0] == pd.Timestamp("2020-01-02T03:04:05.5Z")
    assert report.time_resolution == "second"
    path = tmp_path / "split.csv"
    path.write_text("d,t,a,b,c,e\n2020-01-02,03:04:05,10,20,5,2.0\n")
    catalog, _ = load_catalog(path, columns={"date": "d", "time": "t", "latitude": "a",
                                             "longitude": "b", "depth": "c", "magnitude": "e"})
    assert catalog["time"].iloc[0] == pd.Timestamp("2020-01-02T03:04:05Z")


def test_chosen_columns_win_over_guesses(tmp_path):
    path = tmp_path / "two_mags.csv"
    path.write_text("time,lat,lon,depth,mag,ML\n2020-01-01T00:00:00Z,1,2,3,4.0,3.5\n")
    assert load_catalog(path)[0]["magnitude"].iloc[0] == 4.0
    assert load_catalog(path, columns={"magnitude": "ML"})[0]["magnitude"].iloc[0] == 3.5


def test_bad_columns_are_one_line_naming_column_and_file():
    with pytest.raises(CatalogError) as e:
        load_catalog(MADEUP, columns=dict(MADEUP_COLUMNS, magnitude="Mag"))
    assert str(e.value) == (f"{MADEUP}: no column 'Mag' (given for magnitude) in the file; "
                            f"found columns 'When', 'Y', 'X', 'Km', 'Size', 'Note'")
    with pytest.raises(CatalogError, match="unknown column key 'mag'"):
        load_catalog(MADEUP, columns={"mag": "Size"})
    with pytest.raises(CatalogError, match="not both"):
        load_catalog(MADEUP, columns={"time": "When", "year": "Y"})
    with pytest.raises(CatalogError, match="is not KEY=COLUMN"):
        parse_columns("time=When,latitude")


def test_cli_columns_on_info_and_rasterize(tmp_path):
    spec = ",".join(f"{k}={v}" for k, v in MADEUP_COLUMNS.items())
    r = seisviz("info", MADEUP, "--columns", spec, "--timezone", "Europe/Paris")
    assert r.returncode == 0, r.stderr
    assert "  events     3" in r.stdout and "time <- When" in r.stdout
    assert "2021-05-01 08:00:00 UTC" in r.stdout  # CEST = UTC+2
    r = seisviz("info", MADEUP, "--columns", spec.replace("Size", "Sise"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "no column 'Sise' (given for magnitude)" in r.stderr and "madeup_names.csv" in r.stderr
    out = tmp_path / "maps.npz"
    r = seisviz("rasterize", MADEUP, "--out", out, "--columns", spec, "--delimiter", ";")
    assert r.returncode == 0, r.stderr
    assert out.is_file()


@pytest.mark.slow
def test_cli_columns_on_scan_and_export(tmp_path):
    spec = ",".join(f"{k}={v}" for k, v in MADEUP_COLUMNS.items())
    r = seisviz("scan", MADEUP, "--out", tmp_path / "scan", "--columns", spec, "--device", "cpu")
    assert r.returncode == 0, r.stderr
    assert "kept 3 of 3 rows" in r.stderr
    r = seisviz("export", tmp_path / "scan", "--catalog", MADEUP, "--columns", spec,
                "--formats", "csv", "--out", tmp_path / "export")
    assert r.returncode == 0, r.stderr
    r = seisviz("export", tmp_path / "scan", "--catalog", MADEUP, "--formats", "csv")
    assert r.returncode == 2 and "no recognisable columns" in r.stderr


def test_unnamed_index_trailing_delimiter_and_isc_magnitude_groups(tmp_path):
    path = tmp_path / "r.txt"  # R's write.table: no name for the row-name column
    path.write_text('"time"|"lat"|"lon"|"depth"|"mag"\n"1"|"2020-01-01 00:00:01"|1|2|3|4\n'
                    '"2"|"2020-01-02 00:00:01"|1|2|3|4.5\n')
    catalog, report = load_catalog(path)
    assert len(catalog) == 2 and "an unnamed leading index column was ignored" in report.notes
    path = tmp_path / "trailing.csv"
    path.write_text("time,lat,lon,depth,mag\n2020-01-01T00:00:01Z,1,2,3,4,\n")
    assert len(load_catalog(path)[0]) == 1
    catalog, _ = load_catalog(FIXTURES / "isc_bulletin.csv")
    assert catalog["magnitude"].tolist() == [4.6, 3.9, 4.3, 4.5, 4.8]  # the first group's


def test_epoch_milliseconds(tmp_path):
    path = tmp_path / "csep.csv"
    path.write_text("id,origin_time,latitude,longitude,depth,magnitude\n"
                    "a,1562383193040,35.7,-117.6,8,7.1\n")
    catalog, report = load_catalog(path)
    assert catalog["time"].iloc[0] == pd.Timestamp("2019-07-06T03:19:53.04Z")
    assert "time read as epoch milliseconds from column 'origin_time'" in report.notes


def test_year_and_date_resolution_warn_and_refuse_fine_windows():
    catalog, report = load_catalog(FIXTURES / "years_only.csv")
    assert report.time_resolution == "year"
    warning = [n for n in report.notes if n.startswith("warning:")]
    assert warning == ["warning: time has only year resolution (column 'year' holds whole "
                       "years): every event is placed on 1 January of its year; windows and "
                       "steps shorter than a year are refused"]
    assert catalog["time"].iloc[0] == pd.Timestamp("1905-01-01T00:00:00Z")
    with pytest.raises(SeisvizError) as e:
        check_resolution(report, window_days=30, step_days=1)
    assert str(e.value) == ("the catalog's times have only year resolution: a window of 30 days "
                            "is finer than that; use windows and steps of at least 365 days")
    check_resolution(report, window_days=730, step_days=365)
    # the catalog carries it too, through filtering
    filtered = filter_catalog(catalog, min_magnitude=6.0)
    with pytest.raises(SeisvizError, match="a step of 7 days"):
        check_resolution(filtered, window_days=400, step_days=7)

    catalog, report = load_catalog(FIXTURES / "dates_only.csv")
    assert report.time_resolution == "day"
    check_resolution(catalog, window_days=30, step_days=1)
    with pytest.raises(SeisvizError, match="only day resolution: a step of 0.5 days"):
        check_resolution(catalog, window_days=30, step_days=0.5)
    fine, report = load_catalog(FIXTURES / "usgs_comcat.csv")
    check_resolution(fine, window_days=0.1, step_days=0.01)
    r = seisviz("info", FIXTURES / "years_only.csv")
    assert "note       warning: time has only year resolution" in r.stdout


def test_remembered_choice_by_header(tmp_path, monkeypatch):
    monkeypatch.setenv("SEISVIZ_CACHE_DIR", str(tmp_path / "cache"))
    data = MADEUP.read_bytes()
    p = preview(data, "madeup_names.csv")
    assert p.header_line == 1 and p.delimiter == ";" and p.names[:2] == ["When", "Y"]
    assert p.rows.iloc[0].tolist()[:2] == ["2021-05-01 10:00:00", "45.10"]
    assert remembered(data, "madeup_names.csv") is None
    session = {}
    remember(p.key, {"columns": MADEUP_COLUMNS, "delimiter": ";"}, session)
    assert remembered(data, "x", session)[1]["columns"] == MADEUP_COLUMNS
    # on disk: a new session finds it
    stored = json.loads((tmp_path / "cache" / "column_maps.json").read_text())
    assert stored[header_key("When;Y;X;Km;Size;Note")]["delimiter"] == ";"
    key, choice = remembered(b"\n\nWhen;Y;X;Km;Size;Note\n1;2;3;4;5;6\n", "other.csv")
    assert choice["columns"] == MADEUP_COLUMNS
    assert remembered(b"\x89PNG\r\n\x1a\n" + bytes(20), "photo.png") is None


def test_docs_list_every_name_and_every_fixture():
    doc = (ROOT / "docs" / "catalog-formats.md").read_text()
    for alias, key, source in ALIASES:
        assert f"`{alias}` ({source})" in doc, alias
    for path in FIXTURES.iterdir():
        assert f"`{path.name}`" in doc, path.name


def test_timezone_applies_to_zmap_and_reloc_too(tmp_path):
    path = tmp_path / "z.txt"
    path.write_text("104.1 28.1 2020 1 2 1.5 5.0 9 30 15\n104.2 28.2 2020 1 3 1.6 5.0 10 0 0\n")
    utc, _ = load_catalog(path)
    local, _ = load_catalog(path, timezone="Asia/Shanghai")
    assert utc["time"].iloc[0] == pd.Timestamp("2020-01-02T09:30:15Z")
    assert local["time"].iloc[0] == pd.Timestamp("2020-01-02T01:30:15Z")
