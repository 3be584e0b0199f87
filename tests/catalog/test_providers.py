"""Real catalog layouts, loaded untold: one small fixture per provider's published layout
(tests/catalog/fixtures/, written for these tests; docs/catalog-formats.md lists them), read
through load_catalog, `seisviz info` and `seisviz scan`."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from seisviz.catalog import FORMAT_NAMES, load_catalog

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# file: (format, rows read, rows kept, {reason: count}, first event (UTC), its magnitude)
PROVIDERS = {
    "usgs_comcat.csv": ("csv", 8, 6, {"duplicate": 1, "missing magnitude": 1},
                        "2019-07-04T17:33:49Z", 6.4),
    "ncedc_ncss.csv": ("csv", 6, 6, {}, "2014-08-24T10:20:44.07Z", 6.02),
    "emsc_fdsn.txt": ("fdsn", 5, 5, {}, "2023-02-06T01:17:34.8Z", 7.8),
    "ingv_fdsn.txt": ("fdsn", 6, 5, {"missing magnitude": 1}, "2016-08-24T01:36:32Z", 6.0),
    "geonet_fdsn.txt": ("fdsn", 5, 5, {}, "2016-11-13T11:02:56.346Z", 7.8),
    "iris_fdsn.txt": ("fdsn", 5, 5, {}, "2019-07-04T17:33:49Z", 6.4),
    "isc_bulletin.csv": ("csv", 6, 5, {"missing depth": 1}, "2017-01-01T00:04:44.16Z", 4.6),
    "scedc.txt": ("csv", 6, 6, {}, "2019-07-04T17:33:49Z", 6.4),
    "jma.csv": ("csv", 5, 5, {}, "2024-01-01T07:06:06.2Z", 5.5),  # 16:06:06.2 +0900
    "cenc.csv": ("cenc", 5, 5, {}, "2022-09-05T04:52:18Z", 6.8),  # 12:52:18 Beijing time
    "ogs_pipes.txt": ("csv", 6, 5, {"missing magnitude": 1}, "2016-09-03T12:02:44.4Z", 5.8),
    "geonet_quakesearch.csv": ("csv", 4, 4, {}, "2016-11-13T11:02:56.346Z", 7.82),
    "obspy.csv": ("csv", 3, 3, {}, "2012-04-04T14:08:46Z", 3.0),
    "pycsep_ascii.csv": ("csv", 4, 4, {}, "2019-07-04T17:33:49Z", 6.4),
    "seismostats.csv": ("csv", 4, 4, {}, "2021-01-14T08:42:10.23Z", 2.1),
}


def summary_line(n_rows, n_kept, reasons):
    head = f"kept {n_kept:,} of {n_rows:,} rows"
    if not reasons:
        return head + "; dropped none"
    ordered = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    return f"{head}; dropped {n_rows - n_kept}: " + ", ".join(f"{n} {r}" for r, n in ordered)


def seisviz(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "seisviz", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_each_provider_layout_loads_untold(name):
    fmt, n_rows, n_kept, reasons, first, magnitude = PROVIDERS[name]
    catalog, report = load_catalog(FIXTURES / name)
    assert report.format == fmt
    assert (report.n_rows, report.n_kept, report.reason_counts()) == (n_rows, n_kept, reasons)
    assert str(catalog["time"].dtype) == "datetime64[us, UTC]"
    assert catalog["time"].iloc[0] == pd.Timestamp(first)
    assert catalog["magnitude"].iloc[0] == pytest.approx(magnitude)
    assert catalog["time"].is_monotonic_increasing
    assert report.time_resolution == "second"


def test_each_provider_layout_through_seisviz_info():
    names = sorted(PROVIDERS)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda n: seisviz("info", FIXTURES / n), names))
    for name, r in zip(names, results):
        fmt, n_rows, n_kept, reasons, first, _ = PROVIDERS[name]
        assert r.returncode == 0, (name, r.stderr)
        lines = r.stdout.splitlines()
        assert lines[0].endswith(f"{name} ({fmt})"), name
        assert f"  events     {n_kept:,}" in lines
        start = pd.Timestamp(first).strftime("%Y-%m-%d %H:%M:%S UTC")
        assert any(line.startswith(f"  time       {start} ..") for line in lines), (name, lines)
        assert summary_line(n_rows, n_kept, reasons) in lines, (name, lines)
        for reason, n in reasons.items():
            assert f"  {n}  {reason}" in lines


@pytest.mark.slow
def test_each_provider_layout_through_seisviz_scan(tmp_path):
    """The shipped model scans each file (a window or more): the load report and the first
    window (its UTC day) say the file was read as above."""
    from seisviz.cli import main

    for name in sorted(PROVIDERS):
        fmt, n_rows, n_kept, reasons, first, _ = PROVIDERS[name]
        out = tmp_path / name
        assert main(["scan", str(FIXTURES / name), "--out", str(out), "--device", "cpu"]) == 0
        run = json.loads((out / "run.json").read_text())
        assert run["load_report"] == summary_line(n_rows, n_kept, reasons), name
        windows = pd.read_csv(out / "windows.csv")
        assert windows["window_start"].iloc[0] == pd.Timestamp(first).strftime("%Y-%m-%dT00:00:00Z")


def test_format_labels_come_from_the_registry():
    assert FORMAT_NAMES["fdsn"] == "FDSN text"
    r = seisviz("info", "--help")
    assert "fdsn" in r.stdout and "--columns" in r.stdout and "--timezone" in r.stdout
