"""The second look of `refine_periods`: a run of flagged windows that gave no episode
has its places grown by the ~5 km neighbourhood, as a sequence of a sparse network's
catalog needs (its events stacked on a few lattice points and scattered km around them:
the stacked point makes a tight place that holds too few of the sequence). Runs that
have an episode keep exactly what the first look gave.

Windows are flagged by hand over synthetic catalogs, so no model is needed."""

import numpy as np
import pandas as pd
import shapely

from seisviz.detect.scan import derive_periods
from seisviz.settings import MIN_EVENTS
from seisviz.subregions.regions import find_subregions
from seisviz.training.synthetic import EPOCH, diffuse_background, finish_catalog, swarm
from tests.subregions.test_unlocated_place import BBOX, flagged_by_hand

POINT = (104.15, 30.12)  # the lattice point the tight place sits on


def scattered_sequence(seed=3):
    """A quiet background; 5 events stacked on POINT on day 215 (an early burst), then on
    day 231 a burst of 20: 6 stacked on POINT and 14 scattered ~2 km about it."""
    rng = np.random.default_rng(seed)
    stacked = lambda t, n, ep: swarm(rng, POINT, t, 0.2, n, 0.0, ep)  # noqa: E731
    return finish_catalog([diffuse_background(rng, BBOX, 0, 300, 0.5),
                           stacked(215.0, 5, 0), stacked(231.0, 6, 1),
                           swarm(rng, POINT, 231.0, 0.5, 14, 2.0, 1)], EPOCH)


def inside(geom, catalog, episode):
    ev = catalog[catalog["episode"] == episode]
    return int(shapely.intersects_xy(geom, ev["longitude"].to_numpy(),
                                     ev["latitude"].to_numpy()).sum())


def test_a_scattered_sequence_on_a_tight_place_gets_its_episode():
    catalog = scattered_sequence()
    flagged = flagged_by_hand(catalog, first=190, last=230)
    first = find_subregions(flagged.dmaps, periods=pd.DataFrame(
        {"period_id": [1], "start": [EPOCH + pd.Timedelta(days=190)],
         "end": [EPOCH + pd.Timedelta(days=260)]}), catalog=catalog,
        flagged=flagged.windows["flagged"].to_numpy())
    assert len(first) == 1
    # the tight place holds the stacked events, too few of the day-231 burst alone
    assert inside(first.geometry.iloc[0], catalog, 1) < MIN_EVENTS
    result = derive_periods(flagged, catalog)
    assert len(result.episodes) == 1 and len(result.unlocated) == 0
    ep = result.episodes.iloc[0]
    assert ep["n_events"] >= MIN_EVENTS
    assert ep["area_km2"] > first["area_km2"].iloc[0]
    burst = catalog[catalog["episode"] == 1]["time"]
    assert abs(pd.Timestamp(ep["onset"]) - burst.min()) < pd.Timedelta(hours=12)


def test_a_run_with_an_episode_keeps_the_first_look():
    rng = np.random.default_rng(4)
    catalog = finish_catalog([diffuse_background(rng, BBOX, 0, 300, 0.5),
                              swarm(rng, POINT, 231.0, 1.0, 30, 0.2, 0)], EPOCH)
    flagged = flagged_by_hand(catalog, first=204, last=230)
    result = derive_periods(flagged, catalog)
    assert len(result.episodes) == 1
    first = find_subregions(flagged.dmaps, periods=result.periods, catalog=catalog,
                            flagged=flagged.windows["flagged"].to_numpy())
    grown = find_subregions(flagged.dmaps, periods=result.periods, catalog=catalog,
                            flagged=flagged.windows["flagged"].to_numpy(), grown=True)
    # the episode has the first look's place, not the grown one
    assert result.episodes["area_km2"].iloc[0] == first["area_km2"].iloc[0]
    assert grown["area_km2"].iloc[0] > first["area_km2"].iloc[0]
