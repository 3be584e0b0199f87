"""`python -m seisviz info` as a user runs it."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def info(*args):
    return subprocess.run([sys.executable, "-m", "seisviz", "info", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_info_prints_summary_and_dropped_rows(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text("time,lat,lon,depth,mag\n"
                    "2020-01-01T00:00:00Z,28.1,104.9,3.0,1.5\n"
                    "2020-01-02T00:00:00Z,28.2,105.0,4.0,2.5\n"
                    "sometime,28.2,105.0,4.0,2.5\n"
                    "2020-01-03T00:00:00Z,28.2,105.0,4.0,99\n")
    proc = info(path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "events     2" in out
    assert "2020-01-01 00:00:00 UTC .. 2020-01-02 00:00:00 UTC" in out
    assert "kept 2 of 4 rows; dropped 2: 1 magnitude out of range, 1 unparseable time" in out
    assert "sometime" in out  # the first dropped rows are shown as they are in the file
    assert proc.stderr == ""


def test_info_with_format_option(tmp_path):
    path = tmp_path / "cat.txt"
    path.write_text("104.90 28.34 2019 6 17 6.0 3.0 14 55 43.5\n")
    proc = info(path, "--format", "zmap")
    assert proc.returncode == 0, proc.stderr
    assert "(zmap)" in proc.stdout and "dropped none" in proc.stdout


def test_info_bad_file_exit_2_one_line(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    proc = info(path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and proc.stderr.endswith("\n")
    assert lines[0].startswith(f"error: {path}: not a text file")


def test_info_missing_file_exit_2(tmp_path):
    proc = info(tmp_path / "missing.csv")
    assert proc.returncode == 2
    assert proc.stderr == f"error: {tmp_path / 'missing.csv'}: file not found\n"


def test_info_reads_a_cenc_xls_export():
    proc = info(ROOT / "tests/catalog/fixtures/cenc_export.xls")
    assert proc.returncode == 0, proc.stderr
    assert "(cenc)" in proc.stdout
    assert "2019-06-17 14:55:43 UTC .. 2019-06-18 00:00:01 UTC" in proc.stdout
    assert "kept 2 of 3 rows; dropped 1: 1 unparseable time" in proc.stdout


def test_info_says_a_file_cut_off_in_its_last_line_is_truncated(tmp_path):
    rows = [f"2020-01-0{d}T00:00:00Z,28.1,104.9,3.0,1.{d}" for d in range(1, 6)]
    whole = "\n".join(["time,lat,lon,depth,mag", *rows]) + "\n"
    path = tmp_path / "whole.csv"
    path.write_text(whole)
    assert "truncated" not in info(path).stdout
    # cut inside a field: every field there, but shorter than each row above
    path.write_text(whole[:-3])
    out = info(path).stdout
    assert "warning: the file looks truncated: line 6 is shorter than every line above it" in out
    # cut before a delimiter: the row is dropped as too short, and the note says why
    path.write_text(whole + "2020-01-06T00:00:00Z,28.1")
    out = info(path).stdout
    assert "line 7 ends after 2 of 5 fields; 5 rows kept" in out
    assert "kept 5 of 6 rows" in out


def _gr_catalog(path, n=2000, b=1.0, types=None, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    m = np.round(1.45 + rng.exponential(1 / (b * np.log(10)), n), 1)
    t = [f"2020-01-01T{h % 24:02d}:{(h // 24) % 60:02d}:00Z" for h in range(n)]
    head = "time,lat,lon,depth,mag" + (",magtype" if types else "")
    rows = [f"{t[i]},28.1,104.9,3.0,{m[i]:.1f}" + (f",{types[i % len(types)]}" if types else "")
            for i in range(n)]
    path.write_text("\n".join([head, *rows]) + "\n")


def test_info_prints_the_b_value(tmp_path):
    path = tmp_path / "gr.csv"
    _gr_catalog(path)
    proc = info(path)
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if "b-value" in x)
    b = float(line.split()[1])
    assert abs(b - 1.0) < 0.1
    assert " ± 0.0" in line and "(Aki-Utsu above Mc 1.7, " in line  # max. curvature 1.5 + 0.2 and " events)" in line
    assert "mag types" not in proc.stdout and proc.stderr == ""


def test_info_says_too_few_events_for_a_b_value(tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("time,lat,lon,depth,mag\n2020-01-01T00:00:00Z,28.1,104.9,3.0,1.5\n")
    assert "b-value    - (needs 50 events above Mc)" in info(path).stdout


def test_info_warns_when_magnitude_types_mix(tmp_path):
    path = tmp_path / "mixed.csv"
    _gr_catalog(path, n=40, types=["ML", "ML", "ML", "Mw"])  # under 50: no SeismoStats
    out = info(path).stdout
    assert "mag types  ML 30, Mw 10" in out
    assert "warning    magnitudes mix 2 scales (ML 75%, Mw 25%)" in out
    path2 = tmp_path / "one.csv"
    _gr_catalog(path2, n=40, types=["ML"])
    out = info(path2).stdout
    assert "mag types  ML 40" in out and "magnitudes mix" not in out


@pytest.mark.parametrize("b_true", [0.8, 1.3])
def test_info_b_value_of_a_known_gutenberg_richter_catalog(tmp_path, b_true):
    """A few thousand events drawn with a known b (binned at 0.1, complete from 1.5)
    come back within 0.05."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    n = 5000
    m = np.round(1.45 + rng.exponential(1 / (b_true * np.log(10)), n), 1)
    times = pd.date_range("2020-01-01", periods=n, freq="17min", tz="UTC")  # all distinct
    path = tmp_path / "gr.csv"
    path.write_text("time,lat,lon,depth,mag\n" + "".join(
        f"{t:%Y-%m-%dT%H:%M:%SZ},28.1,104.9,3.0,{v:.1f}\n" for t, v in zip(times, m)))
    proc = info(path)
    assert proc.returncode == 0, proc.stderr
    assert "dropped none" in proc.stdout
    line = next(x for x in proc.stdout.splitlines() if "b-value" in x)
    assert abs(float(line.split()[1]) - b_true) <= 0.05, line
