"""The Overview page in Streamlit's AppTest: run a tiled scan of a small catalog from the
page (conftest's quick model, put in the work folder), with a progress bar; a rerun into
the same folder continues it; open a tile as the current catalog; and every folder that
leads out of the work folder is refused in one line."""

import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGE = "pages/7_overview.py"


@pytest.fixture(scope="module")
def work(tmp_path_factory, quick_model_dir):
    """The work folder (SEISVIZ_WORK_DIR) with the quick model in its models/ folder."""
    root = tmp_path_factory.mktemp("work")
    (root / "models").mkdir()
    for name in ("resnet18.pt", "resnet18.json"):
        shutil.copy(quick_model_dir / name, root / "models" / name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEISVIZ_WORK_DIR", str(root))
        mp.setenv("SEISVIZ_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield root


def tiny_catalog():
    """1,500 events over 240 days on ~48 x 22 km: two tiles of 30 km."""
    rng = np.random.default_rng(1)
    n = 1500
    return pd.DataFrame({
        "time": pd.Timestamp("2021-01-01", tz="UTC")
        + pd.to_timedelta(np.sort(rng.uniform(0, 240, n)), unit="D"),
        "latitude": rng.uniform(30.0, 30.2, n), "longitude": rng.uniform(104.0, 104.5, n),
        "depth": 5.0, "magnitude": np.round(rng.uniform(0.5, 3, n), 1)})


def open_page():
    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=120).run()
    at.session_state["catalog"] = tiny_catalog()  # after the Catalog page set the demo
    at.session_state["catalog_name"] = "tiny national"
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def run_json(folder):
    return json.loads((folder / "run.json").read_text())


def test_a_tiled_scan_runs_from_the_page_and_a_rerun_continues_it(work):
    at = open_page()
    assert at.text_input(key="tiles_out").value == "tiny-national"  # from the catalog's name
    at.selectbox(key="tiles_model").set_value(os.path.join("models", "resnet18.pt")).run()
    assert not at.error, [e.value for e in at.error]
    at.number_input(key="tiles_km").set_value(30.0)
    at.number_input(key="tiles_step").set_value(10.0)
    at.radio(key="tiles_device").set_value("cpu")
    at.text_input(key="tiles_out").set_value("tiny")
    at.button(key="tiles_run").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]

    run = run_json(work / "tiny")
    assert run["cluster"]["mode"] == "serial" and run["tile_km"] == 30.0
    assert run["n_tiles_done"] == 2 and run["n_tiles_resumed"] == 0 and run["failed"] == {}
    assert run["scan"]["step_days"] == 10.0 and run["model"].endswith("resnet18.pt")
    bars = at.get("progress")
    assert bars and bars[-1].proto.value == 100  # a bar moved per tile, ended full
    assert "2 tiles with events" in at.success[0].value
    # the result is shown at once, and the folder is listed for opening
    assert at.session_state["tiles_folder"] == "tiny"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["tiles with events"] == "2" and metrics["failed tiles"] == "0"
    assert at.selectbox(key="tiles_found").options[0].startswith("tiny · scan-tiles")
    # another folder typed, then this one chosen from the list again
    at.text_input(key="tiles_typed").set_value("models").run()
    assert at.error and "scan-tiles" in at.error[0].value and not at.metric
    at.selectbox(key="tiles_found").set_value("tiny").run()
    assert not at.error and at.session_state["tiles_folder"] == "tiny" and at.metric

    # the same folder again: every tile is done with these settings, nothing is rescanned
    at.button(key="tiles_run").click().run()
    assert not at.exception, at.exception
    assert run_json(work / "tiny")["n_tiles_resumed"] == 2
    assert "2 done before" in at.success[0].value

    # a tile's events become the current catalog of every page
    tile = [s for s in at.selectbox if s.label == "Tile"][0]
    pick = "r000c001"
    assert tile.options[-1].startswith(pick)
    tile.set_value(pick).run()
    [b for b in at.button if b.label.startswith("Open tile")][0].click().run()
    assert not at.exception, at.exception
    assert at.session_state["catalog_name"] == f"tiny national · tile {pick}"
    n = pd.read_parquet(work / "tiny" / "tiles" / pick / "events.parquet").shape[0]
    assert len(at.session_state["catalog"]) == n


def test_folders_outside_the_work_folder_are_refused(work, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "run.json").write_text(json.dumps({"tiles_format": 1}))
    os.symlink(outside, work / "link-out")
    at = open_page()
    listed = [o for s in at.selectbox if s.key == "tiles_found" for o in s.options]
    assert not any(o.startswith("link-out") for o in listed)  # a link out is not listed
    for name in (str(outside), "../" + outside.name, "link-out", "/etc"):
        at.text_input(key="tiles_typed").set_value(name).run()
        assert not at.exception, at.exception
        assert [e.value for e in at.error] and "not inside the work folder" in at.error[0].value
        assert "\n" not in at.error[0].value and not at.metric
    # a name kept in the session from elsewhere is checked the same way
    at.session_state["tiles_folder"] = str(outside)
    at.run()
    assert at.error and "not inside the work folder" in at.error[0].value
    # and a scan is never written outside
    at.text_input(key="tiles_out").set_value("../written-outside")
    at.button(key="tiles_run").click().run()
    assert any("not inside the work folder" in e.value for e in at.error)
    assert not (work.parent / "written-outside").exists()


def write_tiled_scan(out):
    """A scan-tiles folder written by `write_overview` from tile episodes made here (no
    model): in one tile two episodes at one place 20 quiet days apart (one sequence of
    two), in the other one episode 25 km away (a sequence of its own)."""
    import geopandas as gpd
    import shapely

    from seisviz.tiles import make_tiles, split_events
    from seisviz.tiles.grid import tile_events
    from seisviz.tiles.run import EVENTS_FILE, write_overview
    from seisviz.tiles.task import episodes_geojson

    catalog = tiny_catalog()
    tiles = make_tiles((104.0, 104.5, 30.0, 30.2), 30)
    t0 = pd.Timestamp("2021-03-01", tz="UTC")
    made = {0: [(t0, 5), (t0 + pd.Timedelta(days=25), 10)], 1: [(t0 + pd.Timedelta(days=3), 4)]}
    records = {}
    for i, (tile, index) in enumerate(split_events(catalog, tiles)):
        path = out / "tiles" / tile.tile_id
        path.mkdir(parents=True)
        tile_events(catalog, index).to_parquet(path / EVENTS_FILE, index=False)
        lon, lat = (tile.core[0] + tile.core[1]) / 2, (tile.core[2] + tile.core[3]) / 2
        rows = [{"tile_id": tile.tile_id, "tile_episode": k + 1, "onset": onset,
                 "end": onset + pd.Timedelta(days=days), "n_events": 40 + k,
                 "rate_ratio": 5.0, "max_magnitude": 2.5 + k, "max_magnitude_time": onset,
                 "peak_probability": 0.9, "center_lon": lon, "center_lat": lat,
                 "in_core": True} for k, (onset, days) in enumerate(made[i])]
        eps = gpd.GeoDataFrame(pd.DataFrame(rows), crs="EPSG:4326", geometry=[
            shapely.Point(lon, lat).buffer(0.01) for _ in rows])
        (path / "tile_episodes.geojson").write_text(episodes_geojson(eps))
        records[tile.tile_id] = {"status": "done", "n_events": len(index),
                                 "n_episodes": len(rows), "seconds": 1.0}
    assert len(records) == 2
    write_overview(str(out), tiles, records, {}, catalog, "tiny.csv", 30.0, 7.5,
                   {"model": "resnet18", "device": "cpu", "scan": {}, "min_events": 10},
                   None, {"mode": "serial"}, 0, 1.0)


def test_the_overview_lists_the_sequences_with_their_episodes_inside(work):
    """As the Detect and Subregions pages: the sequences first (count in the summary, the
    table of pages/_sequences.py), the episodes of the chosen one inside, the same
    sequences as the folder's sequences.csv."""
    write_tiled_scan(work / "sequenced")
    at = open_page()
    at.session_state["tiles_folder"] = "sequenced"
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["episodes"] == "3" and metrics["sequences"] == "2"
    heads = [h.value for h in at.subheader]
    assert "Sequences: 2 (of 3 episodes)" in heads
    assert heads.index("Sequences: 2 (of 3 episodes)") < heads.index("Episodes")
    listed = table_with(at, "sequence")
    written = pd.read_csv(work / "sequenced" / "sequences.csv")
    assert listed["sequence"].tolist() == [f"S{i}" for i in written["sequence_id"]]
    assert listed["episodes"].tolist() == written["n_episodes"].tolist() == [2, 1]
    inside = table_with(at, "quiet days before")
    assert inside["episode"].tolist() == [1, 3] and inside["tile"].nunique() == 1
    assert inside["quiet days before"].tolist()[1] == pytest.approx(20.0)
    at.selectbox(key="overview_sequence_pick").set_value(1).run()
    assert not at.exception, at.exception
    assert table_with(at, "quiet days before")["episode"].tolist() == [2]


def table_with(at, column):
    """The one dataframe on the page with `column` (plain tables have no key in AppTest)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]
