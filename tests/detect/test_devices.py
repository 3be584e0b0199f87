"""The device is chosen from a hardware summary, without torch."""

import pytest

from seisviz.detect.devices import choose_device
from seisviz.errors import SeisvizError

NOTHING = {"cuda": [], "mps": False, "cpu_threads": 4}
GPU = {"cuda": ["NVIDIA H200"], "mps": False, "cpu_threads": 16}


def test_auto_takes_the_best_device_there_is():
    assert choose_device("auto", NOTHING) == "cpu"
    assert choose_device(None, GPU) == "cuda"
    assert choose_device("AUTO", {**NOTHING, "mps": True}) == "mps"
    assert choose_device("cpu", GPU) == "cpu"


@pytest.mark.parametrize("asked, says", [("cuda", "CUDA GPU was asked for"),
                                         ("mps", "Apple MPS was asked for"),
                                         ("tpu", "unknown device 'tpu'")])
def test_an_absent_or_unknown_device_is_one_line(asked, says):
    with pytest.raises(SeisvizError, match=says):
        choose_device(asked, NOTHING)
