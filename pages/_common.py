"""Shared page helpers: the session-state contract between pages.

Session state keys (set by the Catalog page, read by the others):
- "catalog":        the loaded *and filtered* catalog (canonical columns)
- "catalog_name":   what to call it in titles
- "is_demo":        True for the bundled synthetic demo catalogs
- "true_periods":   DataFrame of known anomalous periods (start, end, ...) or None
- "load_report":    seisviz.catalog.LoadReport of the last load
- "detection":      the last detection result (Detect page)
- "selected_period", "selected_subregion": what the Maps/Subregions pages open on
"""

import os

import pandas as pd
import streamlit as st

from seisviz.resources import data_dir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the checkout (runs/, docs/)
DATA = str(data_dir())  # found through the installed package

DEMO_CATALOGS = {
    "Changning-like (synthetic demo)": "changning_demo",
    "Weiyuan-like (synthetic demo)": "weiyuan_demo",
}
DEFAULT_DEMO = "Changning-like (synthetic demo)"


@st.cache_data(show_spinner="Loading demo catalog…")
def load_demo(stem):
    from seisviz.catalog import load_catalog

    catalog, report = load_catalog(os.path.join(DATA, stem + ".csv"))
    periods_path = os.path.join(DATA, stem + "_periods.csv")
    periods = None
    if os.path.exists(periods_path):
        periods = pd.read_csv(periods_path, parse_dates=["start", "end"])
    return catalog, report, periods


def set_catalog(catalog, name, report=None, is_demo=False, true_periods=None):
    """Make `catalog` the one every page works on; forget results of the previous one."""
    st.session_state["catalog"] = catalog
    st.session_state["catalog_name"] = name
    st.session_state["is_demo"] = is_demo
    st.session_state["true_periods"] = true_periods
    st.session_state["load_report"] = report
    for key in ("detection", "selected_period", "selected_subregion", "load_failed"):
        st.session_state.pop(key, None)


def load_failed(name, message):
    """Remember that loading `name` failed, so that every page says which catalog is still
    in use (see demo_banner); the next successful load forgets it."""
    st.session_state["load_failed"] = (str(name), str(message))


def clear_load_failed():
    st.session_state.pop("load_failed", None)


def ensure_catalog():
    """Preload the default demo so every page has data from the first click."""
    if "catalog" in st.session_state:
        return
    stem = DEMO_CATALOGS[DEFAULT_DEMO]
    if not os.path.exists(os.path.join(DATA, stem + ".csv")):
        return
    catalog, report, periods = load_demo(stem)
    set_catalog(catalog, DEFAULT_DEMO, report, is_demo=True, true_periods=periods)


def current_catalog():
    """The session's catalog, or stop the page with a pointer to the Catalog page."""
    catalog = st.session_state.get("catalog")
    if catalog is None or len(catalog) == 0:
        st.warning("No catalog loaded: pick a demo or upload one on the Catalog page.")
        st.stop()
    return catalog


def demo_banner():
    """Say 'synthetic demo' wherever demo data is shown, and that the previous catalog is
    still in use after a failed load."""
    failed = st.session_state.get("load_failed")
    if failed:
        previous = st.session_state.get("catalog_name")
        still = f"still using the previous catalog {previous}" if previous else "no catalog is loaded"
        st.warning(f"Loading {failed[0]} failed: {failed[1]} — {still}.")
    if st.session_state.get("is_demo"):
        st.caption(f"⚠️ **Synthetic demo** data: {st.session_state.get('catalog_name')} — "
                   "not a real catalog.")


def detection_and_subregions(purpose):
    """The last detection, its subregions and condensed catalog, for the pages after Detect.

    Stops the page with a pointer to the Detect page when there is no detection yet;
    `purpose` finishes the sentence "run the detector on the Detect page first; …".
    -> (scanned catalog, ScanResult, subregions, condensed catalog)."""
    from seisviz.errors import SeisvizError
    from seisviz.subregions import scanned_catalog, subregions_for

    catalog = current_catalog()
    result = st.session_state.get("detection")
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
    catalog object: the cache key of everything pages derive from it."""
    from seisviz.detect import catalog_fingerprint

    memo = st.session_state.get("_catalog_key")
    # the object itself, compared by identity: a bare id() may be reused by the next catalog
    if memo and memo[0] is catalog and memo[1] == len(catalog):
        return memo[2]
    digest = catalog_fingerprint(catalog)
    st.session_state["_catalog_key"] = (catalog, len(catalog), digest)
    return digest
