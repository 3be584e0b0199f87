"""A stop request ends inference and training between batches / steps, with `Cancelled`,
and leaves nothing half-made: no probabilities, no scan; a training's checkpoint keeps
its last whole epoch and the same call goes on from it."""

import os

import numpy as np
import pandas as pd
import pytest

from seisviz.detect.card import ModelCard
from seisviz.errors import Cancelled, SeisvizError


def tiny_net():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, padding=1),
                               torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                               torch.nn.Linear(4, 1))


def tiny_card():
    return ModelCard.from_dict({"architecture": "resnet18", "in_channels": 2, "grid": 16, "sha256": "0" * 64,
                                "weights_file": "",
                                "normalization": {"transform": "log1p", "mean": [0.0, 0.0],
                                                  "std": [1.0, 1.0]}})


def stop_after(n):
    """A should_stop that says True from its (n+1)-th question on; counts the questions."""
    asked = []

    def should_stop():
        asked.append(1)
        return len(asked) > n
    return should_stop, asked


def test_inference_stops_between_batches():
    from seisviz.detect.inference import window_probabilities

    maps = np.random.default_rng(0).poisson(0.3, (50, 2, 16, 16)).astype(np.float32)
    should_stop, asked = stop_after(2)
    done = []
    with pytest.raises(Cancelled, match="cancelled after 20 of 50 windows") as info:
        window_probabilities(maps, tiny_net(), tiny_card(), batch_size=10,
                             progress=lambda d, t: done.append(d), should_stop=should_stop)
    assert isinstance(info.value, SeisvizError)  # shown as one line, like every user error
    assert (info.value.done, info.value.total) == (20, 50)
    assert done == [10, 20] and len(asked) == 3  # asked before each batch, none ran after
    # never asked to stop: the same probabilities as without the callable
    probs, _ = window_probabilities(maps, tiny_net(), tiny_card(), batch_size=10,
                                    should_stop=lambda: False)
    plain, _ = window_probabilities(maps, tiny_net(), tiny_card(), batch_size=10)
    np.testing.assert_array_equal(probs, plain)


def test_scan_stops_and_returns_nothing():
    from seisviz.detect.scan import scan_catalog

    rng = np.random.default_rng(1)
    n = 400
    catalog = pd.DataFrame({
        "time": pd.Timestamp("2020-01-01", tz="UTC")
        + pd.to_timedelta(np.sort(rng.uniform(0, 400, n)), unit="D"),
        "latitude": rng.uniform(28.0, 28.5, n), "longitude": rng.uniform(104.5, 105.0, n),
        "depth": rng.uniform(1, 10, n), "magnitude": rng.uniform(0.5, 3.0, n)})
    should_stop, _ = stop_after(1)
    with pytest.raises(Cancelled, match=r"cancelled after 8 of \d+ windows"):
        scan_catalog(catalog, loaded=(tiny_net(), tiny_card()), grid=16, batch_size=8,
                     device="cpu", should_stop=should_stop)


def test_training_stops_between_steps_and_resumes_from_its_checkpoint(tmp_path):
    from seisviz.training.train import Budget, make_data, train_model

    budget = Budget(n_train=32, n_val=16, epochs=3, patience=5, batch_size=16)  # 2 steps
    data = make_data(budget, 0)
    ckpt = str(tmp_path / "checkpoint.pt")
    should_stop, asked = stop_after(3)  # epoch 1's two steps, epoch 2's first, then stop
    with pytest.raises(Cancelled, match="cancelled in epoch 2 of 3, after 1 whole epochs; "
                                        ".*checkpoint.pt keeps epoch 1") as info:
        train_model("resnet18", data, budget=budget, checkpoint=ckpt, log=None,
                    should_stop=should_stop)
    assert (info.value.done, info.value.total) == (1, 3) and len(asked) == 4
    assert os.path.exists(ckpt) and not os.path.exists(ckpt + ".part")
    lines = []
    rest = train_model("resnet18", data, budget=budget, checkpoint=ckpt, log=lines.append)
    assert lines[0].startswith(f"resuming from {ckpt} after epoch 1")
    assert [h["epoch"] for h in rest.history] == [1, 2, 3]
