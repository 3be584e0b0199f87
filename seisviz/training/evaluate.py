"""Held-out evaluation: each detector, their ensemble and the beta-statistic baseline on
the same synthetic catalogs.

Three disjoint sets of seeds: training (0, 2, 4 and validation 100,000+), calibration
(`CALIBRATION_SEED`: where `calibrate` picks every method's threshold, the baseline's
too, for flagged-period F1) and test (`HELDOUT_SEED`: where `evaluate` scores them). All
methods see the same distribution maps; none is tuned on the test catalogs.

Scores per set (`score_by_set`) and pooled per episode kind and size (`summary`):
episode recall (a true episode is found when a flagged period overlaps it), period
precision (a flagged period is right when it overlaps a true episode), their F1, and
false periods where nothing anomalous happens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from seisviz.detect import (ENSEMBLE, beta_scores, flagged_periods, overlaps, window_scores)
from seisviz.detect.flags import assisted_flags, regional_beta_scores
from seisviz.settings import (ASSIST_BETA, ASSIST_OFF, ASSIST_THRESHOLD, MIN_PERIOD_DAYS,
                              STEP_DAYS)
from seisviz.timeutil import DAY_NS, to_ns
from seisviz.training.busyplaces import busy_place_scenario
from seisviz.training.synthetic import random_scenario, scenario_windows

if TYPE_CHECKING:
    from seisviz.detect.card import ModelCard

HELDOUT_SEED = 9_000_000
CALIBRATION_SEED = 8_000_000
BASELINE = "baseline"
NO_ANOMALY = "no anomaly (busy spots, drift, completeness change)"
BUSY_PLACES = "new sequences on places busy >= 180 days"

# Held-out sets: name -> random_scenario options
EVALUATION_SETS = {
    "mixed": {},
    **{f"{kind}, {'with' if spots else 'no'} busy spots": {
        "kinds": (kind,), "figure_s1": False, "persistent": spots}
       for kind in ("swarm", "injection", "aftershock") for spots in (False, True)},
    "small episodes (10-50 events)": {"style": "small", "figure_s1": False},
    "diffuse episodes (3-6 km)": {"style": "diffuse", "figure_s1": False},
    "episodes on busy places": {"style": "busy", "figure_s1": False},
    "figure_s1": {"figure_s1": True},
    NO_ANOMALY: {"n_episodes": 0, "persistent": True, "drift": True, "completeness": True,
                 "figure_s1": False},
    # last, so that the sets above keep their seeds; drawn by its own generator
    BUSY_PLACES: {"scenario": busy_place_scenario},
}
SIZE_BUCKETS = (("< 20 events", 0, 20), ("20-50 events", 20, 51), ("> 50 events", 51, 10**9))
PROBABILITY_GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)
BETA_GRID = np.arange(1.0, 20.01, 0.5)
# baseline assistance (`calibrate_assistance`): its probability floor and regional beta
ASSIST_THRESHOLD_GRID = np.round(np.arange(0.05, 0.51, 0.05), 2)
ASSIST_BETA_GRID = np.arange(3.0, 8.01, 0.5)


# ---------------------------------------------------------------- catalogs and scores

def collect(models: dict[str, tuple[Any, ModelCard]], sets: dict[str, dict[str, Any]],
            n_catalogs: int, seed: int, step_days: float = STEP_DAYS, device: str = "cpu",
            log: Callable[[str], Any] | None = None,
            flips: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Draw `n_catalogs` per set, map each once, and score every window with every
    model, the mean of the models (when two or more) and the beta statistic; the models
    named in `flips` also as "<model> + flips" (test-time augmentation: the mean over the
    map and its three flips/turns).

    -> one record per catalog: set, window table, labels, cause, true episodes and
    `scores` {method: per-window score}, windows without full history left out."""
    from seisviz.detect import window_probabilities

    card = next(iter(models.values()))[1]
    out = []
    for k, (name, options) in enumerate(sets.items()):
        # a held-out set draws the same catalogs whether it is scored alone or with others
        k = list(EVALUATION_SETS).index(name) if name in EVALUATION_SETS else k
        rng = np.random.default_rng(seed + 1000 * k)
        options = dict(options)
        draw = options.pop("scenario", random_scenario)
        for _ in range(n_catalogs):
            sc = draw(rng, **options)
            dmaps, labels, cause = scenario_windows(sc, card.window_days, step_days,
                                                    card.background_days, card.grid)
            keep = dmaps.has_history
            scores = {m: window_probabilities(dmaps.maps, net, c, device)[0][keep]
                      for m, (net, c) in models.items()}
            if len(models) > 1:
                scores[ENSEMBLE] = np.mean([scores[m] for m in models], axis=0)
            for m in flips:
                turned = [dmaps.maps[..., ::-1], dmaps.maps[..., ::-1, :],
                          np.rot90(dmaps.maps, 1, axes=(2, 3))]
                scores[f"{m} + flips"] = np.mean([scores[m]] + [window_probabilities(
                    np.ascontiguousarray(t), *models[m], device)[0][keep] for t in turned],
                    axis=0)
            scores[BASELINE] = np.nan_to_num(beta_scores(dmaps)[keep], nan=-np.inf)
            regional = np.nan_to_num(regional_beta_scores(dmaps)[keep], nan=-np.inf)
            labelled = set(np.unique(cause[labels & keep])) - {-1}
            episodes = sc.episodes[sc.episodes["episode"].isin(labelled)]
            out.append({"set": name, "windows": dmaps.window_table()[keep].reset_index(drop=True),
                        "labels": labels[keep], "episodes": episodes.reset_index(drop=True),
                        "window_days": dmaps.window_days, "scores": scores,
                        "regional_beta": regional})
        if log:
            log(f"scored set '{name}' ({n_catalogs} catalogs)")
    return out


def add_assisted(records: Sequence[dict[str, Any]], thresholds: dict[str, float],
                 methods: Sequence[str], assist_threshold: float = ASSIST_THRESHOLD,
                 assist_beta: float = ASSIST_BETA,
                 assistance: dict[str, tuple[float, float]] | None = None) -> dict[str, float]:
    """Score each of `methods` also as "<method> + assist" (its windows flagged as
    `seisviz.detect.flags.assisted_flags` does: the method's threshold, or
    `assist_threshold` with the regional beta at `assist_beta`; `assistance` {method:
    (assist_threshold, assist_beta)} overrides the pair per method, e.g. from
    `calibrate_assistance`), in place. A window's score is its probability, raised to the
    threshold where only the assistance flags it.
    -> `thresholds` with the new methods' (each its method's own)."""
    out = dict(thresholds)
    for m in methods:
        name, t = f"{m} + assist", thresholds[m]
        floor, beta = (assistance or {}).get(m, (assist_threshold, assist_beta))
        for r in records:
            r["scores"][name] = _assisted_score(r, m, t, floor, beta)
        out[name] = t
    return out


def _assisted_score(record, method, threshold, assist_threshold, assist_beta):
    """The method's probability, raised to `threshold` where only assistance flags it."""
    p = record["scores"][method]
    flagged = assisted_flags(p, record["regional_beta"], threshold, assist_threshold,
                             assist_beta)
    return np.where(flagged, np.maximum(p, threshold), p)


def _outcome(record, method, threshold, min_period_days, score=None):
    """Flagged windows, periods, which periods are right and which episodes are found
    (`score`: the method's per-window score when not the record's own)."""
    score = record["scores"][method] if score is None else score
    flagged = score >= threshold
    periods = flagged_periods(record["windows"], flagged, probability=score,
                              min_period_days=min_period_days)
    truth = record["episodes"]
    if len(periods) and len(truth):
        m = overlaps(periods["start"], periods["end"], truth["start"], truth["end"])
    else:
        m = np.zeros((len(periods), len(truth)), bool)
    return {"flagged": flagged, "periods": periods, "right": m.any(axis=1),
            "found": m.any(axis=0)}


def _pool(records, outcomes):
    """Pooled scores of one method over catalogs."""
    labels = np.concatenate([r["labels"] for r in records]) if records else np.zeros(0, bool)
    flagged = np.concatenate([o["flagged"] for o in outcomes]) if outcomes else labels
    win = window_scores(labels, flagged)
    n_periods = sum(len(o["periods"]) for o in outcomes)
    right = sum(int(o["right"].sum()) for o in outcomes)
    n_true = sum(len(r["episodes"]) for r in records)
    found = sum(int(o["found"].sum()) for o in outcomes)
    # with no true episode only false periods mean anything
    precision = (right / n_periods if n_periods else 0.0) if n_true else float("nan")
    recall = found / n_true if n_true else float("nan")
    if not labels.any():
        win = {k: float("nan") for k in ("precision", "recall", "f1")}
    f1 = (2 * precision * recall / (precision + recall) if n_true and precision + recall
          else float("nan"))
    near = [_near_share(o["periods"], r["episodes"], r["window_days"])
            for r, o in zip(records, outcomes)]
    days = sum(d for _, d in near)
    return {"window_precision": win["precision"], "window_recall": win["recall"],
            "window_f1": win["f1"], "episode_recall": recall, "period_precision": precision,
            "episode_f1": f1, "n_episodes": n_true, "n_periods": n_periods,
            "false_periods": n_periods - right,
            "flagged_days_near_episode": sum(n for n, _ in near) / days if days else float("nan")}


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


# ---------------------------------------------------------------- calibration

def calibrate(records: Sequence[dict[str, Any]], min_period_days: float = MIN_PERIOD_DAYS,
              min_precision: float | None = None) -> dict[str, float]:
    """Per method, the threshold with the best pooled episode F1 on `records` (ties: the
    better window F1, then the higher threshold). With `min_precision`, the threshold with
    the most episode recall among those whose pooled period precision reaches it (ties:
    the better F1, then the higher threshold): a criterion that does not give up recall
    for precision above what is asked; the best F1 when no threshold reaches it.
    -> {method: threshold}."""
    out = {}
    for method in records[0]["scores"]:
        grid = BETA_GRID if method == BASELINE else PROBABILITY_GRID
        best = None
        for t in grid:
            s = _pool(records, [_outcome(r, method, t, min_period_days) for r in records])
            ties = (s["window_f1"], t) if min_precision is None else (t,)
            key = _criterion(s, min_precision, *ties)
            if best is None or key >= best:
                best = key
        out[method] = float(best[-1])
    return out


def _criterion(pooled, min_precision, *ties):
    """What `calibrate` maximises: the episode F1 (then `ties`), or with `min_precision`
    whether the pooled period precision reaches it, then the episode recall, the F1 and
    `ties` (`criterion_text` says it in words)."""
    f1 = float(np.nan_to_num(pooled["episode_f1"]))
    if min_precision is None:
        return (f1, *ties)
    enough = bool(np.nan_to_num(pooled["period_precision"]) >= min_precision)
    return (enough, float(np.nan_to_num(pooled["episode_recall"])) if enough else 0.0, f1,
            *ties)


def criterion_text(min_precision: float | None, ties: str) -> str:
    """`_criterion` in words, for a card: how a calibration with `min_precision` picked,
    and its last `ties`."""
    if min_precision is None:
        return f"flagged-period F1 (ties: {ties})"
    return (f"most episode recall at period precision >= {min_precision:g} "
            f"(ties: F1, {ties})")


def calibrate_assistance(records: Sequence[dict[str, Any]], thresholds: dict[str, float],
                         methods: Sequence[str], min_period_days: float = MIN_PERIOD_DAYS,
                         min_precision: float | None = None
                         ) -> dict[str, tuple[float, float]]:
    """Per method of `methods`, at its threshold in `thresholds`: baseline assistance's
    (assist_threshold, assist_beta), picked on `records` by `calibrate`'s criterion
    (best pooled episode F1, or the most recall at `min_precision`) over
    ASSIST_THRESHOLD_GRID (under the threshold) x ASSIST_BETA_GRID, and assistance off
    (ASSIST_OFF). Ties: the higher floor, then the higher beta (fewer windows assisted).
    -> {method: (assist_threshold, assist_beta)}."""
    out = {}
    for m in methods:
        t = thresholds[m]
        pairs = [(ASSIST_OFF, ASSIST_BETA)] + [
            (float(a), float(b)) for a in ASSIST_THRESHOLD_GRID[ASSIST_THRESHOLD_GRID < t]
            for b in ASSIST_BETA_GRID]
        best = None
        for floor, beta in pairs:
            s = _pool(records, [_outcome(r, m, t, min_period_days,
                                         _assisted_score(r, m, t, floor, beta))
                                for r in records])
            key = _criterion(s, min_precision, floor, beta)
            if best is None or key > best:
                best = key
        out[m] = (best[-2], best[-1])
    return out


# ---------------------------------------------------------------- evaluation tables

def outcomes_of(records: Sequence[dict[str, Any]], thresholds: dict[str, float],
                min_period_days: float = MIN_PERIOD_DAYS) -> dict[str, list[dict[str, Any]]]:
    """Every method's outcome (flags, periods, right periods, found episodes) on every
    record, computed once for the tables below. -> {method: [outcome per record]}."""
    return {m: [_outcome(r, m, t, min_period_days) for r in records]
            for m, t in thresholds.items()}


def episode_table(records: Sequence[dict[str, Any]], thresholds: dict[str, float],
                  min_period_days: float = MIN_PERIOD_DAYS,
                  outcomes: dict[str, list[dict[str, Any]]] | None = None) -> pd.DataFrame:
    """One row per true episode and method: set, kind, n_events, radius_km, found."""
    outcomes = outcomes or outcomes_of(records, thresholds, min_period_days)
    rows = []
    for i, r in enumerate(records):
        for method in thresholds:
            for (_, ep), hit in zip(r["episodes"].iterrows(), outcomes[method][i]["found"]):
                rows.append({"set": r["set"], "catalog": i, "method": method,
                             "episode": int(ep["episode"]), "kind": ep["kind"],
                             "n_events": int(ep["n_events"]), "radius_km": ep["radius_km"],
                             "found": bool(hit)})
    return pd.DataFrame(rows, columns=["set", "catalog", "method", "episode", "kind",
                                       "n_events", "radius_km", "found"])


def score_by_set(records: Sequence[dict[str, Any]], thresholds: dict[str, float],
                 min_period_days: float = MIN_PERIOD_DAYS,
                 outcomes: dict[str, list[dict[str, Any]]] | None = None) -> pd.DataFrame:
    """Pooled scores per (set, method)."""
    outcomes = outcomes or outcomes_of(records, thresholds, min_period_days)
    rows = []
    for name in dict.fromkeys(r["set"] for r in records):
        idx = [i for i, r in enumerate(records) if r["set"] == name]
        for method in thresholds:
            rows.append({"set": name, "method": method,
                         **_pool([records[i] for i in idx],
                                 [outcomes[method][i] for i in idx])})
    return pd.DataFrame(rows)


def summary(records: Sequence[dict[str, Any]], thresholds: dict[str, float],
            min_period_days: float = MIN_PERIOD_DAYS,
            outcomes: dict[str, list[dict[str, Any]]] | None = None) -> pd.DataFrame:
    """Per method: overall (every set with anomalies), per kind, per size bucket, and
    false periods on the no-anomaly set.

    A kind's period precision comes from the sets of that kind alone (a false period has
    no kind); a size bucket has recall only (a false period has no size)."""
    outcomes = outcomes or outcomes_of(records, thresholds, min_period_days)
    cols = ("n_episodes", "episode_recall", "n_periods", "period_precision", "episode_f1",
            "false_periods")

    def group(name, idx, method):
        s = _pool([records[i] for i in idx], [outcomes[method][i] for i in idx])
        return {"group": name, "method": method, "threshold": thresholds[method],
                **{k: s[k] for k in cols}}

    def recall(episodes):
        return float(episodes["found"].mean()) if len(episodes) else float("nan")

    eps = episode_table(records, thresholds, min_period_days, outcomes)
    with_anomalies = [i for i, r in enumerate(records) if r["set"] != NO_ANOMALY]
    quiet = [i for i, r in enumerate(records) if r["set"] == NO_ANOMALY]
    rows = []
    for method in thresholds:
        mine = eps[(eps["method"] == method) & (eps["set"] != NO_ANOMALY)]
        rows.append(group("overall", with_anomalies, method))
        for kind in ("swarm", "injection", "aftershock"):
            row = group(kind, [i for i in with_anomalies
                               if records[i]["set"].startswith(kind + ",")], method)
            kind_eps = mine[mine["kind"] == kind]
            row["n_episodes"], row["episode_recall"] = len(kind_eps), recall(kind_eps)
            p, r_ = row["period_precision"], row["episode_recall"]
            row["episode_f1"] = 2 * p * r_ / (p + r_) if p + r_ else 0.0
            rows.append(row)
        for label, lo, hi in SIZE_BUCKETS + (("20 or more events", 20, 10**9),):
            sel = mine[(mine["n_events"] >= lo) & (mine["n_events"] < hi)]
            rows.append({"group": label, "method": method, "threshold": thresholds[method],
                         "n_episodes": len(sel), "episode_recall": recall(sel),
                         "n_periods": None, "period_precision": float("nan"),
                         "episode_f1": float("nan"), "false_periods": None})
        if quiet:
            q = group(NO_ANOMALY, quiet, method)
            q["episode_recall"] = q["period_precision"] = q["episode_f1"] = float("nan")
            rows.append(q)
    return pd.DataFrame(rows)


def evaluate(models: dict[str, tuple[Any, ModelCard]], thresholds: dict[str, float],
             sets: dict[str, dict[str, Any]] | None = None, n_catalogs: int = 4,
             seed: int = HELDOUT_SEED, step_days: float = STEP_DAYS, device: str = "cpu",
             log: Callable[[str], Any] | None = None,
             min_period_days: float = MIN_PERIOD_DAYS,
             flips: Sequence[str] = (), assist: Sequence[str] = (),
             assist_threshold: float = ASSIST_THRESHOLD,
             assist_beta: float = ASSIST_BETA,
             assistance: dict[str, tuple[float, float]] | None = None
             ) -> dict[str, Any]:
    """Score `models` (name -> (net, card)), their ensemble and the baseline at
    `thresholds` ({method: threshold}) on held-out catalogs; the methods in `assist`
    also with baseline assistance (`add_assisted`; `assistance` {method: (floor, beta)}
    where calibrated).

    -> {"by_set": ..., "summary": ..., "episodes": ..., "thresholds": every method's,
    the assisted ones' too}."""
    records = collect(models, sets or EVALUATION_SETS, n_catalogs, seed, step_days, device, log,
                      flips)
    thresholds = add_assisted(records, thresholds, assist, assist_threshold, assist_beta,
                              assistance)
    outcomes = outcomes_of(records, thresholds, min_period_days)
    return {"by_set": score_by_set(records, thresholds, min_period_days, outcomes),
            "summary": summary(records, thresholds, min_period_days, outcomes),
            "episodes": episode_table(records, thresholds, min_period_days, outcomes),
            "thresholds": thresholds}


def _markdown(table, cols):
    lines = ["| " + " | ".join(c.replace("_", " ") for c in cols) + " |",
             "|" + "---|" * len(cols)]
    counts = {"n_episodes", "n_periods", "false_periods"}
    for _, r in table[cols].iterrows():
        cells = ["–" if v is None or (isinstance(v, float) and np.isnan(v)) else
                 str(int(v)) if c in counts else
                 f"{v:.3f}" if isinstance(v, float) else str(v) for c, v in zip(cols, r)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def evaluation_markdown(table: pd.DataFrame) -> str:
    """The per-set table of `evaluate` as Markdown, scores to three decimals."""
    return _markdown(table, ["set", "method", "window_precision", "window_recall",
                             "window_f1", "episode_recall", "period_precision", "episode_f1",
                             "false_periods", "flagged_days_near_episode"])


def summary_markdown(table: pd.DataFrame) -> str:
    """The summary of `evaluate` as Markdown: one row per group and method."""
    return _markdown(table, ["group", "method", "threshold", "n_episodes", "episode_recall",
                             "n_periods", "period_precision", "episode_f1", "false_periods"])
