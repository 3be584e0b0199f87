"""A state-size artificial catalog: decades over several degrees, as a state survey's.

What a seismologist loads is a state, a province or a country, not the 0.3-1.0 degree
regions the detector was trained on: `statewide_catalog` makes one (seeded) for the
benchmark of a scan at the trained scale (benchmarks/bench_scale.py) and the tests of how
a region is cut (seisviz.detect.region). It holds
- a sparse background over the whole box and a few steady seismic zones (not anomalous);
- a few induced areas that switch on in the last decade and stay busy for years;
- aftershock sequences of M4-5.6 at scattered places over the span, and a cluster of
  M4.3-4.7 sequences in the last year, several where nothing happened before.
Production code never imports this module (synthetic data live in seisviz.training).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seisviz.training.synthetic import (Scenario, _random_point, aftershock_sequence,
                                        diffuse_background, episode_table, finish_catalog,
                                        persistent_spot)

MMIN = 2.0  # a state survey's completeness


def statewide_catalog(seed: int = 0, years: float = 35.0, width_deg: float = 9.0,
                      height_deg: float = 3.5, west: float = -101.0,
                      south: float = 34.5) -> Scenario:
    """A seeded state-size catalog (about 19,000 events at the defaults) and its
    anomaly episodes (kinds "induced" and "aftershocks")."""
    rng = np.random.default_rng(seed)
    span = float(years) * 365.25
    bbox = (west, west + width_deg, south, south + height_deg)
    area = width_deg * height_deg / 31.5  # rates are for the default 9 x 3.5 degrees
    parts = [diffuse_background(rng, bbox, 0.0, span, 0.02 * area, MMIN)]
    for _ in range(max(1, round(8 * area))):  # steady zones: busy all the time
        parts.append(persistent_spot(rng, _random_point(rng, bbox), 0.0, span,
                                     rng.uniform(0.06, 0.15), radius_km=6.0, mmin=MMIN))
    kinds, episode = {}, 0
    for _ in range(max(1, round(4 * area))):  # induced areas, years of bursts
        center = _random_point(rng, bbox)
        t0 = span - rng.uniform(min(2.0, years * 0.25), min(10.0, years * 0.5)) * 365.25
        for burst in range(int(rng.integers(2, 5))):
            onset = t0 + burst * rng.uniform(120, 400)
            if onset >= span - 30:
                break
            ev = persistent_spot(rng, center, onset, min(span, onset + rng.uniform(90, 300)),
                                 rng.uniform(1.0, 3.0), radius_km=3.0, mmin=MMIN)
            ev["episode"] = episode
            kinds[episode] = "induced"
            parts.append(ev)
            episode += 1
    shocks = [(rng.uniform(180, span - 60), rng.uniform(4.0, 5.6))
              for _ in range(max(1, round(10 * area)))]
    shocks += [(span - rng.uniform(30, 330), rng.uniform(4.3, 4.7))
               for _ in range(max(1, round(8 * area)))]
    for onset, magnitude in shocks:
        parts.append(aftershock_sequence(rng, _random_point(rng, bbox), onset, magnitude,
                                         episode, duration_days=200.0, productivity=0.5,
                                         mmin=MMIN))
        kinds[episode] = "aftershocks"
        episode += 1
    epoch = pd.Timestamp("1990-01-01", tz="UTC")
    catalog = finish_catalog(parts, epoch)
    catalog = catalog[(catalog["longitude"].between(bbox[0], bbox[1]))
                      & (catalog["latitude"].between(bbox[2], bbox[3]))
                      & (catalog["time"] < epoch + pd.Timedelta(days=span))]
    catalog = catalog.reset_index(drop=True)
    return Scenario(catalog=catalog, episodes=episode_table(catalog, kinds, epoch),
                    bbox=bbox, start=epoch, end=epoch + pd.Timedelta(days=span))
