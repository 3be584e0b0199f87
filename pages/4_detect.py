"""Detect: run a ResNet detector over the session's catalog, compare with the baseline
and with manual picks (the paper's Figure S3).

Thin page: widgets, caching and session state; the work is `seisviz.detect.scan_region`
(the region at the model's trained pixel size: one grid, or tiles merged into one result,
unless the grid is set by hand: a grid other than the card's), the figures
`seisviz.plots.detection`. torch is only imported inside the seisviz calls.

Session state written here (slots of pages._state.KEYS):
- detection:       the ScanResult shown (read by the Subregions and Export pages)
- selected_period: {"period_id", "start", "end"} of the selected row (Maps/Subregions)
- detect_cache:    a seisviz.detect.ScanCache: the last few network runs, so that coming
                   back to earlier settings is instant, re-flagged per threshold, gap,
                   minimum period and baseline assistance without running the network
- work().detect:   the last values of this page's widgets and the model whose threshold
                   they hold (they survive page switches and, kept on disk with the
                   session's work record, a browser refresh)
"""

import os
import time

import pandas as pd
import streamlit as st

from pages._assist import assistance_controls, flag_rule
from pages._common import (CUSTOM_MODEL, current_catalog, demo_banner, detect_cache,
                           keep_on_disk, store_work)
from pages._sequences import show_sequences
from pages._unlocated import show_unlocated
from pages._state import KEYS, work
from seisviz.detect import (available_models, compare_periods, read_card, read_picks,
                            region_baseline_periods, resolve_model_path, scan_region)
from seisviz.catalog import check_resolution
from seisviz.detect.devices import DEVICES, choose_device
from seisviz.detect.passes import skipped_windows
from seisviz.detect.runtime import RUNTIME_LABELS
from seisviz.errors import SeisvizError
from seisviz.plots.detection import picks_comparison, probability_timeseries
from seisviz.sessions import save_scan
from seisviz.settings import (DEFAULT_DEVICE, DEFAULT_RUNTIME, MAX_GAP_DAYS, MIN_PERIOD_DAYS,
                              RUNTIMES, STEP_DAYS, ScanSettings)

CUSTOM = CUSTOM_MODEL


# ------------------------------------------------------------------ cached helpers

@st.cache_resource(show_spinner="Looking at the hardware…")
def hardware():
    from seisviz.detect.models import hardware_summary

    return hardware_summary()


@st.cache_data(show_spinner=False)
def model_card(card_path, mtime):
    return read_card(card_path)


@st.cache_resource(show_spinner="Loading model weights…", max_entries=4)
def loaded_model(model, device, sha256):
    """(net, card), checked against its sha256; one per (model, device, weights)."""
    from seisviz.detect.loading import load_model

    return load_model(model, device)


THRESHOLD_FOR = "threshold_for"  # work().detect: the sha256 of the card the threshold is for


def remember(slot, default):
    """Give the widget of `slot` its last value (or `default`) before it is drawn."""
    if not slot.present():
        slot.set(work().detect.get(slot.key, default))


def keep(*slots):
    """The widgets' values into the work record (kept on disk when they changed)."""
    form = work().detect
    for slot in slots:
        form[slot.key] = slot.get()
    store_work()


def fmt_time(series):
    return pd.to_datetime(series, utc=True).dt.strftime("%Y-%m-%d %H:%M")


def period_table(periods, score, prefix="P"):
    """The periods as shown: onset and end to the minute, the flagged windows' span."""
    column = "peak_probability" if score == "peak probability" else "peak_beta"
    day = lambda s: pd.to_datetime(s, utc=True).dt.strftime("%Y-%m-%d")  # noqa: E731
    return pd.DataFrame({
        "period": prefix + periods["period_id"].astype(str),  # as labelled in the plot
        "onset (UTC)": fmt_time(periods["start"]),
        "end (UTC)": fmt_time(periods["end"]), "episodes": periods["n_episodes"],
        "events": periods["n_events"], score: periods[column].astype(float).round(3),
        "flagged windows": day(periods["window_start"]) + " → " + day(periods["window_end"])
        + " (" + periods["n_windows"].astype(str) + ")"})


def model_label(result):
    """The model that made `result` (its ScanResult.model record), not the one chosen now."""
    return (result.model or {}).get("architecture") or result.settings.model


def baseline_for(result, catalog):
    """The baseline's refined periods, once per result (refining takes a second or two)."""
    memo = KEYS.detect_baseline.get()
    if memo is not None and memo[0] is result and memo[1] is catalog:
        return memo[2]
    periods = region_baseline_periods(result, catalog)
    KEYS.detect_baseline.set((result, catalog, periods))
    return periods


# ------------------------------------------------------------------ page

st.title("Detect anomalous seismicity")
demo_banner()
catalog = current_catalog()
st.caption(f"Catalog: **{KEYS.catalog_name.get('catalog')}** — "
           f"{len(catalog):,} events")

# --- model
shipped = available_models()
remember(KEYS.detect_model_choice, shipped[0] if shipped else CUSTOM)
if KEYS.detect_model_choice.get() not in shipped + [CUSTOM]:
    KEYS.detect_model_choice.set(shipped[0] if shipped else CUSTOM)
col_model, col_device = st.columns(2)
with col_model:
    st.selectbox("Model", shipped + [CUSTOM], key=KEYS.detect_model_choice.key,
                 help="Shipped models found in weights/ (each ResNet, and their ensemble: "
                      "the mean of their probabilities), or a weights file of your own "
                      "(its model card .json must sit beside it).")
    if not shipped:
        st.caption("No shipped weights in weights/ yet: give the path of a .pt file "
                   "(e.g. from `python -m seisviz train --out DIR`).")
    if KEYS.detect_model_choice.get() == CUSTOM:
        # given its value only in a run that draws it: a value set in a run without the
        # widget stays plain session state, and comes back empty after a page switch
        remember(KEYS.detect_model_path, "")
        st.text_input("Weights file (.pt)", key=KEYS.detect_model_path.key,
                      placeholder="/path/to/resnet18.pt")
        keep(KEYS.detect_model_path)
keep(KEYS.detect_model_choice)
model_ref = (KEYS.detect_model_choice.get() if KEYS.detect_model_choice.get()
             != CUSTOM else (KEYS.detect_model_path.get() or "").strip())

# --- device
with col_device:
    remember(KEYS.detect_device, DEFAULT_DEVICE)
    st.radio("Device", DEVICES, key=KEYS.detect_device.key, horizontal=True)
    keep(KEYS.detect_device)
    hw = hardware()
    gpus = ", ".join(hw["cuda"]) if hw["cuda"] else "none"
    st.caption(f"Here: CUDA GPUs: {gpus} · Apple MPS: {'yes' if hw['mps'] else 'no'} · "
               f"CPU threads: {hw['cpu_threads']}")
device_choice = KEYS.detect_device.get()
device = None
try:
    device = choose_device(device_choice, hw)
except SeisvizError as exc:
    st.error(str(exc))
# --- runtime: ONNX Runtime is offered on the CPU only (on a GPU torch runs)
runtime, speed_box = DEFAULT_RUNTIME, None
if device == "cpu":
    with col_device:
        remember(KEYS.detect_runtime, DEFAULT_RUNTIME)
        st.radio("Runtime", RUNTIMES, key=KEYS.detect_runtime.key, horizontal=True,
                 format_func=RUNTIME_LABELS.get,
                 help="What runs the network on the CPU. ONNX Runtime exports the model "
                      "once (seconds to a minute) into the cache folder; same probabilities "
                      "to about 1e-6. See docs/detection.md.")
        keep(KEYS.detect_runtime)
        runtime, speed_box = KEYS.detect_runtime.get(), st.empty()

if not model_ref:
    st.info("Choose a model: enter the path of a weights file (.pt).")
    st.stop()
try:
    card_path = resolve_model_path(model_ref)
    card = model_card(card_path, os.path.getmtime(card_path) if os.path.exists(card_path) else 0)
except SeisvizError as exc:
    st.error(str(exc))
    st.stop()
if KEYS.detect_model_choice.get() in shipped:
    with col_model:  # what the shipped model is and how it scored (from its card)
        st.caption(card.describe())
val_loss = card.final_validation_loss
st.caption(f"{card.architecture} · weights sha256 {card.sha256[:12]}… · trained "
           f"{card.created or '?'} · validation loss "
           + (f"{val_loss:.3f}" if isinstance(val_loss, (int, float)) else "?")
           + (" · **quick smoke-test model, not a real detector**" if card.quick else ""))

# --- settings (defaults from the model card; the threshold resets when the model changes)
card_threshold = card.threshold
if work().detect.get(THRESHOLD_FOR) != card.sha256:
    KEYS.detect_threshold.set(card_threshold)
    work().detect[THRESHOLD_FOR] = card.sha256
else:
    remember(KEYS.detect_threshold, card_threshold)
for slot, default in ((KEYS.detect_window, card.window_days),
                      (KEYS.detect_step, STEP_DAYS), (KEYS.detect_grid, card.grid),
                      (KEYS.detect_min_mag, None), (KEYS.detect_max_gap, MAX_GAP_DAYS),
                      (KEYS.detect_min_period, MIN_PERIOD_DAYS),
                      (KEYS.detect_background, card.background_days),
                      (KEYS.detect_baseline_threshold, card.baseline_threshold),
                      (KEYS.detect_batch, 0)):
    remember(slot, default)
c1, c2, c3, c4 = st.columns(4)
c1.number_input("Window (days)", min_value=1.0, max_value=3650.0, step=1.0,
                key=KEYS.detect_window.key)
c2.number_input("Step (days)", min_value=0.05, max_value=365.0, step=1.0,
                key=KEYS.detect_step.key)
c3.number_input("Grid (pixels per side)", min_value=8, max_value=256, step=8,
                key=KEYS.detect_grid.key,
                help=f"The model card's grid ({card.grid}) looks at the region at the pixel "
                     f"size the model was trained on ({card.min_pixel_km:g}-"
                     f"{card.max_pixel_km:g} km): a wider region is cut into tiles at "
                     f"{card.pixel_km:g} km a pixel and merged. Another value is one grid "
                     "over the region, set by hand. See docs/detection.md.")
c4.slider("Probability threshold", 0.0, 1.0, step=0.01, key=KEYS.detect_threshold.key,
          help=f"Default: the model card's ({card_threshold:.2f}), the threshold "
               "that maximised window F1 on its validation maps.")
c1, c2, c3, c4 = st.columns(4)
c1.number_input("Min magnitude", min_value=-3.0, max_value=10.0, step=0.1,
                key=KEYS.detect_min_mag.key, placeholder="all events")
c2.number_input("Max gap (days)", min_value=0.0, max_value=365.0, step=1.0,
                key=KEYS.detect_max_gap.key,
                help="Days of unflagged windows that may lie inside one period. 0: only "
                     "back-to-back flagged windows form a period.")
c3.number_input("Min period (days)", min_value=0.0, max_value=365.0, step=1.0,
                key=KEYS.detect_min_period.key,
                help="Runs of flagged windows whose starts span less than this are dropped "
                     "as flicker around the threshold (a real episode lies in every window "
                     "that covers it: 30 consecutive windows at the defaults).")
assist = assistance_controls(c4, remember, keep)  # off: ASSIST_OFF
with st.expander("More settings"):
    e1, e2, e3 = st.columns(3)
    e1.number_input("Background (days)", min_value=1.0, max_value=3650.0, step=30.0,
                    key=KEYS.detect_background.key)
    e2.number_input("Baseline beta threshold", min_value=0.0, max_value=100.0, step=0.5,
                    key=KEYS.detect_baseline_threshold.key)
    e3.number_input("Batch size (0 = automatic)", min_value=0, max_value=8192, step=32,
                    key=KEYS.detect_batch.key)
keep(KEYS.detect_threshold, KEYS.detect_window, KEYS.detect_step, KEYS.detect_grid,
     KEYS.detect_min_mag, KEYS.detect_max_gap, KEYS.detect_min_period, KEYS.detect_background,
     KEYS.detect_baseline_threshold, KEYS.detect_batch)
options = dict(window_days=KEYS.detect_window.get(), step_days=KEYS.detect_step.get(),
               grid=int(KEYS.detect_grid.get()), threshold=KEYS.detect_threshold.get(),
               min_magnitude=KEYS.detect_min_mag.get(), max_gap_days=KEYS.detect_max_gap.get(),
               min_period_days=KEYS.detect_min_period.get(), assist_threshold=assist,
               background_days=KEYS.detect_background.get(), runtime=runtime,
               baseline_threshold=KEYS.detect_baseline_threshold.get(),
               batch_size=int(KEYS.detect_batch.get()) or None, device=device or device_choice)
try:
    check_resolution(catalog, options["window_days"], options["step_days"])
    settings = ScanSettings.from_card(card, model=model_ref, **options)
except SeisvizError as exc:
    st.error(str(exc))
    st.stop()
# The network runs once per scan key; the flag settings (FLAG_SETTINGS) re-flag it: ScanCache.
cache = detect_cache()
scan_key = cache.scan_key(catalog, settings, card.sha256)

# --- run
# A click on Cancel, or on anything else, while the network runs makes Streamlit rerun the
# page: it stops the running script at its next st call (here: the next progress update,
# at most a batch away) and runs it anew. Nothing of the stopped run is kept (the scan goes
# into the cache and session state only once whole); detect_running tells the new run how
# far it got.
run = st.button("Run detection", type="primary", disabled=device is None, key="detect_run")
stopped = KEYS.detect_running.pop()  # a run that did not reach its end
if stopped is not None:
    done, total = stopped["done"], stopped["total"]
    where = (f"after {done:,} of {total:,} windows" if total else
             "before the network ran (loading the model, rasterizing)")
    if stopped["cancelled"]:
        st.warning(f"Cancelled {where}: nothing of that run was kept.")
    elif not run:
        st.info(f"Detection stopped {where}: the page reran before it finished (a setting "
                "changed); nothing of that run was kept. Press **Run detection** to scan.")
if run and not cache.has_scan(scan_key):
    bar = st.progress(0.0, text="Loading the model…")
    running = {"done": 0, "total": 0, "cancelled": False}
    KEYS.detect_running.set(running)
    cancel_box = st.empty()
    cancel_box.button("Cancel", key="detect_cancel",
                      on_click=lambda: running.update(cancelled=True),
                      help="Stop the detection (within a batch of maps); nothing is kept.")

    shown = {"at": 0.0}

    def progress(done, total):
        running.update(done=done, total=total)
        # at most one update a second: each one is a message the browser must draw, and a
        # busy browser on the same cores slows the network's threads (docs/performance.md).
        # Each update is also where a click on Cancel stops the run.
        now = time.monotonic()
        if done >= total or now - shown["at"] >= 1.0:
            shown["at"] = now
            bar.progress(done / max(total, 1), text=f"Detecting: {done:,} / {total:,} maps")

    try:
        loaded = loaded_model(model_ref, device, card.sha256)
        bar.progress(0.0, text="Rasterizing the catalog…")
        scanned = scan_region(catalog, model=model_ref, progress=progress, loaded=loaded,
                              settings=settings, by_hand=settings.grid != card.grid)
        cache.put_scan(scan_key, scanned)
        speeds = KEYS.detect_runtime_speed.setdefault({})
        speeds[scanned.device_info.get("runtime", "torch")] = \
            scanned.device_info.get("maps_per_second", 0.0)
        keep_on_disk(lambda token: save_scan(token, scan_key, scanned))  # survives a refresh
    except SeisvizError as exc:
        st.error(str(exc))
    except (RuntimeError, MemoryError) as exc:  # e.g. GPU out of memory: one line, no traceback
        st.error(f"Detection failed on {device}: {str(exc).strip().splitlines()[0]} "
                 "(try a smaller batch size or the CPU)")
    KEYS.detect_running.pop()  # ended, not stopped
    bar.empty()
    cancel_box.empty()
if speed_box is not None and KEYS.detect_runtime_speed.get():
    speed_box.caption("Measured here (last run of each): " + " · ".join(
        f"{RUNTIME_LABELS[k]} {v:,.0f} maps/s"
        for k, v in sorted(KEYS.detect_runtime_speed.get().items())))
current = cache.result(catalog, settings, card.sha256)
if current is not None:
    if KEYS.detection.get() is not current:
        KEYS.detection.set(current)
        KEYS.selected_period.pop()  # its id was another run's
result = KEYS.detection.get()
if result is None:
    st.info("Press **Run detection** to scan the catalog.")
    st.stop()
if current is None:
    st.warning("The results below are from an earlier run: the settings above differ. "
               "Press **Run detection** to scan with them.")

# --- results
info, t, rs = result.device_info, result.timings, result.settings
runtime_ran = RUNTIME_LABELS.get(info.get("runtime", "torch"), "torch")
st.caption(f"Ran on **{info.get('device')}** with {runtime_ran} · model "
           f"**{model_label(result)}** · batch {info.get('batch_size')} · "
           f"**{info.get('maps_per_second', 0):,.0f} maps/s** · {len(result.windows):,} windows "
           f"({skipped_windows(result.windows)}) · "
           f"rasterize {t.get('rasterize_s', 0):.1f} s, detect {t.get('detect_s', 0):.1f} s, "
           f"total {t.get('total_s', 0):.1f} s"
           + (f" · {result.dmaps.report()}" if result.dmaps is not None else ""))
for note in result.notes:  # e.g. a threshold under what the fine pass scored
    st.info(note)
if result.cut:  # how the region was cut (seisviz.detect.region)
    st.markdown(f"**Region:** {result.cut['description']}")
if result.cut and result.cut.get("warning"):  # a hand-set grid off the trained scale
    st.warning(result.cut["warning"])
baseline = baseline_for(result, catalog)

plot_box = st.container()  # filled below, once the manual picks are known
show_sequences(result, key="detect")  # sequences first, their episodes inside

st.subheader(f"Network: {len(result.periods)} periods")
st.caption("**Onset** and **end** are when the seismicity of the period's places rose above "
           "their own background and came back, from the events themselves (the first and "
           "last event of its episodes); the flagged windows' span is where the detector "
           f"looked ({flag_rule(rs)}). See docs/detection.md.")
left, right = st.container(), st.container()  # full width: no column cut off
with left:
    event = st.dataframe(period_table(result.periods, "peak probability"),
                         key="detect_periods_table", on_select="rerun",
                         selection_mode="single-row", hide_index=True, width="stretch")
    rows = event.selection.rows if event is not None else []
    if rows:
        p = result.periods.iloc[rows[0]]
        KEYS.selected_period.set({"period_id": int(p["period_id"]),
                                  "start": p["start"], "end": p["end"]})
        st.caption(f"Period {int(p['period_id'])} selected: {p['start']:%Y-%m-%d} → "
                   f"{p['end']:%Y-%m-%d}")
        st.page_link("pages/2_maps.py", label="Show it on the Maps page", icon="🗺️")
        st.page_link("pages/5_subregions.py", label="Find its subregions", icon="📍")
    else:
        st.caption("Select a row to open that period on the Maps or Subregions page.")
    show_unlocated(result.unlocated)
with right:
    st.markdown(f"**Baseline** (beta ≥ {rs.baseline_threshold:g}, the same refinement): "
                f"{len(baseline)} periods")
    st.dataframe(period_table(baseline, "peak beta", "B"), hide_index=True,
                 key="detect_baseline_table", width="stretch")

# --- comparison with manual picks (Figure S3)
st.subheader("Comparison with manual picks (Figure S3)")
# manual picks: an upload, else the demo's true periods
picks, picks_label = None, None
uploaded = st.file_uploader("Manual picks: a CSV with start,end columns (UTC)", type=["csv"],
                            key="detect_picks_upload")
if uploaded is not None:
    try:
        picks, picks_label = read_picks(uploaded, name=uploaded.name), uploaded.name
    except SeisvizError as exc:
        st.error(str(exc))
elif KEYS.is_demo.get() and KEYS.true_periods.get() is not None:
    picks, picks_label = KEYS.true_periods.get(), "the demo's true periods"

with plot_box:
    st.plotly_chart(probability_timeseries(
        result.windows, result.periods, rs.threshold,
        baseline={"beta": result.windows["baseline_beta"],
                  "threshold": rs.baseline_threshold, "periods": baseline},
        true_periods=picks,
        title=f"{KEYS.catalog_name.get('catalog')}: probability per window "
              f"({model_label(result)}, threshold {rs.threshold:.2f})"),
        key="detect_timeseries")
    st.caption("x: window centre. Red shading: the network's flagged periods; orange band on "
               "top: the baseline's; green band at the bottom: "
               + (picks_label if picks is not None else "no manual picks") + ".")

if picks is None:
    st.info("Upload a CSV of manually picked periods (columns start,end) to compare.")
else:
    st.caption(f"Picks: {picks_label} ({len(picks)}). A detected period is correct when it "
               "overlaps a pick; a pick is found when some detected period overlaps it.")
    scores = {name: compare_periods(periods, picks)
              for name, periods in (("network", result.periods), ("baseline", baseline))}
    st.dataframe(pd.DataFrame([
        {"detector": name, "precision": round(sc["precision"], 3),
         "recall": round(sc["recall"], 3), "F1": round(sc["f1"], 3), "periods": sc["n_picked"],
         "overlapping a pick": sc["n_picked_correct"], "picks found": sc["n_true_found"],
         "picks": sc["n_true"]} for name, sc in scores.items()]),
        hide_index=True, key="detect_scores_table")
    st.plotly_chart(picks_comparison(picks, result.periods, "Manual picks (red) and network "
                                     "periods (green)"), key="detect_figure_s3")
    st.plotly_chart(picks_comparison(picks, baseline, "Manual picks (red) and baseline "
                                     "periods (green)", network_label="baseline"),
                    key="detect_figure_s3_baseline")
