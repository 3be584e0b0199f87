"""Where the shipped weights and the synthetic demo data are found.

An installed seisviz carries them as the packages ``seisviz.weights`` and
``seisviz.demo_data`` (pyproject.toml maps the checkout's top-level ``weights/`` and
``data/`` folders onto them), so they are found from any working directory. Run from a
checkout that was never installed, the same folders are found beside the package.
``SEISVIZ_WEIGHTS_DIR`` points elsewhere (a folder of your own weights and cards).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def _package_dir(package: str, checkout_name: str) -> Path:
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parent.parent / checkout_name


def weights_dir() -> Path:
    """The folder of shipped weights (`<arch>.pt` + `<arch>.json` each)."""
    env = os.environ.get("SEISVIZ_WEIGHTS_DIR")
    return Path(env) if env else _package_dir("seisviz.weights", "weights")


def data_dir() -> Path:
    """The folder of the bundled synthetic demo catalogs."""
    return _package_dir("seisviz.demo_data", "data")
