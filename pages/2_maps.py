"""Maps page: bin the catalog into sliding-window maps → watch them → look at one window.

Builds `seisviz.maps.DistributionMaps` from the session's catalog (cached on a cheap
fingerprint of the catalog plus the settings), shows them as an animated plotly figure
(cached too), and opens the single-window view on the period the Detect page selected.
"""

import datetime as dt
import io

import numpy as np
import pandas as pd
import streamlit as st

from pages._common import catalog_key, current_catalog, demo_banner, map_layers
from pages._state import KEYS
from seisviz.catalog import check_resolution
from seisviz.errors import SeisvizError
from seisviz.plots.maps import (
    ordinal,
    animated_map,
    frame_indices,
    maps_bbox,
    single_map,
    window_label,
)
from seisviz.plots.map_files import animation_gif_bytes, animation_html
from seisviz.plots.movie import anomaly_movie
from seisviz.plots.movie_files import movie_gif_bytes
from seisviz.maps import (capped_grid, first_window_from, rasterize, save_npz,
                          window_on_or_before, windows_between)
from seisviz.settings import (BACKGROUND_DAYS, FRAME_MS, GRID_PIXELS, MAX_FRAMES, PIXEL_KM,
                              STEP_DAYS, WINDOW_DAYS)
from seisviz.timeutil import utc

ANIMATIONS = ("All events", "Anomalous seismicity (Movie S3)")
CHANNELS = {"count": "Events in the window (count)",
            "background": "Earlier rate of the same place (background)"}


# cache_resource, not cache_data: maps of a long catalog live in a disk-backed array, which
# pickling (cache_data) would copy into memory on every rerun
@st.cache_resource(show_spinner="Binning the catalog into maps…", max_entries=3)
def build_maps(_catalog, key, settings):
    """`key` stands for `_catalog` (which is not hashed); settings is a plain tuple."""
    grid_mode, grid_value, window, step, background, extent = settings
    bbox = maps_bbox(_catalog, extent)  # the bulk of the events, or all of them
    grid = (capped_grid(bbox, pixel_km=grid_value) if grid_mode == "km"
            else capped_grid(bbox, int(grid_value)))
    return rasterize(_catalog, grid, window_days=window, step_days=step,
                     background_days=background)


# Figures are cached as objects (cache_resource): pickling a plotly figure with hundreds of
# frames, as cache_data would on every rerun, costs more than drawing it.
@st.cache_resource(show_spinner="Drawing the animation…", max_entries=4)
def build_animation(_catalog, key, settings, view, _layers=None, layers_token=None):
    """`layers_token` stands for `_layers` (map_layers' options)."""
    dmaps = build_maps(_catalog, key, settings)
    channel, log, max_frames, frame_ms, overlay, span = view
    return animated_map(dmaps, channel=channel, log=log, max_frames=max_frames,
                        catalog=_catalog if overlay else None, frame_ms=frame_ms, height=700,
                        windows=span, star_events=_catalog, **(_layers or {}))


@st.cache_resource(show_spinner="Writing the HTML…", max_entries=2)
def build_html(_catalog, key, settings, view, _layers=None, layers_token=None):
    return animation_html(build_animation(_catalog, key, settings, view, _layers,
                                          layers_token)).encode("utf-8")


@st.cache_resource(show_spinner="Drawing the GIF…", max_entries=2)
def build_gif(_catalog, key, settings, view):
    channel, log, max_frames, frame_ms, _, _ = view
    return animation_gif_bytes(build_maps(_catalog, key, settings), channel=channel, log=log,
                               max_frames=max_frames, frame_ms=frame_ms)


@st.cache_resource(show_spinner="Drawing the movie…", max_entries=2)
def build_movie(_result, _catalog, token, step, frame_ms, _layers=None, layers_token=None):
    """`token` stands for the detection and the catalog, `layers_token` for `_layers`."""
    return anomaly_movie(_result, _catalog, step_days=step, frame_ms=frame_ms, height=760,
                         **(_layers or {}))


@st.cache_resource(show_spinner="Drawing the movie's GIF…", max_entries=2)
def build_movie_gif(_result, _catalog, token, step, frame_ms, _layers=None, layers_token=None):
    layers_ = _layers or {}
    return movie_gif_bytes(_result, _catalog, step_days=step, frame_ms=frame_ms,
                           overlays=layers_.get("overlays"),
                           extent=layers_.get("extent", "bulk"))


def detection_token(result):
    """A hashable stand-in for the session's detection (its episodes and settings)."""
    episodes = getattr(result, "episodes", None)
    if episodes is None or not len(episodes):
        return (id(result), 0)
    return (id(result), len(episodes), str(episodes["end"].max()),
            str(getattr(result, "settings", "")))


@st.cache_resource(show_spinner="Compressing the maps…", max_entries=2)
def build_npz(_catalog, key, settings):
    buf = io.BytesIO()
    save_npz(buf, build_maps(_catalog, key, settings))
    return buf.getvalue()


def fail(message):
    st.error(message)
    st.stop()


st.title("Maps")
demo_banner()
layers, layers_token = map_layers()
catalog = current_catalog()
key = catalog_key(catalog)
name = KEYS.catalog_name.get("catalog")

st.markdown(
    "The catalog binned on a longitude/latitude grid in **sliding windows**: each map "
    "counts the events of one window `[start, start + length)`; the next window starts "
    "one step later. The **background** channel is the same place's earlier rate "
    "(events in the preceding background period, as an expected count for one window) - "
    "what the detector compares a window with. See docs/maps.md.")

# 1. settings -------------------------------------------------------------------------------
st.subheader("1. Windows and grid")
c1, c2, c3, c4 = st.columns(4)
with c1:
    grid_kind = st.radio("Grid", ["Pixels per side", "Pixel size (km)"], key="maps_grid_kind",
                         horizontal=True)
    if grid_kind == "Pixels per side":
        grid_value = st.number_input("Pixels per side", 8, 256, GRID_PIXELS, step=8, key="maps_pixels")
        grid_mode = "n"
    else:
        grid_value = st.number_input("Pixel size (km)", 0.05, 100.0, PIXEL_KM, step=0.25,
                                     format="%.2f", key="maps_pixel_km")
        grid_mode = "km"
with c2:
    window = st.number_input("Window (days)", 0.5, 3650.0, WINDOW_DAYS, step=1.0, key="maps_window")
with c3:
    step = st.number_input("Step (days)", 0.25, 365.0, STEP_DAYS, step=1.0, key="maps_step")
with c4:
    background = st.number_input("Background period (days)", 1.0, 3650.0, BACKGROUND_DAYS, step=10.0,
                                 key="maps_background")
settings = (grid_mode, float(grid_value), float(window), float(step), float(background),
            layers.get("extent", "bulk"))

try:
    check_resolution(catalog, window, step)  # e.g. 30-day windows over whole years
    dmaps = build_maps(catalog, key, settings)
except SeisvizError as exc:
    fail(str(exc))

w_km, h_km = dmaps.grid.pixel_km
st.caption(f"{dmaps.report()}. Pixels {w_km:.2f} × {h_km:.2f} km.")
short = int(np.count_nonzero(~dmaps.has_history))
if short:
    st.caption(f"The first {short:,} window(s) have less than {min(window, background):g} days "
               "of catalog before them: their background comes from a shorter period.")

# 2. what to show ---------------------------------------------------------------------------
st.subheader("2. What to show")
v1, v2, v3, v4, v5 = st.columns([2, 1, 1, 1, 1])
with v1:
    channel = st.selectbox("Channel", list(CHANNELS), format_func=CHANNELS.get,
                           key="maps_channel")
with v2:
    log = st.radio("Colour scale", ["log", "linear"], horizontal=True,
                   key="maps_scale") == "log"
with v3:
    frame_ms = st.slider("Frame (ms)", 30, 1000, FRAME_MS, step=10, key="maps_frame_ms")
with v4:
    max_frames = st.number_input("Max frames", 10, 2000, MAX_FRAMES, step=50,
                                 key="maps_max_frames",
                                 help="Longer catalogs show every k-th window so that the "
                                      "animation has at most this many frames.")
with v5:
    overlay = st.checkbox("Overlay events", False, key="maps_overlay",
                          help="Draw each window's epicentres (at most 2,000 a frame).")
starts_all = pd.DatetimeIndex(pd.to_datetime(dmaps.window_start, utc=True))
span = (0, len(dmaps))
if len(dmaps) > int(max_frames) and len(dmaps) > 1:
    # a long catalog: play a span window by window instead of a flip-book of every k-th
    first_day, last_day = starts_all[0].date(), starts_all[-1].date()
    full = st.toggle("Play a span window by window", True, key="maps_span_on",
                     help="Off: the whole catalog, every k-th window.")
    if full:
        default_end = starts_all[min(int(max_frames), len(dmaps)) - 1].date()
        picked = st.slider("Span to play", first_day, last_day, (first_day, default_end),
                           step=dt.timedelta(days=1), format="YYYY-MM-DD", key="maps_span")
        span = windows_between(dmaps.window_start, picked[0], picked[1])
view = (channel, log, int(max_frames), int(frame_ms), overlay, span)

selected = KEYS.selected_period.get()
period = None
if isinstance(selected, dict) and "start" in selected and "end" in selected:
    try:
        period = (utc(selected["start"]), utc(selected["end"]))
    except (TypeError, ValueError):
        period = None


def show_movie():
    """Movie S3: the session's detection's episodes over its span (seisviz.plots.movie)."""
    result = KEYS.detection.get()
    if result is None:
        st.info("Run **Detect** first: the movie shows the anomalous seismicity (the "
                "episodes) a detection found.")
        return
    step = st.number_input("Frame step (days)", 0.0, 3650.0, 0.0, step=1.0,
                           key="maps_movie_step",
                           help="Days between frames. 0: whole days giving at most 150 "
                                "frames (a small file).")
    token = (detection_token(result), key)
    args = (result, catalog, token, float(step) or None, int(frame_ms), layers, layers_token)
    try:
        fig = build_movie(*args)
    except SeisvizError as exc:
        st.info(str(exc))
        return
    st.plotly_chart(fig, key="maps_movie", config={"displaylogo": False})
    st.caption(f"{len(fig.frames):,} frames, one every {fig.layout.meta['step_days']:g} d. "
               "Events inside an episode's polygon between its onset and end, coloured by "
               "the days since that onset; a polygon is red while its episode is active and "
               "grey after. The strip under the map shades the periods.")
    d1, d2 = st.columns(2)
    stem = f"{name.split(' (')[0].replace(' ', '_').lower()}_movie_s3"
    d1.download_button("Movie (HTML, works offline)",
                       lambda: animation_html(build_movie(*args)).encode("utf-8"),
                       file_name=f"{stem}.html", mime="text/html", on_click="ignore",
                       key="maps_movie_html")
    d2.download_button("Movie (GIF)", lambda: build_movie_gif(*args), file_name=f"{stem}.gif",
                       mime="image/gif", on_click="ignore", key="maps_movie_gif")


def show_animation():
    if st.radio("Animate", ANIMATIONS, horizontal=True, key="maps_animation_kind") != ANIMATIONS[0]:
        show_movie()
        return
    try:
        fig = build_animation(catalog, key, settings, view, layers, layers_token)
    except SeisvizError as exc:
        fail(str(exc))
    st.plotly_chart(fig, key="maps_animation", config={"displaylogo": False})
    _, k = frame_indices(span[1] - span[0], int(max_frames))
    if k > 1:
        st.caption(f"{len(dmaps):,} windows: every {ordinal(k)} is shown. Lower the step or raise "
                   "*Max frames* to see more; the single-window view below shows any window.")

    d1, d2, d3 = st.columns(3)
    stem = f"{name.split(' (')[0].replace(' ', '_').lower()}_maps"
    d1.download_button("Animation (HTML, works offline)",
                       lambda: build_html(catalog, key, settings, view, layers, layers_token),
                       file_name=f"{stem}.html", mime="text/html", on_click="ignore",
                       key="maps_dl_html")
    d2.download_button("Animation (GIF)", lambda: build_gif(catalog, key, settings, view),
                       file_name=f"{stem}.gif", mime="image/gif", on_click="ignore",
                       key="maps_dl_gif")
    d3.download_button("Maps (.npz)", lambda: build_npz(catalog, key, settings),
                       file_name=f"{stem}.npz", mime="application/octet-stream",
                       on_click="ignore", key="maps_dl_npz")


# 3. one window -----------------------------------------------------------------------------
def show_single():
    starts = pd.DatetimeIndex(pd.to_datetime(dmaps.window_start, utc=True))
    first, last = starts[0].date(), starts[-1].date()
    if period is not None:
        # the Detect page's period: open on its first window (the first starting in it)
        target = first_window_from(dmaps.window_start, period[0])
        if KEYS.maps_period_applied.get() != (period, settings):
            KEYS.maps_period_applied.set((period, settings))
            KEYS.maps_jump.set(starts[target].date())
        st.info(f"Period selected on the Detect page: {period[0]:%Y-%m-%d} – "
                f"{period[1]:%Y-%m-%d}.")
    jump = KEYS.maps_jump.get()
    if not isinstance(jump, dt.date) or not first <= jump <= last:
        KEYS.maps_jump.set(first)
    if first < last:
        day = st.slider("Jump to the window starting on", first, last, key=KEYS.maps_jump.key,
                        step=dt.timedelta(days=1), format="YYYY-MM-DD")
    else:
        day = first
    i = window_on_or_before(dmaps.window_start, day)
    try:
        fig = single_map(dmaps, i, channel=channel, log=log,
                         catalog=catalog if overlay else None, height=600, star_events=catalog,
                         **layers)
    except SeisvizError as exc:
        fail(str(exc))
    st.plotly_chart(fig, key="maps_single", config={"displaylogo": False})
    n = int(dmaps.channel("count")[i].sum())
    st.caption(f"Window {i + 1:,} of {len(dmaps):,}: {window_label(dmaps, i)}, "
               f"{n:,} events on the grid. Same colour scale as the animation.")


if period is not None:
    st.subheader("3. The selected period's first window")
    show_single()
    st.subheader("4. All windows, animated")
    show_animation()
else:
    st.subheader("3. All windows, animated")
    show_animation()
    st.subheader("4. One window")
    show_single()
