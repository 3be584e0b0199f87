"""Shared fixtures."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def quick_model_dir(tmp_path_factory):
    """A folder with resnet18.pt + resnet18.json from `seisviz train --quick` (built once
    per test session, ~1 min on CPU). Tests never depend on the shipped weights/."""
    out = tmp_path_factory.mktemp("quick_model")
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("SEISVIZ_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "seisviz", "train", "--quick", "--out", str(out)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"seisviz train --quick failed:\n{r.stderr}"
    assert (out / "resnet18.pt").is_file() and (out / "resnet18.json").is_file()
    return out
