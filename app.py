"""seisviz dashboard: entry point and navigation.

`streamlit run app.py` opens on the bundled synthetic demo catalog, so every page
has data from the first click.
"""

import streamlit as st

# streamlit puts this file's folder on sys.path, so the pages' shared helpers import as is
from pages._common import ensure_catalog

st.set_page_config(page_title="seisviz", page_icon="🌏", layout="wide")

PAGES = [
    st.Page("pages/1_catalog.py", title="Catalog", icon="📋", default=True),
    st.Page("pages/2_maps.py", title="Maps", icon="🗺️"),
    st.Page("pages/3_train.py", title="Train", icon="🏋️"),
    st.Page("pages/4_detect.py", title="Detect", icon="🔎"),
    st.Page("pages/5_subregions.py", title="Subregions", icon="📍"),
    st.Page("pages/6_export.py", title="Export", icon="📦"),
    st.Page("pages/7_overview.py", title="Overview", icon="🧭"),
]

ensure_catalog()
st.navigation(PAGES).run()
