"""The sequences of a detection, listed before their episodes: one section that the Detect
and Subregions pages both draw.

Thin: the grouping, the tables and their labels are `seisviz.subregions.sequences`. No
session state of its own: the widgets' keys start with the page's `key`.
"""

import streamlit as st

from seisviz.settings import SEQUENCE_DISTANCE_KM, SEQUENCE_GAP_DAYS
from seisviz.subregions.sequences import (scan_sequences, sequence_episodes, sequence_label,
                                          sequence_overview)


def show_sequences(result, episodes=None, key="sequences"):
    """The sequences table, then the episodes of the sequence chosen in a selectbox.

    `result`: the ScanResult, or None for episodes of no one scan (the Overview's merged
    tiles), grouped here. `episodes`: the table the page shows (default: the scan's own).
    -> (episodes with their sequence_id, sequences, the chosen sequence_id or None)."""
    episodes, sequences = scan_sequences(result, episodes)
    n_eps = len(episodes)
    st.subheader(f"Sequences: {len(sequences)} (of {n_eps} episode{'s' * (n_eps != 1)})")
    st.caption(f"A sequence is the episodes at one place that follow each other: polygons "
               f"within {SEQUENCE_DISTANCE_KM:g} km, at most {SEQUENCE_GAP_DAYS:g} quiet "
               "days between one's end and the next one's onset, chained (a foreshock, its "
               "mainshock and the continuation; the bursts of an injection site). See "
               "docs/detection.md, \"What a sequence is\".")
    if len(sequences) == 0:
        return episodes, sequences, None
    st.dataframe(sequence_overview(sequences), key=f"{key}_sequences_table", hide_index=True,
                 width="stretch")
    i = st.selectbox("Episodes of the sequence", list(range(len(sequences))),
                     format_func=lambda i: sequence_label(sequences, i),
                     key=f"{key}_sequence_pick")
    if not isinstance(i, int) or not 0 <= i < len(sequences):  # kept from another scan
        i = 0
    chosen = int(sequences.iloc[i]["sequence_id"])
    st.dataframe(sequence_episodes(episodes, chosen), key=f"{key}_sequence_episodes",
                 hide_index=True, width="stretch")
    return episodes, sequences, chosen
