"""Subregions: where each flagged period's anomaly sits, the paper's Figures S4/S5, and
the condensed catalog.

Thin page: the work is `seisviz.subregions` (find_subregions, condensed_catalog), the
figure `seisviz.plots.subregions.subregion_figure`, the episode's statistics and their
figures `seisviz.plots.episode_stats`.

Session state (slots of pages._state.KEYS) read: detection (the Detect page's ScanResult),
selected_period. Written: selected_period and selected_subregion ({"period_id",
"subregion_id"}) of the subregion shown; seisviz.subregions keeps the subregions and
condensed catalog of the current detection in it too ("_subregions_cache").
"""

import pandas as pd
import streamlit as st

from pages._common import demo_banner, detection_and_subregions, map_layers
from pages._sequences import show_sequences
from pages._state import KEYS
from seisviz.plots.basemap import format_lat, format_lon
from seisviz.plots.episode_stats import (episode_events, episode_metrics, episode_statistics,
                                         episode_stats_figures)
from seisviz.plots.subregions import subregion_figure
from seisviz.subregions import same_place, shrinkage
from seisviz.subregions.sequences import first_episode

PICK = KEYS.subregions_pick

st.title("Subregions")
demo_banner()
catalog, result, subs, condensed = detection_and_subregions(
    "then come back to see where each flagged period's anomaly sits.")
if len(result.periods) == 0:
    st.info("The last detection flagged no period, so there is nothing to place.")
    st.page_link("pages/4_detect.py", label="Back to the Detect page", icon="🔎")
    st.stop()
if len(subs) == 0:
    st.info(f"None of the {len(result.periods)} flagged periods holds a place whose counts "
            "rise sharply over its own background (see docs/subregions.md for the test).")
    st.stop()

# --- sequences first, their episodes inside; subs gains each episode's sequence_id
subs, _, sequence = show_sequences(result, subs, key="subregions")
if sequence is not None:
    st.button("Show its first episode below", key="subregions_open_sequence",
              on_click=PICK.set, args=(first_episode(subs, sequence),))

pairs = list(zip(subs["period_id"].astype(int), subs["subregion_id"].astype(int)))
n = len(pairs)


def label(i):
    r = subs.iloc[i]
    return (f"Sequence {r['sequence_id']} · period {r['period_id']} · subregion "
            f"{r['subregion_id']} — "
            f"{r['start']:%Y-%m-%d %H:%M} → {r['end']:%Y-%m-%d %H:%M}, {r['n_events']:,} events")


def start_index():
    """Where to open: the selected subregion, else the first of the selected period."""
    sel = KEYS.selected_period.get()
    pid = sel.get("period_id") if isinstance(sel, dict) else sel
    chosen = KEYS.selected_subregion.get()
    if isinstance(chosen, dict):
        key = (chosen.get("period_id"), chosen.get("subregion_id"))
        if key in pairs and (pid is None or key[0] == pid):
            return pairs.index(key)
    for i, (p, _) in enumerate(pairs):
        if p == pid:
            return i
    return 0


def step(k):
    PICK.set((PICK.get(0) + k) % n)


if PICK.get() not in range(n):
    PICK.set(start_index())
sel = KEYS.selected_period.get()
sel_pid = sel.get("period_id") if isinstance(sel, dict) else sel
if sel_pid is not None and sel_pid not in {p for p, _ in pairs}:
    st.caption(f"Period {sel_pid} (selected on the Detect page) has no subregion: no place "
               "in it rises sharply over its own background.")

c_prev, c_pick, c_next = st.columns([1, 6, 1], vertical_alignment="bottom")
with c_prev:
    st.button("◀ Previous", key="subregions_prev", on_click=step, args=(-1,),
              width="stretch")
with c_pick:
    st.selectbox(f"Flagged subregion ({n} in {subs['period_id'].nunique()} periods)",
                 list(range(n)), format_func=label, key=PICK.key)
with c_next:
    st.button("Next ▶", key="subregions_next", on_click=step, args=(1,),
              width="stretch")
i = PICK.get()
row = subs.iloc[i]
pid, sid = pairs[i]
KEYS.selected_subregion.set({"period_id": pid, "subregion_id": sid})
if sel_pid != pid or not isinstance(sel, dict):
    KEYS.selected_period.set({"period_id": pid, "start": row["start"], "end": row["end"]})

c1, c2, c3, c4 = st.columns(4)
c1.metric("Events in the episode", f"{row['n_events']:,}",
          help="Inside the subregion, from onset to end, both included (the figure's title "
               "counts the same events).")
c2.metric("Area", f"{row['area_km2']:,.1f} km²")
c3.metric("Centre", format_lat(row["center_lat"]), delta=format_lon(row["center_lon"]),
          delta_color="off", delta_arrow="off")
c4.metric("Peak probability", "–" if pd.isna(row["peak_probability"])
          else f"{row['peak_probability']:.3f}")
if "rate_ratio" in row:
    d1, d2, d3, d4 = st.columns(4)
    # the date as the value, the time beneath it: a date and time on one line is cut off
    d1.metric("Onset (UTC)", f"{row['start']:%Y-%m-%d}", delta=f"{row['start']:%H:%M:%S}",
              delta_color="off", delta_arrow="off", help="The time of the episode's first event.")
    d2.metric("End (UTC)", f"{row['end']:%Y-%m-%d}", delta=f"{row['end']:%H:%M:%S}",
              delta_color="off", delta_arrow="off", help="The time of the episode's last event.")
    d3.metric("Rate over background", f"×{row['rate_ratio']:,.1f}",
              help=f"{row['background_rate_per_day']:.3g} events/day before; peak day "
                   f"{int(row['peak_daily_count']):,} events")
    d4.metric("Largest event", f"M {row['max_magnitude']:.1f}",
              delta=f"{row['max_magnitude_time']:%Y-%m-%d %H:%M}", delta_color="off",
              delta_arrow="off")
margin = st.slider("Days shown before and after the period", 0, 180, 30, 5,
                   key="subregions_margin")

layers = map_layers()[0]
st.plotly_chart(subregion_figure(catalog, row, margin_days=margin, **layers),
                key="subregions_figure", config={"displaylogo": False})
st.caption("(a) events of the episode in and around the subregion (red outline), coloured "
           "by time, sized by magnitude, on the basemap with your map layers; (b) the "
           "subregion's events as magnitude stems; (c) its daily counts; the episode from "
           "onset to end shaded.")

# --- what the episode is
st.subheader("What the episode is")
events = episode_events(catalog, row)
stats = episode_statistics(events, row)
for col, (name, value, detail, tip) in zip(st.columns(5), episode_metrics(stats)):
    col.metric(name, value, delta=detail or None, delta_color="off", delta_arrow="off",
               help=tip)
figures = episode_stats_figures(catalog, row, events=events, stats=stats)
for pair in (("distance_time", "fmd"), ("depth_time", "cross_section")):
    for col, name in zip(st.columns(2), pair):
        with col:
            st.plotly_chart(figures[name], key=f"subregions_{name}",
                            config={"displaylogo": False})
st.caption("The episode's own events (inside the subregion, onset to end). Distance from "
           "the centroid of its first events against time, with the front r = √(4πDt) of "
           "its diffusivity D; the frequency-magnitude distribution with Mc and the b-value "
           "line; depth against time; depth along the long axis of the epicentres. "
           "Minimum counts: kind 5 events, Mc 20, b-value 50 above Mc, D 10 migrating "
           "events, Omori 30 events after a leading mainshock (docs/subregions.md).")

# --- the same place in another period
st.subheader("The same place in another period")
others = same_place(subs, pid, sid)
if len(others) == 0:
    st.caption("No other flagged period has a subregion overlapping this one.")
else:
    other_labels = {int(j): label(subs.index.get_loc(j)) for j in others.index}
    j = st.selectbox("Compare with", list(other_labels), format_func=other_labels.get,
                     key=f"subregions_other_{pid}_{sid}")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(subregion_figure(catalog, row, margin_days=margin, height=760, **layers),
                        key="subregions_left", config={"displaylogo": False})
    with right:
        st.plotly_chart(subregion_figure(catalog, subs.loc[j], margin_days=margin, height=760,
                                         **layers),
                        key="subregions_right", config={"displaylogo": False})

# --- condensed catalog
st.subheader("Condensed catalog")
kept, total, pct = shrinkage(catalog, condensed)
a, b, c = st.columns(3)
a.metric("Events kept", f"{kept:,} of {total:,}")
b.metric("Share of the catalog", f"{pct:.1f}%")
c.metric("Smaller by", f"{total - kept:,} events ({100 - pct:.1f}%)")
st.caption("Events inside a flagged period and one of its subregions. Showing this "
           "subregion's events; all of them are on the Export page.")
mine = condensed[(condensed["period_id"] == pid) & (condensed["subregion_id"] == sid)]
st.dataframe(mine, hide_index=True, key="subregions_condensed")
st.page_link("pages/6_export.py", label="Export periods, subregions and the condensed catalog",
             icon="📦")
