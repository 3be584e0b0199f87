"""b-value, Mc, magnitude resolution and types, Mc(t)/b(t)."""

import numpy as np
import pandas as pd
import pytest

from seisviz.catalog import mc_max_curvature
from seisviz.errors import SeisvizError
from seisviz.stats import (MIN_EVENTS_CLASSIC, b_value, magnitude_of_completeness,
                           magnitude_resolution, magnitude_types, mc_b_over_time)


def gr(rng, n, b, mc=1.0, delta_m=0.1):
    """Gutenberg-Richter magnitudes binned at delta_m, complete from mc."""
    m = mc - delta_m / 2 + rng.exponential(1 / (b * np.log(10)), n)
    return np.round(np.round(m / delta_m) * delta_m, 1)


def incomplete(rng, n, b, mc):
    """GR from 0 with detection ramping up to 1 at mc: the FMD peaks at mc."""
    m = gr(rng, n, b, mc=0.0)
    p = np.clip((m + 0.05) / mc, 0, 1) ** 4
    return m[rng.uniform(size=len(m)) < p]


@pytest.mark.parametrize("b", [0.8, 1.3])
def test_b_value_of_gutenberg_richter_catalogs(b):
    rng = np.random.default_rng(int(b * 10))
    m = gr(rng, 5000, b)
    est = b_value(m, mc=1.0)
    assert abs(est.b - b) <= 0.05
    assert est.method == "Aki-Utsu" and est.n_used == 5000 and est.delta_m == 0.1
    assert 0 < est.b_err < 0.05
    pos = b_value(m, mc=1.0, method="positive")
    assert abs(pos.b - b) <= 0.1 and pos.method == "b-positive"


def test_b_value_with_mc_from_maximum_curvature():
    rng = np.random.default_rng(2)
    m = incomplete(rng, 40000, 1.0, mc=1.5)
    mc = magnitude_of_completeness(m)
    assert 1.4 <= mc <= 1.8  # maximum curvature + 0.2
    assert mc == mc_max_curvature(m)  # the catalog summary's Mc agrees
    est = b_value(m)
    assert est.mc == mc and abs(est.b - 1.0) <= 0.05


def test_too_few_events_give_none_and_bad_method_one_line():
    m = np.round(np.linspace(1.0, 3.0, MIN_EVENTS_CLASSIC - 1), 1)
    assert b_value(m, mc=1.0) is None
    assert np.isnan(magnitude_of_completeness(m[:10]))
    assert b_value(m[:10]) is None
    with pytest.raises(SeisvizError, match="method 'weichert'"):
        b_value(m, method="weichert")


def test_magnitude_resolution():
    assert magnitude_resolution([1.2, 1.3, 2.0]) == 0.1
    assert magnitude_resolution([1.25, 1.31]) == 0.01
    assert magnitude_resolution(np.array([1.2, 1.3]) + 1e-12) == 0.1
    assert magnitude_resolution([1.23456, 2.0]) == 0.0
    rng = np.random.default_rng(3)
    m = np.round(1.0 - 0.005 + rng.exponential(1 / np.log(10), 3000), 2)
    est = b_value(m, mc=1.0)
    assert est.delta_m == 0.01 and abs(est.b - 1.0) < 0.08


def test_magnitude_types_warns_when_scales_mix():
    cat = pd.DataFrame({"magnitude_type": ["ML"] * 6 + ["mww", "Mw", "mb", None]})
    mix = magnitude_types(cat)
    assert mix.counts.to_dict() == {"ML": 6, "mww": 1, "Mw": 1, "mb": 1, "unknown": 1}
    assert mix.scales.to_dict() == {"ML": 6, "Mw": 2, "mb": 1, "unknown": 1}
    assert mix.mixed and "\n" not in mix.warning
    assert mix.warning.startswith("magnitudes mix 3 scales (ML 60%, Mw 20%, mb 10%)")
    one = magnitude_types(pd.DataFrame({"magnitude_type": ["mww", "Mw", "mwr", ""]}))
    assert not one.mixed and one.warning is None
    assert not magnitude_types(pd.DataFrame({"magnitude": [1.0]})).mixed


def test_mc_b_over_time_sees_a_change_of_b():
    rng = np.random.default_rng(4)
    m = np.concatenate([gr(rng, 1000, 0.8), gr(rng, 1000, 1.3)])
    t = pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(np.arange(2000), unit="h")
    table = mc_b_over_time(pd.DataFrame({"time": t, "magnitude": m}), window_events=500,
                           step=250)
    assert list(table.columns) == ["time", "start", "end", "n_events", "mc", "b", "b_err",
                                   "n_used"]
    assert len(table) == 7 and (table["n_events"] == 500).all()
    assert abs(table["b"].iloc[0] - 0.8) < 0.15 and abs(table["b"].iloc[-1] - 1.3) < 0.2
    assert table["time"].is_monotonic_increasing
    assert mc_b_over_time(pd.DataFrame({"time": t[:10], "magnitude": m[:10]})).empty
