"""The classical baseline: beta statistic per 3x3 cell against the cell's own past."""

import numpy as np
import pandas as pd

from seisviz.detect.baseline import beta_scores
from seisviz.maps import make_grid, rasterize
from seisviz.training.synthetic import (EPOCH, completeness_change, diffuse_background, finish_catalog, swarm, window_labels)

BBOX = (104.6, 105.2, 28.0, 28.6)


def _maps(parts, days=300, step=5):
    cat = finish_catalog(parts, EPOCH)
    dmaps = rasterize(cat, make_grid(BBOX, 64), 30, step, 180, start=EPOCH,
                      end=EPOCH + pd.Timedelta(days=days))
    return cat, dmaps


def test_beta_matches_the_formula_for_one_cell():
    rng = np.random.default_rng(0)
    cat, dmaps = _maps([diffuse_background(rng, BBOX, 0, 300, 2.0),
                        swarm(rng, (104.9, 28.3), 250, 2, 60, 0.3, episode=0)])
    scores = beta_scores(dmaps)
    k = int(np.nanargmax(scores))
    # recompute the best cell by hand for window k
    c = dmaps.channel("count")[k]
    b = dmaps.channel("background")[k]
    pad_c, pad_b = np.pad(c, 1), np.pad(b, 1)
    best = -np.inf
    ratio = dmaps.history_days[k] / dmaps.window_days
    f = 1 / (1 + ratio)
    for y in range(64):
        for x in range(64):
            na = pad_c[y:y + 3, x:x + 3].sum()
            if na < 10:
                continue
            n = na + pad_b[y:y + 3, x:x + 3].sum() * ratio
            best = max(best, (na - n * f) / np.sqrt(n * f * (1 - f)))
    assert np.isclose(scores[k], best)
    assert np.isnan(scores[~dmaps.has_history]).all()


def test_batching_does_not_change_scores():
    rng = np.random.default_rng(1)
    _, dmaps = _maps([diffuse_background(rng, BBOX, 0, 300, 5.0),
                      swarm(rng, (104.8, 28.2), 120, 5, 40, 0.5, episode=0)], step=1)
    np.testing.assert_array_equal(beta_scores(dmaps, batch=7), beta_scores(dmaps, batch=10_000))


def test_a_completeness_change_fools_the_baseline_but_is_no_anomaly():
    """Why the network is needed: the beta test sees every cell's rate jump at once."""
    rng = np.random.default_rng(2)
    bg = diffuse_background(rng, BBOX, 0, 300, 40.0)
    cat, dmaps = _maps([bg, completeness_change(rng, bg, 200, 300, 3.0)])
    labels, _ = window_labels(cat, dmaps)
    assert not labels.any()
    change = np.datetime64(EPOCH.tz_convert(None) + pd.Timedelta(days=200))
    after = dmaps.window_start >= change
    before = (dmaps.window_end <= change) & dmaps.has_history
    assert np.nanmax(beta_scores(dmaps)[after]) > np.nanmax(beta_scores(dmaps)[before]) + 3
