"""The paper's learning-rate and weight-decay sweeps (Zhang & Yang, Tables S1-S6) beside ours.

The paper chose each network's weight decay at a fixed learning rate (Tables S1, S3, S5),
then its learning rate at the chosen weight decay (Tables S2, S4, S6), by final validation
loss. The numbers are copied here; nothing is read from the paper at run time.

Our sweeps (`python -m seisviz train --arch A --sweep --out DIR`, written as
`DIR/sweep_A.json`) run the same two stages; the learning-rate stage runs at *our* best
weight decay, which may differ from the paper's. `sweep_comparison` puts the two side by
side, `sweep_comparison_markdown` writes them for the docs, and
`python -m seisviz.training.paper DOCS_DIR` prints that for every `sweep_<arch>.json`
found in DOCS_DIR.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass
from typing import Any

import pandas as pd

from seisviz.detect.models import PAPER_HYPERPARAMETERS

WEIGHT_DECAY = "weight_decay"
LEARNING_RATE = "learning_rate"
STAGES = (WEIGHT_DECAY, LEARNING_RATE)
ARCH_NAMES = {"resnet18": "ResNet-18", "resnet34": "ResNet-34", "resnet101": "ResNet-101"}
PAPER = "paper (Zhang & Yang)"

_WD_GRID = (0.0, 0.001, 0.003, 0.005, 0.01, 0.03, 0.05)
_LR_GRID = (0.001, 0.003, 0.005, 0.007, 0.01)


@dataclass(frozen=True)
class PaperTable:
    """One of the paper's sweep tables: final validation loss per grid value of
    `parameter` ("weight_decay" or "learning_rate"), the other parameter held at
    `run_at`; `chosen` is the value the paper went on with."""

    table: str
    parameter: str
    values: tuple[float, ...]
    losses: tuple[float, ...]
    run_at: float
    chosen: float

    @property
    def held(self) -> str:
        """The parameter held fixed in this table."""
        return LEARNING_RATE if self.parameter == WEIGHT_DECAY else WEIGHT_DECAY


def _wd(table: str, losses: tuple[float, ...], lr: float, chosen: float) -> PaperTable:
    return PaperTable(table, WEIGHT_DECAY, _WD_GRID, losses, lr, chosen)


def _lr(table: str, values: tuple[float, ...], losses: tuple[float, ...], wd: float,
        chosen: float) -> PaperTable:
    return PaperTable(table, LEARNING_RATE, values, losses, wd, chosen)


# One dict per architecture: its weight-decay table and its learning-rate table.
PAPER_TABLES: dict[str, dict[str, PaperTable]] = {
    "resnet18": {
        WEIGHT_DECAY: _wd("S1", (0.22, 0.215, 0.212, 0.161, 0.166, 0.199, 0.26), 0.005, 0.005),
        LEARNING_RATE: _lr("S2", _LR_GRID, (0.161, 0.152, 0.128, 0.167, 0.228), 0.005, 0.005),
    },
    "resnet34": {
        WEIGHT_DECAY: _wd("S3", (0.195, 0.187, 0.137, 0.133, 0.174, 0.272, 0.327), 0.003, 0.005),
        LEARNING_RATE: _lr("S4", _LR_GRID, (0.175, 0.133, 0.162, 0.139, 0.161), 0.005, 0.003),
    },
    "resnet101": {
        WEIGHT_DECAY: _wd("S5", (0.232, 0.201, 0.204, 0.145, 0.154, 0.277, 0.372), 0.0007,
                          0.005),
        LEARNING_RATE: _lr("S6", (0.0005, 0.0007, 0.001, 0.003, 0.005, 0.007),
                           (0.426, 0.145, 0.149, 0.153, 0.182, 0.193), 0.005, 0.0007),
    },
}

_LABEL = {WEIGHT_DECAY: "weight decay", LEARNING_RATE: "learning rate"}
_SHORT = {WEIGHT_DECAY: "wd", LEARNING_RATE: "lr"}


def _key(value: float) -> float:
    """A grid value as a dictionary key that survives a JSON round trip."""
    return float(f"{float(value):.10g}")


def _fmt_value(value: float) -> str:
    return "0" if value == 0 else f"{value:g}"


def _fmt_loss(loss: float) -> str:
    return "–" if loss is None or (isinstance(loss, float) and math.isnan(loss)) \
        else f"{loss:.3f}"


def table_title(arch: str) -> str:
    """E.g. "ResNet-18 (Tables S1–S2)"."""
    wd, lr = PAPER_TABLES[arch][WEIGHT_DECAY], PAPER_TABLES[arch][LEARNING_RATE]
    return f"{ARCH_NAMES.get(arch, arch)} (Tables {wd.table}–{lr.table})"


def paper_rows(arch: str, stage: str) -> list[dict[str, float]]:
    """The paper's table in the shape of our sweep tables:
    [{stage: value, "final_validation_loss": loss}, ...]."""
    t = PAPER_TABLES[arch][stage]
    return [{stage: v, "final_validation_loss": loss} for v, loss in zip(t.values, t.losses)]


def ours_run_at(arch: str, ours: dict[str, Any] | None, stage: str) -> float | None:
    """What our stage held fixed: the weight-decay stage runs at the paper's learning
    rate (`seisviz.training.train.sweep`), the learning-rate stage at our best weight
    decay. None without a sweep of ours."""
    if not ours:
        return None
    if stage == WEIGHT_DECAY:
        return float(ours.get("weight_decay_stage_lr", PAPER_HYPERPARAMETERS[arch]["lr"]))
    best = ours.get("best") or {}
    if "wd" in best:
        return float(best["wd"])
    return _ours_best(ours, WEIGHT_DECAY)


def _ours_best(ours: dict[str, Any] | None, stage: str) -> float | None:
    """Our chosen value of a stage: `best` if written, else the table's lowest loss."""
    if not ours or not ours.get(stage):
        return None
    best = ours.get("best") or {}
    if _SHORT[stage] in best:
        return float(best[_SHORT[stage]])
    return float(min(ours[stage], key=lambda r: r["final_validation_loss"])[stage])


def sweep_comparison(arch: str, ours: dict[str, Any] | None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(weight-decay table, learning-rate table), each one row per grid value (ours and
    the paper's, sorted) with columns value, ours, paper (final validation losses; NaN
    where one of them did not run that value), ours_best and paper_best (the lowest
    loss of its column; ties all marked)."""
    if arch not in PAPER_TABLES:
        raise KeyError(f"no paper tables for {arch!r}; known: {', '.join(PAPER_TABLES)}")
    frames = []
    for stage in STAGES:
        paper = {_key(v): loss for v, loss in zip(PAPER_TABLES[arch][stage].values,
                                                   PAPER_TABLES[arch][stage].losses)}
        mine = {_key(r[stage]): float(r["final_validation_loss"])
                for r in (ours or {}).get(stage) or []}
        values = sorted(set(paper) | set(mine))
        df = pd.DataFrame({"value": values,
                           "ours": [mine.get(v, math.nan) for v in values],
                           "paper": [paper.get(v, math.nan) for v in values]},
                          columns=["value", "ours", "paper"]).astype(float)
        for col in ("ours", "paper"):
            df[col + "_best"] = df[col].notna() & (df[col] == df[col].min())
        frames.append(df)
    return frames[0], frames[1]


def rank_correlation(df: pd.DataFrame) -> tuple[float, int]:
    """Spearman rank correlation of ours and the paper's losses over the grid values
    both ran, and how many those are (NaN when fewer than 3 or a column is constant)."""
    both = df.dropna(subset=["ours", "paper"])
    if len(both) < 3:
        return math.nan, len(both)
    rho = both["ours"].rank().corr(both["paper"].rank())  # Pearson on ranks = Spearman
    return float(rho), len(both)


def _rank_words(rho: float, n: int) -> str:
    if n < 3:
        return f"only {n} grid value{'s' if n != 1 else ''} in both, too few to compare rankings"
    if math.isnan(rho):
        return f"over the {n} shared values one of the two has all losses equal, so no ranking"
    if rho >= 0.7:
        words = "rank them closely alike"
    elif rho >= 0.3:
        words = "rank them loosely alike"
    elif rho > -0.3:
        words = "rank them about independently"
    else:
        words = "rank them in roughly opposite order"
    return f"over the {n} shared values, our losses and the paper's {words} (Spearman ρ = {rho:.2f})"


def agreement_sentence(arch: str, ours: dict[str, Any] | None, stage: str) -> str:
    """One sentence on what agrees and what does not in one stage, computed from the
    numbers: the chosen values, the rank correlation, and the value held fixed."""
    t = PAPER_TABLES[arch][stage]
    label = _LABEL[stage]
    if not ours or not ours.get(stage):
        return (f"No {label} sweep of ours yet; the paper (Table {t.table}) chose "
                f"{_fmt_value(t.chosen)}.")
    df = sweep_comparison(arch, ours)[STAGES.index(stage)]
    mine = _ours_best(ours, stage)
    rho, n = rank_correlation(df)
    if _key(mine) == _key(t.chosen):
        chosen = f"we chose the same {label} as the paper (Table {t.table}), {_fmt_value(mine)}"
    else:
        chosen = (f"we chose {label} {_fmt_value(mine)}, the paper (Table {t.table}) "
                  f"{_fmt_value(t.chosen)}")
    held = _LABEL[t.held]
    at = ours_run_at(arch, ours, stage)
    if at is not None and _key(at) != _key(t.run_at):
        held_note = (f"; note that ours ran at {held} {_fmt_value(at)}, the paper's at "
                     f"{_fmt_value(t.run_at)}")
    else:
        held_note = ""
    return f"{label.capitalize()}: {chosen}; {_rank_words(rho, n)}{held_note}."


def stage_settings(arch: str, ours: dict[str, Any] | None, stage: str) -> str:
    """What each side held fixed while sweeping `stage`."""
    t = PAPER_TABLES[arch][stage]
    held = _LABEL[t.held]
    at = ours_run_at(arch, ours, stage)
    mine = "no sweep of ours yet" if at is None else f"ours at {held} {_fmt_value(at)}"
    why = " (our best weight decay)" if stage == LEARNING_RATE and at is not None else ""
    return (f"Final validation loss per {_LABEL[stage]}: {mine}{why}, the paper's "
            f"(Table {t.table}) at {held} {_fmt_value(t.run_at)}.")


def paper_consistency_note(arch: str) -> str:
    """The paper's two tables share one run (the chosen weight decay at the weight-decay
    table's learning rate); a sentence when they give it different losses, else ""."""
    wd_t, lr_t = PAPER_TABLES[arch][WEIGHT_DECAY], PAPER_TABLES[arch][LEARNING_RATE]
    if _key(lr_t.run_at) != _key(wd_t.chosen) or _key(wd_t.run_at) not in map(_key, lr_t.values):
        return ""
    a = wd_t.losses[list(map(_key, wd_t.values)).index(_key(wd_t.chosen))]
    b = lr_t.losses[list(map(_key, lr_t.values)).index(_key(wd_t.run_at))]
    if a == b:
        return ""
    return (f"In the paper itself, Table {wd_t.table}'s loss at learning rate "
            f"{_fmt_value(wd_t.run_at)} and weight decay {_fmt_value(wd_t.chosen)} is {a:.3f}, "
            f"but Table {lr_t.table}'s at the same learning rate and weight decay is {b:.3f}, "
            "though the two tables share that setting.")


def display_table(df: pd.DataFrame, stage: str) -> pd.DataFrame:
    """A comparison table for people: the grid value as text, losses to 3 decimals, a
    ★ beside each column's best (for st.dataframe or printing); without any loss of
    ours, the paper's alone."""
    def cell(loss: float, best: bool) -> str:
        return _fmt_loss(loss) + (" ★" if best else "")

    out = pd.DataFrame({
        _LABEL[stage]: [_fmt_value(v) for v in df["value"]],
        "ours": [cell(v, b) for v, b in zip(df["ours"], df["ours_best"])],
        PAPER: [cell(v, b) for v, b in zip(df["paper"], df["paper_best"])],
    })
    return out.drop(columns="ours") if df["ours"].isna().all() else out


def _markdown_table(df: pd.DataFrame, stage: str, arch: str) -> list[str]:
    t = PAPER_TABLES[arch][stage]

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    def losses(col: str) -> list[str]:
        return [f"**{_fmt_loss(v)}**" if b else _fmt_loss(v)
                for v, b in zip(df[col], df[col + "_best"])]

    return [row([_LABEL[stage].capitalize()] + [_fmt_value(v) for v in df["value"]]),
            row(["---"] * (len(df) + 1)),
            row(["Ours"] + losses("ours")),
            row([f"Paper (Table {t.table})"] + losses("paper"))]


def budget_sentence(ours: dict[str, Any]) -> str:
    """How much data and time our sweep had (from its JSON)."""
    b = ours.get("budget") or {}

    def num(key: str) -> str:
        v = b.get(key)
        return f"{v:,}" if isinstance(v, int) else "?"

    text = (f"Our sweep: {num('n_train')} training and {num('n_val')} validation maps, at most "
            f"{num('epochs')} epochs (patience {num('patience')}), seed {ours.get('seed', '?')}, "
            f"on {ours.get('device', 'cpu')}.")
    if ours.get("complete") is False:  # a sweep still running or stopped (sweep_so_far)
        text += (f" Not finished: {ours.get('runs_done', '?')} of "
                 f"{ours.get('runs_total', '?')} runs so far (run its command again to go on).")
    return text


def sweep_comparison_markdown(arch: str, ours: dict[str, Any] | None) -> str:
    """Markdown for the docs: for each stage, what was held fixed, ours beside the
    paper's table (the best of each row bolded) and one sentence on what agrees."""
    lines = [f"### {table_title(arch)}", ""]
    if ours and ours.get("budget"):
        lines += [budget_sentence(ours), ""]
    for df, stage in zip(sweep_comparison(arch, ours), STAGES):
        lines += [stage_settings(arch, ours, stage), ""] + _markdown_table(df, stage, arch)
        lines += ["", agreement_sentence(arch, ours, stage), ""]
    note = paper_consistency_note(arch)
    if note:
        lines += [note, ""]
    return "\n".join(lines)


def sweep_command(arch: str) -> str:
    """The command that runs our sweep of `arch` at the budget of the sweeps in docs/
    (1,000 / 500 maps of training data v2, at most 8 epochs, patience 3; resumable)."""
    return (f"python -m seisviz train --arch {arch} --sweep --n-train 1000 --n-val 500 "
            f"--epochs 8 --patience 3 --seed 0 --threads 1 --out runs/v3/sweep_{arch}")


def load_sweep(docs_dir: str | os.PathLike[str], arch: str) -> dict[str, Any] | None:
    """docs_dir/sweep_<arch>.json (our sweep), or None if there is none."""
    path = os.path.join(docs_dir, f"sweep_{arch}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_sweep_docs(docs_dir: str | os.PathLike[str]) -> str:
    """The Markdown comparison for every architecture with a docs_dir/sweep_<arch>.json."""
    parts = [sweep_comparison_markdown(arch, ours) for arch in PAPER_TABLES
             if (ours := load_sweep(docs_dir, arch)) is not None]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """`python -m seisviz.training.paper DOCS_DIR`: print write_sweep_docs(DOCS_DIR)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m seisviz.training.paper DOCS_DIR", file=sys.stderr)
        return 2
    text = write_sweep_docs(argv[0])
    if not text:
        print(f"no sweep_<arch>.json in {argv[0]}", file=sys.stderr)
        return 1
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
