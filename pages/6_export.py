"""Export: download the detection's periods, subregions, condensed catalog, figures and
run.json, one by one or all in one zip.

Thin page: every file is made by `seisviz.export` when its button is clicked (deferred
downloads), so the page itself stays fast. PNG needs Chrome or Chromium for kaleido;
without one the page says so and offers HTML.
"""

import streamlit as st

from pages._common import demo_banner, detection_and_subregions, map_layers
from pages._state import KEYS, work
from seisviz import export
from seisviz.workstate import scan_command
from seisviz.plots.subregions import subregion_figure
from seisviz.subregions import shrinkage

st.title("Export")
demo_banner()
catalog, result, subs, condensed = detection_and_subregions(
    "its periods, subregions and condensed catalog can then be downloaded here.")
name = KEYS.catalog_name.get("catalog")
kept, total, pct = shrinkage(catalog, condensed)
st.caption(f"**{name}**: {len(result.periods)} flagged periods, {len(subs)} subregions, "
           f"condensed catalog {kept:,} of {total:,} events ({pct:.1f}%).")
png_ok, png_why = export.png_available()
record = work()
run_info = {  # run.json: how to redo this run (seisviz.workstate, seisviz.runinfo)
    "load_report": record.source.load_report or KEYS.load_report.get(),
    "command": scan_command(record, result.settings, cut=result.cut),
    "catalog_source": {k: v for k, v in vars(record.source).items()
                       if k != "load_report" and v not in (None, {}, "")},
    "filters": record.filters.applied(),
    "declustering": record.filters.declustering()}
common = {"subregions": subs, "condensed": condensed, "catalog_name": name,
          "run_info": run_info}


def deferred(fn, *args, **kwargs):
    """A download callable: the file is made when the button is clicked."""
    return lambda: fn(*args, **kwargs)


def run_json():
    return export.run_json(result, subregions=subs, catalog_name=name,
                           outputs=["run.json"], condensed=condensed, catalog=catalog,
                           **run_info)


st.subheader("One file at a time")
left, middle, right = st.columns(3)
with left:
    st.markdown("**Periods and subregions**")
    st.download_button("Periods (CSV)", deferred(export.periods_csv, result.periods),
                       "periods.csv", "text/csv", key="export_periods_csv", on_click="ignore")
    st.download_button("Episodes (CSV)", deferred(export.episodes_csv, subs),
                       "episodes.csv", "text/csv", key="export_episodes_csv",
                       on_click="ignore", disabled=len(subs) == 0)
    st.download_button("Subregions (GeoJSON)", deferred(export.subregions_geojson, subs),
                       "subregions.geojson", "application/geo+json",
                       key="export_subregions_geojson", on_click="ignore",
                       disabled=len(subs) == 0)
    st.download_button("Subregions (GeoPackage)", deferred(export.subregions_gpkg, subs),
                       "subregions.gpkg", "application/geopackage+sqlite3",
                       key="export_subregions_gpkg", on_click="ignore",
                       disabled=len(subs) == 0)
with middle:
    st.markdown("**Condensed catalog**")
    st.download_button("Condensed catalog (CSV)", deferred(export.condensed_csv, condensed),
                       "condensed_catalog.csv", "text/csv", key="export_condensed_csv",
                       on_click="ignore")
    st.download_button("Condensed catalog (QuakeML)",
                       deferred(export.condensed_quakeml, condensed), "condensed_catalog.xml",
                       "application/xml", key="export_condensed_quakeml", on_click="ignore")
    st.download_button("Settings (run.json)", run_json, "run.json", "application/json",
                       key="export_run_json", on_click="ignore")
layers = map_layers()[0]  # the user's overlays and stars go into the exported figures
with right:
    st.markdown("**Figures S4/S5**")
    if len(subs) == 0:
        st.caption("No subregion, so no figure.")
    else:
        st.download_button(
            f"All {min(len(subs), export.MAX_FIGURES)} subregions (HTML, offline)",
            deferred(lambda: export.figure_html(
                [f for _, f in export.subregion_figures(catalog, subs, **layers)],
                title=f"seisviz subregions: {name}")),
            "subregion_figures.html", "text/html", key="export_figures_html",
            on_click="ignore")
        labels = {i: f"period {r.period_id} · subregion {r.subregion_id}"
                  for i, r in enumerate(subs.itertuples())}
        chosen = KEYS.selected_subregion.get() or {}
        default = next((i for i, r in enumerate(subs.itertuples())
                        if (r.period_id, r.subregion_id)
                        == (chosen.get("period_id"), chosen.get("subregion_id"))), 0)
        i = st.selectbox("Figure", list(labels), index=default, format_func=labels.get,
                         key="export_figure_pick")
        row = subs.iloc[i]
        stem = f"period_{row['period_id']}_subregion_{row['subregion_id']}"
        st.download_button("This figure (HTML)",
                           deferred(lambda: export.figure_html(subregion_figure(catalog, row,
                                                                               **layers))),
                           stem + ".html", "text/html", key="export_figure_html",
                           on_click="ignore")
        if png_ok:
            st.download_button("This figure (PNG)",
                               deferred(lambda: export.figure_png(
                                   subregion_figure(catalog, row, **layers))),
                               stem + ".png", "image/png", key="export_figure_png",
                               on_click="ignore")
        else:
            st.warning(png_why)

st.subheader("Everything in one zip")
choices = [f for f in export.FORMATS if png_ok or f != "png"]
formats = st.multiselect("Formats", choices, default=list(export.DEFAULT_FORMATS),
                         key="export_formats",
                         help="csv: periods and condensed catalog · geojson/gpkg: subregions "
                              "· quakeml: condensed catalog · html/png: Figures S4/S5. "
                              "run.json is always included.")
if not png_ok:
    st.caption(f"PNG is not offered: {png_why}")
if formats:
    st.download_button("Download the zip", deferred(export.export_bundle, catalog, result,
                                                    formats, figure_options=layers, **common),
                       "seisviz_export.zip", "application/zip", type="primary",
                       key="export_zip", on_click="ignore")
else:
    st.caption("Pick at least one format.")
