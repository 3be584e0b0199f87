"""`python -m seisviz info` as a user runs it."""

import subprocess
import sys
from pathlib import Path

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
