"""Typed access to the dashboard's session state: every key in one place.

Each entry of `st.session_state` that the pages use is a `Slot` of `KEYS`: its key and the
type of what it holds. Pages read and write through the slots (`KEYS.catalog.get()`,
`KEYS.detection.set(result)`, `key=KEYS.maps_jump.key` for a widget whose value they read)
and never spell a key as a raw string, so that a key is named once and a type checker sees
what each entry holds.

The slots come in groups. *The work* is what the user has built and every page reads: the
catalog and where it came from, the detection, what is selected, the map layers; the
Catalog page replaces it and seisviz.sessions keeps it on disk for a browser refresh. The
other groups are one page's memory across reruns and bookkeeping. The work's slots are the
fields a single typed record of the session (stored and restored as one) would hold, so
that such a record can take their place without the pages changing how they ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pandas as pd
import streamlit as st

T = TypeVar("T")


@dataclass(frozen=True)
class Slot(Generic[T]):
    """One entry of the session state: its key, and (as the type parameter) what it
    holds."""

    key: str

    def get(self, default: T | None = None) -> T | None:
        return st.session_state.get(self.key, default)

    def set(self, value: T) -> None:
        st.session_state[self.key] = value

    def pop(self) -> T | None:
        return st.session_state.pop(self.key, None)

    def setdefault(self, value: T) -> T:
        return st.session_state.setdefault(self.key, value)

    def present(self) -> bool:
        return self.key in st.session_state


@dataclass(frozen=True)
class Keys:
    """Every session-state entry the pages use (see the module docstring)."""

    # the work: set by the Catalog page (and Detect, Subregions), read by every page
    catalog: Slot[pd.DataFrame] = Slot("catalog")  # loaded *and filtered*, canonical columns
    catalog_name: Slot[str] = Slot("catalog_name")  # what titles call it
    is_demo: Slot[bool] = Slot("is_demo")  # one of the bundled synthetic demo catalogs
    true_periods: Slot[pd.DataFrame] = Slot("true_periods")  # a demo's known periods, or None
    load_report: Slot[Any] = Slot("load_report")  # seisviz.catalog.LoadReport of the last load
    load_failed: Slot[tuple] = Slot("load_failed")  # (name, message) of a failed load
    detection: Slot[Any] = Slot("detection")  # the ScanResult shown (seisviz.detect)
    selected_period: Slot[dict] = Slot("selected_period")  # {"period_id", "start", "end"}
    selected_subregion: Slot[dict] = Slot("selected_subregion")  # {"period_id", "subregion_id"}
    overlays: Slot[dict] = Slot("overlays")  # {file id: seisviz.overlays.Overlay}
    session_token: Slot[str] = Slot("session_token")  # the URL's ?session=… (seisviz.sessions)

    # bookkeeping of the session (pages/_common.py)
    detect_cache: Slot[Any] = Slot("detect_cache")  # seisviz.detect.ScanCache
    restore_tried: Slot[bool] = Slot("_restore_tried")
    restored: Slot[bool] = Slot("_restored")  # the next set_catalog keeps the restored one
    restored_said: Slot[list] = Slot("restored_said")  # what a refresh brought back or lost
    overlays_stored: Slot[tuple] = Slot("_overlays_stored")
    overlay_failed: Slot[set] = Slot("_overlay_failed")  # overlay files that did not read

    # the Catalog page
    fdsn_request: Slot[tuple] = Slot("fdsn_request")
    fdsn_label: Slot[str] = Slot("fdsn_label")
    catalog_signature: Slot[Any] = Slot("catalog_signature")

    # the Maps page
    maps_jump: Slot[Any] = Slot("maps_jump")  # a widget: the single window's day
    maps_period_applied: Slot[tuple] = Slot("maps_period_applied")

    # the Train page
    train_result: Slot[tuple] = Slot("train_result")
    train_sweep: Slot[tuple] = Slot("train_sweep")

    # a long run in flight (Train, Detect): how far it got, kept until it ends, so that
    # the rerun a Cancel click (or any other click) makes can say where it stopped
    train_running: Slot[dict] = Slot("_train_running")  # epoch, epochs, checkpoint, cancelled
    detect_running: Slot[dict] = Slot("_detect_running")  # done, total (maps), cancelled

    # the Detect page: its widgets (their last values survive page switches in
    # detect_form), the threshold's model, the baseline of the shown result, speeds
    detect_form: Slot[dict] = Slot("detect_form")
    detect_model_choice: Slot[str] = Slot("detect_model_choice")
    detect_model_path: Slot[str] = Slot("detect_model_path")
    detect_device: Slot[str] = Slot("detect_device")
    detect_runtime: Slot[str] = Slot("detect_runtime")
    detect_threshold: Slot[float] = Slot("detect_threshold")
    detect_window: Slot[float] = Slot("detect_window")
    detect_step: Slot[float] = Slot("detect_step")
    detect_grid: Slot[int] = Slot("detect_grid")
    detect_min_mag: Slot[float] = Slot("detect_min_mag")
    detect_max_gap: Slot[float] = Slot("detect_max_gap")
    detect_min_period: Slot[float] = Slot("detect_min_period")
    detect_background: Slot[float] = Slot("detect_background")
    detect_baseline_threshold: Slot[float] = Slot("detect_baseline_threshold")
    detect_batch: Slot[int] = Slot("detect_batch")
    detect_threshold_for: Slot[str] = Slot("_detect_threshold_for")  # the card's sha256
    detect_baseline: Slot[tuple] = Slot("_detect_baseline")  # (result, catalog, periods)
    detect_runtime_speed: Slot[dict] = Slot("detect_runtime_speed")  # runtime -> maps/s

    # the Subregions page
    subregions_pick: Slot[int] = Slot("subregions_pick")  # a widget: the subregion shown

    # the Overview page
    tiles_folder: Slot[str] = Slot("tiles_folder")
    tiles_selected: Slot[Any] = Slot("tiles_selected")


KEYS = Keys()
