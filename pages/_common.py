"""Shared page helpers: the catalog every page works on, the session kept on disk, the
map layers.

The session-state entries the pages share are the slots of `pages._state.KEYS` (the
catalog and its name, the demo's true periods, the detection, what is selected, the map
layers, the session token under which seisviz.sessions keeps the catalog and last scan on
disk for a browser refresh).
"""

import os

import pandas as pd
import streamlit as st

from pages._state import KEYS
from seisviz import sessions
from seisviz.resources import data_dir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the checkout (runs/, docs/)
DATA = str(data_dir())  # found through the installed package

DEMO_CATALOGS = {
    "Changning-like (synthetic demo)": "changning_demo",
    "Weiyuan-like (synthetic demo)": "weiyuan_demo",
}
DEFAULT_DEMO = "Changning-like (synthetic demo)"
MAX_SCANS = 3  # ScanResults kept in session state (each holds its maps)
CUSTOM_MODEL = "custom weights file (.pt)…"  # the Detect page's Model choice for a path


@st.cache_data(show_spinner="Loading demo catalog…")
def load_demo(stem):
    from seisviz.catalog import load_catalog
    from seisviz.tables import LABELLED_PERIODS

    catalog, report = load_catalog(os.path.join(DATA, stem + ".csv"))
    periods_path = os.path.join(DATA, stem + "_periods.csv")
    periods = None
    if os.path.exists(periods_path):
        periods = pd.read_csv(periods_path, parse_dates=list(LABELLED_PERIODS.time_columns))
    return catalog, report, periods


def set_catalog(catalog, name, report=None, is_demo=False, true_periods=None):
    """Make `catalog` the one every page works on; forget results of the previous one.

    Right after a refresh restored the session (see `ensure_catalog`), the Catalog page's
    widgets come back at their defaults and would put the default catalog back: that first
    call keeps the restored catalog and its scan instead."""
    if KEYS.restored.pop():
        return
    KEYS.catalog.set(catalog)
    KEYS.catalog_name.set(name)
    KEYS.is_demo.set(is_demo)
    KEYS.true_periods.set(true_periods)
    KEYS.load_report.set(report)
    for slot in (KEYS.detection, KEYS.selected_period, KEYS.selected_subregion,
                 KEYS.load_failed):
        slot.pop()
    keep_on_disk(lambda token: sessions.save_catalog(
        token, catalog, catalog_key(catalog), str(name), is_demo, true_periods))


def session_token():
    """This browser session's token, kept in the URL (?session=…) so that a refresh finds
    the session's catalog and last scan on disk again (seisviz.sessions)."""
    token = KEYS.session_token.get()
    if token is None:
        asked = st.query_params.get("session")
        token = asked if sessions.valid_token(asked) else sessions.new_token()
        KEYS.session_token.set(token)
    if st.query_params.get("session") != token:
        st.query_params["session"] = token
    return token


def keep_on_disk(write):
    """Run `write(token)`; a failure to store the session is said, never fatal."""
    from seisviz.errors import SeisvizError

    try:
        write(session_token())
    except SeisvizError as exc:
        st.caption(f"⚠️ {exc}: a browser refresh will lose this session.")


def detect_cache():
    """The session's seisviz.detect.ScanCache (the last few network runs)."""
    from seisviz.detect import ScanCache

    return KEYS.detect_cache.setdefault(ScanCache(MAX_SCANS, MAX_SCANS))


def restore_session():
    """After a refresh: the catalog and last scan stored under the URL's session token,
    back in session state; what came back (or was lost) is said by `demo_banner`.
    -> True when a catalog was restored."""
    from seisviz.errors import SeisvizError

    if KEYS.restore_tried.get():
        return False
    KEYS.restore_tried.set(True)
    if not sessions.valid_token(st.query_params.get("session")):
        return False
    try:
        stored = sessions.restore(session_token())
    except SeisvizError as exc:
        stored = {"said": [f"Nothing restored after the refresh: {exc}."]}
    KEYS.restored_said.set(stored.get("said", []))
    if stored.get("catalog") is None:
        return False
    set_catalog(stored["catalog"], stored["name"], None, is_demo=stored["is_demo"],
                true_periods=stored["true_periods"])
    KEYS.restored.set(True)
    KEYS.overlays.set(stored.get("overlays") or {})
    if stored.get("result") is not None:
        detect_cache().put_scan(tuple(stored["scan_key"]), stored["result"])
        KEYS.detection.set(stored["result"])
    return True


def load_failed(name, message):
    """Remember that loading `name` failed, so that every page says which catalog is still
    in use (see demo_banner); the next successful load forgets it."""
    KEYS.load_failed.set((str(name), str(message)))


def clear_load_failed():
    KEYS.load_failed.pop()


def ensure_catalog():
    """Restore the session after a refresh, else preload the default demo so every page
    has data from the first click."""
    session_token()
    if KEYS.catalog.present() or restore_session():
        return
    stem = DEMO_CATALOGS[DEFAULT_DEMO]
    if not os.path.exists(os.path.join(DATA, stem + ".csv")):
        return
    catalog, report, periods = load_demo(stem)
    set_catalog(catalog, DEFAULT_DEMO, report, is_demo=True, true_periods=periods)


def current_catalog():
    """The session's catalog, or stop the page with a pointer to the Catalog page."""
    catalog = KEYS.catalog.get()
    if catalog is None or len(catalog) == 0:
        st.warning("No catalog loaded: pick a demo or upload one on the Catalog page.")
        st.stop()
    return catalog


def demo_banner():
    """Say 'synthetic demo' wherever demo data is shown, and that the previous catalog is
    still in use after a failed load."""
    for line in KEYS.restored_said.pop() or ():
        st.info(line, icon="🔄")
    failed = KEYS.load_failed.get()
    if failed:
        previous = KEYS.catalog_name.get()
        still = f"still using the previous catalog {previous}" if previous else "no catalog is loaded"
        st.warning(f"Loading {failed[0]} failed: {failed[1]} — {still}.")
    if KEYS.is_demo.get():
        st.caption(f"⚠️ **Synthetic demo** data: {KEYS.catalog_name.get()} — "
                   "not a real catalog.")


def detection_and_subregions(purpose):
    """The last detection, its subregions and condensed catalog, for the pages after Detect.

    Stops the page with a pointer to the Detect page when there is no detection yet;
    `purpose` finishes the sentence "run the detector on the Detect page first; …".
    -> (scanned catalog, ScanResult, subregions, condensed catalog)."""
    from seisviz.errors import SeisvizError
    from seisviz.subregions import scanned_catalog, subregions_for

    catalog = current_catalog()
    result = KEYS.detection.get()
    if result is None:
        st.info(f"No detection yet: run the detector on the Detect page first; {purpose}")
        st.page_link("pages/4_detect.py", label="Go to the Detect page", icon="🔎")
        st.stop()
    try:
        with st.spinner("Finding subregions…"):
            subs, condensed = subregions_for(catalog, result, cache=st.session_state)
    except SeisvizError as exc:
        st.error(str(exc))
        st.stop()
    return scanned_catalog(catalog, result), result, subs, condensed


def catalog_key(catalog):
    """The catalog's fingerprint (seisviz.detect.catalog_fingerprint), memoised for this
    catalog object by the session's ScanCache: the cache key of everything pages derive
    from it."""
    return detect_cache().fingerprint(catalog)


def map_layers():
    """The sidebar's map layers: the user's overlay files (faults, wells, stations, a study
    area), named and coloured; large events as stars; web tiles on or off. Drawn on every
    map (seisviz.plots.basemap). -> (options for the figure builders, a hashable token of
    them for caches)."""
    from seisviz.errors import SeisvizError
    from seisviz.overlays import OVERLAY_EXTENSIONS, next_colour, read_overlay
    from seisviz.settings import tile_url

    layers = KEYS.overlays.setdefault({})
    with st.sidebar.expander("Map layers", expanded=bool(layers)):
        files = st.file_uploader("Overlay files (faults, wells, stations, study area)",
                                 type=list(OVERLAY_EXTENSIONS), accept_multiple_files=True,
                                 key="overlay_upload",
                                 help="GeoJSON, zipped Shapefile, GeoPackage or KML: lines, "
                                      "points and polygons, drawn on every map and in "
                                      "exported figures.")
        for f in files or ():
            fid = f"{f.name}:{f.size}"
            if fid in layers or fid in KEYS.overlay_failed.get(()):
                continue
            try:
                layers[fid] = read_overlay(f.getvalue(), filename=f.name,
                                           colour=next_colour(list(layers.values())))
            except SeisvizError as exc:
                KEYS.overlay_failed.setdefault(set()).add(fid)
                st.error(str(exc))
        for fid, layer in list(layers.items()):
            c1, c2, c3 = st.columns([5, 2, 1])
            layer.name = c1.text_input("Layer name", layer.name, key=f"overlay_name_{fid}",
                                       label_visibility="collapsed") or layer.name
            layer.colour = c2.color_picker("Colour", layer.colour, key=f"overlay_colour_{fid}",
                                           label_visibility="collapsed")
            if c3.button("✕", key=f"overlay_drop_{fid}", help=f"Remove {layer.name}"):
                layers.pop(fid)
                st.rerun()
            kinds = ", ".join(f"{n} {k}" for k, n in layer.kinds().items() if n)
            st.caption(f"{layer.source}: {kinds}")
        stars = st.checkbox("Stars at large events", True, key="map_stars")
        star_m = st.number_input("… of magnitude at least", -2.0, 10.0, 4.0, step=0.5,
                                 key="map_star_magnitude", disabled=not stars)
        tiles = st.checkbox("Web map tiles (needs internet)", tile_url() is not None,
                            key="map_tiles", disabled=tile_url() is None,
                            help="Tiles from " + (tile_url() or "nowhere: SEISVIZ_TILE_URL "
                                                  "is off") + ". Without them (or offline) "
                            "the maps show country outlines, towns, a graticule and a scale.")
    overlays = list(layers.values())
    stored = tuple((fid, o.name, o.colour) for fid, o in layers.items())
    if KEYS.overlays_stored.get(()) != stored:
        KEYS.overlays_stored.set(stored)
        keep_on_disk(lambda token: sessions.save_overlays(token, layers))
    options = {"overlays": overlays, "star_magnitude": float(star_m) if stars else None,
               "tiles": bool(tiles)}
    token = (tuple((o.name, o.colour, o.source, len(o)) for o in overlays),
             options["star_magnitude"], options["tiles"])
    return options, token


def use_model_on_detect(path):
    """Choose the weights file `path` on the Detect page and go there (the Train page's
    "use this model" action)."""
    form = KEYS.detect_form.setdefault({})
    form.update({KEYS.detect_model_choice.key: CUSTOM_MODEL,
                 KEYS.detect_model_path.key: str(path)})
    for slot in (KEYS.detect_model_choice, KEYS.detect_model_path):
        slot.pop()
    st.switch_page("pages/4_detect.py")
