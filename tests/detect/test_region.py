"""How a region is cut (seisviz.detect.region): one grid at the trained pixel size, tiles
for a wider region merged into one result, a hand-set grid honoured with its warning.

The catalogs are seisviz.training.statewide's (seeded), made small; the detector is
conftest's quick model (its card says the trained pixel sizes, as `seisviz train` writes
them)."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from seisviz.detect import ModelCard, plan_cut, read_card, reflag_region, scan_region
from seisviz.detect.region import region_pixel_km
from seisviz.maps import catalog_bbox
from seisviz.scanfolder import load_scan_folder, save_scan_folder
from seisviz.settings import MIN_EVENTS, ScanSettings
from seisviz.tables import PERIODS, TILED_WINDOWS
from seisviz.tiles import make_tiles
from seisviz.training.statewide import statewide_catalog

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLUMNS = ["time", "latitude", "longitude", "depth", "magnitude"]
FAST = {"step_days": 5.0, "device": "cpu"}  # fewer windows: the tests stay short


def catalog_of(seed, **size):
    return statewide_catalog(seed, **size).catalog[COLUMNS]


@pytest.fixture(scope="module")
def wide():
    """3 years over 2.5 x 1 degrees: pixels of ~2.9 km on one 64-pixel grid, 10 tiles of
    which 5 hold 10 events or more."""
    return catalog_of(0, years=3.0, width_deg=2.5, height_deg=1.0)


@pytest.fixture(scope="module")
def narrow():
    """The same kind of catalog over 0.5 x 0.4 degrees: one grid at ~0.6 km a pixel."""
    return catalog_of(3, years=1.5, width_deg=0.5, height_deg=0.4)


@pytest.fixture(scope="module")
def model(quick_model_dir):
    return str(quick_model_dir / "resnet18.pt")


@pytest.fixture(scope="module")
def tiled(wide, model):
    return scan_region(wide, model=model, **FAST)


# ---- the plan: no model ------------------------------------------------------------

def shipped_card():
    return read_card(os.path.join(ROOT, "weights", "resnet18.json"))


def test_the_cards_say_the_trained_pixel_sizes_and_an_old_card_gets_them():
    card = shipped_card()
    assert (card.min_pixel_km, card.max_pixel_km, card.pixel_km) == (0.5, 1.7, 1.0)
    old = {k: v for k, v in card.to_dict().items()
           if k not in ("min_pixel_km", "max_pixel_km", "pixel_km")}
    again = ModelCard.from_dict(old)
    assert (again.min_pixel_km, again.max_pixel_km, again.pixel_km) == (0.5, 1.7, 1.0)
    assert "min_pixel_km" not in again.extra


def test_plan_narrow_is_one_grid_wide_is_tiles_and_a_hand_set_grid_is_honoured(wide,
                                                                                 narrow):
    card, settings = shipped_card(), ScanSettings()
    cut = plan_cut(narrow, card, settings)
    assert cut.kind == "grid" and not cut.by_hand and cut.warning == ""
    assert 0.5 <= cut.pixel_km <= 1.7
    assert cut.describe() == f"one 64x64 grid at {cut.pixel_km:.1f} km a pixel"

    cut = plan_cut(wide, card, settings)
    assert region_pixel_km(catalog_bbox(wide), 64) > 1.7
    assert cut.kind == "tiles" and cut.tile_km == 43 and cut.overlap_km == 10.75
    assert cut.n_tiles == len(make_tiles((wide["longitude"].min(), wide["longitude"].max(),
                                          wide["latitude"].min(), wide["latitude"].max()),
                                         43, 10.75))

    cut = plan_cut(wide, card, settings, by_hand=True)
    assert cut.kind == "grid" and cut.by_hand and cut.pixel_km > 1.7
    assert cut.warning.startswith(f"pixels of {cut.pixel_km:.1f} km: the model was trained "
                                  "on 0.5-1.7 km")
    assert "(set by hand)" in cut.describe()
    # a box given by hand is one grid too; a hand-set grid inside the range has no warning
    boxed = plan_cut(wide, card, settings.replace(bbox=catalog_bbox(wide), grid=160))
    assert boxed.kind == "grid" and boxed.by_hand and boxed.warning == ""


# ---- scans with the quick model ------------------------------------------------------

def test_a_narrow_region_is_one_grid_as_before(narrow, model):
    result = scan_region(narrow, model=model, **FAST)
    assert result.cut["kind"] == "grid" and result.tiles == () and result.dmaps is not None
    assert result.cut["description"].startswith("one 64x64 grid at ")
    assert result.notes == ()


def test_a_wide_region_is_cut_into_tiles_and_merged_into_one_result(tiled, wide):
    cut = tiled.cut
    assert cut["kind"] == "tiles" and cut["n_scanned"] == len(tiled.tiles) > 1
    assert cut["n_scanned"] + cut["n_sparse"] + len(cut["failed"]) == cut["n_tiles"]
    assert cut["n_sparse"] > 0  # the sparse background leaves tiles under MIN_EVENTS
    assert cut["description"] == (
        f"cut into {cut['n_scanned']} tiles of 43 km at {cut['pixel_km']:.1f} km a pixel "
        f"(overlap 10.75 km), {cut['n_sparse']} with too few events (< {MIN_EVENTS}) "
        "skipped")
    assert 0.9 <= cut["pixel_km"] <= 1.1  # the tiles are looked at at ~1 km a pixel
    assert tiled.dmaps is None  # no tile's maps are kept
    # one row per window time, the best tile's probability and its id
    w = tiled.windows
    assert list(w.columns) == list(TILED_WINDOWS.columns)
    assert w["window_start"].is_unique and w["window_start"].is_monotonic_increasing
    best = pd.concat([s.windows.assign(tile=s.tile.tile_id) for s in tiled.tiles])
    top = best.groupby("window_start")["probability"].max()
    assert np.allclose(w.set_index("window_start")["probability"].reindex(top.index), top,
                       equal_nan=True)
    # periods: the one layout, never overlapping; each episode in exactly one
    p = tiled.periods
    assert list(p.columns) == list(PERIODS.columns)
    assert (p["start"].iloc[1:].to_numpy() > p["end"].iloc[:-1].to_numpy()).all()
    e = tiled.episodes
    assert set(e["period_id"]) == set(p["period_id"])
    assert e["episode_id"].is_unique and {"tile_id", "seen_by", "n_tiles"} <= set(e.columns)
    for period in p.itertuples():
        mine = e[e["period_id"] == period.period_id]
        assert period.start == mine["onset"].min() and period.end == mine["end"].max()
        assert period.n_events == mine["n_events"].sum()


def test_reflag_of_a_tiled_result_recomputes_from_the_tiles_windows(tiled, wide):
    same = reflag_region(tiled, wide)
    pd.testing.assert_frame_equal(same.periods, tiled.periods)
    assert same.cut == tiled.cut and len(same.tiles) == len(tiled.tiles)
    # (baseline assistance flags on its own threshold: raised too)
    none = reflag_region(tiled, wide, threshold=1.01, assist_threshold=1.01)
    assert len(none.periods) == 0 and len(none.episodes) == 0
    assert not none.windows["flagged"].any()
    # a lower threshold: at least the windows flagged before, and flags from the tiles'
    # (below the card's threshold, above the fine pass's floor: windows the fast scan left
    # unscored stay unflagged at any threshold down to the floor)
    lower = float(np.clip(np.nanquantile(tiled.windows["probability"], 0.8), 0.2,
                          tiled.settings.threshold - 0.05))
    more = reflag_region(tiled, wide, threshold=lower)
    assert more.windows["flagged"].sum() >= tiled.windows["flagged"].sum()
    assert (more.windows["flagged"] == (more.windows["probability"].fillna(0) >= lower)).all()


def test_a_tiled_scan_folder_is_written_and_read_back_whole(tiled, wide, tmp_path):
    names = save_scan_folder(tiled, str(tmp_path), wide, source="state.csv")
    assert {"windows.csv", "tile_windows.csv", "periods.csv", "episodes.csv",
            "subregions.geojson", "run.json"} <= set(names)
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["cut"]["kind"] == "tiles"
    assert run["cut"]["description"] == tiled.cut["description"]
    _, back = load_scan_folder(str(tmp_path), wide)
    assert back.cut["description"] == tiled.cut["description"]
    assert [s.tile.tile_id for s in back.tiles] == [s.tile.tile_id for s in tiled.tiles]
    pd.testing.assert_frame_equal(back.periods, tiled.periods, check_exact=False)
    assert back.episodes["episode_id"].tolist() == tiled.episodes["episode_id"].tolist()
    assert back.episodes["onset"].tolist() == tiled.episodes["onset"].tolist()
    episodes_csv = pd.read_csv(tmp_path / "episodes.csv")
    assert len(episodes_csv) == len(tiled.episodes)


def test_a_hand_set_grid_is_one_grid_with_a_warning(wide, model):
    result = scan_region(wide, model=model, by_hand=True, **FAST)
    assert result.cut["kind"] == "grid" and result.cut["by_hand"]
    assert result.tiles == () and len(result.notes) == 1
    assert result.notes[0] == result.cut["warning"]
    assert "the model was trained on 0.5-1.7 km" in result.notes[0]


def seisviz(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("SEISVIZ_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "seisviz", *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)


def test_seisviz_scan_says_the_cut_and_warns_for_a_hand_set_grid(wide, model, tmp_path):
    path = tmp_path / "state.csv"
    wide.to_csv(path, index=False)
    r = seisviz("scan", path, "--out", tmp_path / "auto", "--model", model, "--device",
                "cpu", "--step", 5)
    assert r.returncode == 0, r.stderr
    run = json.loads((tmp_path / "auto" / "run.json").read_text())
    assert run["cut"]["kind"] == "tiles"
    assert f"region: {run['cut']['description']}" in r.stderr
    assert "warning:" not in r.stderr
    r = seisviz("scan", path, "--out", tmp_path / "hand", "--model", model, "--device",
                "cpu", "--step", 5, "--grid", 64)
    assert r.returncode == 0, r.stderr
    run = json.loads((tmp_path / "hand" / "run.json").read_text())
    assert run["cut"]["kind"] == "grid" and run["cut"]["by_hand"]
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: {run['cut']['warning']}"]
