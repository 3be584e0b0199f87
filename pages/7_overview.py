"""Overview: a national catalog scanned in tiles (`seisviz scan-tiles`): the tile map
coloured by episodes, every episode sortable by onset, rate ratio or magnitude, and one
click to open a tile's events as the current catalog on the other pages.

Thin page: reading is `seisviz.tiles.overview`, the figure `seisviz.plots.tiles`.

Session state read/written: "tiles_folder" (the folder shown), "tiles_selected" (tile id).
"""

import os

import streamlit as st

from pages._common import set_catalog
from pages._state import KEYS
from seisviz.errors import SeisvizError
from seisviz.plots.tiles import OFFLINE_STYLE, ONLINE_STYLES, tile_overview_figure
from seisviz.tiles.overview import SORT_KEYS, load_overview, sort_episodes, tile_catalog

st.title("Overview")
st.caption("Tiles of a large catalog scanned by `seisviz scan-tiles CATALOG --out DIR "
           "--tile-km K` (see docs/tiles.md). Give the folder it wrote.")

folder = st.text_input("scan-tiles folder", value=KEYS.tiles_folder.get(""),
                       placeholder="e.g. results/national")
if not folder:
    st.info("No folder yet: run `seisviz scan-tiles` on a catalog, then give its --out "
            "folder here.")
    st.stop()
folder = os.path.expanduser(folder.strip())
try:
    run, tiles, episodes = load_overview(folder)
except SeisvizError as exc:
    st.error(str(exc))
    st.stop()
KEYS.tiles_folder.set(folder)

c = st.columns(5)
c[0].metric("tiles with events", f"{run['n_tiles_with_events']:,}")
c[1].metric("tile size", f"{run['tile_km']:g} km (+{run['overlap_km']:g})")
c[2].metric("events", f"{run['n_events']:,}")
c[3].metric("episodes", f"{run['n_episodes']:,}")
c[4].metric("failed tiles", len(run.get("failed", {})))
if run.get("failed"):
    st.warning("Failed tiles (rerun the same command to retry them): " + "; ".join(
        f"{k}: {v}" for k, v in run["failed"].items()))

styles = [f"none (offline: {OFFLINE_STYLE})", *ONLINE_STYLES]
style = st.selectbox("Basemap", styles, index=0,
                     help="The basemaps are fetched from the internet by your browser; "
                          "'none' draws the tiles on white and works offline.")
selected = KEYS.tiles_selected.get()
st.plotly_chart(tile_overview_figure(tiles, episodes, OFFLINE_STYLE if style == styles[0]
                                     else style, selected=selected), width="stretch")

st.subheader("Episodes")
key = st.radio("Sort by", list(SORT_KEYS), horizontal=True)
shown = sort_episodes(episodes, key).drop(columns="geometry", errors="ignore")
st.dataframe(shown, hide_index=True, width="stretch")

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
    set_catalog(events, name)
    st.success(f"{name}: {len(events):,} events are now the current catalog.")
    st.page_link("pages/4_detect.py", label="Detect on this tile", icon="🔎")
