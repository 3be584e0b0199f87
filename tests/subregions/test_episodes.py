"""Episode onsets and ends (seisviz.episodes): known rate steps, mainshocks, spans, union."""

import numpy as np
import pandas as pd
import pytest
import shapely

from seisviz.subregions.episodes import (background_rate, bayesian_blocks,
                                         episodes_from_subregions, refine_episode,
                                         refine_episodes)
from seisviz.subregions.united import periods_from_episodes
from seisviz.timeutil import DAY_NS, to_ns, utc

EPOCH = utc("2020-01-01")
PLACE_A = (104.00, 29.00)
PLACE_B = (104.30, 29.00)  # ~29 km east of A


def days(d):
    """EPOCH + d days, as a UTC Timestamp."""
    return EPOCH + pd.Timedelta(days=float(d))


def poisson_times(rng, t0, t1, rate):
    return rng.uniform(t0, t1, rng.poisson(rate * (t1 - t0)))


def events(t_days, place, rng, magnitudes=None, spread_deg=0.01):
    n = len(t_days)
    return pd.DataFrame({
        "time": pd.to_datetime(EPOCH.value + np.round(np.asarray(t_days) * DAY_NS)
                               .astype(np.int64), utc=True),
        "longitude": place[0] + rng.normal(0, spread_deg, n),
        "latitude": place[1] + rng.normal(0, spread_deg, n),
        "magnitude": np.round(rng.uniform(0.5, 2.5, n), 1) if magnitudes is None
        else np.asarray(magnitudes, float),
    })


def catalog_of(*parts):
    cat = pd.concat(parts, ignore_index=True)
    return cat.sort_values("time", kind="stable").reset_index(drop=True)


def subregion(period_id, subregion_id, place, half_deg=0.05):
    return {"period_id": period_id, "subregion_id": subregion_id, "center_lon": place[0],
            "center_lat": place[1],
            "geometry": shapely.box(place[0] - half_deg, place[1] - half_deg,
                                    place[0] + half_deg, place[1] + half_deg)}


def step_catalog(seed=1, onset=300.0, stop=320.0, rate=10.0, background=0.2):
    """Place A: `background` events/day for 400 days, `rate` more in [onset, stop)."""
    rng = np.random.default_rng(seed)
    return catalog_of(events(poisson_times(rng, 0, 400, background), PLACE_A, rng),
                      events(poisson_times(rng, onset, stop, rate), PLACE_A, rng))


def test_a_step_in_rate_gets_its_onset_within_a_day_and_its_end_within_days():
    cat = step_catalog()
    t = to_ns(cat["time"])
    # the raw span as a scan gives it: a window length before the step, to after its end
    ep = refine_episode(t, cat["magnitude"], days(272), days(342), background_rate(36, 180))
    first_burst_event = cat["time"][cat["time"] >= days(300)].iloc[0]
    assert ep["refined"]
    assert abs((ep["onset"] - days(300)) / pd.Timedelta(days=1)) <= 1.0
    assert ep["onset"] == first_burst_event  # on an event, not a bin edge
    assert abs((ep["end"] - days(320)) / pd.Timedelta(days=1)) <= 3.0
    # about 200 events in 20 days over a background of 0.2/day
    inside = int(((cat["time"] >= ep["onset"]) & (cat["time"] <= ep["end"])).sum())
    assert ep["n_events"] == inside and 170 <= inside <= 240
    assert 30 <= ep["rate_ratio"] <= 70
    assert ep["peak_daily_count"] >= 10


def test_the_step_is_found_for_many_random_catalogs():
    errors = []
    for seed in range(20):
        cat = step_catalog(seed, onset=300.0 + seed / 7, rate=5.0)
        ep = refine_episode(to_ns(cat["time"]), cat["magnitude"], days(275), days(345), 0.2)
        errors.append((ep["onset"] - days(300 + seed / 7)) / pd.Timedelta(days=1))
    assert np.max(np.abs(errors)) <= 1.0
    assert np.median(np.abs(errors)) <= 0.3


def omori_times(rng, n, c=0.05, p=1.1, duration=365.0):
    u = rng.uniform(0, 1, n)
    a, b = c ** (1 - p), (duration + c) ** (1 - p)
    return (a - u * (a - b)) ** (1 / (1 - p)) - c


@pytest.mark.parametrize("seed", range(5))
def test_an_aftershock_sequence_starts_at_its_mainshock(seed):
    rng = np.random.default_rng(100 + seed)
    t_main = 250.0 + seed * 0.37
    after = t_main + omori_times(rng, 400)
    cat = catalog_of(events(poisson_times(rng, 0, 400, 0.3), PLACE_A, rng),
                     events([t_main], PLACE_A, rng, magnitudes=[5.6]),
                     events(after, PLACE_A, rng, magnitudes=np.full(len(after), 2.0)))
    t = to_ns(cat["time"])
    ep = refine_episode(t, cat["magnitude"], days(222), days(300),
                        background_rate(54, 180))
    assert ep["onset"] == days(t_main).round("ns")
    assert ep["max_magnitude"] == 5.6 and ep["max_magnitude_time"] == ep["onset"]


def test_a_foreshock_days_before_does_not_move_the_onset():
    rng = np.random.default_rng(7)
    after = 250.0 + omori_times(rng, 300)
    cat = catalog_of(events(poisson_times(rng, 0, 400, 0.1), PLACE_A, rng),
                     events([246.5, 250.0], PLACE_A, rng, magnitudes=[3.0, 5.5]),
                     events(after, PLACE_A, rng, magnitudes=np.full(len(after), 1.5)))
    ep = refine_episode(to_ns(cat["time"]), cat["magnitude"], days(225), days(300), 0.1)
    assert ep["onset"] == days(250.0)


def test_a_second_mainshock_in_the_first_ones_aftershocks_is_a_second_episode():
    # the Xingwen / Gongxian case: M5.7, then M5.3 18 days later in the same subregion
    rng = np.random.default_rng(41)
    first, second = 250.0, 268.0
    a1, a2 = first + omori_times(rng, 600), second + omori_times(rng, 300)
    cat = catalog_of(events(poisson_times(rng, 0, 400, 0.2), PLACE_A, rng),
                     events([first, second], PLACE_A, rng, magnitudes=[5.7, 5.3]),
                     events(a1, PLACE_A, rng, magnitudes=np.full(len(a1), 2.0)),
                     events(a2, PLACE_A, rng, magnitudes=np.full(len(a2), 2.0)))
    t = to_ns(cat["time"])
    eps = refine_episodes(t, cat["magnitude"], days(222), days(320), 0.2)
    assert [ep["onset"] for ep in eps[:2]] == [days(first), days(second)]
    assert [ep["max_magnitude"] for ep in eps[:2]] == [5.7, 5.3]
    assert eps[0]["end"] < eps[1]["onset"]
    # the strongest alone, for one episode per place
    assert refine_episode(t, cat["magnitude"], days(222), days(320), 0.2)["onset"] == \
        days(first)


def test_two_bursts_at_one_place_in_one_period_are_two_episodes():
    rng = np.random.default_rng(43)
    cat = catalog_of(events(poisson_times(rng, 0, 400, 0.2), PLACE_A, rng),
                     events(poisson_times(rng, 300, 306, 10.0), PLACE_A, rng),
                     events(poisson_times(rng, 320, 326, 10.0), PLACE_A, rng))
    eps = refine_episodes(to_ns(cat["time"]), cat["magnitude"], days(272), days(350), 0.2)
    onsets = [(ep["onset"] - EPOCH) / pd.Timedelta(days=1) for ep in eps]
    ends = [(ep["end"] - EPOCH) / pd.Timedelta(days=1) for ep in eps]
    assert len(eps) == 2
    assert np.abs(np.subtract(onsets, [300, 320])).max() <= 1.0
    assert np.abs(np.subtract(ends, [306, 326])).max() <= 3.0


def test_a_lull_of_hours_inside_a_swarm_does_not_split_it():
    rng = np.random.default_rng(47)
    # 40 events in 4 days, 1.5 quiet days (Bayesian blocks make that a block of its own),
    # then 60 events in 4.5 days
    t = np.concatenate([rng.uniform(300, 304, 40), rng.uniform(305.5, 310, 60)])
    cat = catalog_of(events(poisson_times(rng, 0, 400, 0.2), PLACE_A, rng),
                     events(t, PLACE_A, rng))
    eps = refine_episodes(to_ns(cat["time"]), cat["magnitude"], days(272), days(340), 0.2)
    assert len(eps) == 1
    assert abs((eps[0]["onset"] - days(t.min())) / pd.Timedelta(days=1)) < 1e-6
    assert abs((eps[0]["end"] - days(t.max())) / pd.Timedelta(days=1)) < 1.0


@pytest.mark.parametrize("span", [(272, 342), (305, 330), (290, 312), (310, 315)])
def test_the_refined_episode_lies_inside_the_raw_span(span):
    # spans that begin inside the burst or end before it does: onset and end stay inside
    cat = step_catalog(seed=3)
    ep = refine_episode(to_ns(cat["time"]), cat["magnitude"], days(span[0]), days(span[1]),
                        0.2)
    assert days(span[0]) <= ep["onset"] <= ep["end"] <= days(span[1])
    inside = (cat["time"] >= ep["onset"]) & (cat["time"] <= ep["end"])
    assert ep["n_events"] == int(inside.sum())


def test_a_completeness_change_since_the_background_does_not_stretch_the_end():
    # from day 200 the place records 4x as many events (better detection); the burst
    # days 300-315 must still end near day 315, not at the end of the span
    rng = np.random.default_rng(11)
    cat = catalog_of(events(poisson_times(rng, 0, 200, 0.2), PLACE_A, rng),
                     events(poisson_times(rng, 200, 400, 0.8), PLACE_A, rng),
                     events(poisson_times(rng, 300, 315, 8.0), PLACE_A, rng))
    ep = refine_episode(to_ns(cat["time"]), cat["magnitude"], days(272), days(345), 0.2)
    assert abs((ep["onset"] - days(300)) / pd.Timedelta(days=1)) <= 1.0
    assert abs((ep["end"] - days(315)) / pd.Timedelta(days=1)) <= 3.0


def test_nothing_elevated_keeps_the_raw_span():
    rng = np.random.default_rng(5)
    cat = catalog_of(events(poisson_times(rng, 0, 400, 0.5), PLACE_A, rng))
    ep = refine_episode(to_ns(cat["time"]), cat["magnitude"], days(270), days(330), 0.5)
    assert not ep["refined"]
    assert (ep["onset"], ep["end"]) == (days(270), days(330))


def test_background_rate_has_a_floor():
    assert background_rate(0, 180) == pytest.approx(0.5 / 180)
    assert background_rate(36, 180) == pytest.approx(0.2)


def test_bayesian_blocks_split_at_a_rate_step():
    rng = np.random.default_rng(2)
    t = np.sort(np.concatenate([rng.uniform(0, 50, 25), rng.uniform(50, 60, 200)]))
    edges = bayesian_blocks(t, 0.0, 60.0)
    assert edges[0] == 0.0 and edges[-1] == 60.0
    assert np.min(np.abs(edges - 50.0)) < 0.5


def two_places():
    """A burst at A (days 300-320) and one at B (days 310-330), 29 km apart, over a
    background at both; one raw period (span 272-345) with a subregion at each."""
    rng = np.random.default_rng(21)
    cat = catalog_of(events(poisson_times(rng, 0, 400, 0.2), PLACE_A, rng),
                     events(poisson_times(rng, 0, 400, 0.2), PLACE_B, rng),
                     events(poisson_times(rng, 300, 320, 8.0), PLACE_A, rng),
                     events(poisson_times(rng, 310, 330, 8.0), PLACE_B, rng))
    periods = pd.DataFrame({"period_id": [1], "start": [days(272)], "end": [days(345)],
                            "peak_probability": [0.97]})
    subs = pd.DataFrame([subregion(1, 1, PLACE_A), subregion(1, 2, PLACE_B)])
    return cat, periods, subs


def test_two_places_overlapping_in_time_stay_two_episodes():
    cat, periods, subs = two_places()
    eps = episodes_from_subregions(cat, periods, subs)
    assert list(eps["subregion_id"]) == [1, 2] and list(eps["episode_id"]) == [1, 2]
    onset_days = ((eps["onset"] - EPOCH) / pd.Timedelta(days=1)).to_numpy()
    end_days = ((eps["end"] - EPOCH) / pd.Timedelta(days=1)).to_numpy()
    assert np.abs(onset_days - [300, 310]).max() <= 1.0
    assert np.abs(end_days - [320, 330]).max() <= 3.0
    # each episode counts only its own place: ~160 burst events + a few background ones
    assert ((eps["n_events"] > 120) & (eps["n_events"] < 200)).all()
    assert (eps["window_start"] == days(272)).all() and (eps["window_end"] == days(345)).all()
    # background from the 180 days before the span at each place, ~0.2/day
    assert ((eps["background_rate_per_day"] > 0.1) & (eps["background_rate_per_day"] < 0.3)).all()
    assert (eps["peak_probability"] == 0.97).all()


def test_the_union_of_episodes_gives_the_periods():
    cat, periods, subs = two_places()
    eps = episodes_from_subregions(cat, periods, subs)
    out = periods_from_episodes(eps, periods)
    assert len(out) == 1
    p = out.iloc[0]
    assert p["start"] == eps["onset"].min() and p["end"] == eps["end"].max()
    assert (p["window_start"], p["window_end"]) == (days(272), days(345))
    assert p["n_episodes"] == 2 and p["episode_ids"] == "1;2"
    assert p["n_events"] == eps["n_events"].sum() and p["peak_probability"] == 0.97


def test_episodes_apart_in_time_split_the_period_and_empty_periods_give_none():
    rng = np.random.default_rng(31)
    cat = catalog_of(events(poisson_times(rng, 0, 500, 0.2), PLACE_A, rng),
                     events(poisson_times(rng, 0, 500, 0.2), PLACE_B, rng),
                     events(poisson_times(rng, 300, 305, 20.0), PLACE_A, rng),
                     events(poisson_times(rng, 330, 335, 20.0), PLACE_B, rng))
    periods = pd.DataFrame({"period_id": [1, 2], "start": [days(272), days(420)],
                            "end": [days(365), days(460)]})
    subs = pd.DataFrame([subregion(1, 1, PLACE_A), subregion(1, 2, PLACE_B)])
    eps = episodes_from_subregions(cat, periods, subs)
    out = periods_from_episodes(eps, periods)
    # raw period 2 has no place: no period (issue 19: no rows with 0 events)
    assert list(out["raw_period_id"]) == [1, 1]
    assert list(out["n_episodes"]) == [1, 1]
    starts = ((out["start"] - EPOCH) / pd.Timedelta(days=1)).to_numpy()
    assert np.abs(starts - [300, 330]).max() <= 1.0
    assert list(out["period_id"]) == [1, 2]


def test_no_subregions_and_no_events_give_typed_empty_tables():
    cat, periods, subs = two_places()
    eps = episodes_from_subregions(cat, periods, subs.iloc[:0])
    assert len(eps) == 0 and list(eps.columns[:5]) == ["episode_id", "period_id",
                                                       "subregion_id", "onset", "end"]
    assert str(eps["onset"].dtype) == "datetime64[ns, UTC]"
    out = periods_from_episodes(eps, periods)
    assert len(out) == 0 and str(out["start"].dtype) == "datetime64[ns, UTC]"
    ep = refine_episode(np.array([], np.int64), np.array([]), days(272), days(345), 0.2)
    assert not ep["refined"] and ep["n_events"] == 0 and ep["peak_daily_count"] == 0
