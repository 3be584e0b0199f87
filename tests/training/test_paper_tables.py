"""The paper's Tables S1-S6 (seisviz.training.paper) and their comparison with our sweeps."""

import math

import pytest

from seisviz.training import paper
from seisviz.training.paper import (
    LEARNING_RATE,
    PAPER_TABLES,
    WEIGHT_DECAY,
    agreement_sentence,
    paper_consistency_note,
    rank_correlation,
    sweep_command,
    sweep_comparison,
    sweep_comparison_markdown,
    write_sweep_docs,
)

WD = [0, 0.001, 0.003, 0.005, 0.01, 0.03, 0.05]
LR = [0.001, 0.003, 0.005, 0.007, 0.01]
EXPECTED = {  # table, values, losses, held fixed at, chosen
    ("resnet18", WEIGHT_DECAY): ("S1", WD, [0.22, 0.215, 0.212, 0.161, 0.166, 0.199, 0.26],
                                 0.005, 0.005),
    ("resnet18", LEARNING_RATE): ("S2", LR, [0.161, 0.152, 0.128, 0.167, 0.228], 0.005, 0.005),
    ("resnet34", WEIGHT_DECAY): ("S3", WD, [0.195, 0.187, 0.137, 0.133, 0.174, 0.272, 0.327],
                                 0.003, 0.005),
    ("resnet34", LEARNING_RATE): ("S4", LR, [0.175, 0.133, 0.162, 0.139, 0.161], 0.005, 0.003),
    ("resnet101", WEIGHT_DECAY): ("S5", WD, [0.232, 0.201, 0.204, 0.145, 0.154, 0.277, 0.372],
                                  0.0007, 0.005),
    ("resnet101", LEARNING_RATE): ("S6", [0.0005, 0.0007, 0.001, 0.003, 0.005, 0.007],
                                   [0.426, 0.145, 0.149, 0.153, 0.182, 0.193], 0.005, 0.0007),
}


@pytest.mark.parametrize("arch,stage", list(EXPECTED))
def test_constants_are_the_papers_tables(arch, stage):
    name, values, losses, run_at, chosen = EXPECTED[(arch, stage)]
    t = PAPER_TABLES[arch][stage]
    assert (t.table, t.parameter) == (name, stage)
    assert list(t.values) == values and list(t.losses) == losses
    assert len(t.values) == len(t.losses)
    assert t.run_at == run_at and t.chosen == chosen
    # the paper chose the value of lowest loss in each table
    assert t.values[t.losses.index(min(t.losses))] == t.chosen


def test_grids_match_the_training_grids():
    from seisviz.training.train import LEARNING_RATE_GRID, WEIGHT_DECAY_GRID

    for arch, tables in PAPER_TABLES.items():
        assert tables[WEIGHT_DECAY].values == WEIGHT_DECAY_GRID
        assert tables[LEARNING_RATE].values == LEARNING_RATE_GRID[arch]


def test_only_resnet18s_tables_disagree_about_their_shared_run():
    note = paper_consistency_note("resnet18")
    assert "0.161" in note and "0.128" in note and "S1" in note and "S2" in note
    assert paper_consistency_note("resnet34") == ""
    assert paper_consistency_note("resnet101") == ""


def made_up(wd_losses, lr_losses, wd_values=(0.0, 0.001, 0.005, 0.01), best=None):
    wd_rows = [{"weight_decay": v, "final_validation_loss": x, "epochs": 3}
               for v, x in zip(wd_values, wd_losses)]
    best_wd = min(wd_rows, key=lambda r: r["final_validation_loss"])["weight_decay"]
    lr_rows = [{"learning_rate": v, "final_validation_loss": x, "epochs": 3}
               for v, x in zip(LR, lr_losses)]
    best_lr = min(lr_rows, key=lambda r: r["final_validation_loss"])["learning_rate"]
    return {"weight_decay": wd_rows, "learning_rate": lr_rows,
            "best": best or {"lr": best_lr, "wd": best_wd},
            "budget": {"n_train": 400, "n_val": 200, "epochs": 3, "patience": 2,
                       "batch_size": 64}, "seed": 0, "device": "cpu"}


def test_sweep_comparison_rows_bests_and_nans():
    # ours: 4 of the 7 weight decays plus one value the paper did not run
    ours = made_up([0.5, 0.4, 0.3, 0.35, 0.45], [0.6, 0.5, 0.2, 0.7, 0.9],
                   wd_values=(0.0, 0.001, 0.005, 0.01, 0.1))
    wd, lr = sweep_comparison("resnet18", ours)
    assert list(wd.columns) == ["value", "ours", "paper", "ours_best", "paper_best"]
    assert list(wd["value"]) == WD + [0.1]
    row = wd.set_index("value")
    assert math.isnan(row.loc[0.003, "ours"]) and row.loc[0.003, "paper"] == 0.212
    assert math.isnan(row.loc[0.1, "paper"]) and row.loc[0.1, "ours"] == 0.45
    assert list(wd.loc[wd["ours_best"], "value"]) == [0.005]
    assert list(wd.loc[wd["paper_best"], "value"]) == [0.005]
    assert len(lr) == 5 and lr["ours"].notna().all() and lr["paper"].notna().all()
    assert list(lr.loc[lr["ours_best"], "value"]) == [0.005]
    assert list(lr.loc[lr["paper_best"], "value"]) == [0.005]
    # no sweep of ours: the paper's values alone
    wd0, lr0 = sweep_comparison("resnet101", None)
    assert wd0["ours"].isna().all() and not wd0["ours_best"].any()
    assert list(lr0["paper"]) == [0.426, 0.145, 0.149, 0.153, 0.182, 0.193]
    assert list(paper.display_table(lr0, LEARNING_RATE).columns) == \
        ["learning rate", paper.PAPER]


def test_rank_correlation_over_shared_values():
    ours = made_up([0.5, 0.4, 0.3, 0.35], LR)  # identical ranking to S1 on those 4
    wd, _ = sweep_comparison("resnet18", ours)
    rho, n = rank_correlation(wd)
    assert n == 4 and rho == pytest.approx(1.0)


def test_markdown_when_the_chosen_values_agree():
    # ranks exactly like S1 and S2, chooses wd 0.005 and lr 0.005 like the paper
    ours = made_up([0.30, 0.29, 0.25, 0.26], [0.5, 0.45, 0.3, 0.55, 0.7])
    text = sweep_comparison_markdown("resnet18", ours)
    assert text.startswith("### ResNet-18 (Tables S1–S2)")
    assert "same weight decay as the paper (Table S1), 0.005" in text
    assert "same learning rate as the paper (Table S2), 0.005" in text
    assert "closely alike (Spearman ρ = 1.00)" in text
    assert "| Ours | 0.300 | 0.290 | – | **0.250** |" in text
    assert "| Paper (Table S1) | 0.220 | 0.215 | 0.212 | **0.161** |" in text
    assert "ours at learning rate 0.005" in text and "ours at weight decay 0.005" in text
    assert "note that ours ran at" not in text  # same settings as the paper
    assert paper_consistency_note("resnet18") in text


def test_markdown_when_the_chosen_values_differ():
    # weight decay: ours best at 0.01, ranks opposite to S3; lr stage then at wd 0.01
    ours = made_up([0.2, 0.3, 0.4, 0.1], [0.1, 0.5, 0.4, 0.3, 0.2])
    text = sweep_comparison_markdown("resnet34", ours)
    wd_sentence, lr_sentence = (agreement_sentence("resnet34", ours, s)
                                for s in (WEIGHT_DECAY, LEARNING_RATE))
    assert wd_sentence in text and lr_sentence in text
    assert "we chose weight decay 0.01, the paper (Table S3) 0.005" in wd_sentence
    assert "same" not in wd_sentence
    assert "we chose learning rate 0.001, the paper (Table S4) 0.003" in lr_sentence
    assert "ours ran at weight decay 0.01, the paper's at 0.005" in lr_sentence
    rho = rank_correlation(sweep_comparison("resnet34", ours)[1])[0]
    assert f"ρ = {rho:.2f}" in lr_sentence
    assert "In the paper itself" not in text  # S3 and S4 agree on their shared run


def test_write_sweep_docs_only_for_existing_sweeps(tmp_path):
    import json

    assert write_sweep_docs(tmp_path) == ""
    (tmp_path / "sweep_resnet34.json").write_text(json.dumps(made_up([0.2, 0.3, 0.4, 0.1], LR)))
    text = write_sweep_docs(tmp_path)
    assert "ResNet-34" in text and "ResNet-18" not in text and "ResNet-101" not in text
    assert paper.main([str(tmp_path)]) == 0


def test_sweep_command():
    # the command is one `seisviz train` accepts, at the documented budget
    import argparse

    from seisviz.commands.train import add_arguments

    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(sweep_command("resnet34").split()[4:])
    assert args.arch == "resnet34" and args.sweep
    assert (args.n_train, args.n_val, args.epochs, args.patience) == (1000, 500, 8, 3)
    assert args.out == "runs/v3/sweep_resnet34" and args.data_version is None  # v2: --sweep's


def test_paper_module_needs_neither_streamlit_nor_torch():
    import subprocess
    import sys

    code = ("import sys, seisviz.training.paper; "
            "print('streamlit' in sys.modules, 'torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=paper.__file__.rsplit("/seisviz/", 1)[0], timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False"]
