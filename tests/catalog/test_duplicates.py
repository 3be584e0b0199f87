"""Near-duplicate events: one earthquake located by two agencies of a merged catalog is
kept once, the report naming the dropped copy and the copy kept; a switch keeps all."""

import subprocess
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seisviz.catalog import load_catalog
from seisviz.catalog.duplicates import KM_PER_DEGREE, near_duplicate_groups, near_duplicate_pairs
from seisviz.cli import build_parser
from seisviz.settings import (DUPLICATE_KM, DUPLICATE_MAGNITUDE, DUPLICATE_SECONDS,
                              ScanSettings)
from seisviz.workstate import Work, scan_command

ROOT = Path(__file__).resolve().parents[2]
HEADER = "time,latitude,longitude,depth,magnitude,agency,horizontal_error_km\n"
KM_LAT = 1 / KM_PER_DEGREE  # degrees of latitude in one km


def write(tmp_path, rows, name="merged.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


# line 1 is the header: the rows below are lines 2.. of the file
TWO_AGENCIES = [
    "2021-03-01T08:00:00.0Z,30.0000,104.0000,5,1.2,A,0.8",
    "2021-03-02T10:00:00.0Z,30.1000,104.1000,10,3.1,GLOBAL,",             # line 3
    f"2021-03-02T10:00:00.8Z,{30.1 + 2 * KM_LAT:.5f},104.1000,6,3.3,LOCAL,0.5",  # line 4
    "2021-03-05T08:00:00.0Z,30.0000,104.0000,5,1.4,A,0.8",
]


def test_two_agencies_copies_become_one_and_the_report_names_both_rows(tmp_path):
    catalog, report = load_catalog(write(tmp_path, TWO_AGENCIES))
    assert len(catalog) == 3 and report.n_kept == 3 and report.n_rows == 4
    # the local agency's copy has every field filled in: it is the one kept
    kept = catalog[catalog["time"].dt.day == 2].iloc[0]
    assert kept["magnitude"] == 3.3 and kept["depth"] == 6
    dropped = report.dropped
    assert dropped["row"].tolist() == [3] and dropped["reason"].tolist() == ["near-duplicate"]
    assert dropped["kept_row"].tolist() == [4]
    assert dropped["agency"].tolist() == ["GLOBAL"]  # the file's own columns, as for any drop
    assert report.summary() == ("kept 3 of 4 rows; dropped 1: 1 near-duplicate; of "
                                "near-duplicate events kept row 4 over 3")


def test_events_10_s_or_30_km_apart_both_stay(tmp_path):
    rows = ["2021-03-02T10:00:00Z,30.1000,104.1000,6,3.1,A,0.5",
            "2021-03-02T10:00:10Z,30.1000,104.1000,6,3.1,B,0.5",           # 10 s later
            f"2021-03-03T10:00:00Z,30.1000,104.1000,6,3.1,A,0.5",
            f"2021-03-03T10:00:00Z,{30.1 + 30 * KM_LAT:.5f},104.1000,6,3.1,B,0.5"]  # 30 km
    catalog, report = load_catalog(write(tmp_path, rows))
    assert len(catalog) == 4 and report.summary() == "kept 4 of 4 rows; dropped none"


def test_just_inside_and_just_outside_the_tolerances(tmp_path):
    inside = DUPLICATE_SECONDS - 0.1
    rows = ["2021-03-02T10:00:00Z,30.1000,104.1000,6,3.1,A,0.5",
            f"2021-03-02T10:00:{inside:04.1f}Z,{30.1 + (DUPLICATE_KM - 0.2) * KM_LAT:.5f},"
            "104.1000,6,3.1,B,0.5",
            "2021-03-04T10:00:00Z,30.1000,104.1000,6,3.1,A,0.5",
            f"2021-03-04T10:00:{DUPLICATE_SECONDS + 0.1:04.1f}Z,30.1000,104.1000,6,3.1,B,0.5",
            "2021-03-06T10:00:00Z,30.1000,104.1000,6,3.1,A,0.5",
            f"2021-03-06T10:00:00Z,{30.1 + (DUPLICATE_KM + 0.2) * KM_LAT:.5f},104.1000,6,3.1,B,"
            "0.5"]
    _, report = load_catalog(write(tmp_path, rows))
    assert report.near_duplicate_groups() == [(2, [3])]


def test_a_mainshock_and_an_aftershock_a_second_apart_are_two_events(tmp_path):
    rows = [f"2021-03-02T10:00:00Z,30.1000,104.1000,6,{5.0},A,0.5",
            f"2021-03-02T10:00:01Z,30.1000,104.1010,6,{5.0 - DUPLICATE_MAGNITUDE - 0.5},A,0.5"]
    catalog, report = load_catalog(write(tmp_path, rows))
    assert len(catalog) == 2 and report.n_dropped == 0


def test_keep_duplicates_keeps_both_and_says_so(tmp_path):
    catalog, report = load_catalog(write(tmp_path, TWO_AGENCIES), keep_duplicates=True)
    assert len(catalog) == 4 and report.n_dropped == 0 and len(report.dropped) == 0
    assert report.duplicates_kept == [[3, 4]]
    assert report.summary() == ("kept 4 of 4 rows; dropped none; kept every copy of 1 "
                                "near-duplicate event as asked (rows 3 and 4)")


def test_keep_duplicates_on_the_command_line(tmp_path):
    path = write(tmp_path, TWO_AGENCIES)

    def info(*args):
        proc = subprocess.run([sys.executable, "-m", "seisviz", "info", str(path), *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    assert "kept 3 of 4 rows; dropped 1: 1 near-duplicate; of near-duplicate events kept " \
           "row 4 over 3" in info()
    out = info("--keep-duplicates")
    assert "events     4" in out and "kept every copy of 1 near-duplicate event" in out


def test_every_command_that_reads_a_catalog_takes_keep_duplicates():
    import argparse

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    options = {name: {o for a in p._actions for o in a.option_strings}
               for name, p in sub.choices.items()}
    reading = {name for name, opts in options.items() if "--timezone" in opts}
    assert {"info", "scan", "scan-tiles", "rasterize", "export", "movie"} <= reading
    assert all("--keep-duplicates" in options[name] for name in reading)
    args = build_parser().parse_args(["scan", "catalog.csv", "--out", "scan", "--keep-duplicates"])
    assert args.keep_duplicates is True


def test_a_chain_of_three_copies_is_one_event(tmp_path):
    # three agencies, each 1.5 s and 3 km after the one before: the first and the last are
    # 3 s and 6 km apart, beyond the tolerances, but they are one earthquake
    rows = ["2021-03-01T00:00:00Z,30.0000,104.0000,5,1.0,A,0.8",
            "2021-03-02T10:00:00.0Z,30.10000,104.1,8,3.0,A,",
            f"2021-03-02T10:00:01.5Z,{30.1 + 3 * KM_LAT:.5f},104.1,8,3.2,B,",
            f"2021-03-02T10:00:03.0Z,{30.1 + 6 * KM_LAT:.5f},104.1,8,3.1,C,",
            "2021-03-04T00:00:00Z,30.0000,104.0000,5,1.0,A,0.8"]
    catalog, report = load_catalog(write(tmp_path, rows))
    assert len(catalog) == 3
    # all three equally complete: the largest magnitude (line 4) is kept
    assert report.near_duplicate_groups() == [(4, [3, 5])]
    assert sorted(report.dropped["kept_row"].tolist()) == [4, 4]
    assert "kept row 4 over 3 and 5" in report.summary()


def test_equal_copies_keep_the_first_in_the_file(tmp_path):
    rows = ["2021-03-02T10:00:00.5Z,30.1000,104.1000,6,3.1,B,0.5",
            "2021-03-02T10:00:00.0Z,30.1010,104.1000,6,3.1,A,0.5"]
    catalog, report = load_catalog(write(tmp_path, rows))
    assert report.near_duplicate_groups() == [(2, [3])]
    assert catalog["time"].iloc[0] == pd.Timestamp("2021-03-02T10:00:00.5Z")


def test_copies_across_the_date_line_are_one_event(tmp_path):
    rows = ["2021-03-02T10:00:00Z,-17.0,179.99,600,5.0,A,",
            "2021-03-02T10:00:01Z,-17.0,-179.99,600,5.1,B,"]
    _, report = load_catalog(write(tmp_path, rows))
    assert report.near_duplicate_groups() == [(3, [2])]


def test_times_known_only_to_the_day_are_not_compared(tmp_path):
    path = tmp_path / "days.csv"
    path.write_text("date,latitude,longitude,depth,magnitude\n"
                    "2021-03-02,30.1,104.1,6,3.1\n2021-03-02,30.101,104.1,6,3.0\n")
    catalog, report = load_catalog(path)
    assert len(catalog) == 2 and report.n_dropped == 0


def test_zmap_and_quakeml_files_drop_near_duplicates_too(tmp_path):
    zmap = tmp_path / "cat.zmap"
    zmap.write_text("104.10 30.10 2021 3 2 3.1 6.0 10 0 0.0\n"
                    "104.11 30.10 2021 3 2 3.3 6.0 10 0 0.9\n")
    catalog, report = load_catalog(zmap)
    assert len(catalog) == 1 and report.near_duplicate_groups() == [(2, [1])]
    assert len(load_catalog(zmap, keep_duplicates=True)[0]) == 2
    from seisviz.catalog import write_quakeml

    xml = tmp_path / "cat.xml"
    write_quakeml(load_catalog(zmap, keep_duplicates=True)[0], xml)
    assert len(load_catalog(xml)[0]) == 1 and len(load_catalog(xml, keep_duplicates=True)[0]) == 2


def test_the_neighbour_search_finds_the_same_pairs_as_comparing_all_pairs():
    rng = np.random.default_rng(19)
    n = 1500  # a dense swarm: ~20 events a minute in a 10 km box, many within the tolerances
    t = np.sort(rng.uniform(0, 4500, n))
    t[rng.choice(n, 300, replace=False)] = t[rng.choice(n, 300)] + rng.uniform(-1, 1, 300)
    lat = 30 + rng.uniform(0, 10 * KM_LAT, n)
    lon = 104 + rng.uniform(0, 10 * KM_LAT / np.cos(np.radians(30)), n)
    mag = rng.uniform(0, 3, n)
    i, j = near_duplicate_pairs((t * 1e6).astype(np.int64), lat, lon, mag)
    found = {tuple(sorted(p)) for p in zip(i.tolist(), j.tolist())}
    expected = set()
    for a, b in combinations(range(n), 2):
        if abs(t[a] - t[b]) * 1e6 > DUPLICATE_SECONDS * 1e6:
            continue
        dx = (lon[a] - lon[b]) * np.cos(np.radians((lat[a] + lat[b]) / 2))
        if KM_PER_DEGREE * np.hypot(dx, lat[a] - lat[b]) <= DUPLICATE_KM and \
                abs(mag[a] - mag[b]) <= DUPLICATE_MAGNITUDE:
            expected.add((a, b))
    assert len(expected) > 20 and found == expected


def test_groups_of_a_shuffled_catalog():
    catalog = pd.DataFrame({
        "time": pd.to_datetime(["2021-01-01T00:00:05", "2021-01-01T00:00:00",
                                "2021-01-01T00:00:01", "2021-01-02T00:00:00"], utc=True),
        "latitude": [30.0, 30.0, 30.0, 30.0], "longitude": [104.0] * 4,
        "magnitude": [2.0, 2.0, 2.1, 2.0]})
    group = near_duplicate_groups(catalog)
    assert group[0] == -1 and group[3] == -1 and group[1] == group[2] >= 0


def test_the_dashboard_record_keeps_the_switch_and_the_command_line_has_it():
    work = Work()
    work.source.kind, work.source.name = "upload", "merged.csv"
    assert "--keep-duplicates" not in scan_command(work, ScanSettings())
    work.source.keep_duplicates = True
    assert Work.from_dict(work.to_dict()).source.keep_duplicates is True
    assert "--keep-duplicates" in scan_command(work, ScanSettings())
