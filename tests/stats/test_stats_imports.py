"""seisviz.stats imports SeismoStats (and its matplotlib and Cartopy) only when used."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_seisviz_and_its_statistics_does_not_import_seismostats():
    code = ("import sys, seisviz, seisviz.cli, seisviz.stats; "
            "print(*[m in sys.modules for m in ('seismostats', 'matplotlib', 'cartopy')])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False", "False"]
