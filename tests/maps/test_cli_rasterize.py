"""`python -m seisviz rasterize`, run as a subprocess the way a user runs it."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
T0 = pd.Timestamp("2021-01-01", tz="UTC")


def seisviz(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("SEISVIZ_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "seisviz", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def catalog_csv(tmp_path_factory):
    """A canonical CSV: 600 events over 90 days, 100 of them M >= 2."""
    rng = np.random.default_rng(11)
    n = 600
    t = T0 + pd.to_timedelta(np.sort(rng.uniform(0, 90, n)), unit="D")
    mag = np.where(np.arange(n) % 6 == 0, 2.5, 1.0)
    df = pd.DataFrame({
        "time": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "latitude": rng.uniform(28.0, 28.6, n).round(4),
        "longitude": rng.uniform(104.8, 105.4, n).round(4),
        "depth": rng.uniform(1, 8, n).round(2),
        "magnitude": mag,
    })
    path = tmp_path_factory.mktemp("cli") / "catalog.csv"
    df.to_csv(path, index=False)
    return path, df


def test_rasterize_writes_npz(catalog_csv, tmp_path):
    path, df = catalog_csv
    out = tmp_path / "maps.npz"
    r = seisviz("rasterize", path, "--out", out, "--bbox", 104.8, 105.4, 28.0, 28.6,
                "--grid", 16, "--window", 10, "--step", 2, "--background", 30)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert "windows of 10 d every 2 d on a 16x16 grid" in r.stdout
    assert "0 events outside the grid" in r.stdout
    assert f"wrote {out}" in r.stdout
    with np.load(out) as z:
        # windows in [2021-01-01, 2021-04-01): starts every 2 days while start + 10 <= 90
        assert z["maps"].shape == (41, 2, 16, 16)
        assert z["maps"].dtype == np.float32
        assert list(z["channels"]) == ["count", "background"]
        np.testing.assert_allclose(z["bbox"], [104.8, 105.4, 28.0, 28.6])
        starts = pd.to_datetime(z["window_start"], utc=True)
        ends = pd.to_datetime(z["window_end"], utc=True)
        assert starts[0] == T0 and starts[1] == T0 + pd.Timedelta(days=2)
        assert (ends - starts == pd.Timedelta(days=10)).all()
        np.testing.assert_allclose(z["settings"], [10, 2, 30])
        # the first window holds exactly the catalog's events of its 10 days
        t = pd.to_datetime(df["time"], utc=True)
        assert z["maps"][0, 0].sum() == ((t >= starts[0]) & (t < ends[0])).sum()


def test_rasterize_pixel_km_and_min_magnitude(catalog_csv, tmp_path):
    path, df = catalog_csv
    out = tmp_path / "maps_km.npz"
    r = seisviz("rasterize", path, "--out", out, "--pixel-km", 5, "--window", 30,
                "--min-magnitude", 2)
    assert r.returncode == 0, r.stderr
    assert "kept 100 of 600 events" in r.stdout
    with np.load(out) as z:
        nx, ny = z["grid"]
        min_lon, max_lon, min_lat, max_lat = z["bbox"]
        mid = np.radians((min_lat + max_lat) / 2)
        assert (max_lat - min_lat) / ny * 111.195 == pytest.approx(5, rel=1e-3)
        assert (max_lon - min_lon) / nx * 111.195 * np.cos(mid) == pytest.approx(5, rel=1e-3)
        # windows span the kept events' days only: [first day, day after the last)
        t = pd.to_datetime(df["time"], utc=True)[df["magnitude"] >= 2]
        days = (t.max().normalize() - t.min().normalize()).days + 1
        assert z["maps"].shape[0] == days - 30 + 1
        starts = pd.to_datetime(z["window_start"], utc=True)
        assert starts[0] == t.min().normalize()
        # every kept event is inside the padded bbox; the maps hold only M>=2 events
        in_first = ((t >= starts[0]) & (t < starts[0] + pd.Timedelta(days=30))).sum()
        assert z["maps"][0, 0].sum() == in_first > 0


def test_out_without_suffix_gets_npz(catalog_csv, tmp_path):
    path, _ = catalog_csv
    r = seisviz("rasterize", path, "--out", tmp_path / "noext", "--grid", 4)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "noext.npz").exists()


@pytest.mark.parametrize("bbox", [
    (105.4, 104.8, 28.0, 28.6),    # MINLON > MAXLON
    (104.8, 105.4, 28.6, 28.6),    # no height
    (104.8, 105.4, -95.0, 28.6),   # off the globe
])
def test_bad_bbox_is_one_line_exit_2(catalog_csv, tmp_path, bbox):
    path, _ = catalog_csv
    out = tmp_path / "bad.npz"
    r = seisviz("rasterize", path, "--out", out, "--bbox", *bbox)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: --bbox")
    assert "Traceback" not in r.stderr
    assert not out.exists()


@pytest.mark.parametrize("args,words", [
    (("--window", 0), "must be positive"),
    (("--step", -1), "must be positive"),
    (("--background", 0), "background period must be positive"),
    (("--grid", 0), "--grid 0"),
    (("--pixel-km", 0), "pixel size must be positive"),
])
def test_bad_settings_are_one_line_exit_2(catalog_csv, tmp_path, args, words):
    path, _ = catalog_csv
    r = seisviz("rasterize", path, "--out", tmp_path / "x.npz", *args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and words in r.stderr


def test_missing_catalog_and_missing_out_folder(catalog_csv, tmp_path):
    path, _ = catalog_csv
    r = seisviz("rasterize", tmp_path / "nope.csv", "--out", tmp_path / "x.npz")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    r = seisviz("rasterize", path, "--out", tmp_path / "no" / "such" / "x.npz")
    assert r.returncode == 2 and "does not exist" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_min_magnitude_that_keeps_nothing(catalog_csv, tmp_path):
    path, _ = catalog_csv
    r = seisviz("rasterize", path, "--out", tmp_path / "x.npz", "--min-magnitude", 9)
    assert r.returncode == 2
    assert "no events left" in r.stderr and len(r.stderr.strip().splitlines()) == 1
