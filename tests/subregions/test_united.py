"""A clean list of episodes and periods (seisviz.subregions.united, issue 19): one episode
per place and time across runs of flagged windows, at least the label rule's minimum of
distinct events, periods that never overlap, and ends that follow the events."""

import numpy as np
import pandas as pd
import pytest

from seisviz.detect import flagged_periods
from seisviz.settings import MIN_EVENTS
from seisviz.subregions.episodes import (DEFAULTS, episodes_from_subregions, events_in_episode,
                                         refine_episodes)
from seisviz.subregions.blocks import background_rate
from seisviz.subregions.refine import refine_periods
from seisviz.subregions.united import (distinct_events, merge_same_place,
                                       periods_from_episodes, with_min_events)
from seisviz.timeutil import DAY_NS, to_ns
from seisviz.training.synthetic import random_scenario, scenario_windows
from tests.subregions.test_episodes import (EPOCH, PLACE_A, PLACE_B, catalog_of, days, events,
                                            omori_times, poisson_times, subregion)

PLACE_A2 = (PLACE_A[0] + 0.03, PLACE_A[1])  # ~3 km east of A: its polygon overlaps A's


def clean_list(cat, raw_periods, subs):
    """What `refine_periods` does after finding the subregions."""
    eps = episodes_from_subregions(cat, raw_periods, subs, keep_geometry=True)
    eps = eps[eps["refined"]].reset_index(drop=True)
    eps = with_min_events(cat, merge_same_place(cat, eps))
    eps = eps.sort_values("onset", kind="stable").reset_index(drop=True)
    eps["episode_id"] = np.arange(1, len(eps) + 1)
    return eps, periods_from_episodes(eps, raw_periods)


def day_of(t):
    return (pd.Timestamp(t) - EPOCH) / pd.Timedelta(days=1)


def two_runs_at_one_place():
    """A swarm at A (8/day, days 300-320) and one at B (29 km away, days 315-325); two
    runs of flagged windows whose spans overlap (the network's flags dipped for a few
    windows): both hold A's onset, so both find A (the second with its polygon a little
    east), the first cut at its span's end; the second also finds B."""
    rng = np.random.default_rng(5)
    cat = catalog_of(events(poisson_times(rng, 0, 500, 0.2), PLACE_A, rng),
                     events(poisson_times(rng, 0, 500, 0.2), PLACE_B, rng),
                     events(poisson_times(rng, 300, 320, 8.0), PLACE_A, rng),
                     events(poisson_times(rng, 315, 325, 10.0), PLACE_B, rng))
    raw = pd.DataFrame({"period_id": [1, 2], "start": [days(272), days(290)],
                        "end": [days(310), days(350)], "peak_probability": [0.9, 0.8]})
    subs = pd.DataFrame([subregion(1, 1, PLACE_A), subregion(2, 1, PLACE_A2),
                         subregion(2, 2, PLACE_B)])
    return cat, raw, subs


def test_one_place_found_by_two_runs_at_overlapping_times_is_one_episode_and_one_period():
    cat, raw, subs = two_runs_at_one_place()
    per_run = episodes_from_subregions(cat, raw, subs, keep_geometry=True)
    at_a = per_run[per_run["subregion_id"].eq(1) & per_run["refined"]]
    # each run finds A, with the same onset: two episodes before merging
    assert list(at_a["period_id"]) == [1, 2] and at_a["onset"].nunique() == 1
    eps, periods = clean_list(cat, raw, subs)
    a = eps[eps.geometry.intersects(subs.geometry[0])]
    assert len(a) == 1 and len(eps) == 2  # one at A, one at B
    a = a.iloc[0]
    assert abs(day_of(a["onset"]) - 300) <= 1 and abs(day_of(a["end"]) - 320) <= 2
    # counted again from its own events, on the union of the two polygons
    assert a["n_events"] == len(events_in_episode(cat, a.geometry, a["onset"], a["end"]))
    assert a["n_events"] > 130
    assert (a["window_start"], a["window_end"]) == (days(272), days(350))
    assert a["peak_probability"] == 0.9
    # A and B overlap in time: one period, made of both runs
    assert len(periods) == 1
    p = periods.iloc[0]
    assert (p["start"], p["end"]) == (eps["onset"].min(), eps["end"].max())
    assert p["n_episodes"] == 2 and p["raw_period_ids"] == "1;2"
    assert p["n_events"] == eps["n_events"].sum()


def test_places_apart_are_not_merged_even_when_their_times_overlap():
    cat, raw, subs = two_runs_at_one_place()
    eps, _ = clean_list(cat, raw, subs)
    b = eps[eps.geometry.intersects(subs.geometry[2])]
    assert len(b) == 1 and abs(day_of(b["onset"].iloc[0]) - 315) <= 1


def test_a_place_of_six_events_is_no_episode_and_its_run_gives_no_period():
    rng = np.random.default_rng(8)
    six = np.array([310.0, 310.2, 310.3, 310.5, 310.6, 310.9])
    cat = catalog_of(events(poisson_times(rng, 0, 500, 0.02), PLACE_B, rng),
                     events(six, PLACE_B, rng),
                     events(poisson_times(rng, 0, 500, 0.2), PLACE_A, rng),
                     events(poisson_times(rng, 400, 410, 10.0), PLACE_A, rng))
    raw = pd.DataFrame({"period_id": [1, 2], "start": [days(285), days(390)],
                        "end": [days(330), days(430)], "peak_probability": [0.7, 0.9]})
    subs = pd.DataFrame([subregion(1, 1, PLACE_B), subregion(2, 1, PLACE_A)])
    per_run = episodes_from_subregions(cat, raw, subs, keep_geometry=True)
    six_ep = per_run[per_run["period_id"].eq(1) & per_run["refined"]]
    assert len(six_ep) == 1 and 6 <= six_ep["n_events"].iloc[0] < MIN_EVENTS  # found...
    eps, periods = clean_list(cat, raw, subs)
    assert list(eps["period_id"]) == [2]  # ... and dropped
    assert len(periods) == 1 and periods["raw_period_ids"].iloc[0] == "2"
    assert (periods["n_episodes"] > 0).all()


def test_an_earthquake_located_twice_counts_once():
    rng = np.random.default_rng(9)
    six = events(np.array([310.0, 310.2, 310.3, 310.5, 310.6, 310.9]), PLACE_B, rng)
    cat = catalog_of(events(poisson_times(rng, 0, 500, 0.02), PLACE_B, rng), six, six)
    raw = pd.DataFrame({"period_id": [1], "start": [days(285)], "end": [days(330)]})
    subs = pd.DataFrame([subregion(1, 1, PLACE_B)])
    eps = episodes_from_subregions(cat, raw, subs, keep_geometry=True)
    eps = eps[eps["refined"]]
    assert eps["n_events"].iloc[0] >= 12  # twelve rows...
    assert distinct_events(cat, eps)[0] < MIN_EVENTS  # ... six earthquakes
    assert len(with_min_events(cat, eps)) == 0


def omori_place(seed, background_per_day, n=3000, t_main=300.0):
    rng = np.random.default_rng(seed)
    t = np.sort(np.concatenate([rng.uniform(0, 700, rng.poisson(background_per_day * 700)),
                                [t_main], t_main + omori_times(rng, n)]))
    return t, (EPOCH.value + np.round(t * DAY_NS)).astype(np.int64)


def omori_rate(tau_days, n=3000, c=0.05, p=1.1, duration=365.0):
    """The aftershock rate (events/day) `tau_days` after the mainshock of `omori_times`."""
    k = n * (1 - p) / ((duration + c) ** (1 - p) - c ** (1 - p))
    return k * (tau_days + c) ** -p


@pytest.mark.parametrize("seed", range(4))
def test_an_aftershock_sequence_ends_when_its_rate_is_back_to_about_twice_its_background(seed):
    bg = 2.0
    t, ns = omori_place(seed, bg)
    lam0 = background_rate(int(((t >= 92) & (t < 272)).sum()), 180)
    w0, w1, follow = days(272), days(330), days(330 + DEFAULTS["follow_days"])
    inside = refine_episodes(ns, np.ones(len(t)), w0, w1, lam0)
    assert max(ep["end"] for ep in inside) <= w1  # without following: cut at the windows
    eps = refine_episodes(ns, np.ones(len(t)), w0, w1, lam0, follow_end=follow)
    assert len(eps) == 1 and eps[0]["onset"] == days(300)
    end = day_of(eps[0]["end"])
    assert end > 330 + 20  # well past the last flagged window
    # the place's true rate there (sequence + background) is about twice its background
    assert 1.5 <= (omori_rate(end - 300) + bg) / bg <= 3.5
    assert eps[0]["n_events"] == int(((ns >= to_ns(eps[0]["onset"]))
                                      & (ns <= to_ns(eps[0]["end"]))).sum())


@pytest.mark.parametrize("seed", range(3))
def test_an_end_never_follows_beyond_the_limit(seed):
    # over a quiet place (0.05/day) the tail stays above twice the background for years
    t, ns = omori_place(seed, 0.05)
    follow = days(330 + DEFAULTS["follow_days"])
    eps = refine_episodes(ns, np.ones(len(t)), days(272), days(330), 0.05, follow_end=follow)
    assert days(330) < eps[0]["end"] <= follow
    assert eps[0]["onset"] == days(300)


def test_episodes_from_subregions_follow_the_catalog_after_the_span():
    rng = np.random.default_rng(3)
    after = 300.0 + omori_times(rng, 3000)
    cat = catalog_of(events(poisson_times(rng, 0, 700, 2.0), PLACE_A, rng),
                     events([300.0], PLACE_A, rng, magnitudes=[5.5]),
                     events(after, PLACE_A, rng, magnitudes=np.full(len(after), 1.5)))
    raw = pd.DataFrame({"period_id": [1], "start": [days(272)], "end": [days(330)]})
    subs = pd.DataFrame([subregion(1, 1, PLACE_A)])
    ep = episodes_from_subregions(cat, raw, subs, keep_geometry=True).iloc[0]
    assert days(330) < ep["end"] <= days(330 + DEFAULTS["follow_days"])
    assert ep["window_end"] == days(330)
    assert ep["n_events"] == len(events_in_episode(cat, ep.geometry, ep["onset"], ep["end"]))
    kept = episodes_from_subregions(cat, raw, subs, follow_days=0.0).iloc[0]
    assert kept["end"] <= days(330)


def test_periods_never_overlap_on_a_synthetic_catalog_with_many_episodes():
    rng = np.random.default_rng(19_019)
    n_periods = 0
    for _ in range(3):
        sc = random_scenario(rng, span_days=600.0, n_episodes=10, figure_s1=False)
        dmaps, labels, _ = scenario_windows(sc, 30.0, 1.0, 180.0, 64)
        flagged = labels & dmaps.has_history
        windows = dmaps.window_table()
        raw = flagged_periods(windows, flagged, probability=np.ones(len(windows)))
        periods, eps = refine_periods(sc.catalog, dmaps, raw, flagged)
        n_periods += len(periods)
        start, end = to_ns(periods["start"]), to_ns(periods["end"])
        assert (np.diff(start) > 0).all() and (start[1:] > end[:-1]).all()
        assert (periods["n_episodes"] >= 1).all() and periods["refined"].all()
        assert (distinct_events(sc.catalog, eps) >= MIN_EVENTS).all()
        # every episode inside its period, and the periods hold every episode once
        by_id = periods.set_index("period_id")
        assert (eps["onset"].to_numpy() >= by_id.loc[eps["period_id"], "start"].to_numpy()).all()
        assert (eps["end"].to_numpy() <= by_id.loc[eps["period_id"], "end"].to_numpy()).all()
        assert int(periods["n_episodes"].sum()) == len(eps)
    assert n_periods >= 6
