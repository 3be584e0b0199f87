"""Training figures."""


def test_loss_curve_goes_to_a_log_axis_when_one_epoch_diverges():
    from seisviz.plots.training import loss_curve

    calm = [{"epoch": e, "train_loss": 0.5 / e, "val_loss": 0.6 / e} for e in (1, 2, 3)]
    assert loss_curve(calm).layout.yaxis.type is None
    assert loss_curve(calm).layout.xaxis.dtick == 1
    spike = calm + [{"epoch": 4, "train_loss": 0.2, "val_loss": 32.0}]
    assert loss_curve(spike).layout.yaxis.type == "log"
