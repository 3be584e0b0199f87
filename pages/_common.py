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

from pages._state import KEYS, widget, work
from seisviz import sessions
from seisviz.resources import data_dir
from seisviz.workstate import Source, Work

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
def load_demo(stem, keep_duplicates=False):
    from seisviz.catalog import load_catalog
    from seisviz.tables import LABELLED_PERIODS

    catalog, report = load_catalog(os.path.join(DATA, stem + ".csv"),
                                   keep_duplicates=keep_duplicates)
    periods_path = os.path.join(DATA, stem + "_periods.csv")
    periods = None
    if os.path.exists(periods_path):
        periods = pd.read_csv(periods_path, parse_dates=list(LABELLED_PERIODS.time_columns))
    return catalog, report, periods


def set_catalog(catalog, name, report=None, is_demo=False, true_periods=None, source=None):
    """Make `catalog` the one every page works on; forget results of the previous one.

    `source`: where it came from (a seisviz.workstate.Source; its load report is filled
    in from `report`), kept in the session's work record. The same catalog again (same
    fingerprint: e.g. the Catalog page rebuilding a restored session's catalog from its
    record) keeps the detection and what is selected."""
    if source is not None:
        if report is not None:
            source.load_report = report.summary()
        work().source = source
        store_work()
    previous = KEYS.catalog.get()
    same = previous is not None and catalog_key(previous) == catalog_key(catalog)
    KEYS.catalog.set(catalog)
    KEYS.catalog_name.set(name)
    KEYS.is_demo.set(is_demo)
    KEYS.true_periods.set(true_periods)
    if report is not None or not same:
        KEYS.load_report.set(report)
    KEYS.load_failed.pop()
    if same:
        return
    for slot in (KEYS.detection, KEYS.selected_period, KEYS.selected_subregion):
        slot.pop()
    keep_on_disk(lambda token: sessions.save_catalog(
        token, catalog, catalog_key(catalog), str(name), is_demo, true_periods))


def store_work():
    """Keep the session's work record on disk when it changed since it was last kept."""
    import json

    from seisviz.runinfo import json_default

    data = work().to_dict()
    text = json.dumps(data, sort_keys=True, default=json_default)
    if KEYS.work_stored.get() != text:
        KEYS.work_stored.set(text)
        keep_on_disk(lambda token: sessions.save_work(token, json.loads(text)))


def keep_upload(slot, kind, name, data):
    """Keep an uploaded file's bytes (slot: KEYS.upload_file or KEYS.region_file) in the
    session and on disk, so that they outlive the uploader (Streamlit empties it when its
    page is not shown) and a refresh. -> its sha256."""
    from seisviz.workstate import sha256_of

    digest = sha256_of(data)
    kept = slot.get()
    if kept is None or kept[1] != digest or kept[0] != name:
        slot.set((name, digest, data))
        keep_on_disk(lambda token: sessions.save_blob(token, kind, data))
    return digest


def forget_upload(slot, kind):
    if slot.pop() is not None:
        keep_on_disk(lambda token: sessions.save_blob(token, kind, None))


def seed(key, value):
    """Draw the widget `key` from the record: give it `value` when Streamlit has none for
    it (first draw, or it was not drawn on the last run: another page)."""
    slot = widget(key)
    if not slot.present():
        slot.set(value)
    return slot


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
    """After a refresh: the catalog, the user's work record, the uploaded files and the
    last scan stored under the URL's session token, back in session state; what came back
    (or was lost) is said by `demo_banner`. -> True when a catalog was restored."""
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
    if stored.get("work") is not None:
        record = Work.from_dict(stored["work"])
        KEYS.work.set(record)
        blobs = stored.get("blobs") or {}
        from seisviz.workstate import sha256_of

        for kind, slot, name, digest in (
                ("upload", KEYS.upload_file, record.source.name, record.source.sha256),
                ("region", KEYS.region_file, record.filters.region_name,
                 record.filters.region_sha256)):
            data = blobs.get(kind)
            if data is not None and sha256_of(data) == digest:
                slot.set((name, digest, data))
    set_catalog(stored["catalog"], stored["name"], None, is_demo=stored["is_demo"],
                true_periods=stored["true_periods"])
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
    set_catalog(catalog, DEFAULT_DEMO, report, is_demo=True, true_periods=periods,
                source=demo_source(DEFAULT_DEMO))


def demo_source(label):
    """The work record's source for the bundled demo `label`: its path and sha256."""
    from seisviz.workstate import sha256_of

    path = os.path.join(DATA, DEMO_CATALOGS[label] + ".csv")
    with open(path, "rb") as f:
        digest = sha256_of(f.read())
    return Source(kind="demo", name=label, demo=label, path=path, sha256=digest)


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
        maps = work().maps
        default_star = star_default()

        def write_back(name, key, convert=lambda v: v):
            # on_change: the user's value goes into the work record (the widget may be
            # forgotten on a page that does not draw it; the record is not)
            return lambda: (setattr(maps, name, convert(widget(key).get())), store_work())

        # The sidebar is drawn by several pages, and a widget of one page is a new widget
        # on the next (Streamlit gives it its default): each is set from the record before
        # it is drawn, and on_change writes the user's change to the record first.
        widget("map_stars").set(bool(maps.stars))
        stars = st.checkbox("Stars at large events", key="map_stars",
                            on_change=write_back("stars", "map_stars", bool))
        # follows the catalog until the user sets one
        widget("map_star_magnitude").set(float(
            maps.star_magnitude if maps.star_magnitude is not None else default_star))
        star_m = st.number_input("… of magnitude at least", -2.0, 10.0, step=0.5,
                                 key="map_star_magnitude", disabled=not stars,
                                 on_change=write_back("star_magnitude", "map_star_magnitude",
                                                      float),
                                 help="Default: from the catalog (its 10th largest event, "
                                      "at least Mc + 2).")
        widget("map_tiles").set(tile_url() is not None and maps.tiles is not False)
        tiles = st.checkbox("Web map tiles (needs internet)", key="map_tiles",
                            disabled=tile_url() is None,
                            on_change=write_back("tiles", "map_tiles", bool),
                            help="Tiles from " + (tile_url() or "nowhere: SEISVIZ_TILE_URL "
                                                  "is off") + ". Without them (or offline) "
                            "the maps show country outlines, towns, a graticule and a scale.")
        widget("map_extent").set(bool(maps.extent_all))
        extent_all = st.checkbox("Show all events (extent)", key="map_extent",
                                 on_change=write_back("extent_all", "map_extent", bool),
                                 help="Frame the maps on every event, outliers included; "
                                      "off: on the bulk of the events.")
    overlays = list(layers.values())
    stored = tuple((fid, o.name, o.colour) for fid, o in layers.items())
    if KEYS.overlays_stored.get(()) != stored:
        KEYS.overlays_stored.set(stored)
        keep_on_disk(lambda token: sessions.save_overlays(token, layers))
    options = {"overlays": overlays, "star_magnitude": float(star_m) if stars else None,
               "tiles": bool(tiles), "extent": "all" if extent_all else "bulk"}
    token = (tuple((o.name, o.colour, o.source, len(o)) for o in overlays),
             options["star_magnitude"], options["tiles"], options["extent"])
    return options, token


def star_default():
    """The star magnitude when the user has set none: from the session's catalog
    (seisviz.plots.framing.default_star_magnitude), 4.0 without one."""
    from seisviz.plots.framing import default_star_magnitude

    catalog = KEYS.catalog.get()
    value = None
    if catalog is not None and len(catalog):
        value = default_star_magnitude(catalog["magnitude"])
    return 4.0 if value is None else float(value)


def use_model_on_detect(path):
    """Choose the weights file `path` on the Detect page and go there (the Train page's
    "use this model" action)."""
    work().detect.update({KEYS.detect_model_choice.key: CUSTOM_MODEL,
                          KEYS.detect_model_path.key: str(path)})
    store_work()
    for slot in (KEYS.detect_model_choice, KEYS.detect_model_path):
        slot.pop()
    st.switch_page("pages/4_detect.py")
