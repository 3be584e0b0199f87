"""One pass from catalog to results: maps, probabilities, flagged periods.

`scan_catalog` is what the Detect page and `python -m seisviz scan` both call.
"""

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from seisviz.baseline import beta_scores
from seisviz.detect import MIN_PERIOD_DAYS, flagged_periods, window_probabilities
from seisviz.errors import SeisvizError
from seisviz.raster import _to_ns, catalog_bbox, make_grid, pixel_index, rasterize

DEFAULT_BASELINE_THRESHOLD = 5.0  # used when a model card carries none


@dataclass
class ScanResult:
    windows: pd.DataFrame   # window_start, window_end, n_events, probability, flagged, ...
    periods: pd.DataFrame   # period_id, start, end, peak_probability, n_windows, n_events
    dmaps: object           # seisviz.raster.DistributionMaps
    settings: dict
    card: dict
    timings: dict = field(default_factory=dict)
    device_info: dict = field(default_factory=dict)


def scan_settings(card, bbox=None, grid=None, window_days=None, step_days=1.0,
                  background_days=None, threshold=None, min_magnitude=None, max_gap_days=0.0,
                  min_period_days=MIN_PERIOD_DAYS,
                  device="auto", batch_size=None, model="resnet18", baseline_threshold=None):
    """Every setting of a scan, defaults (None) taken from the model card."""
    def default(value, key, fallback):
        value = card.get(key, fallback) if value is None else value
        if not float(value) > 0:
            raise SeisvizError(f"{key.replace('_', ' ')} must be positive, got {value}")
        return value

    return {
        "model": model,
        "bbox": None if bbox is None else [float(v) for v in bbox],
        "grid": int(default(grid, "grid", 64)),
        "window_days": float(default(window_days, "window_days", 30.0)),
        "step_days": float(default(step_days, "step_days", 1.0)),
        "background_days": float(default(background_days, "background_days", 180.0)),
        "threshold": float(card.get("threshold", 0.5) if threshold is None else threshold),
        "baseline_threshold": float(baseline_threshold if baseline_threshold is not None
                                    else card.get("baseline_threshold",
                                                  DEFAULT_BASELINE_THRESHOLD)),
        "min_magnitude": None if min_magnitude is None else float(min_magnitude),
        "max_gap_days": float(max_gap_days),
        "min_period_days": float(min_period_days),
        "device": device,
        "batch_size": batch_size,
    }


def scan_catalog(catalog, model="resnet18", progress=None, loaded=None, **options):
    """Run the detector (and the baseline) over every window of `catalog`.

    `loaded` = (net, card) skips loading weights (the page caches them)."""
    from seisviz.models import load_model, pick_device

    timings = {}
    t0 = time.perf_counter()
    device = pick_device(options.get("device", "auto"))
    net, card = loaded if loaded is not None else load_model(model, device)
    settings = scan_settings(card, model=model, **options)
    settings["device"] = device
    timings["load_model_s"] = time.perf_counter() - t0

    if settings["min_magnitude"] is not None:
        catalog = catalog[catalog["magnitude"] >= settings["min_magnitude"]]
    if len(catalog) == 0:
        raise SeisvizError("no events left to scan (check --min-magnitude and the bbox)")
    bbox = settings["bbox"] or list(catalog_bbox(catalog))
    settings["bbox"] = [round(v, 6) for v in bbox]
    grid = make_grid(bbox, settings["grid"])

    t1 = time.perf_counter()
    dmaps = rasterize(catalog, grid, settings["window_days"], settings["step_days"],
                      settings["background_days"])
    timings["rasterize_s"] = time.perf_counter() - t1

    prob, info = window_probabilities(dmaps.maps, net, card, device, settings["batch_size"],
                                      progress)
    timings["detect_s"] = info["seconds"]
    prob = np.where(dmaps.has_history, prob, np.nan)
    beta = beta_scores(dmaps)

    windows = dmaps.window_table()
    windows["probability"] = prob
    windows["baseline_beta"] = beta
    windows["has_history"] = dmaps.has_history
    result = ScanResult(windows=windows, periods=None, dmaps=dmaps, settings=settings,
                        card=card, timings=timings, device_info=info)
    result = reflag(result, catalog)
    timings["total_s"] = time.perf_counter() - t0
    return result


# Settings that only decide which windows are flagged and how they merge: changing them
# re-derives flags and periods from the stored probabilities, without running the network.
FLAG_SETTINGS = ("threshold", "baseline_threshold", "max_gap_days", "min_period_days")
WINDOW_COLUMNS = ["window_start", "window_end", "n_events", "probability", "flagged",
                  "baseline_beta", "baseline_flagged", "has_history"]


def reflag(result, catalog, threshold=None, baseline_threshold=None, max_gap_days=None,
           min_period_days=None):
    """`result` with flags and periods derived anew for other thresholds / gap / minimum
    period length.

    `catalog` is the catalog that was scanned (for the periods' event counts)."""
    settings = dict(result.settings)
    for name, value in (("threshold", threshold), ("baseline_threshold", baseline_threshold),
                        ("max_gap_days", max_gap_days), ("min_period_days", min_period_days)):
        if value is not None:
            settings[name] = float(value)
    windows = result.windows.copy()
    prob = windows["probability"].to_numpy()
    windows["flagged"] = np.nan_to_num(prob, nan=0.0) >= settings["threshold"]
    windows["baseline_flagged"] = (np.nan_to_num(windows["baseline_beta"].to_numpy(),
                                                 nan=-np.inf) >= settings["baseline_threshold"])
    windows = windows[WINDOW_COLUMNS]
    periods = flagged_periods(windows, windows["flagged"], settings["max_gap_days"], prob,
                              settings["min_period_days"])
    periods["n_events"] = count_events(scanned_events(catalog, settings, result.dmaps.grid),
                                       periods)
    return replace(result, windows=windows, periods=periods, settings=settings)


def baseline_periods(result, catalog=None):
    """Flagged periods of the beta-statistic baseline on the same windows.

    With the scanned `catalog`, an `n_events` column as in `result.periods`."""
    w = result.windows
    periods = flagged_periods(w, w["baseline_flagged"], result.settings["max_gap_days"],
                              w["baseline_beta"].to_numpy(),
                              result.settings["min_period_days"])
    periods = periods.rename(columns={"peak_probability": "peak_beta"})
    if catalog is not None:
        periods["n_events"] = count_events(
            scanned_events(catalog, result.settings, result.dmaps.grid), periods)
    return periods


def scanned_events(catalog, settings, grid):
    """The events a scan looked at: above its min magnitude and inside its grid."""
    if settings.get("min_magnitude") is not None:
        catalog = catalog[catalog["magnitude"] >= settings["min_magnitude"]]
    inside = pixel_index(catalog["longitude"].to_numpy(float),
                         catalog["latitude"].to_numpy(float), grid) >= 0
    return catalog[inside]


def count_events(catalog, periods):
    """Events of `catalog` in each period's [start, end)."""
    if len(periods) == 0:
        return pd.Series([], dtype=np.int64)
    t = _to_ns(catalog["time"])
    lo = np.searchsorted(t, _to_ns(periods["start"]))
    hi = np.searchsorted(t, _to_ns(periods["end"]))
    return pd.Series(hi - lo, index=periods.index, dtype=np.int64)


def iso_utc(series):
    """ISO-8601 UTC strings ('2019-06-17T14:55:00Z')."""
    return pd.to_datetime(series, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
