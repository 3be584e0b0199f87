"""The Maps page (streamlit AppTest) and the figures it draws (seisviz.plots.maps)."""

import io
import json
import math
import os
import shutil

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from seisviz.errors import SeisvizError
from seisviz.plots.map_files import animation_gif_bytes, export_animation_gif, export_animation_html
from seisviz.plots.maps import (
    LOG_UNITS,
    animated_map,
    frame_indices,
    single_map,
)
from seisviz.maps import events_in_window, make_grid, rasterize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
T0 = pd.Timestamp("2020-01-01", tz="UTC")


def synthetic_catalog(n=3000, days=400, seed=0):
    """Diffuse events plus a swarm on days 200-210."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, days, n)
    lon = rng.uniform(104.8, 105.2, n)
    lat = rng.uniform(28.2, 28.5, n)
    swarm = rng.random(n) < 0.2
    t[swarm] = rng.uniform(200, 210, swarm.sum())
    lon[swarm] = rng.normal(105.0, 0.01, swarm.sum())
    lat[swarm] = rng.normal(28.35, 0.01, swarm.sum())
    order = np.argsort(t)
    return pd.DataFrame({
        "time": T0 + pd.to_timedelta(t[order], unit="D"),
        "latitude": lat[order], "longitude": lon[order],
        "depth": rng.uniform(1, 8, n), "magnitude": np.round(rng.exponential(0.4, n), 1),
    })


@pytest.fixture(scope="module")
def catalog():
    return synthetic_catalog()


@pytest.fixture(scope="module")
def dmaps(catalog):
    return rasterize(catalog, make_grid((104.8, 105.2, 28.2, 28.5), (20, 15)), window_days=30,
                     step_days=1, background_days=60)


# ---------------------------------------------------------------- figures

def test_frames_are_subsampled_evenly_and_said_in_the_title(dmaps):
    assert len(dmaps) == 371
    fig = animated_map(dmaps, max_frames=100)
    shown, k = frame_indices(len(dmaps), 100)
    assert k == 4 and len(fig.frames) == len(shown) == 93
    assert [f.name for f in fig.frames] == [str(i) for i in range(0, 371, 4)]
    assert "every 4th window shown (93 of 371)" in fig.layout.title.text
    fig = animated_map(dmaps, max_frames=1000)
    assert len(fig.frames) == 371 and "window shown" not in fig.layout.title.text


def test_frames_hold_the_maps_on_one_fixed_colour_scale(dmaps):
    fig = animated_map(dmaps, channel="count", log=False, max_frames=50)
    counts = dmaps.channel("count")
    heat = fig.data[0]
    assert heat.zauto is False and heat.zmin == 0 and heat.zmax == counts.max()
    for f in fig.frames:
        i = int(f.name)
        z = f.data[0].z
        assert z.dtype == np.uint8  # counts up to 255: one byte a pixel
        np.testing.assert_array_equal(z, counts[i])
        # nothing per frame but the data and the title
        assert set(f.to_plotly_json()) == {"data", "traces", "name", "layout"}
        assert set(f.layout.to_plotly_json()) == {"title"}
        assert set(f.data[0].to_plotly_json()) == {"type", "z"}
        start = pd.Timestamp(dmaps.window_start[i], tz="UTC")
        assert f"{start:%Y-%m-%d} – " in f.layout.title.text


def test_log_scale_z_and_colorbar_in_counts(dmaps):
    fig = animated_map(dmaps, channel="count", log=True, max_frames=30)
    top = dmaps.channel("count").max()
    assert top > 20  # the swarm
    assert fig.data[0].zmax == pytest.approx(LOG_UNITS * math.log10(1 + top))
    bar = fig.data[0].colorbar
    assert list(bar.ticktext)[:4] == ["0", "1", "2", "5"]
    assert bar.tickvals[1] == pytest.approx(LOG_UNITS * math.log10(2), abs=1e-3)
    for f in fig.frames:
        counts = dmaps.channel("count")[int(f.name)]
        np.testing.assert_array_equal(f.data[0].customdata, counts)  # hover: exact counts
        np.testing.assert_array_equal(f.data[0].z, np.rint(100 * np.log10(1 + counts)))


def test_background_channel_frames(dmaps):
    fig = animated_map(dmaps, channel="background", log=False, max_frames=20)
    bg = dmaps.channel("background")
    assert fig.data[0].zmax == pytest.approx(bg.max())
    for f in fig.frames:
        np.testing.assert_allclose(f.data[0].z, bg[int(f.name)], atol=0.005 + 1e-6)


def test_slider_labelled_by_dates_with_play_and_pause(dmaps):
    fig = animated_map(dmaps, max_frames=40, frame_ms=80)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(fig.frames)
    for step, frame in zip(steps, fig.frames):
        start = pd.Timestamp(dmaps.window_start[int(frame.name)], tz="UTC")
        assert step.label == f"{start:%Y-%m-%d}"
        assert list(step.args[0]) == [frame.name]
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("Play" in b for b in labels) and any("Pause" in b for b in labels)
    play = fig.layout.updatemenus[0].buttons[0].args[1]
    assert play["frame"]["duration"] == 80


def test_event_overlay_is_the_windows_events_sampled(catalog, dmaps):
    fig = animated_map(dmaps, catalog=catalog, max_frames=60, max_markers=300)
    # heatmap, events; then the basemap's traces (not animated)
    assert [t.name for t in fig.data][:2] == ["count", "events"]
    assert all(len(f.data) == 2 for f in fig.frames)
    sampled = 0
    for f in fig.frames:
        i = int(f.name)
        ev = events_in_window(catalog, pd.Timestamp(dmaps.window_start[i], tz="UTC"),
                              pd.Timestamp(dmaps.window_end[i], tz="UTC"))
        x = np.asarray(f.data[1].x)
        assert len(x) == min(len(ev), 300)
        assert np.isin(x, ev["longitude"].to_numpy(np.float32)).all()
        if len(ev) > 300:
            sampled += 1
            assert "300 of" in f.layout.title.text
    assert sampled > 0


def test_figure_json_is_compact(dmaps):
    fig = animated_map(dmaps, max_frames=400)
    text = pio.to_json(fig, validate=False)
    spec = json.loads(text)
    z = spec["frames"][0]["data"][0]["z"]
    assert z["dtype"] == "u1" and "bdata" in z  # a base64 typed array, not a list
    per_frame = len(text) / len(spec["frames"])
    assert per_frame < 2 * 20 * 15 * 4 / 3 + 600


def test_single_map_matches_the_animation_scale(catalog, dmaps):
    anim = animated_map(dmaps, log=True)
    fig = single_map(dmaps, 205, log=True, catalog=catalog)
    assert fig.data[0].zmax == anim.data[0].zmax
    np.testing.assert_array_equal(fig.data[0].customdata, dmaps.channel("count")[205])
    assert "2020-07-24 – 2020-08-22" in fig.layout.title.text
    assert len(fig.data[1].x) == min(2000, dmaps.channel("count")[205].sum())
    assert single_map(dmaps, -1).layout.title.text.count("371 of 371") == 1


@pytest.mark.parametrize("call", [
    lambda d: animated_map(d, channel="magnitude"),
    lambda d: animated_map(d, max_frames=0),
    lambda d: animated_map(d, frame_ms=0),
    lambda d: single_map(d, 371),
    lambda d: single_map(d, 0, channel="nope"),
    lambda d: export_animation_gif(d, io.BytesIO(), channel="nope"),
])
def test_bad_arguments(dmaps, call):
    with pytest.raises(SeisvizError):
        call(dmaps)


def test_html_export_embeds_plotly_js(dmaps, tmp_path):
    path = tmp_path / "anim.html"
    export_animation_html(animated_map(dmaps, max_frames=10), path)
    text = path.read_text(encoding="utf-8")
    assert len(text) > 1_000_000  # plotly.js itself is in the file
    assert "<script src=" not in text.replace('<script src="data:', "")  # nothing to fetch
    assert "plotly.js v" in text[:5_000_000]
    assert "Plotly.newPlot" in text and "Plotly.addFrames" in text
    with pytest.raises(SeisvizError):
        export_animation_html(animated_map(dmaps, max_frames=10), tmp_path / "no" / "x.html")


def test_gif_export(dmaps, tmp_path):
    from PIL import Image

    path = tmp_path / "anim.gif"
    n = export_animation_gif(dmaps, str(path), max_frames=25, frame_ms=120, width=200)
    with Image.open(path) as im:
        assert im.n_frames == n == len(frame_indices(len(dmaps), 25)[0])
        assert im.size[0] == 200
        assert im.info["duration"] == 120
        # the swarm's frame has the brightest colour, an early frame does not
        frames = []
        for j in range(im.n_frames):
            im.seek(j)
            frames.append(np.asarray(im.convert("RGB")).copy())
    i_swarm = int(np.argmax(dmaps.channel("count").max(axis=(1, 2))))
    j_swarm = i_swarm // frame_indices(len(dmaps), 25)[1]
    yellow = lambda a: ((a[..., 0] > 200) & (a[..., 1] > 200) & (a[..., 2] < 80)).sum()  # noqa
    assert yellow(frames[j_swarm][:-40]) > 0 and yellow(frames[0][:-40]) == 0
    assert animation_gif_bytes(dmaps, max_frames=3)[:6] == b"GIF89a"


@pytest.mark.browser
@pytest.mark.slow
def test_animation_plays_in_chromium(dmaps, catalog, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    path = tmp_path / "anim.html"
    export_animation_html(animated_map(dmaps, catalog=catalog, max_frames=60, frame_ms=40), path)
    js = """() => { const gd = document.querySelector('.plotly-graph-div');
        const z = gd._fullData[0].z; let s = 0;
        for (const row of z) for (const v of row) s += Number(v);
        return {frames: gd._transitionData._frames.length, zsum: s,
                active: gd.layout.sliders[0].active, title: gd.layout.title.text}; }"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector(".main-svg")
        before = page.evaluate(js)
        page.get_by_text("Play").click()
        page.wait_for_function("() => document.querySelector('.plotly-graph-div')"
                               ".layout.sliders[0].active >= 10", timeout=20_000)
        page.get_by_text("Pause").click()
        page.wait_for_timeout(300)
        after = page.evaluate(js)
        browser.close()
    # the Play button's promise is rejected (with undefined) when Pause interrupts it
    assert [e for e in errors if e != "undefined"] == []
    k = frame_indices(len(dmaps), 60)[1]
    z = lambda i: int(np.rint(100 * np.log10(1 + dmaps.channel("count")[i])).sum())  # noqa
    assert before["frames"] == len(frame_indices(len(dmaps), 60)[0])
    assert before["zsum"] == z(0)
    assert after["active"] >= 10
    assert after["zsum"] == z(after["active"] * k)
    start = pd.Timestamp(dmaps.window_start[after["active"] * k], tz="UTC")
    assert f"{start:%Y-%m-%d} – " in after["title"]


# ---------------------------------------------------------------- the page

def maps_page(catalog=None, **state):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=120)
    at.run()  # the Catalog page (the default) may load the demo catalog
    assert not at.exception, at.exception
    # a catalog of our own, as the Catalog page would set it (works with no demo on disk)
    if catalog is not None:
        at.session_state["catalog"] = catalog
        at.session_state["catalog_name"] = "synthetic test catalog"
        at.session_state["is_demo"] = False
    for k, v in state.items():
        at.session_state[k] = v
    at.switch_page("pages/2_maps.py")
    at.run()
    assert not at.exception, at.exception
    return at


def charts(at):
    return at.get("plotly_chart")


def test_page_with_a_synthetic_catalog(catalog):
    at = maps_page(catalog)
    assert len(charts(at)) == 2  # the animation and one window
    spec = json.loads(charts(at)[0].proto.spec)
    # 371 windows > 300 frames: the page plays the first 300 windows one by one...
    assert [int(f["name"]) for f in spec["frames"]] == list(range(300))
    at.toggle(key="maps_span_on").set_value(False).run()
    spec = json.loads(charts(at)[0].proto.spec)
    assert len(spec["frames"]) == 186  # ...or all 371, every 2nd
    captions = " ".join(c.value for c in at.caption)
    assert "371 windows of 30 d every 1 d on a 64x64 grid" in captions

    at.number_input(key="maps_window").set_value(10).run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "391 windows of 10 d every 1 d" in captions
    assert len(charts(at)) == 2

    at.radio(key="maps_grid_kind").set_value("Pixel size (km)").run()
    at.selectbox(key="maps_channel").set_value("background").run()
    at.checkbox(key="maps_overlay").check().run()
    # the star magnitude follows the catalog until the user sets one
    from seisviz.plots.framing import default_star_magnitude

    assert at.number_input(key="map_star_magnitude").value == pytest.approx(
        default_star_magnitude(catalog["magnitude"]))
    assert not at.exception, at.exception
    assert len(charts(at)) == 2
    spec = json.loads(charts(at)[0].proto.spec)
    names = [t.get("name") for t in spec["data"]]
    assert names[:2] == ["background", "events"]  # heatmap + events, then the basemap
    assert "basemap: coasts and borders" in names and "large events" in names


def test_page_opens_on_the_selected_period(catalog):
    period = {"start": pd.Timestamp("2020-07-15", tz="UTC"),
              "end": pd.Timestamp("2020-08-20", tz="UTC")}
    at = maps_page(catalog, selected_period=period)
    assert "Period selected on the Detect page" in at.info[0].value
    assert at.slider(key="maps_jump").value == pd.Timestamp("2020-07-15").date()
    assert "The selected period" in at.subheader[2].value
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in charts(at)]
    assert "2020-07-15 – 2020-08-13" in titles[0]
    # moving the slider shows another window
    at.slider(key="maps_jump").set_value(pd.Timestamp("2020-03-01").date()).run()
    assert not at.exception
    title = json.loads(charts(at)[0].proto.spec)["layout"]["title"]["text"]
    assert "2020-03-01 – 2020-03-30" in title


def test_page_bad_settings_show_an_error(catalog):
    at = maps_page(catalog)
    at.radio(key="maps_grid_kind").set_value("Pixel size (km)").run()
    at.number_input(key="maps_pixel_km").set_value(0.05).run()
    assert not at.exception
    assert at.error and "too fine" in at.error[0].value


@pytest.mark.skipif(not os.path.exists(os.path.join(ROOT, "data", "changning_demo.csv")),
                    reason="no demo catalog on disk")
def test_page_on_the_demo_catalog():
    at = maps_page()
    assert len(charts(at)) == 2
    spec = json.loads(charts(at)[0].proto.spec)
    assert 100 < len(spec["frames"]) <= 300
