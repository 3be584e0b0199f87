"""The Catalog page, run headless with Streamlit's AppTest from the repository root."""

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "changning_demo.csv"

FDSN_TEXT = "\n".join(
    ["#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|"
     "MagType|Magnitude|MagAuthor|EventLocationName"]
    + [f"ev{d}|2020-01-0{d}T12:00:00|28.{d}|104.{d}|5.0|t|t|t|ev{d}|ML|{m}|t|Sichuan"
       for d, m in [(1, 1.0), (2, 1.2), (3, 1.2), (4, 1.2), (5, 2.0)]]
    + ["ev6|2020-01-06T12:00:00|28.6|104.6|5.0|t|t|t|ev6|ML|99|t|Sichuan"]) + "\n"


class FDSNHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        data = FDSN_TEXT.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def app(monkeypatch):
    monkeypatch.chdir(ROOT)
    # an absolute path: AppTest resolves relative ones against this test file
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_page_runs_and_shows_summary_or_demo_message(app):
    app.run()
    assert not app.exception
    if DEMO.exists():
        assert [m.label for m in app.metric][:2] == ["Events", "Magnitude"]
        assert any(md.value.startswith("**Changning") and "kept" in md.value for md in app.markdown)
        assert app.session_state["is_demo"] is True
        n = int(app.metric[0].value.replace(",", ""))
        assert 0 < n == len(app.session_state["catalog"])
    else:
        assert any("demo catalogs are not there yet" in i.value for i in app.info)


def test_page_fetches_from_an_fdsn_service_reports_and_filters_at_mc(app):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FDSNHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/fdsnws/event/1/query"
    try:
        app.run()
        app.radio(key="catalog_source").set_value("Fetch from an FDSN service").run()
        assert not app.exception
        assert any("press Fetch" in i.value for i in app.info)
        app.text_input[0].set_value(url)
        app.date_input[0].set_value(dt.date(2020, 1, 1))
        app.date_input[1].set_value(dt.date(2020, 1, 6))
        app.button[0].click().run()
        assert not app.exception
        assert not app.error, [e.value for e in app.error]
        assert any("kept 5 of 6 rows; dropped 1: 1 magnitude out of range" in md.value
                   for md in app.markdown)
        # nothing is cut by default; Mc is offered
        mag_filter = [w for w in app.number_input if w.label == "Minimum magnitude"][-1]
        assert mag_filter.value == pytest.approx(1.0)
        assert len(app.session_state["catalog"]) == 5
        assert app.session_state["is_demo"] is False
        assert app.metric[0].value == "5"
        # Mc = 1.2 (modal bin) + 0.2 = 1.4: cutting there leaves only ev5
        mc_box = [c for c in app.checkbox if c.label.startswith("Cut at Mc")][-1]
        assert mc_box.label == "Cut at Mc = 1.4"
        mc_box.check().run()
        mag_filter = [w for w in app.number_input if w.label == "Minimum magnitude"][-1]
        assert mag_filter.value == pytest.approx(1.4)
        assert app.session_state["catalog"]["event_id"].tolist() == ["ev5"]
        assert app.metric[0].value == "1"
    finally:
        httpd.shutdown()
        httpd.server_close()


MESSY = ("time,lat,lon,depth,mag\n"
         "2020-01-01T00:00:00Z,28.10,104.10,3.0,1.0\n"
         "2020-01-02T00:00:00Z,28.20,104.20,3.0,1.0\n"
         "2020-01-03T00:00:00Z,28.30,104.30,3.0,1.0\n"
         "2020-01-04T00:00:00Z,28.80,104.80,3.0,1.5\n"
         "soon,28.2,104.2,3.0,1.0\n"
         "2020-01-05T00:00:00Z,28.2,104.2,3.0,99\n").encode()


def upload(app, name, data):
    app.run()
    app.radio(key="catalog_source").set_value("Upload a file").run()
    assert any("Upload a catalog file" in i.value for i in app.info)
    app.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not app.exception


def test_page_upload_shows_report_and_dropped_rows(app):
    upload(app, "messy.csv", MESSY)
    assert not app.error
    assert any("**messy.csv** (CSV): kept 4 of 6 rows; dropped 2: 1 magnitude out of range, "
               "1 unparseable time" in md.value for md in app.markdown)
    assert app.session_state["catalog_name"] == "messy.csv"
    assert app.session_state["is_demo"] is False
    assert app.session_state["load_report"].n_kept == 4
    mag_filter = [w for w in app.number_input if w.label == "Minimum magnitude"][-1]
    mag_filter.set_value(0.0).run()
    assert len(app.session_state["catalog"]) == 4


MERGED = ("time,lat,lon,depth,mag,agency,herr\n"
          "2020-01-01T00:00:00Z,28.10,104.10,3.0,1.0,A,0.5\n"
          "2020-01-02T00:00:00.0Z,28.20,104.20,3.0,2.1,GLOBAL,\n"
          "2020-01-02T00:00:00.8Z,28.21,104.20,4.0,2.3,LOCAL,0.4\n"
          "2020-01-04T00:00:00Z,28.80,104.80,3.0,1.5,A,0.5\n").encode()


def test_page_upload_drops_near_duplicates_and_the_box_keeps_them(app):
    upload(app, "merged.csv", MERGED)
    assert not app.error
    assert any("**merged.csv** (CSV): kept 3 of 4 rows; dropped 1: 1 near-duplicate; of "
               "near-duplicate events kept row 4 over 3" in md.value for md in app.markdown)
    dropped = next(d.value for d in app.dataframe if "kept_row" in d.value.columns)
    assert dropped[["row", "reason", "kept_row"]].values.tolist() == [[3, "near-duplicate", 4]]
    assert len(app.session_state["catalog"]) == 3
    box = app.checkbox(key="catalog_keep_duplicates")
    assert box.value is False
    box.check().run()
    assert not app.exception and not app.error
    assert any("kept 4 of 4 rows; dropped none; kept every copy of 1 near-duplicate event "
               "as asked (rows 3 and 4)" in md.value for md in app.markdown)
    assert len(app.session_state["catalog"]) == 4
    assert app.session_state["work"].source.keep_duplicates is True


def test_page_upload_of_an_image_is_one_error_line(app):
    upload(app, "photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert [e.value for e in app.error] == [
        "photo.csv: not a text file (a PNG image); expected CSV, ZMAP, hypoDD .reloc, QuakeML "
        "or a CENC export (CSV, .xls or .xlsx)"]
    assert not app.metric


def test_page_reads_a_cenc_xls_export(app):
    upload(app, "cenc_export.xls", (ROOT / "tests/catalog/fixtures/cenc_export.xls").read_bytes())
    assert not app.error
    assert any("**cenc_export.xls** (CENC): kept 2 of 3 rows; dropped 1: 1 unparseable time"
               in md.value for md in app.markdown)
    assert len(app.session_state["catalog"]) == 2


def test_page_warns_of_a_truncated_file(app):
    rows = [f"2020-01-0{d}T00:00:00Z,28.1,104.9,3.0,1.{d}" for d in range(1, 6)]
    cut = "\n".join(["time,lat,lon,depth,mag", *rows, "2020-01-06T00:00:00Z,28.1"])
    upload(app, "cut.csv", cut.encode())
    assert any("**cut.csv** (CSV): kept 5 of 6 rows" in md.value for md in app.markdown)
    assert [w.value for w in app.warning if "truncated" in w.value] == [
        "warning: the file looks truncated: line 7 ends after 2 of 5 fields; 5 rows kept "
        "(the rows before it are whole)"]


def test_page_polygon_region_clips_the_catalog(app):
    upload(app, "messy.csv", MESSY)
    [w for w in app.number_input if w.label == "Minimum magnitude"][-1].set_value(0.0).run()
    region = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
              '"geometry": {"type": "Polygon", "coordinates": [[[104.0, 28.0], [104.25, 28.0], '
              '[104.25, 28.25], [104.0, 28.25], [104.0, 28.0]]]}}]}').encode()
    app.file_uploader[1].set_value(("area.geojson", region, "application/geo+json")).run()
    assert not app.exception and not app.error
    assert app.session_state["catalog"]["latitude"].tolist() == [28.1, 28.2]
    assert app.metric[0].value == "2"


# the page's figures ----------------------------------------------------------------------------


def big_catalog(n=100_000):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(5)
    cat = pd.DataFrame({
        "time": pd.Timestamp("2020-01-01", tz="UTC")
        + pd.to_timedelta(np.sort(rng.uniform(0, 3e7, n)), unit="s"),
        "latitude": rng.uniform(59.0, 61.0, n), "longitude": rng.uniform(10.0, 12.0, n),
        "depth": rng.uniform(0, 10, n), "magnitude": np.round(rng.exponential(0.4, n) + 0.5, 1)})
    cat.loc[n // 2, "magnitude"] = 7.5
    return cat


def test_large_catalogs_are_thinned_in_the_figures():
    import numpy as np

    from seisviz.catalog.filters import mc_max_curvature
    from seisviz.plots.catalog import cumulative_count, epicentre_map, frequency_magnitude, magnitude_time

    cat = big_catalog()
    fig = epicentre_map(cat, color_by="depth", max_points=20_000)
    assert len(fig.data[0].x) == 20_000
    assert "showing 20,000 of 100,000 events" in fig.layout.title.text
    assert 7.5 in [round(float(t.split("M ")[1].split("<")[0]), 1) for t in fig.data[0].text]
    again = epicentre_map(cat, color_by="depth", max_points=20_000)
    assert np.array_equal(fig.data[0].x, again.data[0].x)  # seeded
    # equal distances: 1° of latitude is drawn 1/cos(60°) = 2 times as long as 1° of longitude
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.yaxis.scaleratio == pytest.approx(2.0, rel=0.01)
    small = epicentre_map(cat.iloc[:500])
    assert len(small.data[0].x) == 500 and "showing" not in small.layout.title.text

    assert len(magnitude_time(cat).data[0].x) == 20_000
    cum = cumulative_count(cat)
    assert len(cum.data[0].x) <= 4000 and cum.data[0].y[-1] == 100_000

    fmd = frequency_magnitude(cat)
    per_bin, cumulative = fmd.data
    assert cumulative.y[0] == 100_000 and sum(per_bin.y) == 100_000
    assert fmd.layout.yaxis.type == "log"
    mc = mc_max_curvature(cat["magnitude"])
    assert [a.text for a in fmd.layout.annotations] == [f"Mc = {mc:.1f}"]
    assert [s.x0 for s in fmd.layout.shapes] == [pytest.approx(mc)]
    marked = frequency_magnitude(cat, mc=1.5)
    assert [s.x0 for s in marked.layout.shapes] == [1.5]


# real layouts, the column chooser, failed loads ----------------------------------------------

FIXTURES = ROOT / "tests" / "catalog" / "fixtures"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """Remembered column choices go to a folder of the test's own."""
    monkeypatch.setenv("SEISVIZ_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize("name", ["usgs_comcat.csv", "ncedc_ncss.csv", "emsc_fdsn.txt",
                                  "ingv_fdsn.txt", "geonet_fdsn.txt", "iris_fdsn.txt",
                                  "isc_bulletin.csv", "scedc.txt", "jma.csv", "cenc.csv",
                                  "ogs_pipes.txt"])
def test_page_loads_each_provider_layout_untold(app, cache, name):
    from seisviz.catalog import FORMAT_NAMES
    from tests.catalog.test_providers import PROVIDERS, summary_line

    fmt, n_rows, n_kept, reasons, first, _ = PROVIDERS[name]
    upload(app, name, (FIXTURES / name).read_bytes())
    assert not app.error, [e.value for e in app.error]
    assert any(md.value == f"**{name}** ({FORMAT_NAMES[fmt]}): "
               f"{summary_line(n_rows, n_kept, reasons)}" for md in app.markdown)
    [w for w in app.number_input if w.label == "Minimum magnitude"][-1].set_value(-1.0).run()
    catalog = app.session_state["catalog"]
    assert len(catalog) == n_kept
    assert catalog["time"].iloc[0] == __import__("pandas").Timestamp(first)


def chooser_key(data, field):
    import hashlib

    return f"cc_{field}_{hashlib.sha1(data[:65536]).hexdigest()[:8]}"


def test_page_column_chooser_loads_made_up_names_and_remembers(app, cache):
    data = (FIXTURES / "madeup_names.csv").read_bytes()
    upload(app, "madeup_names.csv", data)
    assert len(app.error) == 1 and "no recognisable columns" in app.error[0].value
    previous = app.session_state["catalog_name"]
    # the failed load says which catalog is still in use
    assert any(w.value.startswith("Loading madeup_names.csv failed: ") and
               w.value.endswith(f"still using the previous catalog {previous}.")
               for w in app.warning)
    shown = app.dataframe[-1].value
    assert list(shown.columns)[:3] == ["When", "Y", "X"] and len(shown) == 3
    for field, column in [("time", "When"), ("latitude", "Y"), ("longitude", "X"),
                          ("depth", "Km"), ("magnitude", "Size")]:
        app.selectbox(key=chooser_key(data, field)).set_value(column)
    app.text_input(key=chooser_key(data, "tz")).set_value("+02:00")
    app.button(key=chooser_key(data, "load")).click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any(md.value == "**madeup_names.csv** (CSV): kept 3 of 3 rows; dropped none"
               for md in app.markdown)
    assert not any(w.value.startswith("Loading") for w in app.warning)
    assert app.session_state["catalog_name"] == "madeup_names.csv"
    first = app.session_state["load_report"]
    assert first.columns["magnitude"] == "Size"
    assert (cache / "column_maps.json").is_file()

    # a new session, the same header: loaded with the remembered choice, untold
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    upload(again, "renamed.csv", data)
    assert not again.error
    assert any("columns you chose" in c.value for c in again.caption)
    assert len(again.session_state["load_report"].dropped) == 0
    assert again.session_state["load_report"].n_kept == 3


def test_failed_load_is_said_on_the_other_pages(app, cache):
    app.run()
    previous = app.session_state["catalog_name"]
    upload(app, "broken.csv", b"a,b\n1,2\n")
    assert app.error
    app.switch_page("pages/5_subregions.py").run()
    assert any(w.value.startswith("Loading broken.csv failed: broken.csv: no recognisable")
               and f"still using the previous catalog {previous}" in w.value for w in app.warning)
    app.switch_page("pages/1_catalog.py").run()
    app.radio(key="catalog_source").set_value("Demo catalog").run()
    app.switch_page("pages/5_subregions.py").run()
    assert not any(w.value.startswith("Loading") for w in app.warning)


def test_year_only_catalog_warns_and_maps_and_detect_refuse_finer_windows(app, cache):
    upload(app, "years.csv", (FIXTURES / "years_only.csv").read_bytes())
    assert not app.error
    assert any(w.value.startswith("warning: time has only year resolution") for w in app.warning)
    refusal = ("the catalog's times have only year resolution: a window of 30 days is finer "
               "than that; use windows and steps of at least 365 days")
    app.switch_page("pages/2_maps.py").run()
    assert not app.exception
    assert refusal in [e.value for e in app.error]
    app.switch_page("pages/4_detect.py").run()
    assert not app.exception
    assert refusal in [e.value for e in app.error]


def test_upload_and_filter_outlive_a_page_switch(app):
    """Streamlit forgets a widget's value (and an uploader its file) when a run does not
    draw it: the Catalog page draws them from the session's work record instead."""
    upload(app, "messy.csv", MESSY)
    mag = [w for w in app.number_input if w.label == "Minimum magnitude"][-1]
    mag.set_value(1.2).run()
    assert len(app.session_state["catalog"]) == 1
    app.switch_page("pages/5_subregions.py").run()  # draws no catalog widget
    assert not app.exception
    assert app.session_state["catalog_name"] == "messy.csv"
    app.switch_page("pages/1_catalog.py").run()
    assert not app.exception
    assert app.radio(key="catalog_source").value == "Upload a file"
    assert any("Using **messy.csv**" in c.value for c in app.caption)
    mag = [w for w in app.number_input if w.label == "Minimum magnitude"][-1]
    assert mag.value == pytest.approx(1.2)
    assert app.session_state["catalog_name"] == "messy.csv"
    assert len(app.session_state["catalog"]) == 1
    work = app.session_state["work"]
    assert work.source.kind == "upload" and work.source.name == "messy.csv"
    assert len(work.source.sha256) == 64 and work.filters.min_magnitude == pytest.approx(1.2)


# statistics and declustering (docs/statistics.md) -------------------------------------------


def chart_specs(app):
    return [c.proto.spec for c in app.get("plotly_chart")]


@pytest.mark.skipif(not DEMO.exists(), reason="no demo catalog")
def test_page_shows_mc_b_value_and_mc_b_over_time_for_the_demo(app):
    import json

    app.run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["b-value (Aki-Utsu)"].count("±") == 1
    b, err = (float(v) for v in metrics["b-value (Aki-Utsu)"].split("±"))
    assert 0.5 < b < 1.5 and 0 < err < 0.1
    assert 0 < float(metrics["Mc"]) < 3
    assert not any("scales" in w.value for w in app.warning)  # one magnitude type (ML)
    spec = [json.loads(s) for s in chart_specs(app) if "Mc and b over time" in s]
    assert len(spec) == 1
    names = [t.get("name") for t in spec[0]["data"]]
    assert "Mc" in names and "b" in names and "± 1 σ (Shi & Bolt)" in names


def test_page_warns_of_mixed_magnitude_types(app):
    rows = [f"2020-01-{d:02d}T00:00:00Z,28.1,104.9,3.0,{1 + d / 10:.1f},{'ML' if d % 3 else 'Mw'}"
            for d in range(1, 29)]
    upload(app, "mixed.csv", "\n".join(["time,lat,lon,depth,mag,magType", *rows]).encode())
    assert not app.exception and not app.error
    [w for w in app.number_input if w.label == "Minimum magnitude"][-1].set_value(0.0).run()
    warnings = [w.value for w in app.warning if "scales" in w.value]
    assert len(warnings) == 1 and warnings[0].startswith("Magnitudes mix 2 scales (ML")
    assert any(c.value.startswith("Magnitude types: ML 19, Mw 9") for c in app.caption)


@pytest.mark.skipif(not DEMO.exists(), reason="no demo catalog")
def test_page_declustering_removes_a_share_and_outlives_a_page_switch(app):
    app.run()
    n_all = len(app.session_state["catalog"])
    box = [s for s in app.selectbox if s.label == "Decluster"]
    assert len(box) == 1 and box[0].value == "none"
    box[0].set_value("gardner-knopoff").run()
    assert not app.exception and not app.error
    n = len(app.session_state["catalog"])
    assert 0 < n < n_all
    said = [c.value for c in app.caption if c.value.startswith("Declustering (Gardner–Knopoff)")]
    assert said == [f"Declustering (Gardner–Knopoff) removed {n_all - n:,} of {n_all:,} events "
                    f"({1 - n / n_all:.1%})."]
    flt = app.session_state["work"].filters
    assert flt.decluster == "gardner-knopoff"
    assert flt.decluster_share == pytest.approx(1 - n / n_all)
    assert flt.declustering() == {"method": "gardner-knopoff",
                                  "share_removed": flt.decluster_share}
    app.switch_page("pages/5_subregions.py").run()  # draws no catalog widget
    assert not app.exception
    app.switch_page("pages/1_catalog.py").run()
    assert not app.exception
    assert [s.value for s in app.selectbox if s.label == "Decluster"] == ["gardner-knopoff"]
    assert len(app.session_state["catalog"]) == n


def test_mc_b_figure_leaves_gaps_where_b_is_missing():
    import numpy as np
    import pandas as pd

    from seisviz.plots.statistics import mc_b_time

    t = pd.date_range("2020-01-01", periods=6, freq="D", tz="UTC")
    table = pd.DataFrame({"time": t, "start": t, "end": t, "n_events": 250,
                          "mc": [1.0, 1.1, 1.0, 1.2, 1.0, 1.0],
                          "b": [1.0, 1.1, np.nan, 0.9, 1.0, 1.05], "b_err": 0.05,
                          "n_used": [90, 80, 0, 70, 95, 99]})
    fig = mc_b_time(table, 250, 50)
    band = [tr for tr in fig.data if tr.name == "± 1 σ (Shi & Bolt)"][0]
    assert band.fill == "toself" and list(band.y).count(None) == 2  # two runs, two polygons
    assert [tr.name for tr in fig.data] == ["Mc", "± 1 σ (Shi & Bolt)", "b"]
    assert mc_b_time(table.iloc[:0]).layout.annotations[0].text == "fewer events than one window"
