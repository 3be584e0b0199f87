"""Dashboard timings in a real browser (Playwright + Chromium), all measured in this run.

    .venv/bin/python benchmarks/bench_dashboard.py [--model NAME|PATH] [--rounds 2]
    .venv/bin/python benchmarks/bench_dashboard.py --detect-only --model ensemble

1. Start: from launching `streamlit run app.py` to the server answering its health check,
   to the Catalog page's title in the browser (first paint of the page; the browser is
   already running), and to the Catalog page finished (script done, first chart drawn).
   The browser's own first-contentful-paint (from navigation start) is printed too.
2. Page switches, clicking the sidebar links Catalog -> Maps -> Detect -> Subregions ->
   Export -> Train -> Catalog: time to the page's title, and to the page finished (the
   script has stopped running, nothing is spinning, and it stayed so for 0.3 s; the 0.3 s
   is not counted). Round 1 is the first visit of each page (caches cold); detection is then
   run once on the CPU and round 2 repeats the walk with results to show (caches warm).
3. The animation on the Maps page: playing, the time between frames, from plotly's
   `plotly_animatingframe` events recorded by JavaScript in the page (performance.now()),
   at the page's default frame duration (150 ms) and at its shortest (30 ms, where the
   browser's drawing is the limit). Frames are 64x64 heatmaps of the default demo.

4. Detection speed, browser against command line (`--detect-only` runs just this): the
   Detect page's own maps/s (its "Ran on cpu" caption) and `python -m seisviz scan` on the
   same catalog (the default demo) with the same model and device, alternating, `--detect-
   rounds` each, while the same server and browser stay up; the median of each and their
   ratio.

Uses the default demo (Changning-like) and the shipped weights/resnet18 when present, else
--model, else a resnet18 with random weights saved like a trained one (detection costs the
same; the periods it flags are then meaningless). `--model` is a shipped model's name
(resnet18, resnet34, resnet101, ensemble: chosen in the Detect page's Model box, and
`--model NAME` on the command line) or the path of a weights file (typed into the page).
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from test_browser import (  # noqa: E402
    CHROMIUM_ARGS, choose_model_on_cpu, find_chromium, free_port, pick, start_server,
    stop_server, wait_idle)

PAGES = [("Catalog", "Catalog"), ("Maps", "Maps"), ("Detect", "Detect anomalous seismicity"),
         ("Subregions", "Subregions"), ("Export", "Export"), ("Train", "Train a detector"),
         ("Catalog", "Catalog")]

FRAME_JS = """() => {
  const gd = Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot'))
    .find(g => g._transitionData && (g._transitionData._frames || []).length > 1);
  window.__frames = [];
  if (!gd || !gd.on) return false;
  if (!gd.__benchHooked) {
    gd.on('plotly_animatingframe', () => window.__frames.push(performance.now()));
    gd.__benchHooked = true;
  }
  return true;
}"""


def random_model(tmp):
    import torch

    from seisviz.detect.models import build_model, save_model

    torch.manual_seed(0)
    card = {"architecture": "resnet18", "in_channels": 2, "grid": 64, "window_days": 30.0,
            "background_days": 180.0, "threshold": 0.5,
            "normalization": {"transform": "log1p", "mean": [0.05, 0.05], "std": [0.2, 0.2]}}
    return save_model(build_model("resnet18", 2), card, os.path.join(tmp, "model"))[0]


def switch(page, link, heading, timeout=300):
    t0 = time.perf_counter()
    page.get_by_test_id("stSidebarNavLink").filter(has_text=link).first.click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=timeout * 1000)
    t_title = time.perf_counter() - t0
    wait_idle(page, timeout, quiet=0.3)
    return t_title, time.perf_counter() - t0 - 0.3


def animation_chart(page):
    return page.get_by_test_id("stPlotlyChart").filter(
        has=page.locator("g.updatemenu-button")).first


def frame_intervals(page, seconds):
    chart = animation_chart(page)
    chart.locator("g.updatemenu-button").first.wait_for()
    if not page.evaluate(FRAME_JS):
        raise RuntimeError("no plotly chart with events found on the Maps page")
    chart.locator("g.updatemenu-button").filter(has_text="Play").first.click()
    page.wait_for_timeout(seconds * 1000)
    chart.locator("g.updatemenu-button").filter(has_text="Pause").first.click()
    stamps = page.evaluate("() => window.__frames")
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    if len(gaps) < 3:
        raise RuntimeError(f"only {len(stamps)} frames in {seconds} s")
    gaps.sort()
    return {"frames": len(stamps), "median_ms": statistics.median(gaps),
            "p90_ms": gaps[int(0.9 * (len(gaps) - 1))], "mean_ms": statistics.fmean(gaps)}


def shipped_models():
    from seisviz.detect import available_models

    return available_models()


def choose_model(page, model):
    """On the Detect page: `model` (None: the default; a shipped name: picked in the Model
    box; else a weights file typed in) and the CPU device."""
    if model is not None and model in shipped_models():
        pick(page, "Model", model)
        wait_idle(page)
        model = None
    choose_model_on_cpu(page, model)


def cpu_seconds(server_pid):
    """(server, browser) CPU seconds so far: the Streamlit server process, and every other
    process started under this one (Chromium and Playwright's driver). None off Linux."""
    if not os.path.isdir("/proc/self"):
        return None
    tick, parent, cpu = os.sysconf("SC_CLK_TCK"), {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(pid)] = int(fields[1])
        cpu[int(pid)] = (int(fields[11]) + int(fields[12])) / tick

    def under(pid, root):
        while pid > 1:
            if pid == root:
                return True
            pid = parent.get(pid, 0)
        return False
    me = os.getpid()
    server = sum(t for p, t in cpu.items() if under(p, server_pid))
    browser = sum(t for p, t in cpu.items() if p != me and under(p, me)
                  and not under(p, server_pid))
    return server, browser


def page_detection(browser, url, model, server_pid=None):
    """maps/s of one detection on the Detect page, in a fresh session (nothing cached);
    with `server_pid`, also the CPU seconds of the server and of the browser from the click
    on Run to the result: (maps/s, (server s, browser s, wall s))."""
    import re

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(180_000)
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_role("heading", name="Catalog").first.wait_for(timeout=300_000)
        wait_idle(page, 300, quiet=0.3)
        switch(page, "Detect", "Detect anomalous seismicity", timeout=300)
        choose_model(page, model)
        cpu0, t0 = cpu_seconds(server_pid) if server_pid else None, time.perf_counter()
        page.get_by_role("button", name="Run detection").click()
        ran = page.get_by_text("Ran on cpu", exact=False).first
        ran.wait_for(timeout=1_800_000)
        cpu1, wall = cpu_seconds(server_pid) if server_pid else None, time.perf_counter() - t0
        mps = float(re.search(r"([\d,]+) maps/s", ran.inner_text()).group(1).replace(",", ""))
        if cpu0 is None or cpu1 is None:
            return mps
        return mps, (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1], wall)
    except Exception:
        page.screenshot(path=os.path.join(tempfile.gettempdir(), "bench_detect_failure.png"))
        raise
    finally:
        context.close()


def cli_detection(model, tmp):
    """(maps/s, (CPU s, wall s)) of `python -m seisviz scan` on the default demo, on the
    CPU."""
    import re
    import resource
    import subprocess

    cmd = [sys.executable, "-m", "seisviz", "scan",
           os.path.join(ROOT, "data", "changning_demo.csv"), "--out",
           tempfile.mkdtemp(dir=tmp), "--device", "cpu"]
    if model:
        cmd += ["--model", model]
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=ROOT))
    r1, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter() - t0
    cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    return float(re.search(r"([\d,]+) maps/s", out.stdout + out.stderr).group(1)
                 .replace(",", "")), (cpu, wall)


def detection_speed(browser, url, model, tmp, rounds, server_pid=None):
    page_runs, cli_runs, page_cpu, cli_cpu, loads = [], [], [], [], []
    for _ in range(rounds):
        load0 = os.getloadavg()[0]
        got = page_detection(browser, url, model, server_pid)
        page_runs.append(got[0] if isinstance(got, tuple) else got)
        if isinstance(got, tuple):
            page_cpu.append(got[1])
        mps, cpu = cli_detection(model, tmp)
        cli_runs.append(mps)
        cli_cpu.append(cpu)
        loads.append(round((load0 + os.getloadavg()[0]) / 2, 1))
    page_m, cli_m = statistics.median(page_runs), statistics.median(cli_runs)
    print(f"\n4. detection on the CPU, same catalog (default demo), model "
          f"({model or 'resnet18'}) and device")
    print(f"   browser (Detect page)  {page_m:7.1f} maps/s   runs {page_runs}")
    print(f"   command line (scan)    {cli_m:7.1f} maps/s   runs {cli_runs}")
    print(f"   browser / command line {page_m / cli_m:7.2f}")
    print(f"   load average around each round: {loads}")
    for i, (server, browser_s, wall) in enumerate(page_cpu):
        print(f"   round {i + 1}: page, click to result {wall:.0f} s: server {server:.0f} CPU s, "
              f"browser {browser_s:.1f} CPU s; command line {cli_cpu[i][1]:.0f} s: "
              f"{cli_cpu[i][0]:.0f} CPU s")
    return page_m / cli_m


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", help="a shipped model's name (resnet18, resnet34, resnet101, "
                   "ensemble) or a weights .pt to type into the Detect page")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--play-seconds", type=float, default=6.0)
    p.add_argument("--detect-only", action="store_true",
                   help="only part 4: detection maps/s in the browser and on the command line")
    p.add_argument("--detect-rounds", type=int, default=2)
    args = p.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found: install it (apt-get install chromium)")
        return 1
    from playwright.sync_api import sync_playwright

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}; browser {chromium}")
    print(f"command: {' '.join([os.path.basename(sys.executable)] + sys.argv)}")
    tmp = tempfile.mkdtemp()
    shipped = os.path.exists(os.path.join(ROOT, "weights", "resnet18.pt"))
    model = None if shipped and not args.model else (args.model or random_model(tmp))
    print("model:", "shipped weights/resnet18.pt" if model is None else
          f"shipped {model}" if model in shipped_models() else model)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        port = free_port()
        t0 = time.perf_counter()
        proc = start_server(port, os.path.join(tmp, "streamlit.log"))
        try:
            url = f"http://127.0.0.1:{port}"
            import urllib.request

            while True:
                try:
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    if proc.poll() is not None:
                        raise RuntimeError("streamlit exited") from None
                    time.sleep(0.05)
            t_health = time.perf_counter() - t0
            if args.detect_only:
                detection_speed(browser, url, model, tmp, args.detect_rounds, proc.pid)
                return 0
            page.goto(url, wait_until="commit")
            page.get_by_role("heading", name="Catalog").first.wait_for(timeout=120_000)
            t_title = time.perf_counter() - t0
            wait_idle(page, 120, quiet=0.3)
            page.get_by_test_id("stPlotlyChart").first.wait_for()
            t_done = time.perf_counter() - t0 - 0.3
            fcp = page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')"
                                "[0] || {}).startTime")
            print("\n1. start (from launching streamlit)")
            print(f"   server healthy            {t_health:6.2f} s")
            print(f"   Catalog title painted     {t_title:6.2f} s   (browser first-contentful-"
                  f"paint {fcp / 1000 if fcp else float('nan'):.2f} s after navigation)")
            print(f"   Catalog page finished     {t_done:6.2f} s")

            rounds = []
            for r in range(args.rounds):
                times = []
                for (link, heading) in PAGES[1:]:
                    times.append((link, *switch(page, link, heading)))
                rounds.append(times)
                if r == 0:  # give the later rounds a detection to show
                    switch(page, "Detect", "Detect anomalous seismicity")
                    choose_model(page, model)
                    t = time.perf_counter()
                    page.get_by_role("button", name="Run detection").click()
                    page.get_by_text("Ran on cpu", exact=False).first.wait_for(timeout=600_000)
                    wait_idle(page, 600, quiet=0.3)
                    t_detect = time.perf_counter() - t - 0.3
                    ran = page.get_by_text("Ran on cpu", exact=False).first.inner_text()
                    print(f"\n   (detection on the CPU, button to results drawn: {t_detect:.1f} s;"
                          f" {ran.split(' · ')[2]})")
                    switch(page, "Catalog", "Catalog")
            print("\n2. page switches (click -> title painted / page finished), seconds")
            header = "   from -> to              " + "".join(
                f"round {i + 1} ({'cold' if i == 0 else 'warm'})".rjust(22)
                for i in range(len(rounds)))
            print(header)
            prev = "Catalog"
            for k, (link, _) in enumerate(PAGES[1:]):
                cells = "".join(f"{rounds[i][k][1]:9.2f} / {rounds[i][k][2]:6.2f}    "
                                for i in range(len(rounds)))
                print(f"   {prev + ' -> ' + link:<24}{cells}")
                prev = link

            print("\n3. animation frame step (Maps page, playing)")
            switch(page, "Maps", "Maps")
            animation_chart(page).scroll_into_view_if_needed()
            default = frame_intervals(page, args.play_seconds)
            print(f"   frame duration 150 ms: median {default['median_ms']:.0f} ms, p90 "
                  f"{default['p90_ms']:.0f} ms, mean {default['mean_ms']:.0f} ms "
                  f"({default['frames']} frames)")
            slider = page.get_by_test_id("stSlider").filter(has_text="Frame (ms)").first \
                .get_by_role("slider")
            slider.focus()
            slider.press("Home")
            wait_idle(page, 120, quiet=0.3)
            animation_chart(page).scroll_into_view_if_needed()
            fast = frame_intervals(page, args.play_seconds)
            print(f"   frame duration  30 ms: median {fast['median_ms']:.0f} ms, p90 "
                  f"{fast['p90_ms']:.0f} ms, mean {fast['mean_ms']:.0f} ms "
                  f"({fast['frames']} frames) -> at most "
                  f"{1000 / fast['median_ms']:.0f} frames/s")
            detection_speed(browser, url, model, tmp, args.detect_rounds, proc.pid)
        finally:
            stop_server(proc)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
