"""The busy-place set: new sequences that start inside places busy for half a year or
more, checked from the generated catalogs themselves."""

import numpy as np
import pandas as pd
import pytest

from seisviz.maps import KM_PER_DEGREE
from seisviz.training.busyplaces import MIN_BUSY_DAYS, PLACES, busy_place_scenario

RADIUS_KM = 7.0   # the busy place around a new sequence's middle


def _within(events, lon, lat, radius_km=RADIUS_KM):
    dx = (events["longitude"].to_numpy() - lon) * KM_PER_DEGREE * np.cos(np.radians(lat))
    dy = (events["latitude"].to_numpy() - lat) * KM_PER_DEGREE
    return np.hypot(dx, dy) <= radius_km


def _busy_before(scenario, episode, days=MIN_BUSY_DAYS):
    """(events not of any episode within RADIUS_KM of the episode's middle in each
    30-day month of the `days` before its first event, that count against the median
    count of circles of the same size laid over the region in the same days)."""
    catalog = scenario.catalog
    onset = catalog.loc[catalog["episode"] == episode["episode"], "time"].min()
    quiet = catalog[(catalog["episode"] < 0) & (catalog["time"] < onset)
                    & (catalog["time"] >= onset - pd.Timedelta(days=days))]
    here = quiet[_within(quiet, episode["center_lon"], episode["center_lat"])]
    age = (onset - here["time"]).dt.total_seconds() / 86400
    months = np.histogram(age, bins=np.arange(0, days + 1, 30))[0]
    lon0, lon1, lat0, lat1 = scenario.bbox
    typical = np.median([_within(quiet, a, b).sum()
                         for a in np.linspace(lon0, lon1, 12)[1:-1]
                         for b in np.linspace(lat0, lat1, 12)[1:-1]])
    return months, len(here) / max(typical, 1.0)


@pytest.mark.parametrize("seed", range(12))
def test_every_new_sequence_starts_inside_a_place_busy_for_half_a_year(seed):
    """Around the middle of every new sequence, the 180 days before its first event hold
    events in every month, and more of them than a typical place of the region."""
    sc = busy_place_scenario(np.random.default_rng(seed))
    assert len(sc.episodes) >= 1
    for _, ep in sc.episodes.iterrows():
        months, busier = _busy_before(sc, ep)
        assert (months >= 5).all(), (seed, ep["episode"], months)
        assert busier >= 1.4, (seed, ep["episode"], busier)
        assert ep["busy_days"] >= MIN_BUSY_DAYS and ep["place"] in PLACES


def test_the_busy_place_check_fails_on_a_place_that_was_quiet():
    """The check above is not trivially met: a sequence whose place the catalog leaves
    empty before it does not pass."""
    sc = busy_place_scenario(np.random.default_rng(3), n_episodes=1)
    ep = sc.episodes.iloc[0]
    cat = sc.catalog
    onset = cat.loc[cat["episode"] == ep["episode"], "time"].min()
    emptied = cat[~((cat["episode"] < 0) & (cat["time"] < onset)
                    & _within(cat, ep["center_lon"], ep["center_lat"], 2 * RADIUS_KM))]
    months, busier = _busy_before(type(sc)(emptied, sc.episodes, sc.bbox, sc.start, sc.end), ep)
    assert (months == 0).all() and busier < 1.0


def test_both_places_and_the_m4_5_mainshock():
    on = busy_place_scenario(np.random.default_rng(5), n_episodes=2, place="on a busy place")
    assert set(on.episodes["place"]) == {"on a busy place"}
    assert set(on.episodes["kind"]) == {"aftershock"}
    for ep in on.episodes["episode"]:
        top = on.catalog.loc[on.catalog["episode"] == ep, "magnitude"].max()
        assert 4.3 <= top <= 4.7
    nxt = busy_place_scenario(np.random.default_rng(5), n_episodes=3,
                              place="next to a busy place")
    assert set(nxt.episodes["place"]) == {"next to a busy place"}
    assert set(nxt.episodes["kind"]) <= {"injection", "swarm"}
    with pytest.raises(ValueError, match="unknown place"):
        busy_place_scenario(np.random.default_rng(5), place="nowhere")


def test_seeded_and_reproducible():
    a = busy_place_scenario(np.random.default_rng(11))
    b = busy_place_scenario(np.random.default_rng(11))
    c = busy_place_scenario(np.random.default_rng(12))
    pd.testing.assert_frame_equal(a.catalog, b.catalog)
    pd.testing.assert_frame_equal(a.episodes, b.episodes)
    assert a.bbox == b.bbox and a.bbox != c.bbox


def test_the_set_is_held_out_after_the_others_and_leaves_training_data_v2_alone():
    """The busy-place set is the last held-out set, so the sets before it keep their
    seeds; the training generator draws the same catalogs as before (data version 2's
    mix of episode styles is still `random_scenario`'s default)."""
    from seisviz.training.evaluate import BUSY_PLACES, EVALUATION_SETS, NO_ANOMALY
    from seisviz.training.synthetic import random_scenario

    names = list(EVALUATION_SETS)
    assert names[-1] == BUSY_PLACES and names[-2] == NO_ANOMALY
    sc = random_scenario(np.random.default_rng(0))
    assert len(sc.catalog) == 6872 and len(sc.episodes) == 4  # as drawn before the busy set


def test_evaluate_scores_a_model_with_assistance_and_chooses_sets_by_name():
    from seisviz.commands.evaluate import _chosen_sets
    from seisviz.errors import SeisvizError
    from seisviz.training.evaluate import (BUSY_PLACES, EVALUATION_SETS, NO_ANOMALY,
                                           add_assisted)

    record = {"scores": {"net": np.array([0.9, 0.5, 0.5, 0.3])},
              "regional_beta": np.array([0.0, 8.0, 2.0, 8.0])}
    thresholds = add_assisted([record], {"net": 0.6}, ["net"], 0.45, 5.0)
    assert thresholds == {"net": 0.6, "net + assist": 0.6}
    flagged = record["scores"]["net + assist"] >= thresholds["net + assist"]
    assert flagged.tolist() == [True, True, False, False]
    chosen = _chosen_sets(["no anomaly", "New sequences"], EVALUATION_SETS)
    assert list(chosen) == [NO_ANOMALY, BUSY_PLACES]  # in the sets' own order
    assert len(_chosen_sets([], EVALUATION_SETS)) == len(EVALUATION_SETS)
    with pytest.raises(SeisvizError, match="--set 'nowhere'") as info:
        _chosen_sets(["nowhere"], EVALUATION_SETS)
    assert "\n" not in str(info.value)
