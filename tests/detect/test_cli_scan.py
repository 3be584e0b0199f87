"""`python -m seisviz scan`, run as a subprocess the way a user runs it, with the quick
model of conftest.quick_model_dir (never the shipped weights)."""

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from seisviz.detect.flags import assisted_flags

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "data", "changning_demo.csv")
ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$"  # exact: event times keep their fraction
# documented in docs/detection.md
WINDOW_COLUMNS = ["window_start", "window_end", "n_events", "probability", "flagged",
                  "baseline_beta", "baseline_flagged", "has_history", "network",
                  "regional_beta"]
PERIOD_COLUMNS = ["period_id", "start", "end", "window_start", "window_end",
                  "peak_probability", "n_windows", "n_episodes", "episode_ids", "n_events",
                  "refined"]


def seisviz(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("SEISVIZ_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "seisviz", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def scan(quick_model_dir, tmp_path_factory):
    """One scan of the demo catalog on CPU (a 5-day step keeps it short)."""
    out = tmp_path_factory.mktemp("scan")
    model = quick_model_dir / "resnet18.pt"
    r = seisviz("scan", DEMO, "--out", out, "--model", model, "--device", "cpu", "--step", 5)
    return r, out, model


def test_scan_writes_windows_periods_and_run_json(scan):
    r, out, _ = scan
    assert r.returncode == 0, r.stderr
    for name in ("windows.csv", "periods.csv", "run.json"):
        assert (out / name).is_file(), name
    assert f"wrote {out}" in r.stdout
    windows = pd.read_csv(out / "windows.csv")
    periods = pd.read_csv(out / "periods.csv")
    assert list(windows.columns[:len(WINDOW_COLUMNS)]) == WINDOW_COLUMNS
    assert list(periods.columns[:len(PERIOD_COLUMNS)]) == PERIOD_COLUMNS
    for table, cols in ((windows, ["window_start", "window_end"]), (periods, ["start", "end"])):
        for col in cols:
            assert table[col].astype(str).str.fullmatch(ISO_UTC[1:-1]).all(), col


def test_scan_tables_agree_with_run_json_and_the_catalog(scan):
    r, out, model = scan
    assert r.returncode == 0, r.stderr
    run = json.loads((out / "run.json").read_text())
    windows = pd.read_csv(out / "windows.csv")
    periods = pd.read_csv(out / "periods.csv")
    settings = run["settings"]

    # settings as asked, and what the card gave
    card = json.loads((model.parent / "resnet18.json").read_text())
    assert settings["step_days"] == 5 and settings["device"] == "cpu"
    assert settings["window_days"] == card["window_days"]
    assert settings["threshold"] == card["threshold"]
    assert settings["model"] == str(model)
    # the model is identified by the sha256 of the weights file that ran
    assert run["model"]["sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    assert run["device"]["device"] == "cpu" and run["device"]["maps_per_second"] > 0
    assert run["device"]["batch_size"] > 0
    for key in ("load_model_s", "rasterize_s", "detect_s", "total_s"):
        assert run["timings_s"][key] >= 0, key
    assert run["timings_s"]["total_s"] >= run["timings_s"]["detect_s"] > 0
    assert run["n_windows"] == len(windows) and run["n_periods"] == len(periods)
    assert run["n_flagged_windows"] == int(windows["flagged"].sum())

    # windows: every 5 days, window_days long
    start = pd.to_datetime(windows["window_start"], utc=True)
    end = pd.to_datetime(windows["window_end"], utc=True)
    assert (start.diff().dropna() == pd.Timedelta(days=5)).all()
    assert (end - start == pd.Timedelta(days=settings["window_days"])).all()
    # probability only where there is history; flagged = probability >= threshold, or
    # >= the assisted floor where the regional beta agrees (baseline assistance)
    assert windows.loc[~windows["has_history"], "probability"].isna().all()
    assert windows.loc[windows["has_history"], "probability"].between(0, 1).all()
    expect = assisted_flags(windows["probability"], windows["regional_beta"],
                            settings["threshold"], settings["assist_threshold"],
                            settings["assist_beta"])
    assert (windows["flagged"] == expect).all()

    # periods: refined to the day inside the span of their flagged windows (times compared
    # as times: a column with fractions of a second is written to the microsecond)
    for table, cols in ((windows, ("window_start", "window_end")),
                        (periods, ("start", "end", "window_start", "window_end"))):
        for col in cols:
            table[col] = pd.to_datetime(table[col], utc=True)
    flagged = windows[windows["flagged"]]
    assert set(periods["window_start"]) <= set(flagged["window_start"])
    assert set(periods["window_end"]) <= set(flagged["window_end"])
    assert (periods["window_start"] <= periods["start"]).all()
    assert (periods["start"] <= periods["end"]).all()
    assert (periods["end"] <= periods["window_end"]).all()
    for p in periods.itertuples():
        inside = flagged[(flagged["window_start"] >= p.window_start)
                         & (flagged["window_end"] <= p.window_end)]
        assert p.peak_probability == pytest.approx(inside["probability"].max(), abs=1e-6)
    assert np.all(pd.to_datetime(periods["start"]).diff().dropna() >= pd.Timedelta(0))

    # episodes: one per place and time, counting the catalog's events in their polygon
    # between onset and end (both included); a period's events are its episodes'
    import geopandas as gpd
    import shapely

    episodes = pd.read_csv(out / "episodes.csv")
    shapes = gpd.read_file(out / "subregions.geojson")
    assert len(shapes) == len(episodes) > 0
    assert list(shapes["episode_id"]) == list(episodes["episode_id"])
    # sequences: every episode names one, sequences.csv lists them all
    sequences = pd.read_csv(out / "sequences.csv")
    assert list(shapes["sequence_id"]) == list(episodes["sequence_id"])
    assert sorted(set(episodes["sequence_id"])) == list(sequences["sequence_id"])
    assert sequences["n_episodes"].sum() == len(episodes)
    assert run["n_sequences"] == len(sequences)
    from seisviz.catalog import load_catalog

    cat, _ = load_catalog(DEMO)  # as the scan read it (near-duplicate events dropped)
    t = cat["time"]
    for ep, geom in zip(episodes.itertuples(), shapes.geometry):
        when = (t >= pd.Timestamp(ep.onset)) & (t <= pd.Timestamp(ep.end))
        where = shapely.intersects_xy(geom, cat["longitude"].to_numpy(),
                                      cat["latitude"].to_numpy())
        assert ep.n_events == int((when & where).sum()), ep.episode_id
        assert ep.start == ep.onset
    per_period = episodes.groupby("period_id")["n_events"].sum()
    refined = periods[periods["refined"]]
    assert list(refined["n_events"]) == list(per_period.loc[refined["period_id"]])


def test_scan_on_an_absent_gpu_is_one_line(quick_model_dir, tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    out = tmp_path / "out"
    r = seisviz("scan", DEMO, "--out", out, "--model", quick_model_dir / "resnet18.pt",
                "--device", "cuda")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and "cuda" in lines[0].lower()
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_scan_of_a_missing_catalog_is_one_line(quick_model_dir, tmp_path):
    missing = tmp_path / "no_such_catalog.csv"
    r = seisviz("scan", missing, "--out", tmp_path / "out", "--model",
                quick_model_dir / "resnet18.pt", "--device", "cpu")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and "no_such_catalog.csv" in lines[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("extra, says", [(["--batch-size", "-4"], "--batch-size -4"),
                                         ([], "is a file, not a folder"),
                                         (["--decluster", "reasenberg"],
                                          "--decluster reasenberg: expected one of "
                                          "gardner-knopoff, zaliapin")])
def test_scan_refuses_bad_options_before_scanning(tmp_path, extra, says):
    """A negative batch gave uninitialised probabilities; an --out that is a file failed with
    'unexpected FileExistsError' (exit 1) only after the whole scan."""
    out = tmp_path / "out"
    out.write_text("a file") if not extra else None
    r = seisviz("scan", DEMO, "--out", out, "--device", "cpu", *extra)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], r.stderr


def test_a_scan_beyond_the_memory_budget_streams_and_gives_the_same_windows(scan, tmp_path):
    """With a 1 MiB map budget the demo's maps go to a disk-backed file, chunk by chunk,
    and the detector reads them batch by batch: the same windows, probabilities and
    periods as the in-memory scan."""
    r0, out0, model = scan
    assert r0.returncode == 0, r0.stderr
    env = dict(os.environ, PYTHONPATH=ROOT, SEISVIZ_MAP_MEMORY_MB="1")
    r = subprocess.run([sys.executable, "-m", "seisviz", "scan", DEMO, "--out",
                        str(tmp_path / "s"), "--model", str(model), "--device", "cpu",
                        "--step", "5"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    run = json.loads((tmp_path / "s" / "run.json").read_text())
    assert "disk-backed" in run["rasterization"]
    before = json.loads((out0 / "run.json").read_text())
    assert "disk-backed" not in before["rasterization"]
    a = pd.read_csv(out0 / "windows.csv")
    b = pd.read_csv(tmp_path / "s" / "windows.csv")
    assert a[["window_start", "n_events", "flagged"]].equals(b[["window_start", "n_events",
                                                                "flagged"]])
    np.testing.assert_allclose(a["probability"], b["probability"], atol=1e-6)
    assert pd.read_csv(out0 / "periods.csv").equals(pd.read_csv(tmp_path / "s" / "periods.csv"))


def test_scan_declusters_before_the_maps_and_records_it(quick_model_dir, tmp_path):
    """--decluster: the filtered catalog (cut at --min-magnitude) declustered before the
    maps; run.json's `declustering` holds the method and the share removed."""
    from seisviz.catalog import filter_catalog, load_catalog
    from seisviz.stats import decluster

    full, _ = load_catalog(DEMO)
    small = tmp_path / "small.csv"
    full[full["time"] < pd.Timestamp("2016-05-01", tz="UTC")].to_csv(small, index=False)
    out = tmp_path / "out"
    r = seisviz("scan", small, "--out", out, "--model", quick_model_dir / "resnet18.pt",
                "--device", "cpu", "--step", 10, "--min-magnitude", 0.5,
                "--decluster", "gardner-knopoff")
    assert r.returncode == 0, r.stderr
    cut = filter_catalog(load_catalog(str(small))[0], min_magnitude=0.5)
    kept, share, _ = decluster(cut, "gardner-knopoff")
    assert 0 < share < 1
    run = json.loads((out / "run.json").read_text())
    assert run["declustering"] == {"method": "gardner-knopoff",
                                   "share_removed": pytest.approx(share)}
    assert f"removed {len(cut) - len(kept):,} of {len(cut):,} events" in r.stderr
    windows = pd.read_csv(out / "windows.csv")
    assert windows["n_events"].max() <= len(kept)
