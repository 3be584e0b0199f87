"""New sequences that start inside places busy for half a year or more (issue 19).

Real induced-seismicity catalogs hold what the training data v2 barely does: a pad that
has been active for months, then a *new* sequence that starts inside that busy area -
a new induced cluster a few km from the old pad, or an M4.5 sequence on top of it. The
background channel of such a window is already high near the new sequence, which is
where a detector that learnt "busy is normal" loses.

`busy_place_scenario` draws one such catalog: a background like the training data's,
one to three busy pads (each `persistent_spot`, active from the first days of the
catalog), and one to three new sequences, each starting at least `MIN_BUSY_DAYS` after
the pad it belongs to became active:

- "next to a busy place": an injection front or a swarm centred 2-5 km from the pad;
- "on a busy place": a mainshock of M4.3-4.7 within 1 km of the pad's middle, with its
  aftershocks.

The episodes table gets two more columns: `place` (which of the two) and `busy_days`
(how long the pad had been active at the sequence's onset). It is a generator of its
own, not a style of `random_scenario`: the training data v2 draws stay what they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seisviz.training.synthetic import (EPOCH, Scenario, _offset, _random_point,
                                        aftershock_sequence, diffuse_background,
                                        episode_table, fault_background, finish_catalog,
                                        injection_front, persistent_spot, swarm)

MIN_BUSY_DAYS = 180.0     # a place busy this long before a new sequence is "busy"
BUSY_SPAN_DAYS = 360.0    # room for 180 busy days, 30 days of window and the sequence
PLACES = ("next to a busy place", "on a busy place")
__all__ = ["BUSY_SPAN_DAYS", "MIN_BUSY_DAYS", "PLACES", "busy_place_scenario"]


def busy_place_scenario(rng: np.random.Generator, span_days: float = BUSY_SPAN_DAYS,
                        n_episodes: int | None = None, place: str | None = None) -> Scenario:
    """A synthetic catalog whose anomalies are new sequences on places busy for at least
    `MIN_BUSY_DAYS` (see the module docstring). `place` (one of PLACES) forces where
    every sequence starts; None draws it per sequence. Seeded by `rng` alone."""
    if place is not None and place not in PLACES:
        raise ValueError(f"unknown place {place!r}: use one of {PLACES}")
    if span_days < MIN_BUSY_DAYS + 60:
        raise ValueError(f"span_days {span_days}: needs at least {MIN_BUSY_DAYS + 60:g} days")
    width = rng.uniform(0.3, 1.0)
    lon0, lat0 = rng.uniform(100, 110), rng.uniform(22, 40)
    bbox = (lon0, lon0 + width, lat0, lat0 + width * rng.uniform(0.8, 1.2))
    rate = 10 ** rng.uniform(-0.5, 1.2)
    share_faults = rng.uniform(0, 0.8)
    parts = [diffuse_background(rng, bbox, 0, span_days, rate * (1 - share_faults)),
             fault_background(rng, bbox, 0, span_days, rate * share_faults,
                              n_faults=int(rng.integers(1, 4)))]
    # the pads: busy from their first days to the end of the catalog, at rates from one
    # event every two days to ten a day (a 30-day window holds 15-300 of their events),
    # and never less than a third of the whole region's background: a pad is a place
    # clearly busier than the region around it, whatever the region's own rate
    pads = []
    for _ in range(int(rng.integers(1, 4))):
        pads.append((_random_point(rng, bbox, margin=0.2), rng.uniform(0, 20)))
        pad_rate = max(10 ** rng.uniform(-0.3, 1.0), rate / 3)
        parts.append(persistent_spot(rng, pads[-1][0], pads[-1][1], span_days, pad_rate,
                                     rng.uniform(0.5, 2.0)))

    n_episodes = int(rng.integers(1, 4)) if n_episodes is None else int(n_episodes)
    kinds, places, busy_days = {}, {}, {}
    for ep in range(n_episodes):
        (pad, since) = pads[int(rng.integers(len(pads)))]
        onset = rng.uniform(since + MIN_BUSY_DAYS + 10, span_days - 30)
        where = place or str(rng.choice(PLACES))
        if where == "on a busy place":
            kind = "aftershock"
            center = _offset(*pad, *rng.normal(0, 0.5, 2))
            part = aftershock_sequence(rng, center, onset, rng.uniform(4.3, 4.7), ep,
                                       productivity=10 ** rng.uniform(-2.0, -1.3))
        else:
            kind = str(rng.choice(("injection", "swarm")))
            distance, bearing = rng.uniform(2.0, 5.0), rng.uniform(0, 2 * np.pi)
            center = _offset(*pad, distance * np.cos(bearing), distance * np.sin(bearing))
            if kind == "injection":
                duration = rng.uniform(10, 40)
                part = injection_front(rng, center, onset, duration, 10 ** rng.uniform(0.3, 1.3),
                                       rng.uniform(0.05, 0.5), ep)
            else:
                part = swarm(rng, center, onset, rng.uniform(2, 20),
                             int(10 ** rng.uniform(1.3, 2.3)), rng.uniform(0.3, 1.5), ep)
        kinds[ep], places[ep], busy_days[ep] = kind, where, onset - since
        parts.append(part)
    catalog = finish_catalog(parts, EPOCH)
    episodes = episode_table(catalog, kinds, EPOCH)
    episodes["place"] = episodes["episode"].map(places)
    episodes["busy_days"] = episodes["episode"].map(busy_days).round(1)
    return Scenario(catalog=catalog, episodes=episodes, bbox=bbox, start=EPOCH,
                    end=EPOCH + pd.Timedelta(days=span_days))
