"""Training figures."""


def test_loss_curve_goes_to_a_log_axis_when_one_epoch_diverges():
    from seisviz.plots.training import loss_curve

    calm = [{"epoch": e, "train_loss": 0.5 / e, "val_loss": 0.6 / e} for e in (1, 2, 3)]
    assert loss_curve(calm).layout.yaxis.type is None
    assert loss_curve(calm).layout.xaxis.dtick == 1
    spike = calm + [{"epoch": 4, "train_loss": 0.2, "val_loss": 32.0}]
    assert loss_curve(spike).layout.yaxis.type == "log"


from seisviz.plots.training import DIVERGED_LOSS, sweep_bars

PAPER = [{"learning_rate": lr, "final_validation_loss": v}
         for lr, v in [(0.001, 0.31), (0.003, 0.25), (0.005, 0.22), (0.01, 0.27)]]


def test_a_diverged_run_gets_a_log_axis_and_says_diverged():
    ours = [{"learning_rate": 0.001, "final_validation_loss": 0.35},
            {"learning_rate": 0.003, "final_validation_loss": 0.28},
            {"learning_rate": 0.005, "final_validation_loss": 2.4e6},
            {"learning_rate": 0.01, "final_validation_loss": float("nan")}]
    fig = sweep_bars(ours, "learning_rate", "Learning rate", 0.005, PAPER)
    assert fig.layout.yaxis.type == "log"
    lo, hi = fig.layout.yaxis.range
    # the paper's smallest loss and our diverged one both inside the axis
    assert 10 ** lo < 0.22 and 10 ** hi > 2.4e6
    mine = fig.data[0]
    assert list(mine.text[2:]) == ["diverged (2.4e+06)", "diverged (nan)"]
    assert list(mine.marker.symbol[2:]) == ["x", "x"]
    assert mine.marker.symbol[1] == "star"  # the best run that did not diverge


def test_runs_that_all_converged_keep_a_linear_axis():
    ours = [dict(r, final_validation_loss=r["final_validation_loss"] + 0.02) for r in PAPER]
    fig = sweep_bars(ours, "learning_rate", "Learning rate", 0.005, PAPER)
    assert fig.layout.yaxis.type != "log"
    assert all(v <= DIVERGED_LOSS for v in fig.data[0].y)
    assert "diverged" not in " ".join(fig.data[0].text)
