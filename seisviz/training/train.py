"""Training ResNet detectors on artificial distribution maps, and the paper's sweep.

Early stopping on validation loss (the best epoch's weights are kept), the paper's
learning rate and weight decay as defaults, Adam with L2 weight decay, random
flips/rotations of the maps (an anomaly stays an anomaly when the map is turned).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from seisviz.detect.models import PAPER_HYPERPARAMETERS, build_model, input_statistics, prepare_input
from seisviz.errors import Cancelled, SeisvizError
from seisviz.maps import KM_PER_DEGREE
from seisviz.settings import (BACKGROUND_DAYS, GRID_PIXELS, PIXEL_KM, TRAINING_STEP_DAYS,
                              WINDOW_DAYS)
from seisviz.training.synthetic import make_dataset

if TYPE_CHECKING:
    from seisviz.detect.card import ModelCard
    from seisviz.progress import Progress

# The paper's grids (Tables S1-S6): weight decay first, then learning rate.
WEIGHT_DECAY_GRID = (0.0, 0.001, 0.003, 0.005, 0.01, 0.03, 0.05)
# The training data of the paper's sweeps in docs/ (v2): sweeps keep it by default, so a
# new sweep compares like with like beside them
SWEEP_DATA_VERSION = 2
LEARNING_RATE_GRID = {
    "resnet18": (0.001, 0.003, 0.005, 0.007, 0.01),
    "resnet34": (0.001, 0.003, 0.005, 0.007, 0.01),
    "resnet101": (0.0005, 0.0007, 0.001, 0.003, 0.005, 0.007),
}


@dataclass
class Budget:
    """How much data and time one training run gets."""

    n_train: int = 8000
    n_val: int = 2000
    epochs: int = 15
    patience: int = 3
    batch_size: int = 64


class TrainingError(SeisvizError):
    """A training run that cannot go on (e.g. a checkpoint of other settings)."""


QUICK = Budget(n_train=512, n_val=256, epochs=3, patience=2, batch_size=64)
# A quick run is 24 optimiser steps: at the paper's learning rates (0.005 for ResNet-18)
# its outcome swings from chance to good with the seed on training data v2; 0.001 learns
# reliably in that many steps (measured: held-out ROC AUC 0.80 vs 0.56 at 0.005).
QUICK_LR = 0.001


@dataclass
class TrainResult:
    model: object
    history: list = field(default_factory=list)  # per epoch: train_loss, val_loss, seconds
    best_epoch: int = 0
    best_val_loss: float = float("inf")
    normalization: dict = None
    threshold: float = 0.5
    val_f1: float = 0.0
    stopped_early: bool = False


def make_data(budget: Budget, seed: int, **options: Any
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training and validation maps from disjoint seeds: (x_train, y_train, x_val, y_val,
    kinds_val); `options` go to `make_dataset` (`data_version` among them)."""
    from seisviz.training.busyplaces import busy_place_scenario

    options = {"busy_place_draw": busy_place_scenario, **options}
    x_tr, y_tr, _ = make_dataset(budget.n_train, seed=seed, **options)
    x_va, y_va, k_va = make_dataset(budget.n_val, seed=seed + 100_000, **options)
    return x_tr, y_tr, x_va, y_va, k_va


def _augment(x, torch):
    """Random flips and 90-degree turns of a batch (labels are unchanged by them)."""
    if np.random.random() < 0.5:
        x = torch.flip(x, dims=[3])
    if np.random.random() < 0.5:
        x = torch.flip(x, dims=[2])
    return torch.rot90(x, k=int(np.random.randint(4)), dims=[2, 3])


def evaluate_loss(model: Any, x: np.ndarray, y: np.ndarray, batch_size: int,
                  device: str) -> tuple[float, np.ndarray]:
    """(mean binary cross-entropy, probabilities) of `model` on maps `x` with labels `y`."""
    import torch

    model.eval()
    total, probs = 0.0, []
    with torch.inference_mode():
        for lo in range(0, len(x), batch_size * 4):
            xb = torch.from_numpy(x[lo:lo + batch_size * 4]).to(device)
            yb = torch.from_numpy(y[lo:lo + batch_size * 4]).float().to(device)
            logits = model(xb).squeeze(1)
            total += float(torch.nn.functional.binary_cross_entropy_with_logits(
                logits, yb, reduction="sum"))
            probs.append(torch.sigmoid(logits).cpu().numpy())
    return total / len(x), np.concatenate(probs)


def train_model(arch: str, data: tuple[np.ndarray, ...], lr: float | None = None,
                wd: float | None = None, budget: Budget = Budget(), device: str = "cpu",
                seed: int = 0, progress: Progress | None = None,
                log: Callable[[str], Any] = print,
                on_improvement: Callable[[TrainResult], Any] | None = None,
                init: tuple[Any, dict[str, Any]] | None = None,
                checkpoint: str | None = None,
                should_stop: Callable[[], bool] | None = None) -> TrainResult:
    """Train `arch` on `data` = make_data(...) with early stopping on validation loss.

    `on_improvement(result)` is called whenever the validation loss improves, so a
    long run that is stopped still leaves its best model behind. `init` = (model, card)
    warm-starts from a trained model and keeps its input normalisation (fine-tuning).
    The learning rate drops 3x whenever the validation loss stalls for an epoch.
    `checkpoint` (a .pt path): the whole state is written there after every epoch, and a
    run that finds one made with the same settings goes on from it (see `_resume`).
    `should_stop()` is asked before every optimiser step: True raises `Cancelled` (`done`
    and `total` count whole epochs). The epoch under way is dropped; the checkpoint keeps
    the last whole one, so the same call goes on from there."""
    import torch

    from seisviz.detect import best_threshold

    torch.manual_seed(seed)
    np.random.seed(seed)
    lr = PAPER_HYPERPARAMETERS[arch]["lr"] if lr is None else lr
    wd = PAPER_HYPERPARAMETERS[arch]["wd"] if wd is None else wd
    x_tr, y_tr, x_va, y_va = data[:4]
    norm = input_statistics(x_tr) if init is None else init[1].normalization
    x_tr, x_va = prepare_input(x_tr, norm), prepare_input(x_va, norm)
    model = build_model(arch, x_tr.shape[1])
    if init is not None:
        model.load_state_dict(init[0].state_dict())
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
    schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1 / 3, patience=0)
    result = TrainResult(model=model, normalization=norm)
    best_state, waited, first_epoch = None, 0, 1
    settings = {"arch": arch, "lr": lr, "wd": wd, "seed": seed, "n_train": len(x_tr),
                "n_val": len(x_va), "batch_size": budget.batch_size}
    if checkpoint and os.path.exists(checkpoint):
        best_state, waited, first_epoch = _resume(checkpoint, settings, model, opt, schedule,
                                                  result, torch, log)
        if waited >= budget.patience:  # it had already stopped early
            result.stopped_early, first_epoch = True, budget.epochs + 1
    steps_per_epoch = int(np.ceil(len(x_tr) / budget.batch_size))
    for epoch in range(first_epoch, budget.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = np.random.permutation(len(x_tr))
        running = 0.0
        for step in range(steps_per_epoch):
            if should_stop is not None and should_stop():
                _cancel(epoch, budget.epochs, checkpoint)
            idx = order[step * budget.batch_size:(step + 1) * budget.batch_size]
            xb = _augment(torch.from_numpy(x_tr[idx]).to(device), torch)
            yb = torch.from_numpy(y_tr[idx]).float().to(device)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xb).squeeze(1), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            running += loss.item() * len(idx)
            if progress:
                progress(epoch, budget.epochs, step + 1, steps_per_epoch)
        val_loss, val_probs = evaluate_loss(model, x_va, y_va, budget.batch_size, device)
        schedule.step(val_loss)
        result.history.append({"epoch": epoch, "train_loss": running / len(x_tr),
                               "val_loss": val_loss, "seconds": time.perf_counter() - t0})
        if log:
            log(f"{arch} lr={lr:g} wd={wd:g} epoch {epoch}: train loss "
                f"{running / len(x_tr):.4f}, val loss {val_loss:.4f}")
        if val_loss < result.best_val_loss - 1e-4:
            result.best_val_loss, result.best_epoch, waited = val_loss, epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            result.threshold, result.val_f1 = best_threshold(y_va, val_probs,
                                                             np.linspace(0.05, 0.95, 91))
            if on_improvement:
                on_improvement(result)
        else:
            waited += 1
        stop = waited >= budget.patience
        if checkpoint:
            _save_checkpoint(checkpoint, settings, epoch, model, opt, schedule, result,
                             best_state, waited, torch)
        if stop:
            result.stopped_early = True
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return result


def _cancel(epoch, epochs, checkpoint):
    kept = (f"; {checkpoint} keeps epoch {epoch - 1}: run again with the same settings to "
            "go on from it" if checkpoint and epoch > 1 and os.path.exists(checkpoint) else "")
    raise Cancelled(f"training cancelled in epoch {epoch} of {epochs}, after {epoch - 1} "
                    f"whole epochs{kept}", epoch - 1, epochs)


def _save_checkpoint(path, settings, epoch, model, opt, schedule, result, best_state, waited,
                     torch):
    """Everything to go on after `epoch`, written atomically (a kill mid-write leaves
    the previous checkpoint whole)."""
    state = {"settings": settings, "epoch": epoch, "model": model.state_dict(),
             "optimizer": opt.state_dict(), "schedule": schedule.state_dict(),
             "best_state": best_state, "waited": waited,
             "result": {k: getattr(result, k) for k in (
                 "history", "best_epoch", "best_val_loss", "threshold", "val_f1")},
             "numpy_rng": np.random.get_state(), "torch_rng": torch.get_rng_state()}
    torch.save(state, path + ".part")
    os.replace(path + ".part", path)


def _resume(path, settings, model, opt, schedule, result, torch, log):
    """Load a checkpoint into model/optimizer/schedule/result. -> (best_state, waited,
    next epoch). A checkpoint of other settings is a one-line error, not a silent mix."""
    state = torch.load(path, map_location="cpu", weights_only=False)
    if state.get("settings") != settings:
        raise TrainingError(f"{path}: checkpoint of other settings ({state.get('settings')}); "
                            "remove it or use the same options")
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    schedule.load_state_dict(state["schedule"])
    for k, v in state["result"].items():
        setattr(result, k, v)
    np.random.set_state(state["numpy_rng"])
    torch.set_rng_state(state["torch_rng"])
    if log:
        log(f"resuming from {path} after epoch {state['epoch']} "
            f"(best val loss {result.best_val_loss:.4f})")
    return state["best_state"], state["waited"], state["epoch"] + 1


def sweep(arch: str, data: tuple[np.ndarray, ...], budget: Budget, device: str = "cpu",
          seed: int = 0, log: Callable[[str], Any] = print, progress: Progress | None = None,
          record: str | None = None, should_stop: Callable[[], bool] | None = None,
          data_version: int = SWEEP_DATA_VERSION
          ) -> tuple[list[dict[str, float]], list[dict[str, float]], dict[str, float]]:
    """The paper's procedure: the weight-decay grid at the paper's learning rate, then
    the learning-rate grid at the best weight decay. Returns (wd_table, lr_table, best).

    `record` (a JSON path): each finished run is written there at once, and runs already
    in it (same budget and seed) are not trained again, so a stopped sweep resumes.
    `should_stop` is passed to every training (`Cancelled` ends the sweep).
    `data_version`: of the training data in `data`, kept in the record (the paper's sweeps
    in docs/ ran on v2)."""
    lr0 = PAPER_HYPERPARAMETERS[arch]["lr"]
    key = {"arch": arch, "budget": budget.__dict__, "seed": seed, "data_version": data_version}
    runs = _sweep_runs(record, key)

    def loss_of(lr, wd):
        done = next((r for r in runs if r["lr"] == lr and r["wd"] == wd), None)
        if done is None:
            r = train_model(arch, data, lr, wd, budget, device, seed, log=log,
                            progress=progress, should_stop=should_stop)
            done = {"lr": lr, "wd": wd, "final_validation_loss": r.best_val_loss,
                    "epochs": len(r.history),
                    "seconds": round(sum(h["seconds"] for h in r.history), 1)}
            runs.append(done)
            if record:
                with open(record + ".part", "w") as f:
                    json.dump({**key, "runs": runs}, f, indent=2)
                os.replace(record + ".part", record)
        elif log:
            log(f"{arch} lr={lr:g} wd={wd:g}: done before, val loss "
                f"{done['final_validation_loss']:.4f}")
        return done

    for wd in WEIGHT_DECAY_GRID:
        loss_of(lr0, wd)
    for lr in LEARNING_RATE_GRID[arch]:
        loss_of(lr, _sweep_tables(arch, runs)[2]["wd"])
    return _sweep_tables(arch, runs)


def _sweep_tables(arch, runs):
    """(wd_table, lr_table, best) from finished runs: the weight-decay rows done so far
    and, once that grid is whole, the learning-rate rows at its best weight decay; `best`
    holds "wd" then "lr" as each grid is complete. The one table builder of `sweep` and
    `sweep_so_far`."""
    lr0 = PAPER_HYPERPARAMETERS[arch]["lr"]

    def find(lr, wd):
        return next((r for r in runs if r["lr"] == lr and r["wd"] == wd), None)

    def lowest(table, key):
        return min(table, key=lambda row: row["final_validation_loss"])[key]

    wd_table = [{"weight_decay": wd, **_loss_row(r)} for wd in WEIGHT_DECAY_GRID
                if (r := find(lr0, wd)) is not None]
    best, lr_table = {}, []
    if len(wd_table) == len(WEIGHT_DECAY_GRID):
        best["wd"] = lowest(wd_table, "weight_decay")
        lr_table = [{"learning_rate": lr, **_loss_row(r)} for lr in LEARNING_RATE_GRID[arch]
                    if (r := find(lr, best["wd"])) is not None]
        if len(lr_table) == len(LEARNING_RATE_GRID[arch]):
            best["lr"] = lowest(lr_table, "learning_rate")
    return wd_table, lr_table, best


def sweep_so_far(record: str) -> dict[str, Any]:
    """The sweep tables from a sweep's record of finished runs, while it is still going
    (or after it was stopped). -> a dict shaped like the `seisviz train --sweep` JSON,
    with `complete`, `runs_done` and `runs_total`."""
    with open(record) as f:
        rec = json.load(f)
    arch, runs = rec["arch"], rec.get("runs", [])
    wd_table, lr_table, best = _sweep_tables(arch, runs)
    n_runs = len(WEIGHT_DECAY_GRID) + len(LEARNING_RATE_GRID[arch]) - 1
    return {"weight_decay": wd_table, "learning_rate": lr_table, "best": best,
            "weight_decay_stage_lr": PAPER_HYPERPARAMETERS[arch]["lr"],
            "budget": rec["budget"], "seed": rec["seed"], "complete": "lr" in best,
            "runs_done": len(runs), "runs_total": n_runs}


def _loss_row(run):
    return {"final_validation_loss": run["final_validation_loss"], "epochs": run["epochs"]}


def _sweep_runs(record, key):
    """Runs finished by an earlier start of the same sweep (none if other settings)."""
    if not record or not os.path.exists(record):
        return []
    with open(record) as f:
        old = json.load(f)
    old.setdefault("data_version", 2)  # records from before v3 data were all on v2
    if {k: old.get(k) for k in key} != json.loads(json.dumps(key)):
        raise TrainingError(f"{record}: runs of another sweep (other budget, seed or "
                            "training data version); "
                            "remove it or use another --out")
    return old.get("runs", [])


def sweep_markdown(arch: str, wd_table: Sequence[dict[str, float]],
                   lr_table: Sequence[dict[str, float]], best: dict[str, float]) -> str:
    """The sweep as two tables in the shape of the paper's Tables S1-S6."""
    def row(values, fmt):
        return "| " + " | ".join(fmt(v) for v in values) + " |"

    def mark(v, chosen):
        return f"**{v:g}**" if v == chosen else f"{v:g}"

    lines = [f"Final validation losses using different weight decays for {arch} "
             f"(learning rate {PAPER_HYPERPARAMETERS[arch]['lr']:g}).", "",
             row(["Weight decay"] + [mark(r["weight_decay"], best["wd"]) for r in wd_table], str),
             row(["---"] * (len(wd_table) + 1), str),
             row(["Final validation loss"] + [f"{r['final_validation_loss']:.3f}"
                                              for r in wd_table], str),
             row(["Epochs run"] + [str(r["epochs"]) for r in wd_table], str), "",
             f"Final validation losses using different learning rates for {arch} "
             f"(weight decay {best['wd']:g}).", "",
             row(["Learning rate"] + [mark(r["learning_rate"], best["lr"]) for r in lr_table], str),
             row(["---"] * (len(lr_table) + 1), str),
             row(["Final validation loss"] + [f"{r['final_validation_loss']:.3f}"
                                              for r in lr_table], str),
             row(["Epochs run"] + [str(r["epochs"]) for r in lr_table], str)]
    return "\n".join(lines) + "\n"


def label_rule_text() -> str:
    """The label rule as one paragraph, from `seisviz.training.labels` (for the cards)."""
    from seisviz.training.labels import __doc__ as doc

    return " ".join(doc.split("The label rule (`window_labels`)")[1].split()).strip(" ():")


def trained_pixel_km(n_pixels: int) -> dict:
    """The card's pixel sizes: what the training regions (`REGION_WIDTH_DEG` wide) give
    on `n_pixels` pixels, rounded to the settings' 0.5-1.7 km at 64 pixels."""
    from seisviz.training.synthetic import REGION_WIDTH_DEG

    lo, hi = (round(w * KM_PER_DEGREE / n_pixels, 1) for w in REGION_WIDTH_DEG)
    return {"min_pixel_km": max(lo, 0.1), "max_pixel_km": hi, "pixel_km": PIXEL_KM}


def model_card(arch: str, result: TrainResult, budget: Budget, seed: int, lr: float,
               wd: float, data_options: dict[str, Any], device: str) -> ModelCard:
    """Everything needed to know what a weights file is and how it was made."""
    import torch

    from seisviz.detect.card import ModelCard
    from seisviz.training.synthetic import DATA_VERSION

    opts = {"n_pixels": GRID_PIXELS, "window_days": WINDOW_DAYS,
            "step_days": TRAINING_STEP_DAYS, "background_days": BACKGROUND_DAYS}
    opts.update(data_options)
    return ModelCard.from_dict({
        "sha256": "", "weights_file": "",  # filled in by save_model
        "architecture": arch,
        "in_channels": 2,
        "channels": {
            "count": "events in the window [start, start + window_days)",
            "background": "events in [start - background_days, start), clipped at the "
                          "catalog start, scaled to one window's length",
        },
        "normalization": result.normalization,
        "grid": opts["n_pixels"],
        **trained_pixel_km(opts["n_pixels"]),
        "window_days": opts["window_days"],
        "step_days_training": opts["step_days"],
        "background_days": opts["background_days"],
        "label_rule": label_rule_text(),
        "training_data": {"generator": "seisviz.training.synthetic.make_dataset",
                          "data_version": data_options.get("data_version", DATA_VERSION),
                          "seed": seed,
                          "validation_seed": seed + 100_000, "n_train": budget.n_train,
                          "n_val": budget.n_val},
        "hyperparameters": {"optimizer": "Adam (L2 weight decay)", "lr": lr, "wd": wd,
                            "batch_size": budget.batch_size, "max_epochs": budget.epochs,
                            "patience": budget.patience},
        "epochs_run": len(result.history),
        "best_epoch": result.best_epoch,
        "final_validation_loss": result.best_val_loss,
        "threshold": result.threshold,
        "validation_window_f1": result.val_f1,
        "history": result.history,
        "trained_on": device,
        "torch_version": torch.__version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    })
