"""`python -m seisviz evaluate`: detectors, their ensemble and the beta-statistic baseline
on held-out catalogs."""

from __future__ import annotations

import argparse
import os
import sys

from seisviz.detect.models import MODEL_NAMES
from seisviz.errors import SeisvizError
from seisviz.settings import (ASSIST_BETA, ASSIST_THRESHOLD, DEFAULT_DEVICE, STEP_DAYS,
                              TRAINING_STEP_DAYS)

# where `--calibrate` draws its catalogs (see --calibrate-on)
CALIBRATION_DRAWS = ("training-like", "every-set")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of `seisviz evaluate` to `p`."""
    p.add_argument("--models", "--model", dest="models",
                   help="comma-separated models to score: names "
                        f"({'|'.join(MODEL_NAMES[:-1])}) or .pt/.json paths; default: every "
                        "shipped one. Two or more are also scored as an ensemble (the mean "
                        "of their probabilities)")
    p.add_argument("--n-catalogs", type=int, default=4, help="held-out catalogs per set")
    p.add_argument("--calibrate", action="store_true",
                   help="pick every threshold (each model's, the ensemble's, the baseline's) "
                        "for flagged-period F1 on separate calibration catalogs first")
    p.add_argument("--min-precision", type=float,
                   help="with --calibrate (--calibrate-assist): the threshold (assistance) "
                        "with the most episode recall whose pooled period precision on the "
                        "calibration catalogs reaches this (e.g. 0.95), instead of the best F1")
    p.add_argument("--calibrate-assist", action="store_true",
                   help="pick baseline assistance's probability floor and regional beta for "
                        "each assisted model, at its threshold, on the calibration catalogs "
                        "(--calibrate-on, --min-precision); without --calibrate the "
                        "thresholds stay the cards'")
    p.add_argument("--n-calibration", type=int, default=16,
                   help="calibration catalogs (with --calibrate-on every-set: per set)")
    p.add_argument("--calibrate-on", choices=CALIBRATION_DRAWS, default=CALIBRATION_DRAWS[0],
                   help="the calibration catalogs: 'training-like' (default; drawn like the "
                        "training data, mostly large episodes) or 'every-set' (drawn like "
                        "each held-out set, small, diffuse, busy-place and quiet catalogs "
                        "among them, from the calibration seed)")
    p.add_argument("--flips", default="",
                   help="comma-separated models also scored with test-time flips (the mean "
                        "over the map and three flips/turns: 4x the inference time)")
    p.add_argument("--step", type=float, default=STEP_DAYS, help="window step in days")
    p.add_argument("--seed", type=int, help="seed of the held-out catalogs")
    p.add_argument("--device", default=DEFAULT_DEVICE)
    p.add_argument("--quick", action="store_true",
                   help="one catalog per set, two for calibration, 5-day step")
    p.add_argument("--assist", default="all",
                   help="comma-separated models also scored with baseline assistance, as "
                        "'<model> + assist' (seisviz.detect.flags: a lower threshold where "
                        "the regional beta agrees); 'all' (default): every model, 'none'")
    p.add_argument("--assist-threshold", type=float, default=ASSIST_THRESHOLD,
                   help="the lower probability threshold of baseline assistance")
    p.add_argument("--assist-beta", type=float, default=ASSIST_BETA,
                   help="the regional beta that baseline assistance asks for")
    p.add_argument("--set", dest="sets", action="append", default=[],
                   help="score only the held-out sets whose names start with this (repeat "
                        "for more; e.g. --set 'new sequences' --set 'no anomaly'); each set "
                        "draws the same catalogs as in a full run")
    p.add_argument("--markdown", help="also write the tables to this markdown file")
    p.add_argument("--episodes", help="also write every true episode (set, kind, size, "
                   "radius) and whether each method found it to this CSV file")
    p.add_argument("--update-cards", "--update-card", dest="update_cards", action="store_true",
                   help="record thresholds and scores in the model cards; with two or more "
                        "models also write the ensemble's card beside the first")


def run(args: argparse.Namespace) -> int:
    """Run `seisviz evaluate` with the parsed `args`; returns the exit status."""
    from seisviz.detect import available_models, load_model, pick_device, resolve_model_path
    from seisviz.training import evaluate as ev

    if args.min_precision is not None and not 0 < args.min_precision <= 1:
        raise SeisvizError(f"--min-precision {args.min_precision:g}: give a share in "
                           "(0, 1], e.g. 0.95")  # before any catalog is scored
    device = pick_device(args.device)
    names = ([m.strip() for m in args.models.split(",") if m.strip()] if args.models
             else [m for m in available_models() if m != ev.ENSEMBLE])
    if not names:
        raise SeisvizError("no models to evaluate (none shipped; pass --models)")
    models = {}
    for name in names:
        net, card = load_model(name, device)
        if card.architecture == ev.ENSEMBLE:
            raise SeisvizError(f"{name}: is an ensemble; name its members instead")
        models[_label(name, card, models)] = (net, card)
    n, step, n_cal = ((1, TRAINING_STEP_DAYS, 2) if args.quick
                      else (args.n_catalogs, args.step, args.n_calibration))
    seed = ev.HELDOUT_SEED if args.seed is None else args.seed
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    flips = [m.strip() for m in args.flips.split(",") if m.strip()]
    for m in flips:
        if m not in models:
            raise SeisvizError(f"--flips {m}: not one of the models scored "
                               f"({', '.join(models)})")
    assist = _assisted(args.assist, models)
    if args.calibrate_assist and not assist:
        raise SeisvizError("--calibrate-assist: no model is scored with assistance "
                           "(--assist none)")
    draws = None
    if args.calibrate or args.calibrate_assist:
        # every set: each held-out set's generator, from the calibration seed (disjoint
        # from the held-out seed), so the threshold sees the episodes that are hard to find
        draws = ({"calibration (training-like)": {}} if args.calibrate_on == "training-like"
                 else ev.EVALUATION_SETS)
        records = ev.collect(models, draws, n_cal, ev.CALIBRATION_SEED, step, device, log,
                             flips)
    if args.calibrate:
        thresholds = ev.calibrate(records, min_precision=args.min_precision)
        log("calibrated thresholds: " + ", ".join(f"{m} {t:g}" for m, t in thresholds.items()))
    else:
        thresholds = _card_thresholds(models)
        thresholds.update({f"{m} + flips": thresholds[m] for m in flips})
    # each assisted model's (probability floor, regional beta): calibrated, or as given
    if args.calibrate_assist:
        assistance = ev.calibrate_assistance(records, thresholds, assist,
                                             min_precision=args.min_precision)
        log("calibrated assistance (probability floor, regional beta): " + ", ".join(
            f"{m} {a:g}, {b:g}" for m, (a, b) in assistance.items()))
    else:
        assistance = {m: (args.assist_threshold, args.assist_beta) for m in assist}
    sets = _chosen_sets(args.sets, ev.EVALUATION_SETS)
    result = ev.evaluate(models, thresholds, sets=sets, n_catalogs=n, step_days=step,
                         device=device, seed=seed, log=log, flips=flips, assist=assist,
                         assistance=assistance)
    thresholds = result["thresholds"]
    text = ("## Summary\n\n" + ev.summary_markdown(result["summary"]) +
            "\n## Per set\n\n" + ev.evaluation_markdown(result["by_set"]))
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.episodes:
        result["episodes"].to_csv(args.episodes, index=False)
    if args.update_cards:
        record = {"held_out_seed": seed, "catalogs_per_set": n, "step_days": step,
                  "n_catalogs": n * len(sets)}
        drawn = ({"seed": ev.CALIBRATION_SEED, "n_catalogs": n_cal * len(draws),
                  "drawn": args.calibrate_on, "step_days": step} if draws else None)
        calibration = ({**drawn, "criterion": ev.criterion_text(
            args.min_precision, "higher threshold" if args.min_precision is not None
            else "window F1, higher threshold")} if args.calibrate else None)
        assisted = {m: {"assist_threshold": a, "assist_beta": b, "calibration": (
            {**drawn, "criterion": ev.criterion_text(args.min_precision,
                                                     "higher floor, higher beta")}
            if args.calibrate_assist else None)} for m, (a, b) in assistance.items()}
        for path in _update_cards(models, names, thresholds, result, record, calibration,
                                  assisted):
            log(f"updated {path}")
    return 0


def _assisted(option, models):
    """The models `--assist` names: every one for 'all', none for 'none'."""
    names = [m.strip() for m in option.split(",") if m.strip()]
    if names in (["all"], []):
        return list(models) if names else []
    if names == ["none"]:
        return []
    for m in names:
        if m not in models:
            raise SeisvizError(f"--assist {m}: not one of the models scored ({', '.join(models)})")
    return names


def _chosen_sets(prefixes, sets):
    """The held-out sets named (by the start of their names) in `prefixes`; all if none."""
    if not prefixes:
        return dict(sets)
    chosen = {}
    for prefix in prefixes:
        hits = [name for name in sets if name.lower().startswith(prefix.strip().lower())]
        if not hits:
            raise SeisvizError(f"--set {prefix!r}: no held-out set starts so; the sets: "
                               + "; ".join(sets))
        chosen.update({name: sets[name] for name in hits})
    return {name: sets[name] for name in sets if name in chosen}


def _label(name, card, taken):
    """A method name for the tables: the architecture, unless two share one."""
    label = card.architecture
    if label not in taken:
        return label
    return f"{label} ({os.path.basename(os.path.dirname(os.path.abspath(name))) or name})"


def _card_thresholds(models):
    """Thresholds from the cards; the ensemble's from the ensemble card beside the first
    model, which must name exactly these models."""
    from seisviz.detect import members_digest, read_card
    from seisviz.training.evaluate import BASELINE, ENSEMBLE

    cards = [c for _, c in models.values()]
    thresholds = {m: c.threshold for m, (_, c) in models.items()}
    if len(models) > 1:
        path = os.path.join(os.path.dirname(os.path.abspath(cards[0].path)), ENSEMBLE + ".json")
        if not os.path.exists(path):
            raise SeisvizError(f"{path}: no ensemble card to take its threshold from; run "
                               "with --calibrate --update-cards first")
        ens = read_card(path)
        if ens.sha256 != members_digest([c.sha256 for c in cards]):
            raise SeisvizError(f"{path}: its members are not the models evaluated here; run "
                               "with --calibrate --update-cards")
        thresholds[ENSEMBLE] = ens.threshold
    thresholds[BASELINE] = cards[0].baseline_threshold
    return thresholds


def _rows(table, methods):
    return table[table["method"].isin(methods)].to_dict(orient="records")


def _update_cards(models, names, thresholds, result, record, calibration, assisted):
    """Write each model's thresholds (when calibrated), its baseline assistance
    (`assisted` {method: its floor, beta and their calibration}) and its held-out rows,
    its own, its assisted ones and the baseline's, into its card; and the ensemble's."""
    from seisviz.detect import ensemble_card, read_card, resolve_model_path
    from seisviz.training.evaluate import BASELINE, ENSEMBLE

    written = []
    cards = []
    for (method, (_, card)), name in zip(models.items(), names):
        path = resolve_model_path(name)
        card = read_card(path)  # as on disk: the loaded one may be shared
        if calibration:
            if "validation_threshold" not in card.extra:
                card.extra["validation_threshold"] = card.threshold
            card.threshold = thresholds[method]
            card.baseline_threshold = thresholds[BASELINE]
            card.extra["threshold_calibration"] = calibration
        mine = [method, BASELINE]
        if method in assisted:
            card.extra["assistance"] = assisted[method]
            mine.insert(1, f"{method} + assist")
        card.extra["evaluation"] = {**record, "thresholds": {m: thresholds[m] for m in mine},
                                    "summary": _rows(result["summary"], mine),
                                    "rows": _rows(result["by_set"], mine)}
        card.write(path)
        written.append(path)
        cards.append(card)
    if len(models) > 1:
        if len({os.path.dirname(os.path.abspath(c.path)) for c in cards}) > 1:
            raise SeisvizError("the ensemble's members must sit in one folder (its card "
                               "names them by file name); copy them together first")
        mine = [ENSEMBLE, BASELINE]
        ens = ensemble_card(cards, thresholds[ENSEMBLE], evaluation={
            **record, "thresholds": {m: thresholds[m] for m in mine},
            "summary": _rows(result["summary"], mine), "rows": _rows(result["by_set"], mine)},
            threshold_calibration=calibration)
        path = os.path.join(os.path.dirname(cards[0].path), ENSEMBLE + ".json")
        ens.write(path)
        written.append(path)
    return written
