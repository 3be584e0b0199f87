"""Overview: a large catalog scanned in tiles. Run the tiled scan on the current catalog
from here (one tile after another, a progress bar per tile; rerunning into the same
folder continues it), or open a scan-tiles folder; then the tile map coloured by
episodes, the sequences with their episodes inside (pages/_sequences.py, as on the Detect
and Subregions pages), every episode sortable by onset, rate ratio or magnitude, and one
click to open a tile's events as the current catalog on the other pages.

Server files: only inside the work folder (seisviz.workdir; $SEISVIZ_WORK_DIR): every
folder or model name a user gives is resolved there, and anything leading out is refused.
Thin page: the run is `seisviz.tiles.scan_tiles`, reading `seisviz.tiles.overview`, the
figure `seisviz.plots.tiles`.
"""

import os
import re

import streamlit as st

from pages._common import set_catalog
from pages._sequences import show_sequences
from pages._state import KEYS
from seisviz.detect.models import MODEL_NAMES
from seisviz.errors import SeisvizError
from seisviz.plots.tiles import OFFLINE_STYLE, ONLINE_STYLES, tile_overview_figure
from seisviz.settings import DEFAULT_MODEL, MIN_EVENTS, STEP_DAYS, WORK_DIR_ENV
from seisviz.tiles.overview import SORT_KEYS, load_overview, sort_episodes, tile_catalog
from seisviz.workstate import Source
from seisviz.workdir import (TILES, model_files, output_folder, scan_folders, work_dir,
                             work_name, work_path)

st.title("Overview")
st.caption(f"A large catalog scanned in tiles of a fixed size in km (docs/tiles.md). Scan "
           f"folders are read and written in the work folder `{work_dir()}` (set "
           f"{WORK_DIR_ENV} to change it); `seisviz scan-tiles CATALOG --out` a folder in "
           "it shows here too.")


def _open_found():
    KEYS.tiles_folder.set(KEYS.tiles_found.get())


def _open_typed():
    KEYS.tiles_folder.set((KEYS.tiles_typed.get() or "").strip())


def _model_argument(choice):
    """A shipped model's name, or the path of a weights file inside the work folder."""
    return choice if choice in MODEL_NAMES else str(work_path(choice, "model"))


def run_form():
    catalog, name = KEYS.catalog.get(), KEYS.catalog_name.get() or "catalog"
    if catalog is None or len(catalog) == 0:
        st.info("No current catalog: load one on the Catalog page.")
        return
    st.write(f"Scans the current catalog **{name}** ({len(catalog):,} events) tile by tile "
             "in this dashboard, one tile after another. For a Dask cluster, run "
             "`seisviz scan-tiles` with its --out in the work folder.")
    models = [*MODEL_NAMES, *model_files()]
    c = st.columns(3)
    choice = c[0].selectbox("Model", models, index=models.index(DEFAULT_MODEL),
                            key=KEYS.tiles_model.key,
                            help="A shipped model, or a .pt weights file with its .json card "
                                 "put in the work folder or its models/ folder.")
    try:
        from seisviz.tiles.run import model_tile_km

        model = _model_argument(choice)
        auto_km = model_tile_km(model)
    except SeisvizError as exc:
        st.error(str(exc))
        return
    km = c[1].number_input("Tile size (km)", min_value=1.0, value=None,
                           placeholder=f"{auto_km:g} (the model's)", key=KEYS.tiles_km.key,
                           help="Empty: the model card's grid of its trained pixel size "
                                "across a tile's scan box.")
    overlap = c[2].number_input("Overlap on each side (km)", min_value=0.0, value=None,
                                placeholder="a quarter of the tile",
                                key=KEYS.tiles_overlap.key)
    c = st.columns(3)
    step = c[0].number_input("Window step (days)", min_value=0.1, value=STEP_DAYS,
                             key=KEYS.tiles_step.key)
    min_events = c[1].number_input("Tiles with fewer events are not scanned", min_value=1,
                                   value=MIN_EVENTS, step=1, key=KEYS.tiles_min_events.key)
    device = c[2].radio("Device", ["auto", "cpu"], horizontal=True, key=KEYS.tiles_device.key)
    if not KEYS.tiles_out.present():
        KEYS.tiles_out.set(re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip("-.")[:60]
                           or "tiles")
    out_name = st.text_input("Output folder, a name inside the work folder (the name of an "
                             "earlier tiled scan continues it)", key=KEYS.tiles_out.key)
    if not st.button("Run the tiled scan", type="primary", key=KEYS.tiles_run.key):
        return
    from seisviz.tiles import scan_tiles
    from seisviz.tiles.run import tile_scan

    bar = st.progress(0.0, text="Cutting the catalog into tiles…")

    def progress(done, total):
        bar.progress(done / total if total else 1.0, text=f"{done} of {total} tiles")

    notes = []
    try:
        out = output_folder(out_name)
        record = scan_tiles(catalog, str(out), km or auto_km, overlap, model=model,
                            device=device, scan=tile_scan(step), workers=0,
                            min_events=int(min_events), source=str(name), progress=progress,
                            log=notes.append)
    except SeisvizError as exc:
        st.error(str(exc))
        return
    except OSError as exc:
        st.error(f"cannot write the output folder {out_name}: {exc.strerror or exc}")
        return
    KEYS.tiles_folder.set(work_name(out))
    KEYS.tiles_selected.pop()
    st.success(f"{work_name(out)}: {record['n_tiles_with_events']} tiles with events "
               f"({record['n_tiles_done']} scanned, {record['n_tiles_sparse']} too sparse, "
               f"{record['n_tiles_resumed']} done before with these settings); "
               f"{record['n_episodes']} episodes; {record['seconds']:.1f} s.")


open_tab, run_tab = st.tabs(["Open a scan folder", "Run a tiled scan"])
with run_tab:
    run_form()
found = scan_folders()  # after a run: its folder is listed at once
tiled = {f.name: f for f in found if f.kind == TILES}
with open_tab:
    if tiled:
        st.selectbox("Tiled scans in the work folder", list(tiled), index=None,
                     format_func=lambda n: tiled[n].describe(), key=KEYS.tiles_found.key,
                     placeholder=f"{len(tiled)} found: choose one", on_change=_open_found)
    else:
        st.info("No tiled scan in the work folder yet: run one in the next tab.")
    st.text_input("…or a folder name inside the work folder", key=KEYS.tiles_typed.key,
                  placeholder="e.g. national or runs/2024", on_change=_open_typed)
    plain = [f.name for f in found if f.kind != TILES]
    if plain:
        st.caption("Scans of one region (`seisviz scan`) in the work folder, not tiled: "
                   + ", ".join(plain))

shown = KEYS.tiles_folder.get()
if not shown:
    st.info("No scan folder open: choose or name one, or run a tiled scan.")
    st.stop()
try:
    folder = str(work_path(shown))
    run, tiles, episodes = load_overview(folder)
except SeisvizError as exc:
    st.error(str(exc))
    st.stop()

st.subheader(work_name(folder))
c = st.columns(6)  # c[4], the sequences, is filled once they are grouped below
c[0].metric("tiles with events", f"{run['n_tiles_with_events']:,}")
c[1].metric("tile size", f"{run['tile_km']:g} km (+{run['overlap_km']:g})")
c[2].metric("events", f"{run['n_events']:,}")
c[3].metric("episodes", f"{run['n_episodes']:,}")
c[5].metric("failed tiles", len(run.get("failed", {})))
if run.get("failed"):
    st.warning("Failed tiles (run again into the same folder to retry them): " + "; ".join(
        f"{k}: {v}" for k, v in run["failed"].items()))

styles = [f"none (offline: {OFFLINE_STYLE})", *ONLINE_STYLES]
style = st.selectbox("Basemap", styles, index=0,
                     help="The basemaps are fetched from the internet by your browser; "
                          "'none' draws the tiles on white and works offline.")
selected = KEYS.tiles_selected.get()
st.plotly_chart(tile_overview_figure(tiles, episodes, OFFLINE_STYLE if style == styles[0]
                                     else style, selected=selected), width="stretch")

# the merged episodes' sequences, by the same rule as a scan's (seisviz.subregions.sequences)
sequences = show_sequences(None, episodes, key="overview")[1]
c[4].metric("sequences", f"{len(sequences):,}")

st.subheader("Episodes")
key = st.radio("Sort by", list(SORT_KEYS), horizontal=True)
shown_episodes = sort_episodes(episodes, key).drop(columns="geometry", errors="ignore")
st.dataframe(shown_episodes, hide_index=True, width="stretch")

st.subheader("Open a tile")
with_events = tiles[tiles["n_events"] > 0].sort_values(["n_episodes", "tile_id"],
                                                        ascending=[False, True])
ids = with_events["tile_id"].tolist()
if not ids:
    st.info("No tile holds events.")
    st.stop()
counts = dict(zip(with_events["tile_id"], with_events["n_episodes"]))
events_n = dict(zip(with_events["tile_id"], with_events["n_events"]))
pick = st.selectbox("Tile", ids, index=ids.index(selected) if selected in ids else 0,
                    format_func=lambda t: f"{t} — {counts[t]} episodes, {events_n[t]:,} events")
KEYS.tiles_selected.set(pick)
if st.button(f"Open tile {pick} as the current catalog", type="primary"):
    try:
        events = tile_catalog(folder, pick)
    except SeisvizError as exc:
        st.error(str(exc))
        st.stop()
    name = f"{os.path.basename(str(run.get('catalog') or folder))} · tile {pick}"
    row = tiles[tiles["tile_id"] == pick].iloc[0]
    box = [float(row[f"box_{k}"]) for k in ("min_lon", "max_lon", "min_lat", "max_lat")]
    set_catalog(events, name, source=Source(
        kind="tile", name=name, path=work_name(folder), tile=str(pick), tile_box=box,
        tile_catalog=run.get("catalog")))
    KEYS.catalog_tab.pop()  # the Catalog page shows the tile as its source
    st.success(f"{name}: {len(events):,} events are now the current catalog.")
    st.page_link("pages/4_detect.py", label="Detect on this tile", icon="🔎")
