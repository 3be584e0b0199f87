"""Omori p, diffusivity, the kind rule and characterise_episode."""

import numpy as np
import pandas as pd
import pytest

from seisviz.stats import (EPISODE_STAT_COLUMNS, characterise_episode, diffusivity,
                           episode_kind, fit_omori, omori_fit)
from seisviz.training import synthetic

T0 = pd.Timestamp("2021-03-01", tz="UTC")


def omori_times(rng, n, p=1.1, c=0.05, span=200.0):
    u = rng.uniform(size=n)
    a, b = c ** (1 - p), (span + c) ** (1 - p)
    return (a - u * (a - b)) ** (1 / (1 - p)) - c


def events(t_days, x_km, y_km, m, depth=5.0):
    lat = 30.0 + np.asarray(y_km) / 111.2
    lon = 100.0 + np.asarray(x_km) / (111.2 * np.cos(np.radians(30.0)))
    return pd.DataFrame({"time": T0 + pd.to_timedelta(np.asarray(t_days) * 86400, unit="s"),
                         "latitude": lat, "longitude": lon,
                         "depth": np.broadcast_to(depth, len(lat)), "magnitude": m})


def test_omori_p_of_a_synthetic_sequence():
    rng = np.random.default_rng(11)
    fits = [fit_omori(omori_times(rng, 1500), span_days=200.0) for _ in range(3)]
    for fit in fits:
        assert abs(fit.p - 1.1) <= 0.15
        assert 0.005 < fit.c < 0.5 and fit.k > 0
    assert fit_omori(omori_times(rng, 20)) is None


def test_omori_fit_needs_a_leading_mainshock():
    rng = np.random.default_rng(12)
    t = np.concatenate([[0.0], np.sort(omori_times(rng, 400))])
    m = np.concatenate([[5.0], np.round(1 + rng.exponential(0.43, 400).clip(max=3.5), 1)])
    seq = events(t, rng.normal(0, 2, 401), rng.normal(0, 2, 401), m)
    fit = omori_fit(seq)
    assert fit is not None and abs(fit.p - 1.1) <= 0.15 and fit.n == 400
    late = seq.assign(magnitude=np.where(np.arange(401) == 300, 6.0, seq["magnitude"]))
    assert omori_fit(late) is None


def test_diffusivity_of_an_injection_front():
    rng = np.random.default_rng(13)
    D = 0.4  # m^2/s
    t = np.sort(rng.uniform(0, 20, 600))
    r_km = np.sqrt(4 * np.pi * D * t * 86400) / 1000 * np.sqrt(rng.uniform(size=600))
    phi = rng.uniform(0, 2 * np.pi, 600)
    inj = events(t, r_km * np.cos(phi), r_km * np.sin(phi), np.full(600, 1.0))
    est = diffusivity(inj)
    assert est == pytest.approx(D, rel=0.3)
    swarm = events(t, rng.normal(0, 1, 600), rng.normal(0, 1, 600), np.full(600, 1.0))
    assert diffusivity(swarm) is None


@pytest.mark.parametrize("kind,expected", [("aftershock", "aftershocks"),
                                           ("injection", "injection"), ("swarm", "swarm")])
def test_kind_on_generated_episodes(kind, expected):
    hits = known = 0
    for i in range(25):
        rng = np.random.default_rng([77, i])
        ep = synthetic.finish_catalog(
            [synthetic.random_episode(rng, kind, (105.0, 29.0), 10.0, 1)], synthetic.EPOCH)
        got = episode_kind(ep)
        known += got is not None
        hits += got == expected
    assert hits / known >= 0.8


def test_characterise_episode_columns_and_too_few_events():
    rng = np.random.default_rng(14)
    t = np.concatenate([[0.0], np.sort(omori_times(rng, 600))])
    m = np.concatenate([[5.5], np.round(0.95 + rng.exponential(0.43, 600).clip(max=4), 1)])
    seq = events(t, rng.normal(0, 3, 601), rng.normal(0, 3, 601), m,
                 depth=rng.uniform(4, 8, 601))
    out = characterise_episode(seq)
    assert list(out) == EPISODE_STAT_COLUMNS
    assert out["kind"] == "aftershocks" and abs(out["omori_p"] - 1.1) <= 0.15
    assert abs(out["b_value"] - 1.0) < 0.2 and out["b_value_err"] > 0
    assert np.isnan(out["diffusivity_m2s"]) and 5 < out["depth_median_km"] < 7
    few = characterise_episode(seq.head(4))
    assert few["kind"] is None and np.isnan(few["mc"]) and np.isnan(few["b_value"])
    assert np.isnan(few["omori_p"]) and np.isnan(few["diffusivity_m2s"])
