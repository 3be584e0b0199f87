"""Declustering: Gardner-Knopoff (SeismoStats' algorithm, faster) and Zaliapin's nearest neighbours."""

import numpy as np
import pandas as pd
import pytest

from seisviz.errors import SeisvizError
from seisviz.stats import decluster
from seisviz.stats.engine import seismostats_analysis
from seisviz.training import synthetic


def background_plus_aftershocks(seed, rate=1.0, span=400.0):
    rng = np.random.default_rng(seed)
    bg = synthetic.diffuse_background(rng, (104.0, 106.0, 28.0, 30.0), 0.0, span, rate)
    aft = synthetic.aftershock_sequence(rng, (105.0, 29.0), 100.0, 5.5, episode=1,
                                        productivity=0.05)
    cat = synthetic.finish_catalog([bg, aft], synthetic.EPOCH)
    cat["time"] = cat["time"].dt.floor("s")
    return cat


@pytest.mark.parametrize("method", ["gardner-knopoff", "zaliapin"])
def test_declustering_removes_the_aftershocks_and_little_background(method):
    cat = background_plus_aftershocks(1)
    out, share, details = decluster(cat, method=method)
    keep = np.asarray(details["keep"])
    aftershocks = cat["episode"].to_numpy() == 1
    assert 1 - keep[aftershocks].mean() > 0.9
    assert 1 - keep[~aftershocks].mean() < 0.2
    assert len(out) == keep.sum() and share == pytest.approx(1 - keep.mean())
    assert list(out.columns) == list(cat.columns)


def test_zaliapin_threshold_from_the_mixture_and_given():
    cat = background_plus_aftershocks(2)
    _, _, details = decluster(cat, method="zaliapin")
    assert -7 < details["log_eta0"] < -2
    assert np.isnan(details["log_eta"]).sum() == 1  # the first event has no parent
    _, share, fixed = decluster(cat, method="zaliapin", log_eta0=-20)
    assert share == 0 and fixed["log_eta0"] == -20


def test_gardner_knopoff_keeps_what_seismostats_keeps():
    cat = background_plus_aftershocks(3, span=150.0).sample(frac=1, random_state=0)
    cat = cat.reset_index(drop=True)
    _, _, details = decluster(cat, method="gardner-knopoff")
    ss = seismostats_analysis()
    table = cat[["time", "magnitude", "longitude", "latitude"]].copy()
    table["time"] = table["time"].dt.tz_localize(None)
    theirs = np.asarray(ss.GardnerKnopoffType1(ss.GardnerKnopoffWindow())(table), dtype=bool)
    assert (details["keep"] == theirs).all()


def test_unknown_method_and_empty_catalog():
    with pytest.raises(SeisvizError, match="declustering method 'reasenberg'"):
        decluster(pd.DataFrame(), method="reasenberg")
    out, share, _ = decluster(pd.DataFrame(columns=["time", "magnitude"]))
    assert len(out) == 0 and share == 0.0
