"""Detection: the ResNet models and their cards, inference, flagged periods, the
classical baseline, and the scan that runs them over a catalog.

torch is imported only where a model is built or run.
"""

from seisviz.detect.baseline import beta_scores
from seisviz.detect.cache import ScanCache, catalog_fingerprint
from seisviz.detect.card import ModelCard
from seisviz.detect.inference import window_probabilities
from seisviz.detect.ensemble import ensemble_card, members_digest
from seisviz.detect.loading import load_model
from seisviz.detect.models import (ARCHITECTURES, ENSEMBLE, MODEL_NAMES, PAPER_HYPERPARAMETERS,
                                   available_models, pick_device, read_card, resolve_model_path)
from seisviz.detect.periods import (best_threshold, compare_periods, flagged_periods,
                                    overlaps, read_picks, window_scores)
from seisviz.detect.region import (RegionCut, plan_cut, reflag_region,
                                   region_baseline_periods, scan_region)
from seisviz.detect.result import ScanResult
from seisviz.detect.scan import (baseline_periods, count_events, reflag, scan_catalog,
                                 scanned_events)
from seisviz.runinfo import run_record

__all__ = ["ARCHITECTURES", "ENSEMBLE", "MODEL_NAMES", "PAPER_HYPERPARAMETERS", "ModelCard", "RegionCut", "ScanCache", "ScanResult",
           "catalog_fingerprint",
           "available_models", "baseline_periods", "best_threshold", "beta_scores",
           "compare_periods", "count_events", "ensemble_card", "members_digest", "flagged_periods", "load_model", "overlaps",
           "pick_device", "plan_cut", "read_card", "read_picks", "reflag", "reflag_region",
           "region_baseline_periods", "resolve_model_path", "scan_region",
           "run_record", "scan_catalog", "scanned_events", "window_probabilities",
           "window_scores"]
