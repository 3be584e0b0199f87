"""`python -m seisviz evaluate`: network vs. beta-statistic baseline on held-out catalogs."""

from __future__ import annotations

import argparse
import sys

from seisviz.detect.models import ARCHITECTURES
from seisviz.settings import STEP_DAYS, TRAINING_STEP_DAYS


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of `seisviz evaluate` to `p`."""
    p.add_argument("--model", default="resnet18",
                   help=f"{'|'.join(ARCHITECTURES)} or a path to a .pt/.json")
    p.add_argument("--n-catalogs", type=int, default=6, help="held-out catalogs per set")
    p.add_argument("--step", type=float, default=STEP_DAYS, help="window step in days")
    p.add_argument("--seed", type=int, help="seed of the held-out catalogs")
    p.add_argument("--device", default="auto")
    p.add_argument("--quick", action="store_true", help="one catalog per set, 5-day step")
    p.add_argument("--markdown", help="also write the table to this markdown file")
    p.add_argument("--update-card", action="store_true",
                   help="record the scores and the baseline threshold in the model card")


def run(args: argparse.Namespace) -> int:
    """Run `seisviz evaluate` with the parsed `args`; returns the exit status."""
    from seisviz.training.evaluate import (HELDOUT_SEED, evaluate, evaluation_markdown, tune_baseline)
    from seisviz.detect.models import load_model, pick_device, resolve_model_path

    device = pick_device(args.device)
    net, card = load_model(args.model, device)
    n, step = (1, TRAINING_STEP_DAYS) if args.quick else (args.n_catalogs, args.step)
    threshold = tune_baseline(n_catalogs=2 if args.quick else 8)
    print(f"baseline: beta statistic per 3x3 cell, threshold {threshold:g} "
          "(tuned for F1 on training-like catalogs)", file=sys.stderr)
    table = evaluate(net, card, n_catalogs=n, step_days=step, device=device,
                     seed=HELDOUT_SEED if args.seed is None else args.seed,
                     baseline_threshold=threshold,
                     log=lambda line: print(line, file=sys.stderr, flush=True))
    text = evaluation_markdown(table)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.update_card:
        path = resolve_model_path(args.model)
        card.baseline_threshold = threshold
        card.extra["evaluation"] = {"held_out_seed": HELDOUT_SEED if args.seed is None else args.seed,
                              "catalogs_per_set": n, "step_days": step,
                              "rows": table.to_dict(orient="records")}
        card.write(path)
        print(f"updated {path}", file=sys.stderr)
    return 0
