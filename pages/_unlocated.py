"""The Detect page's unlocated alarms: runs of flagged windows in which no place rose over
its own rate (`seisviz.subregions.unlocated`), shown with their approximate place."""

import pandas as pd
import streamlit as st


def unlocated_table(unlocated):
    """The unlocated alarms as shown: the flagged windows' span, to the day."""
    day = lambda s: pd.to_datetime(s, utc=True).dt.strftime("%Y-%m-%d")  # noqa: E731
    return pd.DataFrame({
        "alarm": "U" + unlocated["alarm_id"].astype(str),
        "flagged windows": day(unlocated["window_start"]) + " → " + day(unlocated["window_end"])
        + " (" + unlocated["n_windows"].astype(str) + ")",
        "peak probability": unlocated["peak_probability"].astype(float).round(3),
        "events in the span": unlocated["n_events"],
        "approximate place (lon, lat)": (unlocated["center_lon"].map("{:.3f}, ".format)
                                         + unlocated["center_lat"].map("{:.3f}".format)
                                         ).where(unlocated["center_lon"].notna(), ""),
        "events there": unlocated["n_events_at_center"], "tile": unlocated["tile_id"]})


def show_unlocated(unlocated):
    """The unlocated alarms' table and what they are; a line saying there are none."""
    if unlocated is not None and len(unlocated):
        st.markdown(f"**Unlocated alarms: {len(unlocated)}**")
        st.caption("Runs of flagged windows in which no place rose over its own rate: the "
                   "network flagged them, but no episode and no polygon came out, so they "
                   "are not periods (unlocated.csv). Their place is only approximate: the "
                   "~5 km neighbourhood whose events most exceed its background in the span.")
        st.dataframe(unlocated_table(unlocated), hide_index=True, key="detect_unlocated_table",
                     width="stretch")
    elif unlocated is not None:
        st.caption("No unlocated alarms: every run of flagged windows has a place.")
