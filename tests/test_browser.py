"""The dashboard in a real browser: `streamlit run app.py` driven by Playwright + Chromium.

One session walks the pages the way a user does: load a demo catalog (Catalog), upload an
overlay layer (a fault and a well, GeoJSON) and see it on the basemap, play the animation
(Maps), run detection on the CPU (Detect), refresh the browser and find the catalog and
scan again, open a subregion (Subregions: no two text boxes of the Figure S4/S5 overlap)
and download the periods CSV and the figure (Export). Web tiles come from a tile server on
127.0.0.1 (conftest.tile_server): the test never uses the internet. No page may show an
exception. A screenshot of each
page goes to docs/screenshots/ (the README's pictures: they are retaken on every run, so
they stay true).

Skipped, with the reason, only when no Chromium can be found (.ci/run installs the
Debian package; Playwright's own browser download is not used).
"""

import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHOTS = os.path.join(ROOT, "docs", "screenshots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
DEMO = "Weiyuan-like (synthetic demo)"  # the smaller demo: detection on a CPU in seconds

pytestmark = [pytest.mark.browser, pytest.mark.slow]


# ---- helpers shared with benchmarks/bench_dashboard.py ------------------------------------

def find_chromium():
    """Path of a Chromium/Chrome executable, or None."""
    for name in (os.environ.get("SEISVIZ_CHROMIUM"), "/usr/bin/chromium", "chromium",
                 "chromium-browser", "google-chrome", "google-chrome-stable"):
        if not name:
            continue
        path = name if os.path.isabs(name) else shutil.which(name)
        if path and os.access(path, os.X_OK):
            return path
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port, log_path):
    """`streamlit run app.py` on 127.0.0.1:port (no file watcher: others edit the tree)."""
    exe = os.path.join(os.path.dirname(sys.executable), "streamlit")
    cmd = ([exe] if os.path.exists(exe) else [sys.executable, "-m", "streamlit"]) + [
        "run", "app.py", "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    log = open(log_path, "wb")
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)


def wait_for_server(proc, port, timeout=90):
    url = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"streamlit did not answer on port {port} within {timeout} s")


def stop_server(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wait_idle(page, timeout=120.0, quiet=0.6):
    """Until the script has finished running and stayed finished for `quiet` seconds."""
    app = page.locator('[data-testid="stApp"]')
    deadline = time.monotonic() + timeout
    since = None
    while time.monotonic() < deadline:
        state = app.get_attribute("data-test-script-state") if app.count() else None
        spinning = page.locator('[data-testid="stSpinner"]').count()
        if state == "notRunning" and not spinning:
            since = since or time.monotonic()
            if time.monotonic() - since >= quiet:
                return
        else:
            since = None
        page.wait_for_timeout(100)
    raise TimeoutError(f"the app was still running after {timeout} s")


def go_to(page, title, heading, timeout=120.0):
    """Click the sidebar navigation link `title`; wait for the page's `heading`."""
    page.get_by_test_id("stSidebarNavLink").filter(has_text=title).first.click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=timeout * 1000)
    wait_idle(page, timeout)


def no_exception(page, where):
    boxes = page.get_by_test_id("stException")
    if boxes.count():
        raise AssertionError(f"{where}: the page shows an exception: "
                             f"{boxes.first.inner_text()[:800]}")


def choose_model_on_cpu(page, custom_model=None):
    """On the Detect page: a custom weights file (when given) and the CPU device."""
    if custom_model is not None:
        pick(page, "Model", "custom weights file (.pt)…")
        wait_idle(page)
        box = page.get_by_test_id("stTextInput").filter(has_text="Weights file").first \
            .locator("input")
        box.fill(custom_model)
        box.press("Enter")
        wait_idle(page)
    page.get_by_test_id("stRadio").filter(has_text="Device").first \
        .get_by_text("cpu", exact=True).click()
    wait_idle(page)


def chosen(selectbox):
    """The option a selectbox shows (an <input> combobox in Streamlit 1.67)."""
    return selectbox.locator("input").first.input_value()


def pick(page, label, option):
    """Choose `option` in the selectbox labelled `label`."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option).first.click()


# ---- the test ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found (looked for /usr/bin/chromium, chromium, "
                    "chromium-browser, google-chrome; install with `apt-get install chromium` "
                    "or set SEISVIZ_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, tile_server):
    log_path = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    port = free_port()
    saved = {k: os.environ.get(k) for k in ("SEISVIZ_TILE_URL", "SEISVIZ_CACHE_DIR")}
    os.environ["SEISVIZ_TILE_URL"] = tile_server[0]
    os.environ["SEISVIZ_CACHE_DIR"] = str(tmp_path_factory.mktemp("sessions"))
    try:
        proc = start_server(port, log_path)
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    try:
        wait_for_server(proc, port)
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        stop_server(proc)


TRACES_JS = """(chart) => {
  const gd = chart.querySelector('.js-plotly-plot');
  return {names: gd.data.map(t => t.name),
          images: ((gd.layout.images) || []).map(i => i.source)};
}"""

# Every text box of a figure: title, annotations (panel titles, scale bar), axis titles,
# tick labels, colorbar text; -> [[label, left, top, right, bottom]]
TEXT_BOXES_JS = """(chart) => {
  const sel = ['.infolayer .gtitle', '.infolayer g.annotation text',
               '.infolayer text[class$="title"]', '.xaxislayer-above text',
               '.yaxislayer-above text', '.infolayer .colorbar text',
               '.scatterlayer .textpoint text', '.legend text'];
  const out = [];
  for (const el of chart.querySelectorAll(sel.join(','))) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && (el.textContent || '').trim())
      out.push([el.textContent.trim().slice(0, 40), r.left, r.top, r.right, r.bottom]);
  }
  return out;
}"""


def overlapping_text(boxes, tolerance=1.0):
    """Pairs of text boxes that overlap by more than `tolerance` px both ways."""
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            dx = min(a[3], b[3]) - max(a[1], b[1])
            dy = min(a[4], b[4]) - max(a[2], b[2])
            if dx > tolerance and dy > tolerance:
                pairs.append((a[0], b[0]))
    return pairs


def no_text_overlaps(page, where):
    """No two text boxes overlap in any figure on the page (titles, annotations such as
    period labels, axis and colour-bar text, town labels, legends), from the browser's
    own layout boxes."""
    charts = page.get_by_test_id("stPlotlyChart")
    for i in range(charts.count()):
        chart = charts.nth(i)
        if not chart.is_visible():
            continue  # in a closed expander or another tab: not drawn, no layout boxes
        chart.scroll_into_view_if_needed()
        chart.locator(".js-plotly-plot").first.wait_for()
        boxes = chart.evaluate(TEXT_BOXES_JS)
        bad = overlapping_text(boxes)
        assert not bad, f"{where}, figure {i + 1}: text overlaps: {bad[:5]}"


def overlay_file(folder):
    """A GeoJSON of a fault (line) and a well (point) across the Weiyuan-like demo."""
    import json

    path = os.path.join(folder, "faults_and_wells.geojson")
    features = [
        {"type": "Feature", "properties": {"name": "demo fault"},
         "geometry": {"type": "LineString", "coordinates": [[104.5, 29.3], [104.9, 29.7]]}},
        {"type": "Feature", "properties": {"name": "well W1"},
         "geometry": {"type": "Point", "coordinates": [104.7, 29.5]}}]
    with open(path, "w") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f)
    return path


def model_to_use(request):
    """The shipped weights if there are any, else the quick model's path (typed in)."""
    if os.path.exists(os.path.join(ROOT, "weights", "resnet18.pt")):
        return None
    return os.path.join(request.getfixturevalue("quick_model_dir"), "resnet18.pt")


def test_dashboard_in_a_real_browser(browser, server, request, tile_server):
    url, log_path = server
    custom_model = model_to_use(request)
    os.makedirs(SHOTS, exist_ok=True)
    shots = tempfile.mkdtemp()  # written here, moved into docs/ only when the walk succeeds
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors = []
    step, t_step, timings = "start", time.monotonic(), {}

    def on_error(exc):
        # Pausing a plotly animation rejects the interrupted Plotly.animate promise with no
        # reason: the browser reports an unhandled rejection "undefined". Harmless, and
        # plotly's doing; any other error (or this one elsewhere) fails the test.
        if not (step == "Maps" and exc.message in ("undefined", "")):
            errors.append(f"{step}: {exc.name}: {exc.message} {(exc.stack or '')[:300]}")

    page.on("pageerror", on_error)

    def mark(name):
        nonlocal step, t_step
        timings[step] = round(time.monotonic() - t_step, 1)
        step, t_step = name, time.monotonic()

    try:
        # --- Catalog: load the smaller demo
        mark("Catalog")
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_role("heading", name="Catalog").first.wait_for(timeout=90_000)
        wait_idle(page)
        pick(page, "Demo catalog", DEMO)
        wait_idle(page)
        page.get_by_text("Weiyuan-like (synthetic demo) (CSV)").first.wait_for()
        report = page.get_by_text("kept ", exact=False).first.inner_text()
        assert "of" in report and "rows" in report, report
        page.get_by_test_id("stMetric").filter(has_text="Events").first.wait_for()
        page.get_by_test_id("stPlotlyChart").first.wait_for()
        no_exception(page, step)

        # --- an overlay layer, on the basemap of the epicentre map
        mark("Overlay")
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text("Map layers").first.click()
        layer_file = overlay_file(tempfile.mkdtemp())
        sidebar.locator("input[type=file]").first.set_input_files(layer_file)
        wait_idle(page)
        sidebar.get_by_text("faults_and_wells.geojson:", exact=False).first.wait_for()
        epicentres = page.get_by_test_id("stPlotlyChart").filter(
            has_text="Epicentres").first
        epicentres.scroll_into_view_if_needed()
        drawn = epicentres.evaluate(TRACES_JS)
        assert {"basemap: coasts and borders", "faults_and_wells", "large events"} <= set(
            drawn["names"]), drawn["names"]
        assert drawn["images"] and all(i.startswith(tile_server[0].split("{z}")[0])
                                       for i in drawn["images"]), drawn["images"][:2]
        page.wait_for_timeout(500)
        assert tile_server[1], "the browser fetched no tile from the tile server"
        # tiles off (the setting stays on every page): the screenshots show the offline
        # basemap, as a user without a network sees it
        sidebar.get_by_text("Web map tiles", exact=False).first.click()
        wait_idle(page)
        drawn = page.get_by_test_id("stPlotlyChart").filter(
            has_text="Epicentres").first.evaluate(TRACES_JS)
        assert not drawn["images"], drawn["images"][:2]
        assert "basemap: states and provinces" in drawn["names"], drawn["names"]
        no_text_overlaps(page, step)
        no_exception(page, step)
        page.screenshot(path=os.path.join(shots, "catalog.png"), full_page=True)

        # --- Maps: press play, the slider's current window moves
        mark("Maps")
        go_to(page, "Maps", "Maps")
        chart = page.get_by_test_id("stPlotlyChart").filter(
            has=page.locator("g.updatemenu-button")).first  # the animated one
        chart.locator(".slider-container").first.wait_for(timeout=120_000)
        label = chart.locator("text.slider-label").filter(has_text="window starting").first
        before = label.text_content()
        chart.locator("g.updatemenu-button").filter(has_text="Play").first.click()
        deadline = time.monotonic() + 20
        while label.text_content() == before and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        moved = label.text_content()
        assert moved != before, f"the animation did not advance from {before!r}"
        page.wait_for_timeout(800)
        chart.locator("g.updatemenu-button").filter(has_text="Pause").first.click()
        names = chart.evaluate(TRACES_JS)["names"]
        assert {"basemap: coasts and borders", "faults_and_wells"} <= set(names), names
        no_text_overlaps(page, step)
        no_exception(page, step)
        chart.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(shots, "maps.png"))

        # --- Detect: on the CPU, shipped weights or the quick model's path
        mark("Detect")
        go_to(page, "Detect", "Detect anomalous seismicity")
        choose_model_on_cpu(page, custom_model)
        no_exception(page, step + " (before running)")
        page.get_by_role("button", name="Run detection").click()
        page.get_by_text("Ran on cpu", exact=False).first.wait_for(timeout=150_000)
        wait_idle(page, 150)
        heading = page.get_by_role("heading", name="Network:").first.inner_text()
        if heading.startswith("Network: 0 periods"):
            # a weak (quick) model may flag nothing: a lower threshold gives periods to open
            thumb = page.get_by_test_id("stSlider").filter(
                has_text="Probability threshold").first.get_by_role("slider")
            thumb.focus()
            thumb.press("Home")
            wait_idle(page, 60)
            page.get_by_role("button", name="Run detection").click()
            page.get_by_role("heading", name="Network:").first.wait_for()
            wait_idle(page, 150)
            heading = page.get_by_role("heading", name="Network:").first.inner_text()
        assert not heading.startswith("Network: 0 periods"), heading
        no_text_overlaps(page, step)
        no_exception(page, step)
        page.get_by_test_id("stPlotlyChart").first.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(shots, "detect.png"))

        # --- a browser refresh keeps the catalog and the last scan
        mark("Refresh")
        assert "session=" in page.url, page.url
        page.reload(wait_until="domcontentloaded")
        page.get_by_role("heading", name="Detect anomalous seismicity").first.wait_for(
            timeout=120_000)
        wait_idle(page, 150)
        restored = page.get_by_text("Restored after a refresh", exact=False).first
        restored.wait_for(timeout=60_000)
        said = restored.inner_text()
        assert DEMO in said and "the last scan" in said, said
        page.get_by_text("Ran on cpu", exact=False).first.wait_for(timeout=60_000)
        assert page.get_by_role("heading", name="Network:").first.inner_text() == heading
        assert "1 map layer" in said, said
        no_exception(page, step)

        # --- Subregions: open one, step to the next
        mark("Subregions")
        go_to(page, "Subregions", "Subregions")
        chooser = page.get_by_test_id("stSelectbox").filter(has_text="Flagged subregion").first
        chooser.wait_for(timeout=120_000)
        first = chosen(chooser)
        # (an episode is named by its sequence first: "Sequence 1 · period 1 · subregion 1 — …")
        assert first.startswith("Sequence ") and "period" in first and "subregion" in first, first
        page.get_by_test_id("stPlotlyChart").first.wait_for()
        if "(1 in " not in chooser.inner_text():
            page.get_by_role("button", name="Next ▶").click()
            wait_idle(page)
            assert chosen(chooser) != first
        figure = page.get_by_test_id("stPlotlyChart").first
        figure.scroll_into_view_if_needed()
        names = figure.evaluate(TRACES_JS)["names"]
        assert {"basemap: coasts and borders", "events", "magnitude", "events per day",
                "faults_and_wells"} <= set(names), names
        boxes = figure.evaluate(TEXT_BOXES_JS)
        assert any(b[0].startswith("(b)") for b in boxes), [b[0] for b in boxes]
        assert not overlapping_text(boxes), overlapping_text(boxes)
        no_text_overlaps(page, step)
        no_exception(page, step)
        figure.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(shots, "subregions.png"))
        # what the episode is: kind, b-value, Omori, diffusivity, depth and their figures
        section = page.get_by_role("heading", name="What the episode is").first
        page.get_by_test_id("stPlotlyChart").filter(has_text="Distance").first.wait_for()
        section.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        page.screenshot(path=os.path.join(shots, "episode.png"))

        # --- Export: the periods CSV
        mark("Export")
        go_to(page, "Export", "Export")
        with page.expect_download(timeout=60_000) as dl:
            page.get_by_test_id("stDownloadButton").filter(has_text="Periods (CSV)").first \
                .locator("button").click()
        path = dl.value.path()
        with open(path, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert rows, "the periods CSV is empty"
        assert {"start", "end"} <= set(rows[0]), list(rows[0])
        for r in rows:
            assert r["start"] and r["end"] and r["start"] < r["end"], r
        with page.expect_download(timeout=120_000) as dl:
            page.get_by_test_id("stDownloadButton").filter(has_text="This figure (HTML)") \
                .first.locator("button").click()
        html = open(dl.value.path(), encoding="utf-8").read()
        assert "faults_and_wells" in html and "basemap: coasts and borders" in html
        no_exception(page, step)
        page.screenshot(path=os.path.join(shots, "export.png"))

        # --- Train: just that it draws
        mark("Train")
        go_to(page, "Train", "Train a detector")
        no_text_overlaps(page, step)
        no_exception(page, step)
        page.screenshot(path=os.path.join(shots, "train.png"))
        mark("done")
        print("seconds per page:", timings)
    except Exception as exc:
        try:
            page.screenshot(path=os.path.join(tempfile.gettempdir(), "seisviz_browser_failure.png"))
        except Exception:
            pass
        log = open(log_path, errors="replace").read()[-3000:]
        raise AssertionError(f"{step} page: {type(exc).__name__}: {exc}\n"
                             f"(screenshot: {tempfile.gettempdir()}/seisviz_browser_failure.png)"
                             f"\n--- streamlit log (end) ---\n{log}") from exc
    finally:
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors[:3]}"
    for name in os.listdir(shots):
        shutil.move(os.path.join(shots, name), os.path.join(SHOTS, name))
    assert {"catalog.png", "maps.png", "detect.png", "subregions.png", "episode.png",
            "export.png", "train.png"} <= set(os.listdir(SHOTS))


def test_the_users_work_survives_page_switches_and_a_refresh(browser, server, request):
    """Upload a catalog, filter it, choose a model and threshold and detect; another page,
    back to Catalog, a browser refresh: the upload (name and event count), the filter,
    the model, the threshold and the results are all still there."""
    url, log_path = server
    custom_model = model_to_use(request)
    model = None if custom_model else "resnet34"
    folder = tempfile.mkdtemp()
    mine = os.path.join(folder, "my_catalog.csv")
    shutil.copy(os.path.join(ROOT, "data", "weiyuan_demo.csv"), mine)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    step = "Catalog"

    def magnitude_box():
        return page.get_by_test_id("stNumberInput").filter(
            has_text="Minimum magnitude").first.locator("input")

    def events():
        return page.get_by_test_id("stMetric").filter(has_text="Events").first \
            .get_by_test_id("stMetricValue").inner_text()

    def threshold():
        return page.get_by_test_id("stSlider").filter(has_text="Probability threshold") \
            .first.get_by_role("slider").get_attribute("aria-valuenow")

    def catalog_is_mine(n_events):
        page.get_by_text("my_catalog.csv (CSV)").first.wait_for()
        assert page.get_by_role("radio", name="Upload a file").first.is_checked()
        page.get_by_text("Using my_catalog.csv", exact=False).first.wait_for()
        assert magnitude_box().input_value() == "0.6"
        assert events() == n_events

    try:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_role("heading", name="Catalog").first.wait_for(timeout=90_000)
        wait_idle(page)
        page.get_by_test_id("stRadio").first.get_by_text("Upload a file").click()
        wait_idle(page)
        page.get_by_test_id("stFileUploader").filter(has_text="Catalog file").first \
            .locator("input[type=file]").set_input_files(mine)
        wait_idle(page)
        page.get_by_text("my_catalog.csv (CSV)").first.wait_for()
        before = events()
        magnitude_box().fill("0.6")
        magnitude_box().press("Enter")
        wait_idle(page)
        n_events = events()
        assert n_events != before, (before, n_events)
        no_exception(page, step)

        step = "Detect"
        go_to(page, "Detect", "Detect anomalous seismicity")
        if model is not None:
            pick(page, "Model", model)
            wait_idle(page)
        choose_model_on_cpu(page, custom_model)
        thumb = page.get_by_test_id("stSlider").filter(
            has_text="Probability threshold").first.get_by_role("slider")
        thumb.focus()
        for _ in range(3):
            thumb.press("ArrowLeft")
        wait_idle(page)
        chosen_threshold = threshold()
        page.get_by_role("button", name="Run detection").click()
        page.get_by_text("Ran on cpu", exact=False).first.wait_for(timeout=150_000)
        wait_idle(page, 150)
        heading = page.get_by_role("heading", name="Network:").first.inner_text()
        no_exception(page, step)

        step = "Train and back to Catalog"
        go_to(page, "Train", "Train a detector")
        go_to(page, "Catalog", "Catalog")
        catalog_is_mine(n_events)
        no_exception(page, step)

        step = "Refresh"
        assert "session=" in page.url, page.url
        page.reload(wait_until="domcontentloaded")
        page.get_by_role("heading", name="Catalog").first.wait_for(timeout=120_000)
        wait_idle(page, 150)
        catalog_is_mine(n_events)
        no_exception(page, step)
        go_to(page, "Detect", "Detect anomalous seismicity")
        page.get_by_text("Ran on cpu", exact=False).first.wait_for(timeout=60_000)
        chooser = page.get_by_test_id("stSelectbox").filter(has_text="Model").first
        assert chosen(chooser) == (model or "custom weights file (.pt)…")
        assert threshold() == chosen_threshold
        assert page.get_by_role("heading", name="Network:").first.inner_text() == heading
        assert not page.get_by_text("from an earlier run", exact=False).count()
        if model is not None:
            assert page.get_by_text(f"model {model}", exact=False).count()
        no_exception(page, step)
    except Exception as exc:
        log = open(log_path, errors="replace").read()[-3000:]
        page.screenshot(path=os.path.join(tempfile.gettempdir(), "seisviz_work_failure.png"))
        raise AssertionError(f"{step}: {type(exc).__name__}: {exc}\n--- streamlit log (end) "
                             f"---\n{log}") from exc


def test_cancel_detection_in_a_real_browser(browser, server, request):
    """Run detection, press Cancel while it runs: the page says after how many windows it
    stopped, shows no result, and the Cancel button is gone."""
    import re

    url, _ = server
    custom_model = model_to_use(request)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_role("heading", name="Catalog").first.wait_for(timeout=300_000)
        wait_idle(page, 300)
        go_to(page, "Detect", "Detect anomalous seismicity", timeout=300)
        choose_model_on_cpu(page, custom_model)
        step = page.get_by_test_id("stNumberInput").filter(has_text="Step (days)").first \
            .locator("input")
        step.fill("0.5")  # 2,864 windows: time to press Cancel
        step.press("Enter")
        wait_idle(page)
        page.get_by_role("button", name="Run detection").click()
        page.get_by_text("Detecting:", exact=False).first.wait_for(timeout=300_000)
        page.get_by_role("button", name="Cancel").click()
        said = page.get_by_text("Cancelled after", exact=False).first
        said.wait_for(timeout=120_000)
        done, total = (int(n.replace(",", "")) for n in
                       re.search(r"after ([\d,]+) of ([\d,]+) windows", said.inner_text())
                       .groups())
        assert 0 < done < total, (done, total)
        wait_idle(page)
        assert page.get_by_text("Ran on cpu", exact=False).count() == 0
        assert page.get_by_role("button", name="Cancel").count() == 0
        assert page.get_by_text("Press Run detection", exact=False).count() == 1
    except Exception:
        page.screenshot(path=os.path.join(tempfile.gettempdir(), "cancel_failure.png"))
        raise
    finally:
        context.close()
