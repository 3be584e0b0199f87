"""Typed access to the dashboard's session state: every key in one place.

Each entry of `st.session_state` that the pages use is a `Slot` of `KEYS`: its key and the
type of what it holds. Pages read and write through the slots (`KEYS.catalog.get()`,
`KEYS.detection.set(result)`, `key=KEYS.maps_jump.key` for a widget whose value they read)
and never spell a key as a raw string, so that a key is named once and a type checker sees
what each entry holds.

The slots come in groups. *The work* is what the user has built and every page reads: the
catalog, the detection, what is selected, the map layers, and `work`: one typed record
(seisviz.workstate.Work) of everything the user chose — the catalog's source and filters,
the Detect page's settings, the map settings. No page resets it: the pages draw their
widgets from it and write the user's changes back (Streamlit forgets a widget's value when
a run does not draw it, e.g. on another page; the record does not). seisviz.sessions
keeps the work on disk for a browser refresh. The other groups are one page's memory
across reruns and bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pandas as pd
import streamlit as st

from seisviz.workstate import Work

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
    work: Slot[Work] = Slot("work")  # the user's choices, one record (seisviz.workstate)
    upload_file: Slot[tuple] = Slot("upload_file")  # (name, sha256, bytes) of the catalog file
    region_file: Slot[tuple] = Slot("region_file")  # (name, sha256, bytes) of the region

    # bookkeeping of the session (pages/_common.py)
    detect_cache: Slot[Any] = Slot("detect_cache")  # seisviz.detect.ScanCache
    restore_tried: Slot[bool] = Slot("_restore_tried")
    work_stored: Slot[str] = Slot("_work_stored")  # the work as last written to disk (JSON)
    restored_said: Slot[list] = Slot("restored_said")  # what a refresh brought back or lost
    overlays_stored: Slot[tuple] = Slot("_overlays_stored")
    overlay_failed: Slot[set] = Slot("_overlay_failed")  # overlay files that did not read

    # the Catalog page
    fdsn_request: Slot[tuple] = Slot("fdsn_request")
    fdsn_label: Slot[str] = Slot("fdsn_label")
    catalog_signature: Slot[Any] = Slot("catalog_signature")
    catalog_tab: Slot[str] = Slot("catalog_tab")  # the source switch's last choice

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

    # the Detect page: its widgets (their last values survive page switches and refreshes
    # in work().detect), the baseline of the shown result, speeds
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
    detect_assist: Slot[bool] = Slot("detect_assist")  # baseline assistance on
    detect_assist_threshold: Slot[float] = Slot("detect_assist_threshold")  # its floor
    detect_batch: Slot[int] = Slot("detect_batch")
    detect_baseline: Slot[tuple] = Slot("_detect_baseline")  # (result, catalog, periods)
    detect_runtime_speed: Slot[dict] = Slot("detect_runtime_speed")  # runtime -> maps/s

    # the Subregions page
    subregions_pick: Slot[int] = Slot("subregions_pick")  # a widget: the subregion shown

    # the Overview page
    tiles_folder: Slot[str] = Slot("tiles_folder")  # the scan folder shown: a name in the work folder
    tiles_selected: Slot[Any] = Slot("tiles_selected")
    tiles_found: Slot[str] = Slot("tiles_found")  # a widget: a scan-tiles folder found there
    tiles_typed: Slot[str] = Slot("tiles_typed")  # a widget: a folder name typed
    tiles_out: Slot[str] = Slot("tiles_out")  # a widget: the new scan's output folder name
    tiles_km: Slot[float] = Slot("tiles_km")  # a widget: tile size (None: the model's)
    tiles_overlap: Slot[float] = Slot("tiles_overlap")  # a widget: overlap (None: a quarter)
    tiles_model: Slot[str] = Slot("tiles_model")  # a widget: a shipped model or a work-folder .pt
    tiles_device: Slot[str] = Slot("tiles_device")  # a widget
    tiles_step: Slot[float] = Slot("tiles_step")  # a widget: window step in days
    tiles_min_events: Slot[int] = Slot("tiles_min_events")  # a widget
    tiles_run: Slot[bool] = Slot("tiles_run")  # the Run button


KEYS = Keys()


def work() -> Work:
    """The session's record of the user's work (created empty on first use)."""
    return KEYS.work.setdefault(Work())


def widget(key: str) -> Slot:
    """The slot of a widget whose key is made at run time (e.g. per catalog)."""
    return Slot(key)
