"""Baseline assistance on the Detect page: its two widgets, and how a result says which
windows it flagged.

Thin: the rule is `seisviz.detect.flags.assisted_flags`, its defaults are in
`seisviz.settings`. The widgets keep their values in the work record like the page's
other widgets (through the page's `remember` and `keep`). Assistance only decides flags
(`seisviz.settings.FLAG_SETTINGS`): changing it re-flags the kept scan, no new scan.
"""

import streamlit as st

from pages._state import KEYS
from seisviz.settings import ASSIST_BETA, ASSIST_OFF, ASSIST_THRESHOLD, FINE_PASS_FLOOR


def assistance_controls(column, remember, keep):
    """The "Baseline assistance" checkbox and its probability floor, drawn in `column`;
    -> the scan's `assist_threshold` (ASSIST_OFF when the box is unticked)."""
    remember(KEYS.detect_assist, True)  # on by default, as in the library
    remember(KEYS.detect_assist_threshold, ASSIST_THRESHOLD)
    column.checkbox(
        "Baseline assistance", key=KEYS.detect_assist.key,
        help="Also flag a window whose probability reaches only the floor below, where the "
             f"regional beta (each place against its own past) reaches {ASSIST_BETA:g}: new "
             "sequences on places busy for months, which the network alone is unsure of. "
             "Off: the probability threshold alone decides. See docs/detection.md.")
    on = bool(KEYS.detect_assist.get())
    # not under the fast scan's floor: the regional beta is only computed above it
    column.number_input(
        "Assisted probability floor", min_value=FINE_PASS_FLOOR, max_value=1.0, step=0.05,
        key=KEYS.detect_assist_threshold.key, disabled=not on,
        help="The probability from which a window is flagged too where the regional beta "
             f"is {ASSIST_BETA:g} or more (default {ASSIST_THRESHOLD:g}; at or above the "
             "threshold it changes nothing).")
    keep(KEYS.detect_assist, KEYS.detect_assist_threshold)
    return float(KEYS.detect_assist_threshold.get()) if on else ASSIST_OFF


def flag_rule(settings):
    """Which windows a result flagged, in words (its ScanSettings)."""
    rule = f"probability ≥ {settings.threshold:.2f}"
    if settings.assist_threshold >= ASSIST_OFF:
        return f"{rule}; baseline assistance off"
    if not settings.assisted():
        return (f"{rule}; baseline assistance's floor {settings.assist_threshold:.2f} is not "
                "under it and flags nothing more")
    return (f"{rule}, or ≥ {settings.assist_threshold:.2f} where the regional beta ≥ "
            f"{settings.assist_beta:g}: baseline assistance")
