"""The Catalog page's column chooser: when the loader cannot tell which column is which,
the user picks them from the file's first rows; the choice is remembered for files with the
same header line (seisviz.catalog.mapping)."""

import hashlib

import streamlit as st

from seisviz.catalog.mapping import preview, remember
from seisviz.errors import SeisvizError

NONE = "—"
DELIMITERS = {"guess": None, "comma ,": ",", "semicolon ;": ";", "tab": "\t", "pipe |": "|",
              "whitespace": "whitespace"}
FIELDS = [("time", "Time (date and time, or time of day)"), ("date", "Date"), ("year", "Year"),
          ("month", "Month"), ("day", "Day"), ("hour", "Hour"), ("minute", "Minute"),
          ("second", "Second"), ("latitude", "Latitude"), ("longitude", "Longitude"),
          ("depth", "Depth (km)"), ("magnitude", "Magnitude")]


def choice_args(choice):
    """(columns as sorted pairs, delimiter, timezone): hashable arguments for a cached load."""
    if not choice:
        return (), None, None
    return (tuple(sorted((choice.get("columns") or {}).items())), choice.get("delimiter"),
            choice.get("timezone"))


def column_chooser(data, name, choice, expanded):
    """Draw the chooser; pressing its button remembers the choice and reruns the page."""
    digest = hashlib.sha1(data[:65536]).hexdigest()[:8]  # fresh widgets for another file
    choice = choice or {}
    with st.expander("Choose the columns yourself", expanded=expanded):
        st.caption("Pick the column for each field from the file's first rows: the time as one "
                   "column, as date + time of day, or as its parts (year … second). The choice "
                   "is remembered for files with the same header line.")
        c = st.columns(3)
        labels = list(DELIMITERS)
        remembered_delim = next((k for k, v in DELIMITERS.items() if v == choice.get("delimiter")),
                                "guess")
        delim = c[0].selectbox("Delimiter", labels, index=labels.index(remembered_delim),
                               key=f"cc_delim_{digest}")
        header_line = c[1].number_input("Header is line", min_value=1, value=None, step=1,
                                        key=f"cc_header_{digest}",
                                        help="Empty: the first non-blank line.")
        timezone = c[2].text_input("Time zone of times without an offset",
                                   value=choice.get("timezone") or "UTC",
                                   key=f"cc_tz_{digest}", help="e.g. UTC, Asia/Tokyo, +09:00")
        try:
            p = preview(data, name, header_line=header_line, delimiter=DELIMITERS[delim])
        except SeisvizError:  # not text: the page's error already says what it is
            st.caption("This file is not text, so there are no columns to choose.")
            return
        st.dataframe(p.rows, hide_index=True)
        options = [NONE] + p.names
        defaults = choice.get("columns") or p.guesses
        cols = st.columns(4)
        picks = {}
        for i, (key, label) in enumerate(FIELDS):
            default = defaults.get(key)
            picks[key] = cols[i % 4].selectbox(label, options,
                                               index=options.index(default) if default in options else 0,
                                               key=f"cc_{key}_{digest}")
        if st.button("Load with these columns", key=f"cc_load_{digest}"):
            columns = {k: v for k, v in picks.items() if v != NONE}
            tz = timezone.strip()
            remember(p.key, {"columns": columns,
                             "delimiter": p.delimiter or "whitespace",
                             "timezone": None if tz.upper() in ("", "UTC") else tz},
                     st.session_state)
            st.rerun()
