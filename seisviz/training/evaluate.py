"""Held-out evaluation: the network against the beta-statistic baseline, same catalogs.

Held-out catalogs come from seeds the training never used. Both methods see the same
distribution maps; each has its threshold fixed beforehand (the network's from its
validation set, the baseline's tuned for F1 on catalogs from the training seeds), so
neither is tuned on the test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from seisviz.detect import (best_threshold, beta_scores, compare_periods, flagged_periods,
                            window_scores)
from seisviz.settings import MIN_PERIOD_DAYS, STEP_DAYS, TRAINING_STEP_DAYS
from seisviz.timeutil import DAY_NS, to_ns
from seisviz.training.synthetic import random_scenario, scenario_windows

if TYPE_CHECKING:
    from seisviz.detect.card import ModelCard

HELDOUT_SEED = 9_000_000
TUNING_SEED = 1  # catalogs drawn like the training data, for the baseline's threshold

# Held-out sets: name -> random_scenario options
EVALUATION_SETS = {
    "mixed": {},
    **{f"{kind}, {'with' if spots else 'no'} busy spots": {
        "kinds": (kind,), "figure_s1": False, "persistent": spots}
       for kind in ("swarm", "injection", "aftershock") for spots in (False, True)},
    "figure_s1": {"figure_s1": True},
    "no anomaly (busy spots, drift, completeness change)": {
        "n_episodes": 0, "persistent": True, "drift": True, "completeness": True,
        "figure_s1": False},
}


def tune_baseline(n_catalogs: int = 8, seed: int = TUNING_SEED,
                  step_days: float = TRAINING_STEP_DAYS) -> float | None:
    """The beta threshold that maximises window F1 on training-like catalogs."""
    rng = np.random.default_rng(seed)
    scores, labels = [], []
    for _ in range(n_catalogs):
        dmaps, y, _ = scenario_windows(random_scenario(rng), step_days=step_days)
        s = beta_scores(dmaps)
        keep = dmaps.has_history
        scores.append(s[keep])
        labels.append(y[keep])
    threshold, _ = best_threshold(np.concatenate(labels), np.concatenate(scores),
                                  np.arange(0.0, 30.0, 0.25))
    return threshold


def _score_catalog(dmaps, labels, cause, scenario, flagged, prob, min_period_days):
    """Window and episode scores for one catalog and one method."""
    keep = dmaps.has_history
    windows = dmaps.window_table()
    periods = flagged_periods(windows[keep], flagged[keep], probability=prob[keep],
                              min_period_days=min_period_days)
    found_eps = set(np.unique(cause[labels & keep])) - {-1}
    truth = scenario.episodes[scenario.episodes["episode"].isin(found_eps)]
    return {"labels": labels[keep], "flagged": flagged[keep], "periods": periods,
            "truth": truth, "near": _near_share(periods, truth, dmaps.window_days)}


def _near_share(periods, truth, margin_days):
    """(flagged days within `margin_days` of a true episode, flagged days)."""
    if len(periods) == 0:
        return (0.0, 0.0)
    days = np.unique(np.concatenate([
        np.arange(s // DAY_NS, max(e // DAY_NS, s // DAY_NS + 1))
        for s, e in zip(to_ns(periods["start"]), to_ns(periods["end"]))]))
    near = np.zeros(len(days), bool)
    for s, e in zip(to_ns(truth["start"]), to_ns(truth["end"])):
        near |= (days >= s // DAY_NS - margin_days) & (days <= e // DAY_NS + margin_days)
    return (float(near.sum()), float(len(days)))


def summarize(per_catalog: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Pool per-catalog results into window and episode precision/recall/F1."""
    labels = np.concatenate([r["labels"] for r in per_catalog])
    flagged = np.concatenate([r["flagged"] for r in per_catalog])
    win = window_scores(labels, flagged)
    n_picked = sum(len(r["periods"]) for r in per_catalog)
    comps = [compare_periods(r["periods"], r["truth"]) for r in per_catalog]
    correct = sum(c["n_picked_correct"] for c in comps)
    found = sum(c["n_true_found"] for c in comps)
    n_true = sum(c["n_true"] for c in comps)
    precision = correct / n_picked if n_picked else (1.0 if n_true == 0 else 0.0)
    recall = found / n_true if n_true else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if n_true and precision + recall else \
        float("nan")
    near, days = (sum(r["near"][i] for r in per_catalog) for i in (0, 1))
    return {"window_precision": win["precision"], "window_recall": win["recall"],
            "window_f1": win["f1"], "episode_recall": recall, "period_precision": precision,
            "episode_f1": f1, "n_episodes": n_true, "n_periods": n_picked,
            "false_periods": n_picked - correct,
            "flagged_days_near_episode": near / days if days else float("nan")}


def evaluate(model: Any, card: ModelCard, sets: dict[str, dict[str, Any]] | None = None,
             n_catalogs: int = 6, seed: int = HELDOUT_SEED, step_days: float = STEP_DAYS,
             device: str = "cpu", baseline_threshold: float | None = None,
             log: Callable[[str], Any] | None = None,
             min_period_days: float = MIN_PERIOD_DAYS) -> pd.DataFrame:
    """Scores of network and baseline per held-out set. -> DataFrame (set, method, ...)."""
    from seisviz.detect import window_probabilities

    sets = sets or EVALUATION_SETS
    if baseline_threshold is None:
        baseline_threshold = tune_baseline()
    rows = []
    for k, (name, options) in enumerate(sets.items()):
        rng = np.random.default_rng(seed + 1000 * k)
        results = {"network": [], "baseline": []}
        for _ in range(n_catalogs):
            sc = random_scenario(rng, **options)
            dmaps, labels, cause = scenario_windows(sc, card.window_days, step_days,
                                                    card.background_days, card.grid)
            prob, _ = window_probabilities(dmaps.maps, model, card, device)
            beta = beta_scores(dmaps)
            results["network"].append(
                _score_catalog(dmaps, labels, cause, sc, prob >= card.threshold, prob,
                               min_period_days))
            results["baseline"].append(
                _score_catalog(dmaps, labels, cause, sc, np.nan_to_num(beta, nan=-np.inf)
                               >= baseline_threshold, beta, min_period_days))
        for method, per in results.items():
            rows.append({"set": name, "method": method, **summarize(per)})
        if log:
            log(f"evaluated set '{name}' ({n_catalogs} catalogs)")
    table = pd.DataFrame(rows)
    table.attrs["baseline_threshold"] = baseline_threshold
    return table


def evaluation_markdown(table: pd.DataFrame) -> str:
    """The table of `evaluate` as a Markdown table, scores to three decimals."""
    cols = ["set", "method", "window_precision", "window_recall", "window_f1",
            "episode_recall", "period_precision", "episode_f1", "false_periods",
            "flagged_days_near_episode"]
    t = table[cols].copy()
    lines = ["| " + " | ".join(c.replace("_", " ") for c in cols) + " |",
             "|" + "---|" * len(cols)]
    for _, r in t.iterrows():
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in r.to_numpy()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
