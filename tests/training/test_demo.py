"""The bundled synthetic demo catalogs (data/*_demo*.csv) and `python -m seisviz make-demo`."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from seisviz.tables import LABELLED_PERIODS
from seisviz.training.demo import CATALOG_COLUMNS, DEMOS, make_demo, write_demo
from seisviz.errors import SeisvizError
from seisviz.maps import KM_PER_DEGREE

PERIOD_COLUMNS = list(LABELLED_PERIODS.columns)  # the demo's labelled periods

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "data")
NAMES = sorted(DEMOS)

# The real large events the demos mimic: published (Beijing-time) date and magnitude.
MAINSHOCKS = {
    "changning": [("2018-12-16", 5.7), ("2019-01-03", 5.3), ("2019-06-17", 6.0)],
    "weiyuan": [("2019-09-08", 5.4), ("2019-12-18", 5.2)],
}


def committed(name, suffix=""):
    return os.path.join(DATA, f"{name}_demo{suffix}.csv")


def read_catalog(name):
    return pd.read_csv(committed(name), dtype={"event_id": str, "magnitude_type": str})


def read_periods(name):
    return pd.read_csv(committed(name, "_periods"))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """Both demos regenerated in-process with the default seeds: {name: (dir, build)}."""
    out = tmp_path_factory.mktemp("demo")
    return {name: (out, write_demo(name, str(out))) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_default_seed_reproduces_committed_files(regenerated, name):
    out, _ = regenerated[name]
    for suffix in ("", "_periods"):
        fresh = os.path.join(out, f"{name}_demo{suffix}.csv")
        with open(fresh, "rb") as a, open(committed(name, suffix), "rb") as b:
            assert a.read() == b.read(), f"{name}_demo{suffix}.csv differs from data/: " \
                "run `python -m seisviz make-demo` and commit the result"


def test_command_writes_the_same_files_and_readme(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("SEISVIZ_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "seisviz", "make-demo", "--name", "weiyuan",
                        "--out", str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "weiyuan (seed" in r.stdout and "anomalous periods" in r.stdout
    for suffix in ("", "_periods"):
        with open(tmp_path / f"weiyuan_demo{suffix}.csv", "rb") as a, \
                open(committed("weiyuan", suffix), "rb") as b:
            assert a.read() == b.read()
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "make-demo" in readme
    assert not (tmp_path / "changning_demo.csv").exists()


def test_command_rejects_a_missing_folder(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("SEISVIZ_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "seisviz", "make-demo", "--out",
                        str(tmp_path / "nope")], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.startswith("error: --out") and "Traceback" not in r.stderr


def test_committed_readme_says_synthetic():
    text = open(os.path.join(DATA, "README.md"), encoding="utf-8").read()
    assert "SYNTHETIC" in text and "python -m seisviz make-demo" in text


@pytest.mark.parametrize("name", NAMES)
def test_catalog_columns_and_counts(name):
    cat = read_catalog(name)
    assert list(cat.columns) == CATALOG_COLUMNS
    assert "episode" not in cat.columns
    assert 10_000 <= len(cat) <= 60_000
    assert os.path.getsize(committed(name)) < 5_000_000
    assert cat["event_id"].is_unique
    assert (cat["magnitude_type"] == "ML").all()
    assert cat["time"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z").all()
    t = pd.to_datetime(cat["time"], utc=True)
    assert t.is_monotonic_increasing
    spec = DEMOS[name]
    assert t.min() >= pd.Timestamp(spec.start, tz="UTC")
    assert t.max() < pd.Timestamp(spec.end, tz="UTC") + pd.Timedelta(days=1)
    min_lon, max_lon, min_lat, max_lat = spec.bbox
    assert cat["longitude"].between(min_lon, max_lon).all()
    assert cat["latitude"].between(min_lat, max_lat).all()
    assert cat["depth"].between(0, 50).all()
    assert np.allclose(cat["magnitude"], cat["magnitude"].round(1))


@pytest.mark.parametrize("name", NAMES)
def test_mainshocks_on_the_published_dates(name):
    cat = read_catalog(name)
    t = pd.to_datetime(cat["time"], utc=True)
    big = cat[cat["magnitude"] >= 5.0]
    for date, magnitude in MAINSHOCKS[name]:
        tb = t[big.index]
        beijing = tb + pd.Timedelta(hours=8)
        on_day = big[(tb.dt.strftime("%Y-%m-%d") == date)
                     & (beijing.dt.strftime("%Y-%m-%d") == date)]
        assert (on_day["magnitude"] == magnitude).any(), (name, date, magnitude)
        # ... and with aftershocks: many events in the following week nearby
        main = on_day[on_day["magnitude"] == magnitude].iloc[0]
        after = cat[(t > t[main.name]) & (t < t[main.name] + pd.Timedelta(days=7))
                    & (distance_km(cat, main["longitude"], main["latitude"]) < 20)]
        assert len(after) >= 50, (name, date)
    # no M5+ comes without being part of a mainshock sequence: the largest background is
    # capped below M5
    assert len(big) <= len(MAINSHOCKS[name]) + 2


def distance_km(cat, lon, lat):
    dx = (cat["longitude"] - lon) * KM_PER_DEGREE * np.cos(np.radians(lat))
    dy = (cat["latitude"] - lat) * KM_PER_DEGREE
    return np.hypot(dx, dy)


@pytest.mark.parametrize("name", NAMES)
def test_periods_have_their_events(name):
    cat = read_catalog(name)
    t = pd.to_datetime(cat["time"], utc=True)
    periods = read_periods(name)
    assert list(periods.columns) == PERIOD_COLUMNS
    assert len(periods) > 0
    assert list(periods["period_id"]) == list(range(1, len(periods) + 1))
    assert set(periods["kind"]) <= {"swarm", "injection", "aftershock"}
    start = pd.to_datetime(periods["start"], utc=True)
    end = pd.to_datetime(periods["end"], utc=True)
    assert start.is_monotonic_increasing and (end > start).all()
    for row, s, e in zip(periods.itertuples(), start, end):
        near = distance_km(cat, row.center_lon, row.center_lat) <= row.radius_km + 2.0
        n = int((near & (t >= s) & (t <= e)).sum())
        assert n >= 10, (name, row.period_id, n)
    # Read the way the Detect page reads manual picks.
    picks = pd.read_csv(committed(name, "_periods"), parse_dates=["start", "end"])
    assert str(picks["start"].dt.tz) == "UTC"


@pytest.mark.parametrize("name", NAMES)
def test_periods_are_the_labelled_episodes(regenerated, name):
    _, build = regenerated[name]
    assert len(build.periods) + len(build.dropped) == len(build.episodes) == \
        len(DEMOS[name].episodes)
    labelled = build.episodes[build.episodes["labelled_windows"] > 0]
    assert sorted(labelled["n_events"]) == sorted(build.periods["n_events"])
    assert set(build.periods["kind"]) >= {"injection", "aftershock"}
    if name == "changning":
        # the weak swarm on the busy brine-injection spot is not a sudden local increase
        assert list(build.dropped["note"].str.startswith("weak swarm on")) == [True]


@pytest.mark.parametrize("name", NAMES)
def test_loads_cleanly_with_the_catalog_loader(name):
    catalog_module = pytest.importorskip("seisviz.catalog")
    catalog, report = catalog_module.load_catalog(committed(name), keep_duplicates=True)
    assert report.n_dropped == 0
    assert len(catalog) == len(read_catalog(name))
    # by default the loader drops one of two events that fall within the near-duplicate
    # tolerances (2 s, 5 km) by chance: a few in a dense synthetic catalog, nothing else
    _, default = catalog_module.load_catalog(committed(name))
    assert set(default.reason_counts()) <= {"near-duplicate"}
    assert default.n_dropped < 0.001 * len(catalog)


def test_make_demo_api():
    catalog, periods = make_demo("weiyuan", seed=7)
    assert list(catalog.columns) == CATALOG_COLUMNS
    assert list(periods.columns) == PERIOD_COLUMNS
    assert str(catalog["time"].dt.tz) == "UTC"
    assert 10_000 <= len(catalog) <= 60_000 and len(periods) > 0
    default, _ = make_demo("weiyuan")
    assert len(default) != len(catalog) or not default.equals(catalog)
    with pytest.raises(SeisvizError, match="unknown demo"):
        make_demo("nowhere")
