"""seisviz.export and `python -m seisviz export`: files read back as they were written.

The scan result is put together from the label rule (no model) except in the last test,
which runs the real `seisviz scan` with conftest's quick model and then `seisviz export`
on its folder."""

import io
import json
import os
import subprocess
import sys
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from seisviz import export
from seisviz.catalog import load_catalog, write_catalog_csv
from seisviz.detect import flagged_periods
from seisviz.errors import SeisvizError
from seisviz.maps import make_grid, rasterize
from seisviz.detect import ScanResult
from seisviz.detect.scan import count_events
from seisviz.settings import ScanSettings
from seisviz.timeutil import iso_utc, iso_utc_exact
from seisviz.subregions import condensed_catalog, find_subregions
from seisviz.training.synthetic import (EPOCH, diffuse_background, finish_catalog, swarm, window_labels)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BBOX = (104.0, 104.5, 30.0, 30.45)
CARD = {"architecture": "resnet18", "sha256": "0" * 64, "weights_file": "resnet18.pt",
        "threshold": 0.5, "grid": 64, "window_days": 30.0, "background_days": 180.0}
ATTRIBUTES = ["period_id", "subregion_id", "start", "end", "n_events", "peak_probability"]
ISO = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"


def make_catalog(seed=0):
    """Background plus three swarms: two in one period, one later."""
    rng = np.random.default_rng(seed)
    parts = [diffuse_background(rng, BBOX, 0, 300, 4.0),
             swarm(rng, (104.12, 30.10), 120.0, 4.0, 90, 0.5, 0),
             swarm(rng, (104.38, 30.33), 121.0, 4.0, 40, 0.5, 1),
             swarm(rng, (104.25, 30.20), 240.0, 4.0, 60, 0.5, 2)]
    catalog = finish_catalog(parts, EPOCH)
    catalog["magnitude_type"] = "ML"
    catalog["event_id"] = [f"ev{i:05d}" for i in range(len(catalog))]
    return catalog


def same_microsecond(a, b):
    """Times written to the microsecond (truncated) read back as they were."""
    a = pd.DatetimeIndex(a).as_unit("ns")
    b = pd.DatetimeIndex(b).as_unit("ns").floor("us")
    return bool((a == b).all())


def labelled_result(catalog):
    """A ScanResult whose flagged windows are the label rule's."""
    settings = ScanSettings(bbox=BBOX, step_days=2.0, threshold=CARD["threshold"])
    grid = make_grid(settings.bbox, settings.grid)
    dmaps = rasterize(catalog, grid, settings.window_days, settings.step_days,
                      settings.background_days)
    labels, _ = window_labels(catalog, dmaps)
    windows = dmaps.window_table()
    windows["probability"] = np.where(labels, 0.9, 0.1)
    windows["flagged"] = labels & dmaps.has_history
    windows["has_history"] = dmaps.has_history
    periods = flagged_periods(windows, windows["flagged"], 0.0,
                              windows["probability"].to_numpy())
    periods["n_events"] = count_events(catalog, periods)
    return ScanResult(windows=windows, periods=periods, dmaps=dmaps, settings=settings,
                      model=CARD)


@pytest.fixture(scope="module")
def scan():
    catalog = make_catalog()
    result = labelled_result(catalog)
    subs = find_subregions(result, catalog=catalog)
    cond = condensed_catalog(catalog, result.periods, subs)
    assert len(result.periods) == 2 and len(subs) >= 3 and len(cond) > 0
    return catalog, result, subs, cond


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_subregions_read_back_with_crs_and_attributes(scan, tmp_path, fmt):
    _, _, subs, _ = scan
    path = tmp_path / f"subregions.{fmt}"
    writer = export.subregions_geojson if fmt == "geojson" else export.subregions_gpkg
    assert writer(subs, str(path)) == str(path)
    back = gpd.read_file(path)
    assert back.crs.to_epsg() == 4326
    assert list(back.columns[:len(ATTRIBUTES)]) == ATTRIBUTES
    assert len(back) == len(subs)
    for col in ("period_id", "subregion_id", "n_events"):
        assert list(back[col]) == list(subs[col])
    assert np.allclose(back["peak_probability"], subs["peak_probability"])
    # start/end are ISO-8601 text in the file (geopandas may parse them on reading)
    raw = gpd.read_file(path, datetime_as_string=True)
    for col in ("start", "end"):
        assert raw[col].astype(str).str.fullmatch(ISO).all(), list(raw[col])
        assert list(pd.to_datetime(back[col], utc=True)) == list(subs[col])
    if fmt == "geojson":
        props = json.loads(path.read_text())["features"][0]["properties"]
        assert props["start"] == subs["start"].iloc[0].strftime("%Y-%m-%dT%H:%M:%SZ")
    for a, b in zip(back.geometry, subs.geometry):
        assert a.geom_type == "MultiPolygon" and a.symmetric_difference(b).area < 1e-12
    # the bytes for a download are the same layer
    (tmp_path / f"again.{fmt}").write_bytes(writer(subs))
    again = gpd.read_file(tmp_path / f"again.{fmt}")
    assert list(again["subregion_id"]) == list(subs["subregion_id"])
    # writing again replaces the file rather than adding to it
    writer(subs, str(path))
    assert len(gpd.read_file(path)) == len(subs)


def test_empty_subregions_still_write(scan, tmp_path):
    _, _, subs, _ = scan
    for writer, name in ((export.subregions_geojson, "e.geojson"),
                         (export.subregions_gpkg, "e.gpkg")):
        writer(subs.iloc[:0], str(tmp_path / name))
        back = gpd.read_file(tmp_path / name)
        assert len(back) == 0 and back.crs.to_epsg() == 4326


def test_condensed_csv_round_trips(scan, tmp_path):
    _, _, _, cond = scan
    path = tmp_path / "condensed.csv"
    export.condensed_csv(cond, str(path))
    back, report = load_catalog(str(path))
    assert report.n_dropped == 0 and len(back) == len(cond)
    assert same_microsecond(back["time"], cond["time"])
    for col in ("latitude", "longitude", "depth", "magnitude"):
        assert np.array_equal(back[col].to_numpy(), cond[col].to_numpy()), col
    raw = pd.read_csv(path)
    assert list(raw["period_id"]) == list(cond["period_id"])
    assert list(raw["subregion_id"]) == list(cond["subregion_id"])
    assert list(raw["event_id"]) == list(cond["event_id"])


def test_condensed_quakeml_round_trips(scan, tmp_path):
    _, _, _, cond = scan
    path = tmp_path / "condensed.xml"
    export.condensed_quakeml(cond, str(path))
    back, report = load_catalog(str(path))
    assert report.n_dropped == 0 and len(back) == len(cond)
    assert same_microsecond(back["time"], cond["time"])
    for col in ("latitude", "longitude", "magnitude"):
        assert np.array_equal(back[col].to_numpy(), cond[col].to_numpy()), col
    assert np.allclose(back["depth"], cond["depth"])
    assert list(back["event_id"]) == list(cond["event_id"])


def test_periods_csv_has_iso_times(scan):
    _, result, _, _ = scan
    back = pd.read_csv(io.BytesIO(export.periods_csv(result.periods)))
    assert list(back["period_id"]) == list(result.periods["period_id"])
    assert back["start"].str.fullmatch(ISO).all() and back["end"].str.fullmatch(ISO).all()


def test_write_exports_writes_every_format_and_run_json(scan, tmp_path):
    catalog, result, subs, cond = scan
    names = export.write_exports(catalog, result, str(tmp_path), "csv,geojson,gpkg,quakeml,html",
                                 catalog_name="test catalog")
    expected = ["periods.csv", "episodes.csv", "sequences.csv", "unlocated.csv",
                "condensed_catalog.csv", "subregions.geojson", "subregions.gpkg",
                "condensed_catalog.xml", "subregion_figures.html", "run.json"]
    assert names == expected
    assert sorted(os.listdir(tmp_path)) == sorted(expected)
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["settings"] == json.loads(json.dumps(result.settings.to_dict()))
    assert run["outputs"] == expected and run["catalog"] == "test catalog"
    assert run["subregions"]["n"] == len(subs)
    assert run["subregions"]["settings"]["min_events"] == 10
    assert run["condensed_catalog"]["n_events"] == len(cond)
    assert run["condensed_catalog"]["n_catalog"] == len(catalog)
    assert run["model"]["sha256"] == CARD["sha256"]
    # the HTML page holds one interactive figure per subregion, each followed by its
    # episode's four (seisviz.plots.episode_stats), and works offline
    html = (tmp_path / "subregion_figures.html").read_text()
    assert html.count('class="plotly-graph-div"') == 5 * len(subs)
    assert html.count("distance along the long axis (km)") == len(subs)
    # plotly.js embedded once (no <script src=...> to fetch it)
    assert "<script src=" not in html and 3_000_000 < len(html) < 6_000_000 + 500_000 * len(subs)
    assert html.count("<script>/**") == 1


def test_bundle_zips_the_same_files(scan):
    catalog, result, subs, cond = scan
    data = export.export_bundle(catalog, result, ["csv", "geojson"], subregions=subs,
                                condensed=cond)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.namelist() == ["periods.csv", "episodes.csv", "sequences.csv", "unlocated.csv",
                                "condensed_catalog.csv", "subregions.geojson", "run.json"]
        back = pd.read_csv(z.open("condensed_catalog.csv"))
        assert len(back) == len(cond)
        assert json.loads(z.read("run.json"))["outputs"] == z.namelist()


def test_write_scan_subregions_for_the_scan_command(scan, tmp_path):
    catalog, result, subs, cond = scan
    names = export.write_scan_subregions(catalog, result, str(tmp_path))
    assert names == ["episodes.csv", "subregions.geojson", "condensed_catalog.csv"]
    assert len(gpd.read_file(tmp_path / "subregions.geojson")) == len(subs)
    assert len(pd.read_csv(tmp_path / "condensed_catalog.csv")) == len(cond)


def test_unknown_formats_are_refused():
    with pytest.raises(SeisvizError, match="unknown export format.*pdf"):
        export.parse_formats("csv,pdf")
    assert export.parse_formats(" CSV, png ") == ("csv", "png")


def test_png_without_a_browser_is_one_clear_line(scan, tmp_path, monkeypatch):
    catalog, result, subs, _ = scan
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    ok, why = export.png_available()
    assert not ok and "BROWSER_PATH" in why and "\n" not in why
    from seisviz.plots.subregions import subregion_figure

    fig = subregion_figure(catalog, subs.iloc[0])
    with pytest.raises(SeisvizError) as err:
        export.figure_png(fig)
    assert "\n" not in str(err.value) and "Chromium" in str(err.value)
    # the CLI path writes the other formats, then says why PNG is missing
    out = tmp_path / "out"
    with pytest.raises(SeisvizError, match="other formats were written"):
        export.write_exports(catalog, result, str(out), "csv,png")
    assert sorted(os.listdir(out)) == ["condensed_catalog.csv", "episodes.csv", "periods.csv",
                                       "run.json", "sequences.csv", "unlocated.csv"]


@pytest.mark.slow
@pytest.mark.skipif(export.find_browser() is None, reason="no Chrome/Chromium here")
def test_png_with_a_browser(scan, tmp_path):
    catalog, _, subs, _ = scan
    from seisviz.plots.subregions import subregion_figure

    path = export.figure_png(subregion_figure(catalog, subs.iloc[0]), str(tmp_path / "f.png"),
                             width=600, scale=1)
    data = (tmp_path / "f.png").read_bytes()
    assert path == str(tmp_path / "f.png") and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 600  # PNG width


# ------------------------------------------------------------------ the command

def seisviz(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("SEISVIZ_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "seisviz", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def write_scan_folder(catalog, result, folder):
    """What `seisviz scan` writes, for a result made without a model."""
    folder.mkdir()
    w = result.windows.copy()
    for col in ("window_start", "window_end"):
        w[col] = iso_utc(w[col])
    w.to_csv(folder / "windows.csv", index=False)
    export.periods_csv(result.periods, str(folder / "periods.csv"))
    (folder / "run.json").write_text(json.dumps({"settings": result.settings.to_dict(),
                                                            "model": CARD}))


def test_export_command_rederives_the_subregions(scan, tmp_path):
    catalog, result, subs, cond = scan
    csv = tmp_path / "catalog.csv"
    write_catalog_csv(catalog.drop(columns="episode"), str(csv))
    write_scan_folder(catalog, result, tmp_path / "scan")
    r = seisviz("export", tmp_path / "scan", "--catalog", csv, "--formats", "csv,geojson",
                "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(tmp_path / "out")) == ["condensed_catalog.csv", "episodes.csv",
                                                     "periods.csv", "run.json",
                                                     "sequences.csv", "subregions.geojson",
                                                     "unlocated.csv"]
    # the folder has no scan_format (written before episodes): it is upgraded, and says so
    assert "note:" in r.stderr and "older seisviz (scan format 1)" in r.stderr
    # its periods and episodes are those the scan's own flags give, to the day
    from seisviz.detect.scan import derive_periods

    refined = derive_periods(result, catalog)
    back = gpd.read_file(tmp_path / "out" / "subregions.geojson")
    assert list(back["n_events"]) == list(refined.episodes["n_events"])
    assert list(iso_utc(back["start"])) == list(iso_utc(refined.episodes["start"]))
    periods = pd.read_csv(tmp_path / "out" / "periods.csv")
    assert list(periods["start"]) == list(iso_utc_exact(refined.periods["start"]))
    # each refined period lies inside the span of its flagged windows
    assert (periods["window_start"] <= periods["start"]).all()
    assert (periods["end"] <= periods["window_end"]).all()
    cond_back = pd.read_csv(tmp_path / "out" / "condensed_catalog.csv")
    assert len(cond_back) == int(refined.episodes["n_events"].sum())
    # another catalog does not fit the scan's windows: one line, exit status 2
    write_catalog_csv(catalog.iloc[len(catalog) // 2:].drop(columns="episode"),
                      str(tmp_path / "half.csv"))
    r = seisviz("export", tmp_path / "scan", "--catalog", tmp_path / "half.csv")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "is it the catalog the scan read" in last
    r = seisviz("export", tmp_path, "--catalog", csv)
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_scan_then_export_with_a_model(quick_model_dir, tmp_path):
    """The real scan writes subregions.geojson; export re-derives the same polygons."""
    catalog = make_catalog(seed=3).drop(columns="episode")
    csv = tmp_path / "catalog.csv"
    write_catalog_csv(catalog, str(csv))
    r = seisviz("scan", csv, "--out", tmp_path / "scan", "--model",
                quick_model_dir / "resnet18.pt", "--device", "cpu", "--step", 3)
    assert r.returncode == 0, r.stderr
    run = json.loads((tmp_path / "scan" / "run.json").read_text())
    assert "subregions.geojson" in run["outputs"] and "condensed_catalog.csv" in run["outputs"]
    r = seisviz("export", tmp_path / "scan", "--catalog", csv, "--formats", "geojson,csv")
    assert r.returncode == 0, r.stderr
    a = gpd.read_file(tmp_path / "scan" / "subregions.geojson")
    b = gpd.read_file(tmp_path / "scan" / "export" / "subregions.geojson")
    assert list(a["n_events"]) == list(b["n_events"]) and list(a["start"]) == list(b["start"])
    # the scan made its grid from the bbox before rounding it to 6 decimals for run.json,
    # so the export's grid may sit up to 1e-6 degrees (0.1 m) off
    assert all(x.hausdorff_distance(y) < 1e-5 for x, y in zip(a.geometry, b.geometry))
    assert pd.read_csv(tmp_path / "scan" / "condensed_catalog.csv").equals(
        pd.read_csv(tmp_path / "scan" / "export" / "condensed_catalog.csv"))


@pytest.mark.parametrize("files, says", [
    ({"run.json": '{"settings": {}}', "windows.csv": "", "periods.csv": ""},
     "No columns to parse"),
    ({"run.json": '{"settings": {}}', "windows.csv": "window_start,flagged\n2020-01-01,True\n",
      "periods.csv": "start,end\n"}, "no 'window_end'"),
    ({"run.json": "[1]", "windows.csv": "window_start,window_end,flagged\n",
      "periods.csv": "start,end\n"}, "unreadable scan output"),
    ({"run.json": '{"settings": {}}', "windows.csv": "window_start,window_end,flagged\n"
      "not a date,2020-01-02,True\n", "periods.csv": "start,end\n"}, "unreadable scan output"),
    ({"run.json": '{"settings": {"bbox": null, "grid": 8, "window_days": 30, "step_days": 1,'
      ' "background_days": 180}}', "windows.csv": "window_start,window_end,flagged\n",
      "periods.csv": "start,end\n"}, "unusable bbox"),
])
def test_a_damaged_scan_folder_is_a_seisviz_error(tmp_path, files, says):
    """Damaged scan output is bad input: one `error:` line and exit 2, not 'unexpected'."""
    from seisviz.scanfolder import load_scan_folder

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    catalog = pd.DataFrame({"time": pd.to_datetime(["2020-01-01"], utc=True),
                            "longitude": [104.1], "latitude": [30.1], "depth": [5.0],
                            "magnitude": [1.0]})
    with pytest.raises(SeisvizError, match=says):
        load_scan_folder(str(tmp_path), catalog)


def test_a_scan_folder_read_back_keeps_the_episode_statistics(scan, tmp_path):
    """load_scan_folder derives the episodes again: their statistics come back the same,
    and episodes.csv holds them."""
    from seisviz.detect.scan import derive_periods
    from seisviz.scanfolder import load_scan_folder, save_scan_folder
    from seisviz.tables import EPISODE_STATS

    catalog, result, _, _ = scan
    result = derive_periods(result, catalog)
    assert len(result.episodes) and set(EPISODE_STATS) <= set(result.episodes.columns)
    save_scan_folder(result, str(tmp_path), catalog)
    _, back = load_scan_folder(str(tmp_path), catalog)
    numeric = [c for c in EPISODE_STATS if c != "kind"]
    np.testing.assert_allclose(back.episodes[numeric].to_numpy(float),
                               result.episodes[numeric].to_numpy(float), equal_nan=True)
    assert list(back.episodes["kind"]) == list(result.episodes["kind"])
    csv = pd.read_csv(tmp_path / "episodes.csv")
    assert set(EPISODE_STATS) <= set(csv.columns)


def test_sequences_in_the_scan_folder_and_the_exports(scan, tmp_path):
    """sequences.csv beside episodes.csv, whose sequence_id (and the GeoJSON's) names its
    row; a folder without sequences.csv (older seisviz) loads with its sequences derived."""
    from seisviz.detect.scan import derive_periods
    from seisviz.scanfolder import load_scan_folder, save_scan_folder
    from seisviz.tables import SEQUENCES

    catalog, result, _, _ = scan
    result = derive_periods(result, catalog)
    assert result.sequences is not None and len(result.sequences) >= 2
    assert set(result.episodes["sequence_id"]) == set(result.sequences["sequence_id"])
    names = save_scan_folder(result, str(tmp_path / "scan"), catalog)
    assert "sequences.csv" in names
    seqs = pd.read_csv(tmp_path / "scan" / "sequences.csv")
    assert list(seqs.columns) == list(SEQUENCES.columns)
    assert seqs["start"].str.fullmatch(ISO.replace("Z", r"(\.\d+)?Z")).all()
    eps = pd.read_csv(tmp_path / "scan" / "episodes.csv")
    assert seqs["n_episodes"].sum() == len(eps)
    for _, s in seqs.iterrows():  # each sequence lists the episodes that name it
        mine = eps[eps["sequence_id"] == s["sequence_id"]]
        assert sorted(mine["episode_id"]) == sorted(int(i) for i in
                                                    str(s["episode_ids"]).split(";"))
        assert mine["n_events"].sum() == s["n_events"]
    geo = gpd.read_file(tmp_path / "scan" / "subregions.geojson")
    assert list(geo["sequence_id"]) == list(eps["sequence_id"])
    run = json.loads((tmp_path / "scan" / "run.json").read_text())
    assert run["n_sequences"] == len(seqs) and run["sequence_rule"]["max_gap_days"] > 0
    os.remove(tmp_path / "scan" / "sequences.csv")
    _, back = load_scan_folder(str(tmp_path / "scan"), catalog)
    pd.testing.assert_frame_equal(pd.DataFrame(back.sequences.drop(columns="geometry")),
                                  pd.DataFrame(result.sequences.drop(columns="geometry")))
    # the export bundle carries them too
    with zipfile.ZipFile(io.BytesIO(export.export_bundle(catalog, result, ["csv"]))) as z:
        bundled = pd.read_csv(z.open("sequences.csv"))
        assert list(bundled["sequence_id"]) == list(seqs["sequence_id"])
        assert "sequence_id" in pd.read_csv(z.open("episodes.csv"))


def test_a_result_pickled_before_sequences_gets_them(scan):
    """A ScanResult kept in a stored session by an older seisviz (no sequences field, no
    sequence_id column) is grouped when unpickled."""
    import copy
    import pickle

    from seisviz.detect.scan import derive_periods

    catalog, result, _, _ = scan
    result = derive_periods(result, catalog)
    old = copy.copy(result)  # as an older seisviz pickled it
    del old.__dict__["sequences"]
    old.__dict__["episodes"] = result.episodes.drop(columns="sequence_id")
    blank = pickle.loads(pickle.dumps(old))
    assert list(blank.episodes["sequence_id"]) == list(result.episodes["sequence_id"])
    assert len(blank.sequences) == len(result.sequences)
