"""One pass from catalog to results: maps, probabilities, flagged periods.

`scan_catalog` is what the Detect page, `seisviz scan` and the benchmarks all call;
`reflag` re-derives flags and periods for other thresholds without the network.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable

import numpy as np
import pandas as pd

from seisviz.catalog.resolution import check_resolution
from seisviz.detect.baseline import beta_scores
from seisviz.detect.flags import assisted_flags, with_regional_beta
from seisviz.detect.inference import window_probabilities
from seisviz.detect.passes import coverage_note, network_passes, with_network_state
from seisviz.detect.periods import flagged_periods
from seisviz.detect.result import ScanResult
from seisviz.detect.runtime import for_runtime
from seisviz.errors import SeisvizError
from seisviz.maps import catalog_bbox, events_per_window, make_grid, pixel_index, rasterize
from seisviz.settings import DEFAULT_DEVICE, DEFAULT_MODEL, MIN_EVENTS, ScanSettings
from seisviz.subregions.refine import refine_periods
from seisviz.subregions.unlocated import unlocated_alarms
from seisviz.subregions.sequences import group_sequences
from seisviz.tables import BASELINE_SCORE, WINDOWS
from seisviz.timeutil import to_ns

Progress = Callable[[int, int], None]


def scan_catalog(catalog: pd.DataFrame, model: str = DEFAULT_MODEL,
                 progress: Progress | None = None, loaded: tuple | None = None,
                 settings: ScanSettings | None = None,
                 should_stop: Callable[[], bool] | None = None,
                 span: tuple[Any, Any] | None = None, **options: Any) -> ScanResult:
    """Run the detector (and the baseline) over the windows of `catalog`.

    Every window gets a row; the network scores only those where something can happen
    (seisviz.detect.passes: none with fewer than MIN_EVENTS events, a coarse step first,
    then the user's step near what it flagged), unless `settings.exhaustive`.

    Args:
        catalog: canonical columns, sorted by time.
        model: an architecture name or a path to a .pt/.json.
        progress: called with (maps done, maps in all) as the network runs (the total is
            an upper bound until the coarse pass is done).
        loaded: (net, card) to skip loading weights (the page caches them).
            With settings.runtime "onnx" on the CPU, the net runs through its cached
            ONNX export (seisviz.detect.runtime).
        settings: the scan's settings; else built from `options` (ScanSettings fields,
            None meaning "the model card's default").
        span: (start, end) of the windows, when `catalog` is part of a larger one (a tile
            of a region): every tile then has the same windows, and a place quiet until
            its first event has that quiet time as its history. Default: the days of
            `catalog`'s first and last events.
        should_stop: asked before every batch of maps; True raises
            `seisviz.errors.Cancelled` ("cancelled after N of M windows"), and nothing
            of the scan comes back.
    """
    timings = {}
    t0 = time.perf_counter()
    net, card, settings = model_and_settings(model, loaded, settings, options)
    device = settings.device
    # e.g. 30-day windows every day over a catalog whose times are whole years: refused
    check_resolution(catalog, settings.window_days, settings.step_days)
    # ONNX Runtime on the CPU when asked for: exported once per model, then cached
    run_net, runtime_info = for_runtime(net, card, settings.runtime, device)
    timings["load_model_s"] = time.perf_counter() - t0

    catalog = above_min_magnitude(catalog, settings)
    if len(catalog) == 0:
        raise SeisvizError("no events left to scan (check --min-magnitude and the bbox)")
    settings = settings.replace(bbox=settings.bbox or catalog_bbox(catalog))
    grid = make_grid(settings.bbox, settings.grid)

    t1 = time.perf_counter()
    start, end = span if span is not None else (None, None)
    dmaps = rasterize(catalog, grid, settings.window_days, settings.step_days,
                      settings.background_days, start=start, end=end)
    timings["rasterize_s"] = time.perf_counter() - t1

    # from the event times: which windows hold too few events to be anomalous
    n_events = events_per_window(catalog, grid, dmaps.window_start, dmaps.window_end)
    sparse = n_events < MIN_EVENTS
    runs = []

    def score(indices, step):
        p, run_info = window_probabilities(dmaps.maps, run_net, card, device,
                                           settings.batch_size, step, should_stop, indices)
        runs.append(run_info)
        return p

    prob, state = network_passes(dmaps.has_history, sparse, settings.fine_pass(), score,
                                 progress)
    info = _device_info(runs, device, settings.batch_size, runtime_info)
    timings["detect_s"] = info["seconds"]
    # a sparse window's beta is -inf whether computed or not: no cell holds MIN_EVENTS
    beta = beta_scores(dmaps, windows=None if settings.exhaustive else ~sparse)
    beta[~dmaps.has_history] = np.nan

    windows = dmaps.window_table(n_events)
    windows["probability"] = prob
    windows["baseline_beta"] = beta
    windows["has_history"] = dmaps.has_history
    windows["network"] = state
    result = ScanResult(windows=windows, periods=pd.DataFrame(), dmaps=dmaps,
                        settings=settings, model=card.summary(), card=card,
                        timings=timings, device_info=info)
    result = reflag(result, catalog)
    timings["total_s"] = time.perf_counter() - t0
    return result


def reflag(result: ScanResult, catalog: pd.DataFrame, threshold: float | None = None,
           baseline_threshold: float | None = None, max_gap_days: float | None = None,
           min_period_days: float | None = None, assist_threshold: float | None = None,
           assist_beta: float | None = None) -> ScanResult:
    """`result` with flags and periods derived anew for other thresholds / gap / minimum
    period length (None keeps the result's own).

    `catalog` is the catalog that was scanned (for the periods' event counts)."""
    settings = result.settings.replace(
        threshold=threshold, baseline_threshold=baseline_threshold,
        max_gap_days=max_gap_days, min_period_days=min_period_days,
        assist_threshold=assist_threshold, assist_beta=assist_beta)
    windows = with_regional_beta(with_network_state(result.windows), result.dmaps)  # a copy
    note = coverage_note(result.settings.fine_pass(), settings.threshold,
                         settings.min_period_days, settings.step_days, windows,
                         settings.assist_threshold)
    notes = tuple(n for n in result.notes if not n.startswith("This scan scored windows"))
    result = replace(result, notes=notes + ((note,) if note else ()))
    windows["flagged"] = assisted_flags(windows["probability"], windows["regional_beta"],
                                        settings.threshold, settings.assist_threshold,
                                        settings.assist_beta)
    windows["baseline_flagged"] = (np.nan_to_num(windows["baseline_beta"].to_numpy(),
                                                 nan=-np.inf) >= settings.baseline_threshold)
    return derive_periods(replace(result, windows=WINDOWS.select(windows), settings=settings),
                          catalog)


def derive_periods(result: ScanResult, catalog: pd.DataFrame) -> ScanResult:
    """`result` with periods, subregions, episodes and sequences derived from its flagged
    windows: runs of flagged windows (`flagged_periods`), refined to the day from the
    events (`seisviz.subregions.refine.refine_periods`), grouped into sequences
    (`seisviz.subregions.sequences.group_sequences`); the runs with no place elevated are
    its unlocated alarms (`seisviz.subregions.unlocated_alarms`)."""
    w, settings = result.windows, result.settings
    raw = flagged_periods(w, w["flagged"], settings.max_gap_days,
                          w["probability"].to_numpy(), settings.min_period_days)
    events = scanned_events(catalog, settings, result.dmaps.grid)
    periods, episodes = refine_periods(events, result.dmaps, raw, w["flagged"].to_numpy(bool))
    episodes, sequences = group_sequences(episodes)  # episodes at one place, in a row
    return replace(result, periods=periods, episodes=episodes, sequences=sequences,
                   unlocated=unlocated_alarms(raw, episodes, events, grid=result.dmaps.grid,
                                              background_days=settings.background_days))


def _device_info(runs: list[dict], device: str, batch_size: int | None,
                 runtime_info: dict) -> dict:
    """The network's passes summed: device, batch size, seconds and maps/s over all."""
    from seisviz.settings import auto_batch_size, check_batch_size

    seconds = sum(r["seconds"] for r in runs)
    n_maps = sum(r["maps"] for r in runs)
    return {"device": device,
            "batch_size": check_batch_size(batch_size) or auto_batch_size(device),
            "seconds": seconds, "maps": n_maps,
            "maps_per_second": n_maps / seconds if seconds > 0 else 0.0, **runtime_info}


def baseline_periods(result: ScanResult, catalog: pd.DataFrame | None = None) -> pd.DataFrame:
    """Flagged periods of the beta-statistic baseline on the same windows, refined to the
    day exactly as the network's (`refine_periods`): peak_beta (`BASELINE_SCORE`) instead
    of peak_probability. Without `catalog`, the raw runs of flagged windows."""
    w = result.windows
    raw = flagged_periods(w, w["baseline_flagged"], result.settings.max_gap_days,
                          w["baseline_beta"].to_numpy(), result.settings.min_period_days,
                          score=BASELINE_SCORE)
    if catalog is None:
        return raw
    periods, _ = refine_periods(scanned_events(catalog, result.settings, result.dmaps.grid),
                                result.dmaps, raw, w["baseline_flagged"].to_numpy(),
                                score=BASELINE_SCORE)
    return periods


def model_and_settings(model: str, loaded: tuple | None, settings: ScanSettings | None,
                       options: dict) -> tuple[Any, Any, ScanSettings]:
    """(net, card, settings) of a scan: the model loaded unless `loaded`, the settings
    built from `options` and the card when not given, on the device picked for them."""
    from seisviz.detect.loading import load_model
    from seisviz.detect.models import pick_device

    requested = settings.device if settings is not None else options.get("device") or DEFAULT_DEVICE
    device = pick_device(requested)
    net, card = loaded if loaded is not None else load_model(model, device)
    if settings is None:
        settings = ScanSettings.from_card(card, model=model, **options)
    return net, card, settings.replace(device=device)


def above_min_magnitude(catalog: pd.DataFrame, settings: ScanSettings) -> pd.DataFrame:
    """The events at or above the scan's min magnitude (all when it has none)."""
    if settings.min_magnitude is None:
        return catalog
    return catalog[catalog["magnitude"] >= settings.min_magnitude]


def scanned_events(catalog: pd.DataFrame, settings: ScanSettings, grid: Any) -> pd.DataFrame:
    """The events a scan looked at: above its min magnitude and inside its grid."""
    catalog = above_min_magnitude(catalog, settings)
    inside = pixel_index(catalog["longitude"].to_numpy(float),
                         catalog["latitude"].to_numpy(float), grid) >= 0
    return catalog[inside]


def count_events(catalog: pd.DataFrame, periods: pd.DataFrame) -> pd.Series:
    """Events of `catalog` in each period's [start, end)."""
    if len(periods) == 0:
        return pd.Series([], dtype=np.int64)
    t = to_ns(catalog["time"])
    lo = np.searchsorted(t, to_ns(periods["start"]))
    hi = np.searchsorted(t, to_ns(periods["end"]))
    return pd.Series(hi - lo, index=periods.index, dtype=np.int64)
