"""Synthetic seismicity with known anomalies: the artificial catalogs detectors learn from.

Building blocks (each returns events as a DataFrame with canonical columns plus
`episode`: -1 for non-anomalous processes, else the anomaly episode's id):

- not anomalous: diffuse background, background along faults, *persistently* dense
  spots (busy all the time), slow rate drifts, and a catalog-completeness change
  (many more small events everywhere from one day on);
- anomalous: compact swarms, injection-driven fronts whose radius grows like
  sqrt(4 pi D t), and mainshock-aftershock sequences with Omori-Utsu decay.

The label rule for windows lives in `seisviz.training.labels` (`window_labels`).

Training data v2 (issue 13) adds the hard cases the first detector missed: small
episodes (10-50 events), diffuse ones (swarms 3-6 km in radius) and episodes on places
that are busy all the time. Training data v3 (issue 22) draws more of them (`STYLE_MIX`)
and makes a fifth of its catalogs new sequences on places busy for half a year
(`seisviz.training.busyplaces`); v2 stays drawable (`make_dataset(data_version=2)`) for
the paper's sweeps and to retrain what is shipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from seisviz.timeutil import DAY_NS
from seisviz.maps import KM_PER_DEGREE, make_grid, rasterize
from seisviz.training.labels import NEIGHBOURHOOD_KM, label_neighbourhoods, window_labels
from seisviz.settings import (BACKGROUND_DAYS, GRID_PIXELS, STEP_DAYS,
                              TRAINING_STEP_DAYS, WINDOW_DAYS)

if TYPE_CHECKING:
    from seisviz.maps import DistributionMaps
    from seisviz.progress import Progress

EPOCH = pd.Timestamp("2016-01-01", tz="UTC")
# each catalog's region is this wide in longitude (degrees): the pixel sizes the cards say
REGION_WIDTH_DEG = (0.3, 1.0)
ANOMALY_KINDS = ("swarm", "injection", "aftershock")
DATA_VERSION = 3         # the newest generator (the label rule is v2's); in model cards
DATA_VERSIONS = (2, 3)
# How an episode is drawn: sizes from ~10 events up, "small" (10-50 events), "diffuse"
# (spread over 3-6 km), "busy" (sitting on a place that is busy all the time).
EPISODE_STYLES = ("any", "small", "diffuse", "busy")
# The share of each style per data version. v2's is `random_scenario`'s default, so the
# held-out sets (drawn with it) stay what they were; v3 doubles the hard styles, which the
# v2 detectors missed most (docs/evaluation.md).
STYLE_MIX = {2: (0.55, 0.15, 0.15, 0.15), 3: (0.4, 0.2, 0.2, 0.2)}
# v3: this share of the catalogs are new sequences on places busy for half a year or more
BUSY_PLACE_SHARE = {2: 0.0, 3: 0.2}
__all__ = ["ANOMALY_KINDS", "DATA_VERSION", "DATA_VERSIONS", "EPISODE_STYLES", "EPOCH", "NEIGHBOURHOOD_KM",
           "Scenario", "label_neighbourhoods", "make_dataset", "random_scenario",
           "scenario_maps", "scenario_windows", "window_labels"]


# ---------------------------------------------------------------- building blocks

def gr_magnitudes(rng: np.random.Generator, n: int, mmin: float = 0.5, b: float = 1.0,
                  mmax: float = 7.5) -> np.ndarray:
    """Gutenberg-Richter magnitudes above `mmin` (rounded to 0.1)."""
    m = mmin + rng.exponential(1.0 / (b * np.log(10)), n)
    m = np.minimum(m, mmax)
    return np.round(m, 1)


def _events(rng, t_days, lon, lat, mmin=0.5, episode=-1, magnitudes=None, depth_km=(2.0, 6.0)):
    n = len(t_days)
    return pd.DataFrame({
        "t_days": np.asarray(t_days, float),
        "longitude": np.asarray(lon, float),
        "latitude": np.asarray(lat, float),
        "depth": np.round(rng.uniform(*depth_km, n), 2),
        "magnitude": gr_magnitudes(rng, n, mmin) if magnitudes is None else magnitudes,
        "episode": np.full(n, episode, dtype=np.int64),
    })


def _offset(lon0, lat0, dx_km, dy_km):
    """Points dx/dy km east/north of (lon0, lat0)."""
    return (lon0 + dx_km / (KM_PER_DEGREE * np.cos(np.radians(lat0))),
            lat0 + dy_km / KM_PER_DEGREE)


def _poisson_times(rng, t0, t1, rate_per_day):
    n = rng.poisson(max(rate_per_day, 0.0) * max(t1 - t0, 0.0))
    return rng.uniform(t0, t1, n)


def diffuse_background(rng: np.random.Generator, bbox: Sequence[float], t0: float, t1: float,
                       rate_per_day: float, mmin: float = 0.5) -> pd.DataFrame:
    """Events spread uniformly over `bbox` from day `t0` to `t1` at `rate_per_day`."""
    t = _poisson_times(rng, t0, t1, rate_per_day)
    return _events(rng, t, rng.uniform(bbox[0], bbox[1], len(t)),
                   rng.uniform(bbox[2], bbox[3], len(t)), mmin)


def fault_background(rng: np.random.Generator, bbox: Sequence[float], t0: float, t1: float,
                     rate_per_day: float, n_faults: int = 2, width_km: float = 1.0,
                     mmin: float = 0.5) -> pd.DataFrame:
    """Events scattered `width_km` about straight faults crossing the region."""
    t = _poisson_times(rng, t0, t1, rate_per_day)
    which = rng.integers(0, n_faults, len(t))
    lon = np.empty(len(t))
    lat = np.empty(len(t))
    for f in range(n_faults):
        sel = which == f
        k = int(sel.sum())
        a = (rng.uniform(bbox[0], bbox[1]), rng.uniform(bbox[2], bbox[3]))
        b = (rng.uniform(bbox[0], bbox[1]), rng.uniform(bbox[2], bbox[3]))
        s = rng.uniform(0, 1, k)
        lon0, lat0 = a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])
        lon[sel], lat[sel] = _offset(lon0, lat0, rng.normal(0, width_km, k),
                                     rng.normal(0, width_km, k))
    return _events(rng, t, lon, lat, mmin)


def persistent_spot(rng: np.random.Generator, center: tuple[float, float], t0: float, t1: float,
                    rate_per_day: float, radius_km: float = 1.5,
                    mmin: float = 0.5) -> pd.DataFrame:
    """A place that is busy all the time (e.g. long-running injection): not anomalous."""
    t = _poisson_times(rng, t0, t1, rate_per_day)
    lon, lat = _offset(center[0], center[1], rng.normal(0, radius_km, len(t)),
                       rng.normal(0, radius_km, len(t)))
    return _events(rng, t, lon, lat, mmin)


def apply_drift(rng: np.random.Generator, events: pd.DataFrame, t0: float, t1: float,
                end_factor: float) -> pd.DataFrame:
    """Slow rate drift: thin events so the rate goes linearly from 1 to `end_factor`
    (relative to its maximum) across [t0, t1]."""
    f0, f1 = 1.0, float(end_factor)
    top = max(f0, f1)
    frac = (events["t_days"].to_numpy() - t0) / max(t1 - t0, 1e-9)
    keep = rng.uniform(0, 1, len(events)) < (f0 + (f1 - f0) * frac) / top
    return events[keep]


def completeness_change(rng: np.random.Generator, background: pd.DataFrame,
                        t_change: float, t1: float,
                        extra_fraction: float, mmin_low: float = 0.0,
                        mmin: float = 0.5) -> pd.DataFrame:
    """From `t_change` on, small events (mmin_low..mmin) appear everywhere the background
    is, at `extra_fraction` times the background rate: better detection, not a change in
    the Earth."""
    bg = background[background["t_days"] < t_change]
    span = max(t_change - bg["t_days"].min(), 1.0) if len(bg) else 1.0
    rate = extra_fraction * len(bg) / span
    t = _poisson_times(rng, t_change, t1, rate)
    if len(bg) == 0 or len(t) == 0:
        return _events(rng, [], [], [])
    src = bg.iloc[rng.integers(0, len(bg), len(t))]
    lon, lat = _offset(src["longitude"].to_numpy(), src["latitude"].to_numpy(),
                       rng.normal(0, 1.0, len(t)), rng.normal(0, 1.0, len(t)))
    mags = np.round(rng.uniform(mmin_low, mmin - 0.1, len(t)), 1)
    return _events(rng, t, lon, lat, magnitudes=mags)


def swarm(rng: np.random.Generator, center: tuple[float, float], onset: float,
          duration_days: float, n_events: int, radius_km: float,
          episode: int) -> pd.DataFrame:
    """`n_events` events scattered `radius_km` about `center` over `duration_days` from
    `onset`."""
    t = onset + rng.uniform(0, duration_days, n_events)
    lon, lat = _offset(center[0], center[1], rng.normal(0, radius_km, n_events),
                       rng.normal(0, radius_km, n_events))
    return _events(rng, t, lon, lat, episode=episode)


def injection_front(rng: np.random.Generator, center: tuple[float, float],
                    onset: float, duration_days: float,
                    rate_per_day: float, diffusivity_m2s: float,
                    episode: int) -> pd.DataFrame:
    """Injection-driven seismicity inside a front r(t) = sqrt(4 pi D t)."""
    t = np.sort(_poisson_times(rng, 0.0, duration_days, rate_per_day))
    r_km = np.sqrt(4 * np.pi * diffusivity_m2s * t * 86400.0) / 1000.0
    r = r_km * np.sqrt(rng.uniform(0, 1, len(t)))
    phi = rng.uniform(0, 2 * np.pi, len(t))
    lon, lat = _offset(center[0], center[1], r * np.cos(phi), r * np.sin(phi))
    return _events(rng, onset + t, lon, lat, episode=episode)


def rupture_length_km(magnitude: float) -> float:
    """Subsurface rupture length, Wells & Coppersmith (1994) all-slip-type regression."""
    return 10 ** (0.59 * magnitude - 2.44)


def aftershock_sequence(rng: np.random.Generator, center: tuple[float, float],
                        onset: float, m_main: float,
                        episode: int, duration_days: float = 365.0, p: float = 1.1,
                        c_days: float = 0.05, productivity: float = 0.02,
                        mmin: float = 0.5) -> pd.DataFrame:
    """Mainshock plus Omori-Utsu aftershocks, n(t) ~ K / (t + c)^p.

    The number of aftershocks grows as 10^(0.8 (M - mmin)) (scaled by `productivity`);
    they spread over about the rupture length."""
    n = rng.poisson(productivity * 10 ** (0.8 * (m_main - mmin)))
    u = rng.uniform(0, 1, n)
    a, b = c_days ** (1 - p), (duration_days + c_days) ** (1 - p)
    t = (a - u * (a - b)) ** (1 / (1 - p)) - c_days
    sigma = max(rupture_length_km(m_main) / 2, 0.5)
    lon, lat = _offset(center[0], center[1], rng.normal(0, sigma, n), rng.normal(0, sigma, n))
    after = _events(rng, onset + t, lon, lat, episode=episode,
                    magnitudes=np.minimum(gr_magnitudes(rng, n, mmin), m_main - 0.3))
    main = _events(rng, [onset], [center[0]], [center[1]], episode=episode,
                   magnitudes=np.array([round(m_main, 1)]))
    return pd.concat([main, after], ignore_index=True)


# ---------------------------------------------------------------- scenarios

@dataclass
class Scenario:
    """A synthetic catalog with its anomaly episodes."""

    catalog: pd.DataFrame   # canonical columns + `episode`
    episodes: pd.DataFrame  # episode, kind, start, end, center_lon, center_lat, radius_km, n_events
    bbox: tuple
    start: pd.Timestamp
    end: pd.Timestamp


def finish_catalog(parts: Iterable[pd.DataFrame], epoch: pd.Timestamp) -> pd.DataFrame:
    """Concatenate event parts, turn days into UTC times, sort, drop helper columns."""
    ev = pd.concat([p for p in parts if len(p)], ignore_index=True)
    ev = ev.sort_values("t_days", kind="stable").reset_index(drop=True)
    ns = epoch.value + np.round(ev["t_days"].to_numpy() * DAY_NS).astype(np.int64)
    ev.insert(0, "time", pd.to_datetime(ns, utc=True))
    return ev.drop(columns="t_days")


def episode_table(catalog: pd.DataFrame, kinds: dict[int, str],
                  epoch: pd.Timestamp) -> pd.DataFrame:
    """One row per anomaly episode: its time span (first event to 90% of its events),
    centre (median location) and radius (90th percentile distance from the centre)."""
    rows = []
    for ep, ev in catalog[catalog["episode"] >= 0].groupby("episode"):
        lon, lat = ev["longitude"].to_numpy(), ev["latitude"].to_numpy()
        c_lon, c_lat = float(np.median(lon)), float(np.median(lat))
        dx = (lon - c_lon) * KM_PER_DEGREE * np.cos(np.radians(c_lat))
        dy = (lat - c_lat) * KM_PER_DEGREE
        t = ev["time"]
        rows.append({
            "episode": int(ep), "kind": kinds[ep],
            "start": t.min(), "end": t.quantile(0.9),
            "center_lon": round(c_lon, 4), "center_lat": round(c_lat, 4),
            "radius_km": round(float(np.quantile(np.hypot(dx, dy), 0.9)), 2),
            "n_events": len(ev),
        })
    cols = ["episode", "kind", "start", "end", "center_lon", "center_lat", "radius_km",
            "n_events"]
    return pd.DataFrame(rows, columns=cols)


def random_scenario(rng: np.random.Generator, span_days: float = 300.0,
                    kinds: Sequence[str] = ANOMALY_KINDS, n_episodes: int | None = None,
                    persistent: bool | None = None, completeness: bool | None = None,
                    drift: bool | None = None, figure_s1: bool | None = None,
                    min_onset_days: float = 60.0, style: str | None = None,
                    style_mix: Sequence[float] = STYLE_MIX[2]) -> Scenario:
    """A random region and period with a random mix of background and anomalies.

    Total background rate spans two orders of magnitude (0.3 to 30 events/day). The
    optional flags force a feature on (True) or off (False); None draws it at random.
    `style` (one of EPISODE_STYLES) forces how every episode is drawn; None draws it per
    episode with the shares `style_mix` (of EPISODE_STYLES; by default v2's: any 55 %,
    small 15 %, diffuse 15 %, on a busy place 15 % when there is one).
    """
    if style is not None and style not in EPISODE_STYLES:
        raise ValueError(f"unknown episode style {style!r}")
    width = rng.uniform(*REGION_WIDTH_DEG)
    lon0, lat0 = rng.uniform(100, 110), rng.uniform(22, 40)
    bbox = (lon0, lon0 + width, lat0, lat0 + width * rng.uniform(0.8, 1.2))
    figure_s1 = rng.uniform() < 0.1 if figure_s1 is None else figure_s1
    rate = 10 ** rng.uniform(-0.5, 1.5) if not figure_s1 else 10 ** rng.uniform(-0.5, 0.3)
    share_faults = 0.0 if figure_s1 else rng.uniform(0, 0.8)

    parts = [diffuse_background(rng, bbox, 0, span_days, rate * (1 - share_faults))]
    if share_faults > 0:
        parts.append(fault_background(rng, bbox, 0, span_days, rate * share_faults,
                                      n_faults=int(rng.integers(1, 4))))
    persistent = (rng.uniform() < 0.4 and not figure_s1) if persistent is None else persistent
    if style == "busy":
        persistent = True
    spots = []
    if persistent:
        for _ in range(int(rng.integers(1, 4))):
            spots.append(_random_point(rng, bbox))
            parts.append(persistent_spot(rng, spots[-1], 0, span_days,
                                         10 ** rng.uniform(-0.5, 1.0), rng.uniform(0.5, 2.5)))
    background = pd.concat(parts, ignore_index=True)
    drift = rng.uniform() < 0.25 if drift is None else drift
    if drift:
        background = apply_drift(rng, background, 0, span_days, 10 ** rng.uniform(-0.5, 0.5))
    completeness = (rng.uniform() < 0.25 and not figure_s1) if completeness is None \
        else completeness
    parts = [background]
    if completeness:
        parts.append(completeness_change(rng, background, rng.uniform(min_onset_days, span_days - 30),
                                         span_days, rng.uniform(1.0, 4.0)))

    if n_episodes is None:
        n_episodes = int(rng.choice([0, 1, 2, 3, 4, 5]))
    kinds_of = {}
    for ep in range(n_episodes):
        kind = "swarm" if figure_s1 else str(rng.choice(kinds))
        kinds_of[ep] = kind
        onset = rng.uniform(min_onset_days, span_days - 20)
        how = style or str(rng.choice(EPISODE_STYLES, p=style_mix))
        center = _random_point(rng, bbox)
        if how == "busy" and spots:
            # on the busy place, up to 2 km off its middle
            center = _offset(*spots[int(rng.integers(len(spots)))], *rng.normal(0, 1.0, 2))
        parts.append(random_episode(rng, kind, center, onset, ep, compact=figure_s1,
                                    small=how == "small", diffuse=how == "diffuse"))
    catalog = finish_catalog(parts, EPOCH)
    return Scenario(catalog=catalog, episodes=episode_table(catalog, kinds_of, EPOCH), bbox=bbox,
                    start=EPOCH, end=EPOCH + pd.Timedelta(days=span_days))


def random_episode(rng: np.random.Generator, kind: str, center: tuple[float, float], onset: float,
                   episode: int, compact: bool = False, small: bool = False,
                   diffuse: bool = False) -> pd.DataFrame:
    """One anomaly of `kind`, sized from barely detectable (~10 events) to large;
    `small`: 10-50 events; `diffuse`: spread over 3-6 km (swarms) or a fast front
    (injection) or a wide rupture zone (aftershocks)."""
    if kind == "swarm":
        n = int(10 ** rng.uniform(1.0, 1.7)) if small else int(10 ** rng.uniform(1.0, 2.5))
        radius = (rng.uniform(0.2, 0.5) if compact else rng.uniform(3.0, 6.0) if diffuse
                  else rng.uniform(0.3, 2.5))
        return swarm(rng, center, onset, rng.uniform(1, 20), n, radius, episode)
    if kind == "injection":
        duration = rng.uniform(5, 40)
        rate = 10 ** rng.uniform(0.0, 1.5)
        if small:  # 10-50 events over the injection
            rate = 10 ** rng.uniform(1.0, 1.7) / duration
        diffusivity = rng.uniform(0.5, 2.0) if diffuse else rng.uniform(0.05, 1.0)
        return injection_front(rng, center, onset, duration, rate, diffusivity, episode)
    if kind == "aftershock":
        m_main = rng.uniform(3.5, 4.5) if small else rng.uniform(3.5, 6.0)
        seq = aftershock_sequence(rng, center, onset, m_main, episode,
                                  productivity=10 ** rng.uniform(-2.0, -1.3))
        if diffuse:  # a wider zone than the rupture length alone (e.g. a fault network)
            spread = rng.uniform(2.0, 4.0)
            seq["longitude"], seq["latitude"] = _offset(
                seq["longitude"].to_numpy(), seq["latitude"].to_numpy(),
                rng.normal(0, spread, len(seq)), rng.normal(0, spread, len(seq)))
        return seq
    raise ValueError(f"unknown anomaly kind {kind!r}")


def _random_point(rng, bbox, margin=0.1):
    w, h = bbox[1] - bbox[0], bbox[3] - bbox[2]
    return (rng.uniform(bbox[0] + margin * w, bbox[1] - margin * w),
            rng.uniform(bbox[2] + margin * h, bbox[3] - margin * h))


# ---------------------------------------------------------------- labels and data sets

def scenario_windows(scenario: Scenario, window_days: float = WINDOW_DAYS,
                     step_days: float = STEP_DAYS, background_days: float = BACKGROUND_DAYS,
                     n_pixels: int = GRID_PIXELS
                     ) -> tuple[DistributionMaps, np.ndarray, np.ndarray]:
    """Maps of a scenario over its whole span, on its own region, with window labels and
    causes. -> (dmaps, labels, cause)."""
    grid = make_grid(scenario.bbox, n_pixels)
    dmaps = rasterize(scenario.catalog, grid, window_days, step_days, background_days,
                      start=scenario.start, end=scenario.end)
    labels, cause = window_labels(scenario.catalog, dmaps)
    return dmaps, labels, cause


def scenario_maps(scenario: Scenario, n_pixels: int = GRID_PIXELS,
                  window_days: float = WINDOW_DAYS, step_days: float = TRAINING_STEP_DAYS,
                  background_days: float = BACKGROUND_DAYS
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training maps of a scenario: windows with enough history, labels and kinds."""
    dmaps, labels, cause = scenario_windows(scenario, window_days, step_days, background_days,
                                            n_pixels)
    keep = dmaps.has_history
    kinds = scenario.episodes.set_index("episode")["kind"].to_dict()
    kind = np.array([kinds.get(c, "none") for c in cause[keep]], dtype=object)
    return dmaps.maps[keep], labels[keep], kind


def make_dataset(n_maps: int, seed: int, n_pixels: int = GRID_PIXELS,
                 window_days: float = WINDOW_DAYS, step_days: float = TRAINING_STEP_DAYS,
                 background_days: float = BACKGROUND_DAYS, progress: Progress | None = None,
                 data_version: int = DATA_VERSION, busy_place_draw: Any = None,
                 **scenario_options: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`n_maps` labelled artificial maps from seeded random scenarios of training data
    `data_version` (see the module docstring; `scenario_options` go to `random_scenario`).
    v3 needs `busy_place_draw` (`seisviz.training.busyplaces.busy_place_scenario`, passed
    in because that module is built from this one; `train.make_data` passes it).

    Returns (maps [N, 2, ny, nx] float32, labels [N] int64, kinds [N] str)."""
    if data_version not in DATA_VERSIONS:
        raise ValueError(f"unknown training data version {data_version!r}: "
                         f"use one of {DATA_VERSIONS}")
    if BUSY_PLACE_SHARE[data_version] and busy_place_draw is None:
        raise ValueError(f"training data v{data_version} needs busy_place_draw "
                         "(seisviz.training.busyplaces.busy_place_scenario)")
    rng = np.random.default_rng(seed)
    scenario_options = {"style_mix": STYLE_MIX[data_version], **scenario_options}
    xs, ys, ks = [], [], []
    total = 0
    while total < n_maps:
        if BUSY_PLACE_SHARE[data_version] and rng.uniform() < BUSY_PLACE_SHARE[data_version]:
            sc = busy_place_draw(rng)
        else:
            sc = random_scenario(rng, **scenario_options)
        x, y, k = scenario_maps(sc, n_pixels, window_days, step_days, background_days)
        xs.append(x)
        ys.append(y)
        ks.append(k)
        total += len(x)
        if progress:
            progress(min(total, n_maps), n_maps)
    return (np.concatenate(xs)[:n_maps], np.concatenate(ys)[:n_maps].astype(np.int64),
            np.concatenate(ks)[:n_maps])


# ---------------------------------------------------------------- more building blocks

def fault_trace_background(rng: np.random.Generator, start: tuple[float, float],
                           end: tuple[float, float], t0: float, t1: float,
                           rate_per_day: float, width_km: float = 1.0,
                           mmin: float = 0.5) -> pd.DataFrame:
    """Background along one straight fault from `start` to `end` (each (lon, lat)), events
    scattered `width_km` about it: `fault_background` with the trace given, not drawn."""
    t = _poisson_times(rng, t0, t1, rate_per_day)
    s = rng.uniform(0, 1, len(t))
    lon0, lat0 = start[0] + s * (end[0] - start[0]), start[1] + s * (end[1] - start[1])
    lon, lat = _offset(lon0, lat0, rng.normal(0, width_km, len(t)),
                       rng.normal(0, width_km, len(t)))
    return _events(rng, t, lon, lat, mmin)
