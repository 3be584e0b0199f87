"""Catalog page: choose a catalog → see what was dropped → filter it → look at it.

The filtered catalog becomes the session's catalog (pages/_common.set_catalog) for every
other page. The widgets are drawn from the session's work record (pages/_state.work():
the source, the upload's bytes, the filters), so that coming back from another page or
refreshing the browser shows the user's catalog and filters, not the defaults.
"""

import datetime as dt
import hashlib
import os
import tempfile

import numpy as np
import pandas as pd
import streamlit as st

from pages._column_chooser import choice_args, column_chooser
from pages._state import KEYS, widget, work
from pages._common import (DATA, DEFAULT_DEMO, DEMO_CATALOGS, clear_load_failed, demo_banner,
                           demo_source, forget_upload, keep_upload, map_layers,
                           load_demo, load_failed, seed, set_catalog, store_work)
from seisviz.catalog import (FORMAT_NAMES, LoadOptions, catalog_from_table, clip_to_region,
                             fetch_fdsn, filter_catalog, format_choices, load_catalog,
                             read_region, summarize)
from seisviz.catalog.mapping import remembered
from seisviz.errors import SeisvizError
from seisviz.plots.basemap import format_lat, format_lon
from seisviz.plots.catalog import cumulative_count, epicentre_map, frequency_magnitude, magnitude_time
from seisviz.plots.statistics import mc_b_time
from seisviz.settings import DUPLICATE_KM, DUPLICATE_MAGNITUDE, DUPLICATE_SECONDS
from seisviz.stats import (DECLUSTER_METHODS, b_value, decluster, magnitude_of_completeness,
                           magnitude_types, mc_b_over_time)
from seisviz.tiles.overview import tile_catalog
from seisviz.workdir import work_path
from seisviz.workstate import Filters, Source

SOURCES = ["Demo catalog", "Upload a file", "Fetch from an FDSN service",
           "A tile of a tiled scan"]
KINDS = dict(zip(["demo", "upload", "fdsn", "tile"], SOURCES))
DECLUSTER_NAMES = {"none": "none", "gardner-knopoff": "Gardner–Knopoff",
                   "zaliapin": "Zaliapin & Ben-Zion"}
MC_B_WINDOW, MC_B_WINDOWS = 250, 400  # Mc(t)/b(t): events per window, at most ~this many windows


@st.cache_data(show_spinner="Reading the catalog…", max_entries=4)
def load_uploaded(data, name, fmt, columns=(), delimiter=None, timezone=None,
                  keep_duplicates=False):
    return load_catalog(data, format=fmt, name=name, columns=dict(columns), delimiter=delimiter,
                        timezone=timezone, keep_duplicates=keep_duplicates)


@st.cache_data(show_spinner="Downloading from the FDSN service…", ttl=3600, max_entries=8)
def fetch_catalog(service, start, end, bbox, min_magnitude, keep_duplicates=False):
    return fetch_fdsn(service, start, end, bbox=bbox, min_magnitude=min_magnitude,
                      keep_duplicates=keep_duplicates)


@st.cache_data(show_spinner="Reading the region…", max_entries=4)
def load_region(data, name):
    suffix = os.path.splitext(name)[1].lower() or ".geojson"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "region" + suffix)
        with open(path, "wb") as f:
            f.write(data)
        return read_region(path, name=name)


@st.cache_data(show_spinner="Declustering…", max_entries=4)
def declustered(catalog, method):
    out, share, _ = decluster(catalog, method)
    return out, share


@st.cache_data(show_spinner="Mc, b-value and magnitude types…", max_entries=4)
def statistics(catalog):
    """(Mc, BValue or None, Mc(t)/b(t) table and its step, MagnitudeTypes) of `catalog`."""
    mags = catalog["magnitude"].to_numpy(float)
    est = b_value(mags)
    mc = est.mc if est is not None else magnitude_of_completeness(mags)
    step = max(50, len(catalog) // MC_B_WINDOWS)
    table = mc_b_over_time(catalog, window_events=MC_B_WINDOW, step=step)
    return mc, est, table, step, magnitude_types(catalog)


def fail(message, loading=None):
    """Show the error and stop; loading: the catalog whose load failed (every page then says
    that the previous catalog is still in use)."""
    st.error(message)
    if loading is not None:
        load_failed(loading, message)
        demo_banner()
    st.stop()


st.title("Catalog")
record = work()

# 1. source -----------------------------------------------------------------------------------
st.subheader("1. Choose a catalog")
seed("catalog_source", KEYS.catalog_tab.get() or KINDS.get(record.source.kind, SOURCES[0]))
source = st.radio("Source", SOURCES, horizontal=True, key="catalog_source",
                  label_visibility="collapsed")
KEYS.catalog_tab.set(source)
is_demo, periods = False, None
seed("catalog_keep_duplicates", bool(record.source.keep_duplicates))
keep_dups = st.checkbox(
    "Keep near-duplicate events", key="catalog_keep_duplicates",
    help=f"One earthquake located by two agencies of a merged catalog: origins within "
         f"{DUPLICATE_SECONDS:g} s and {DUPLICATE_KM:g} km, magnitudes within "
         f"{DUPLICATE_MAGNITUDE:g}. Off: the most complete copy is kept and the others are "
         "dropped (listed below); on: every copy is kept.")

if source == SOURCES[0]:
    available = [label for label, stem in DEMO_CATALOGS.items()
                 if os.path.exists(os.path.join(DATA, stem + ".csv"))]
    if not available:
        st.info("The synthetic demo catalogs are not there yet (data/changning_demo.csv, "
                "data/weiyuan_demo.csv). Create them with `python -m seisviz make-demo`, or "
                "upload a catalog or fetch one from an FDSN service above.")
        st.stop()
    chosen = record.source.demo if record.source.kind == "demo" else None
    seed("catalog_demo", chosen if chosen in available
         else DEFAULT_DEMO if DEFAULT_DEMO in available else available[0])
    name = st.selectbox("Demo catalog", available, key="catalog_demo")
    try:
        catalog_full, report, periods = load_demo(DEMO_CATALOGS[name], keep_dups)
    except SeisvizError as exc:
        fail(str(exc), loading=name)
    is_demo = True
    new_source = demo_source(name)

elif source == SOURCES[1]:
    c1, c2 = st.columns([3, 1])
    upload = c1.file_uploader("Catalog file: CSV, ZMAP, hypoDD .reloc, QuakeML, CENC (CSV, .xls or .xlsx)",
                              key="catalog_upload")
    seed("catalog_format", record.source.format if record.source.kind == "upload"
         and record.source.format in format_choices() else "auto")
    fmt = c2.selectbox("Format", format_choices(), key="catalog_format",
                       format_func=lambda f: "detect" if f == "auto" else FORMAT_NAMES[f])
    if upload is not None:
        # kept beyond the uploader, which Streamlit empties when this page is not shown
        keep_upload(KEYS.upload_file, "upload", upload.name, upload.getvalue())
    kept = KEYS.upload_file.get()
    if kept is None:
        st.info("Upload a catalog file to go on.")
        st.stop()
    name, digest, data = kept
    if upload is None:
        k1, k2 = c1.columns([4, 1], vertical_alignment="center")
        k1.caption(f"Using **{name}** ({len(data):,} bytes, sha256 {digest[:12]}…), uploaded "
                   "earlier in this session. Upload another file to replace it.")
        if k2.button("Forget it", key="catalog_forget_upload"):
            forget_upload(KEYS.upload_file, "upload")
            st.rerun()
    known = remembered(data, name, st.session_state)  # columns chosen before for this header
    choice = known[1] if known else None
    try:
        catalog_full, report = load_uploaded(data, name, fmt, *choice_args(choice), keep_dups)
    except SeisvizError as exc:
        st.error(str(exc))
        load_failed(name, str(exc))
        demo_banner()
        column_chooser(data, name, choice, expanded=True)
        st.stop()
    if choice:
        st.caption("Read with the columns you chose for files with this header.")
    column_chooser(data, name, choice, expanded=False)
    columns, delimiter, timezone = choice_args(choice)
    new_source = Source(kind="upload", name=name, sha256=digest, format=fmt,
                        columns=dict(columns), delimiter=delimiter, timezone=timezone)

elif source == SOURCES[3]:
    tile = record.source
    if tile.kind != "tile" or not tile.tile:
        st.info("Open a tile of a tiled scan on the Overview page: its events become the "
                "catalog here.")
        st.page_link("pages/7_overview.py", label="Overview", icon="🧭")
        st.stop()
    name = tile.name
    try:
        events = tile_catalog(str(work_path(tile.path)), tile.tile)
        catalog_full, report = catalog_from_table(events, name, "table",
                                                  options=LoadOptions(keep_duplicates=keep_dups))
    except SeisvizError as exc:
        fail(str(exc), loading=name)
    st.caption(f"Tile {tile.tile} of the tiled scan **{tile.path}** (opened on the Overview "
               "page).")
    new_source = tile

else:
    today = dt.date.today()
    if KEYS.fdsn_request.get() is None and record.source.kind == "fdsn" and record.source.fdsn:
        f = record.source.fdsn  # a refresh: the request of the record
        KEYS.fdsn_request.set((f["service"], f["start"], f["end"],
                               None if f.get("bbox") is None else tuple(f["bbox"]),
                               f.get("min_magnitude")))
        KEYS.fdsn_label.set(record.source.name)
    with st.form("fdsn"):
        service = st.text_input("Service", value="usgs",
                                help="usgs, iris, earthscope, isc, or a URL ending in /fdsnws/event/1/query")
        c1, c2, c3 = st.columns(3)
        start = c1.date_input("Start (UTC)", value=today - dt.timedelta(days=30))
        end = c2.date_input("End (UTC, inclusive)", value=today)
        min_mag = c3.number_input("Minimum magnitude", value=2.5, step=0.1, format="%.1f")
        b = st.columns(4)
        box = [b[0].number_input("Min longitude", value=None, min_value=-180.0, max_value=360.0),
               b[1].number_input("Max longitude", value=None, min_value=-180.0, max_value=360.0),
               b[2].number_input("Min latitude", value=None, min_value=-90.0, max_value=90.0),
               b[3].number_input("Max latitude", value=None, min_value=-90.0, max_value=90.0)]
        st.caption("Leave the box empty for the whole world.")
        if st.form_submit_button("Fetch"):
            if any(v is None for v in box) and not all(v is None for v in box):
                st.error("Fill in all four box limits, or none.")
            else:
                KEYS.fdsn_request.set((
                    service.strip(), str(start), str(end + dt.timedelta(days=1)),
                    None if box[0] is None else tuple(box), min_mag))
                KEYS.fdsn_label.set(f"{service.strip()} {start} to {end}")
    request = KEYS.fdsn_request.get()
    if request is None:
        st.info("Fill in the form and press Fetch.")
        st.stop()
    try:
        catalog_full, report = fetch_catalog(*request, keep_dups)
    except SeisvizError as exc:
        fail(str(exc), loading=KEYS.fdsn_label.get(request[0]))
    name = KEYS.fdsn_label.get(request[0])
    new_source = Source(kind="fdsn", name=name, fdsn={
        "service": request[0], "start": request[1], "end": request[2],
        "bbox": None if request[3] is None else list(request[3]),
        "min_magnitude": request[4]})

clear_load_failed()  # this load worked
new_source.keep_duplicates = bool(keep_dups)

# 2. load report ------------------------------------------------------------------------------
st.subheader("2. Load report")
st.markdown(f"**{name}** ({FORMAT_NAMES.get(report.format, report.format)}): {report.summary()}")
for note in report.notes:
    (st.warning if note.startswith("warning:") else st.caption)(note)
if len(report.dropped):
    counts = pd.DataFrame(list(report.reason_counts().items()), columns=["reason", "rows"])
    c1, c2 = st.columns([2, 1])
    c1.dataframe(counts, hide_index=True)
    stem = os.path.splitext(os.path.basename(str(name)))[0] or "catalog"
    c2.download_button("Download dropped rows (CSV)",
                       lambda: report.dropped.to_csv(index=False).encode("utf-8"),  # on click
                       file_name=f"{stem}_dropped_rows.csv", mime="text/csv", on_click="ignore")
    with st.expander("First dropped rows (row = line or record number in the file)"):
        st.dataframe(report.dropped.head(500), hide_index=True)

# 3. filters ----------------------------------------------------------------------------------
st.subheader("3. Filters")
full = summarize(catalog_full)
key = hashlib.sha1(f"{source}|{name}|{report.n_rows}|{report.n_kept}".encode()).hexdigest()[:10]
first_day, last_day = full["start"].date(), full["end"].date()

flt = record.filters
if flt.for_catalog != key:  # another catalog: its filters start from none
    flt = record.filters = Filters(for_catalog=key)


def day_or(text, default):
    try:
        day = dt.date.fromisoformat(str(text))
    except ValueError:
        return default
    return min(max(day, first_day), last_day)


c1, c2, c3 = st.columns(3)
seed(f"days_{key}", (day_or(flt.start_day, first_day), day_or(flt.end_day, last_day)))
days = c1.date_input("Time range (UTC)", min_value=first_day,
                     max_value=last_day, key=f"days_{key}")
if not isinstance(days, (tuple, list)) or len(days) != 2:
    days = (first_day, last_day)
mc = full["mc"]
# Mc is offered, not imposed: the detector was trained on catalogs that include
# incomplete small events, and cutting at Mc can hide small swarms.
seed(f"use_mc_{key}", bool(flt.use_mc))
use_mc = c2.checkbox(f"Cut at Mc = {mc:.1f}", key=f"use_mc_{key}",
                     help="Completeness magnitude by maximum curvature + 0.2.")
default_magnitude = float(np.round(mc, 1) if use_mc
                          else np.floor(full["min_magnitude"] * 10) / 10)
seed(f"mag_{key}_{use_mc}", float(flt.min_magnitude) if flt.min_magnitude is not None
     and flt.use_mc == use_mc else default_magnitude)
min_magnitude = c2.number_input("Minimum magnitude", step=0.1, format="%.1f",
                                key=f"mag_{key}_{use_mc}")
lo_depth, hi_depth = float(np.floor(full["min_depth"])), float(np.ceil(full["max_depth"]))
if hi_depth > lo_depth:
    inside = lambda v, d: d if v is None else min(max(float(v), lo_depth), hi_depth)  # noqa: E731
    seed(f"depth_{key}", (inside(flt.min_depth, lo_depth), inside(flt.max_depth, hi_depth)))
    depth = c3.slider("Depth (km)", lo_depth, hi_depth, key=f"depth_{key}")
else:
    depth = (lo_depth, hi_depth)
    c3.caption(f"All events at depth {lo_depth:g} km.")

with st.expander("Longitude/latitude box and polygon region"):
    b = st.columns(4)
    extent = [np.floor(full["min_longitude"] * 100) / 100, np.ceil(full["max_longitude"] * 100) / 100,
              np.floor(full["min_latitude"] * 100) / 100, np.ceil(full["max_latitude"] * 100) / 100]
    labels = ["Min longitude", "Max longitude", "Min latitude", "Max latitude"]
    for i in range(4):
        seed(f"bbox{i}_{key}", float(flt.bbox[i]) if flt.bbox else float(extent[i]))
    bbox = tuple(b[i].number_input(labels[i], step=0.1, format="%.2f",
                                   key=f"bbox{i}_{key}") for i in range(4))
    uploaded_region = st.file_uploader(
        "Polygon region (optional): GeoJSON, GeoPackage or zipped Shapefile",
        type=["geojson", "json", "gpkg", "zip"], key=f"region_{key}")
    if uploaded_region is not None:
        flt.region_name = uploaded_region.name
        flt.region_sha256 = keep_upload(KEYS.region_file, "region", uploaded_region.name,
                                        uploaded_region.getvalue())
    region = KEYS.region_file.get()
    if region is not None and region[1] != flt.region_sha256:
        region = None  # another catalog's region
    if region is not None and uploaded_region is None:
        r1, r2 = st.columns([4, 1], vertical_alignment="center")
        r1.caption(f"Clipped to the polygons of **{region[0]}** (uploaded earlier).")
        if r2.button("Remove the region", key=f"region_forget_{key}"):
            flt.region_name = flt.region_sha256 = None
            forget_upload(KEYS.region_file, "region")
            store_work()
            st.rerun()

try:
    catalog = filter_catalog(catalog_full, start=pd.Timestamp(days[0]),
                             end=pd.Timestamp(days[1]) + pd.Timedelta(days=1),
                             min_magnitude=min_magnitude, min_depth=depth[0], max_depth=depth[1],
                             bbox=bbox)
    region_id = None
    if region is not None:
        catalog = clip_to_region(catalog, load_region(region[2], region[0]))
        region_id = region[1]
except SeisvizError as exc:
    fail(str(exc))

# declustering, after every other filter (seisviz.stats.decluster)
seed(f"decluster_{key}", flt.decluster if flt.decluster in DECLUSTER_METHODS else "none")
method = st.selectbox("Decluster", list(DECLUSTER_NAMES), format_func=DECLUSTER_NAMES.get,
                      key=f"decluster_{key}",
                      help="Remove clustered events (aftershocks, foreshocks, swarm members) "
                      "after the other filters, before the scan: Gardner & Knopoff (1974) "
                      "windows, or Zaliapin & Ben-Zion (2013) nearest-neighbour distances "
                      "(at most 50,000 events). The detector was trained on catalogs with "
                      "their clusters: declustering removes what it looks for.")
method = None if method == "none" else method
share = None
if method is not None:
    n_before = len(catalog)
    try:
        catalog, share = declustered(catalog, method)
    except SeisvizError as exc:
        fail(str(exc))
    st.caption(f"Declustering ({DECLUSTER_NAMES[method]}) removed {n_before - len(catalog):,} "
               f"of {n_before:,} events ({share:.1%}).")

# the filters as chosen, into the work record (what a refresh restores, run.json records)
flt.start_day, flt.end_day = str(days[0]), str(days[1])
flt.use_mc, flt.min_magnitude = bool(use_mc), float(min_magnitude)
flt.min_depth, flt.max_depth = float(depth[0]), float(depth[1])
flt.bbox = [float(v) for v in bbox]
flt.decluster, flt.decluster_share = method, share
store_work()

signature = (source, str(name), report.n_rows, report.n_kept, str(days), min_magnitude, depth,
             bbox, region_id, new_source.sha256, method, keep_dups)
if KEYS.catalog_signature.get() != signature:
    set_catalog(catalog, name, report, is_demo=is_demo, true_periods=periods,
                source=new_source)
    KEYS.catalog_signature.set(signature)

# 4. summary ----------------------------------------------------------------------------------
st.subheader("4. Summary")
demo_banner()
if len(catalog) == 0:
    st.warning("No events pass these filters.")
    st.stop()
s = summarize(catalog)
shown_mc, est, mc_b, mc_b_step, mix = statistics(catalog)
m = st.columns(5)
m[0].metric("Events", f"{s['n_events']:,}", help=f"of {full['n_events']:,} loaded")
m[1].metric("Magnitude", f"{s['min_magnitude']:.1f} – {s['max_magnitude']:.1f}")
m[2].metric("Mc", "–" if not np.isfinite(shown_mc) else f"{shown_mc:g}",
            help="Completeness magnitude of these events: maximum curvature + 0.2 "
            "(Wiemer & Wyss 2000; Woessner & Wiemer 2005); needs 20 events")
if est is None:
    m[3].metric("b-value", "–", help="Aki-Utsu maximum likelihood; needs 50 events at or "
                "above Mc")
else:
    m[3].metric(f"b-value ({est.method})", f"{est.b:.2f} ± {est.b_err:.2f}",
                help=f"Aki-Utsu maximum likelihood above Mc {est.mc:g} ({est.n_used:,} "
                "events), with the bin correction; ± is Shi & Bolt's (1982) standard error")
m[4].metric("Depth (km)", f"{s['min_depth']:.1f} – {s['max_depth']:.1f}")
if mix.warning:
    st.warning(f"{mix.warning[0].upper()}{mix.warning[1:]}.")
if len(mix.counts):
    st.caption("Magnitude types: " + ", ".join(f"{t} {n:,}" for t, n in mix.counts.items())
               + ".")
st.caption(f"From {s['start']:%Y-%m-%d %H:%M:%S} to {s['end']:%Y-%m-%d %H:%M:%S} UTC; "
           f"longitude {format_lon(s['min_longitude'])} to {format_lon(s['max_longitude'])}, "
           f"latitude {format_lat(s['min_latitude'])} to {format_lat(s['max_latitude'])}.")

# 5. plots ------------------------------------------------------------------------------------
layers = map_layers()[0]  # the sidebar's overlays, large events and tiles
tabs = st.tabs(["Map", "Magnitude–time", "Cumulative count", "Frequency–magnitude",
               "Mc and b over time"])
with tabs[0]:
    color_by = st.radio("Colour by", ["time", "depth"], horizontal=True, key="map_color")
    st.plotly_chart(epicentre_map(catalog, color_by=color_by, **layers),
                    key="map")
with tabs[1]:
    st.plotly_chart(magnitude_time(catalog, star_magnitude=layers["star_magnitude"]),
                    key="mag_time")
with tabs[2]:
    st.plotly_chart(cumulative_count(catalog), key="cumulative")
with tabs[3]:
    st.caption("All loaded events, before the filters, to help choose the minimum magnitude.")
    st.plotly_chart(frequency_magnitude(catalog_full, mc=mc), key="fmd")
with tabs[4]:
    st.caption(f"Mc (maximum curvature + 0.2) and the Aki-Utsu b above it in windows of "
               f"{MC_B_WINDOW} consecutive events moved by {mc_b_step}, as ZMAP draws them; "
               "b is left out where a window has fewer than 50 events above its Mc.")
    st.plotly_chart(mc_b_time(mc_b, MC_B_WINDOW, mc_b_step), key="mc_b_time")
