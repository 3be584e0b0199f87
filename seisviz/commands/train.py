"""`python -m seisviz train`: train a detector (or rerun the paper's sweep)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

from seisviz.errors import SeisvizError
from seisviz.detect.models import ARCHITECTURES
from seisviz.progress import terminal_progress
from seisviz.settings import DEFAULT_DEVICE, DEFAULT_MODEL

if TYPE_CHECKING:
    from seisviz.training.train import Budget


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the options of `seisviz train` to `p`."""
    p.add_argument("--arch", choices=ARCHITECTURES, default=DEFAULT_MODEL)
    p.add_argument("--lr", type=float, help="learning rate (default: the paper's for --arch)")
    p.add_argument("--wd", type=float, help="weight decay (default: the paper's for --arch)")
    p.add_argument("--epochs", type=int, help="most epochs (early stopping may end sooner)")
    p.add_argument("--patience", type=int, help="epochs without a better validation loss")
    p.add_argument("--n-train", type=int, help="artificial training maps")
    p.add_argument("--n-val", type=int, help="artificial validation maps")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--seed", type=int, default=0, help="seed of the artificial training data")
    # checked in `run`: the versions live with the generator, which a parser need not import
    p.add_argument("--data-version", type=int, default=None,
                   help="training data version (default: the newest, or the paper's sweeps' "
                        "in docs/ with --sweep)")
    p.add_argument("--device", default=DEFAULT_DEVICE, help="auto, cpu, cuda or mps")
    p.add_argument("--threads", type=int, help="CPU threads for torch")
    p.add_argument("--quick", action="store_true",
                   help="tiny budget (512 maps, 3 epochs, learning rate 0.001 unless --lr): "
                        "a smoke test, not a model")
    p.add_argument("--sweep", action="store_true",
                   help="rerun the paper's weight-decay then learning-rate grid; write tables")
    p.add_argument("--init", help="fine-tune: start from this trained model (.pt/.json) and "
                   "keep its input normalisation")
    p.add_argument("--restart", action="store_true",
                   help="ignore the checkpoint (or sweep record) in --out and start over")
    p.add_argument("--out", required=True, help="output folder (weights, card, loss curve, "
                   "checkpoint: run the same command again to resume)")


def budget_from(args: argparse.Namespace) -> Budget:
    """The training budget: --quick or the default, with the sizes given on the command
    line."""
    from dataclasses import replace

    from seisviz.training.train import QUICK, Budget

    budget = QUICK if args.quick else Budget()
    changes = {k: getattr(args, a) for k, a in (("n_train", "n_train"), ("n_val", "n_val"),
               ("epochs", "epochs"), ("patience", "patience"), ("batch_size", "batch_size"))
               if getattr(args, a) is not None}
    for k, v in changes.items():
        if v <= 0:
            raise SeisvizError(f"--{k.replace('_', '-')} must be positive, got {v}")
    return replace(budget, **changes)


def run(args: argparse.Namespace) -> int:
    """Run `seisviz train` with the parsed `args`; returns the exit status."""
    import torch

    from seisviz.detect.models import PAPER_HYPERPARAMETERS, pick_device, save_model
    from seisviz.plots.training import loss_curve
    from seisviz.training.synthetic import DATA_VERSION, DATA_VERSIONS
    from seisviz.training.train import (SWEEP_DATA_VERSION, make_data, model_card, sweep,
                                        sweep_markdown, train_model)

    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    budget = budget_from(args)
    os.makedirs(args.out, exist_ok=True)
    terminal = terminal_progress("epoch", unit="batch")
    bar = None if terminal is None else (
        lambda epoch, epochs, step, steps: terminal(step, steps, f"epoch {epoch}/{epochs}"))
    version = args.data_version or (SWEEP_DATA_VERSION if args.sweep else DATA_VERSION)
    if version not in DATA_VERSIONS:
        raise SeisvizError(f"--data-version {version}: use one of "
                           f"{', '.join(map(str, DATA_VERSIONS))}")
    print(f"making {budget.n_train:,} training and {budget.n_val:,} validation maps "
          f"(seed {args.seed}, data v{version})…", file=sys.stderr)
    data = make_data(budget, args.seed, data_version=version)
    if args.sweep:
        record = os.path.join(args.out, f"sweep_{args.arch}_runs.json")
        if args.restart and os.path.exists(record):
            os.remove(record)
        wd_table, lr_table, best = sweep(args.arch, data, budget, device, args.seed,
                                         log=_log, progress=bar, record=record,
                                         data_version=version)
        text = sweep_markdown(args.arch, wd_table, lr_table, best)
        with open(os.path.join(args.out, f"sweep_{args.arch}.md"), "w") as f:
            f.write(text)
        with open(os.path.join(args.out, f"sweep_{args.arch}.json"), "w") as f:
            json.dump({"weight_decay": wd_table, "learning_rate": lr_table, "best": best,
                       "weight_decay_stage_lr": PAPER_HYPERPARAMETERS[args.arch]["lr"],
                       "budget": budget.__dict__, "seed": args.seed, "data_version": version,
                       "device": device}, f,
                      indent=2)
        print(text)
        return 0
    if args.quick and args.lr is None and not args.init:
        from seisviz.training.train import QUICK_LR

        args.lr = QUICK_LR
    lr = args.lr if args.lr is not None else PAPER_HYPERPARAMETERS[args.arch]["lr"]
    wd = args.wd if args.wd is not None else PAPER_HYPERPARAMETERS[args.arch]["wd"]

    init = None
    if args.init:
        from seisviz.detect.loading import load_model

        init = load_model(args.init, "cpu")
        if init[1].architecture != args.arch:
            raise SeisvizError(f"--init {args.init} is a {init[1].architecture}, "
                               f"not a {args.arch}")

    def save(result):
        card = model_card(args.arch, result, budget, args.seed, lr, wd,
                          {"data_version": version}, device)
        card.quick = bool(args.quick)
        if init is not None:
            card.extra["fine_tuned_from"] = {k: init[1].get(k) for k in (
                "sha256", "training_data", "hyperparameters", "epochs_run",
                "final_validation_loss", "history")}
        return save_model(result.model, card, args.out)

    # the best model so far is on disk after every improvement, and the whole state
    # after every epoch: the same command resumes a stopped run
    checkpoint = os.path.join(args.out, f"{args.arch}_checkpoint.pt")
    if args.restart and os.path.exists(checkpoint):
        os.remove(checkpoint)
    result = train_model(args.arch, data, args.lr, args.wd, budget, device, args.seed,
                         progress=bar, log=_log, on_improvement=save, init=init,
                         checkpoint=checkpoint)
    path, card = save(result)
    loss_curve(result.history, title=f"{args.arch} loss").write_html(
        os.path.join(args.out, f"{args.arch}_loss.html"), include_plotlyjs=True)
    print(f"saved {path} (val loss {result.best_val_loss:.4f} at epoch {result.best_epoch}, "
          f"threshold {result.threshold:.2f}, val F1 {result.val_f1:.3f})")
    return 0


def _log(line):
    print(line, file=sys.stderr, flush=True)
