"""Episodes: when each flagged subregion's activity began and ended, from its own events.

A flagged period is a run of flagged 30-day windows, so its raw span starts about one
window length before the activity it flags and ends at the end of its last window. This
module refines each (period, subregion) pair into an *episode* with an `onset` and an `end`
taken from the subregion's event times, and rebuilds the periods as the union in time of
their episodes.

How an episode is found (`refine_episode`)
------------------------------------------
Input: the times of the subregion's events inside the raw span
``[window_start, window_end)`` and its background rate ``lambda0`` (events per day),
counted in the ``background_days`` before the span inside the same polygon. The floor
``0.5 / background span`` keeps a quiet place (no event before) from getting a zero rate,
which would make any single event infinitely significant.

1. **Bayesian blocks** (Scargle et al. 2013, ApJ 764:167) split the span into blocks of
   constant Poisson rate: the optimal partition under the event-data likelihood
   ``N_k (ln N_k - ln T_k)`` per block, with the penalty per change point
   ``ncp_prior = 4 - ln(73.53 p0 N^-0.478)`` (``p0`` = 0.05, the chance of a false change
   point). Block edges fall midway between events.
2. A block is **elevated** when its rate is at least ``ratio`` (2) times the reference
   rate - the label rule's "at least double its own rate" - and its count is significant
   against it (Poisson ``P(N >= n_k) <= alpha``, 0.001). The reference is ``lambda0``, or
   the rate of the span's quietest block of at least ``quiet_days`` (7) when that is
   higher: a completeness change or a drift since the background period lifts every
   block alike and must not keep the episode going to the end of the span.
3. An episode is a run of elevated blocks, adjacent or apart by a lull shorter than
   ``lull_days`` (2: a pause of hours inside a swarm is not a return to background). A
   run is split where a block of at least ``min_events`` (10) events has ``ratio`` x the
   rate of the block before it (significantly, as in 2): a second mainshock inside the
   aftershocks of a first is a second episode at the same place. A subregion usually
   has one episode; further runs need ``min_events`` events; the strongest run (largest
   excess ``n_k - ref T_k``) is always kept.
4. Its `onset` and `end` are placed on events by a one-change-point Poisson likelihood
   ``max_tau  n_1 ln(n_1/T_1) + n_2 ln(n_2/T_2)`` over the events of the run's first
   block and the quiet block before it (for the onset; the change falls *on* an event,
   which opens the busy segment), and of its last block and the quiet block after it (for
   the end; the event closes the busy segment). Needed because block edges lie midway
   between events: a mainshock after a quiet gap of days would have to carry half that
   gap into its block, and Bayesian blocks leave it in the quiet block before.
   When no block is elevated, the episode keeps the raw span (``refined`` False;
   `seisviz.subregions.refine` drops it).
5. **The end follows the events.** When the span's last block is still elevated (the
   place's rate has not come back when the flagged windows end) and its rate is below
   that of the block before it in the same run (a tail that is falling, as aftershocks
   do: one long block of a mildly doubled rate is no tail to follow), the blocks are fitted
   again on the raw span *and* up to ``follow_days`` (90) after it, on the place's own
   events (inside its polygon) from the catalog after the span, cut at the catalog's
   last event, and steps 2-4 run on them. The episode of the span's last run keeps its
   onset and takes the end of the last new run that overlaps it; after the raw span the
   rate may only fall, so it stops before a block whose rate rises over the block before
   it (a new rise, a new run or a rate jump is a later flag's episode). So the end passes the
   last flagged window while the place's rate stays at ``ratio`` x its reference, and
   stops when it comes back to about twice its background, or at ``follow_days`` after
   the raw span. The other episodes, and every episode of a burst that ended inside the
   span, keep the blocks of the span alone.
   Why 90 days: three window lengths at the default 30-day window; an Omori tail
   (p 1.1) of 3,000 events over a place of 2 events a day comes back to twice that rate
   75-120 days after its mainshock, 45-90 days after windows that end a month after it
   (tested), while over a quiet place (0.05 a day) it stays above twice its rate for
   years, and the limit stops it.

Why Bayesian blocks rather than a single-change Poisson likelihood ratio or a CUSUM:

- it finds the onset *and* the end in one pass, and any number of rate steps in between,
  so a decaying sequence becomes a staircase of blocks whose last elevated step is where
  the rate comes back to twice its background;
- it needs no rate to be guessed beforehand. A CUSUM tuned to "double the background" on a
  quiet place (``lambda0`` of 0.05/day) remembers a single background event for
  ``ln 2 / lambda0`` = 14 days, so a stray event days before a burst becomes its onset; a
  Kulldorff-type scan (one elevated interval, rate free) gets the onset right but ends the
  interval where the rate drops to about its mean, far too early for an Omori tail;
- the background enters only in step 2, as the reference for "elevated"; the blocks
  themselves are fitted on the span's own events, so an error in ``lambda0`` changes which
  blocks count, never where they start.

Assumptions: events inside a block are a homogeneous Poisson process (clustering inside a
burst only makes blocks finer, and finer blocks are still elevated); the place's rate in
the ``background_days`` before the span, or its quietest week-long stretch inside the
span, is its normal rate.

- **Mainshock**: its aftershocks start within minutes, so the change point of step 4
  falls on it: moving the onset one event earlier adds one event but the whole gap to the
  previous (background) event, at the sequence's rate of tens to thousands per day. The
  onset is the mainshock's time (tested).
- **Foreshocks**: an earlier event joins the episode only when the gap to the next one is
  shorter than about ``ln(rate_1 / rate_0) / rate_1`` (``rate_1`` the busy segment's rate,
  ``rate_0`` the quiet one's): a foreshock minutes to hours before an energetic sequence
  becomes the onset, one days earlier stays in the background and the onset is the
  mainshock (tested). `max_magnitude_time` always names the largest event.
- **Slow Omori tail**: the rate ``K / (t + c)^p`` becomes a staircase of blocks; the end is
  the last event of the last block still at ``ratio`` x the reference, i.e. when the tail
  comes back to twice the place's own rate, or the last event within ``follow_days``
  after the raw span if it has not by then (step 5; tested).

Times are UTC (`seisviz.timeutil`). Pure numpy/pandas; shapely only to select the events
inside a subregion's polygon.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# bayesian_blocks is not used here, and stays importable from here as it always was
from seisviz.subregions.blocks import (Blocks, _poisson_sf, _rate_change, background_rate,
                                       bayesian_blocks, fit_blocks)  # noqa: F401
from seisviz.tables import CRS, RAW_EPISODES, SCORE
from seisviz.timeutil import DAY_NS, to_ns, utc

DEFAULTS = {
    "ratio": 2.0,         # elevated blocks hold at least ratio x the background rate
    "alpha": 1e-3,        # ... and are significant against it (Poisson tail probability)
    "p0": 0.05,           # Bayesian blocks' false change-point probability
    "quiet_days": 7.0,    # blocks at least this long can stand for the place's rate now
    "min_events": 10,     # a subregion's further episodes need this many events
    "lull_days": 2.0,     # shorter quiet stretches inside a burst do not end it
    "background_days": 180.0,
    "background_floor": 0.5,  # events over the background span, when it holds none
    "follow_days": 90.0,  # an end may pass the raw span by at most this much (step 5)
}


def refine_episodes(event_times_ns: np.ndarray, magnitudes: np.ndarray, window_start: Any,
                    window_end: Any, background_rate_per_day: float,
                    ratio: float = DEFAULTS["ratio"], alpha: float = DEFAULTS["alpha"],
                    p0: float = DEFAULTS["p0"], quiet_days: float = DEFAULTS["quiet_days"],
                    min_events: int = DEFAULTS["min_events"],
                    lull_days: float = DEFAULTS["lull_days"],
                    one_episode: bool = False, follow_end: Any = None) -> list[dict]:
    """Every episode of one subregion within a raw period, in time order.

    Usually one. More when the place's rate rose more than once in the span: separate
    runs of elevated blocks, or a run in which a block's rate jumps to `ratio` times the
    block before it (a second mainshock inside the first one's aftershocks). Episodes
    with fewer than `min_events` events are dropped, except the strongest one, so that
    a subregion always has an episode.

    Args:
        event_times_ns: UTC nanoseconds of the subregion's events (any order; those
            outside [window_start, window_end) are ignored).
        magnitudes: their magnitudes (same length).
        window_start, window_end: the raw span of the period (start of its first flagged
            window, end of its last).
        background_rate_per_day: the place's normal rate (see `background_rate`).
        ratio, alpha, p0, quiet_days, min_events, lull_days: see the module docstring.
        one_episode: the place's activity as one episode: no run is split at a rate
            jump, and only the strongest run is kept (`refine_episode`).
        follow_end: how far an end may follow the place's events past `window_end`
            (step 5 of the module docstring); default `window_end`: ends stay in the span.
    Returns:
        list of dicts with onset (inside the span), end (before `follow_end`; UTC
        Timestamps), n_events (in
        [onset, end]), background_rate_per_day, peak_daily_count (largest count of one
        UTC day in [onset, end]), rate_ratio (n_events / max(end - onset, 1 day) /
        background rate), max_magnitude, max_magnitude_time, refined (False when no
        block was elevated and the raw span is kept, as the only episode).
    """
    w0, w1 = to_ns(window_start), to_ns(window_end)
    w2 = max(w1, to_ns(follow_end)) if follow_end is not None else w1
    t, mag = _events_in_span(event_times_ns, magnitudes, w0, w2)
    lam0 = float(background_rate_per_day)
    raw = [episode_stats(t, mag, w0, w1, lam0) | {"refined": False}]
    if not (t < w1).any():
        return raw
    days = (t - w0) / DAY_NS
    n_span = int((t < w1).sum())  # t is sorted: the span's events come first
    blocks = fit_blocks(days[:n_span], (w1 - w0) / DAY_NS, p0, lam0, quiet_days)
    elevated = _elevated(blocks, ratio, alpha)
    if not elevated.any():
        return raw
    split = None if one_episode else min_events
    runs = _elevated_runs(blocks, elevated, ratio, alpha, lull_days, split_events=split)
    places = _onsets_and_ends(days[:n_span], blocks.edges, runs)
    last = runs[-1]
    if w2 > w1 and elevated[-1] and last[1] > last[0] and \
            blocks.rate[last[1]] < blocks.rate[last[1] - 1]:
        # still elevated, and falling, when the flagged windows end: a tail, whose end
        # follows the events (step 5)
        places[-1] = (places[-1][0], _followed_end(
            days, places[-1], (w1 - w0) / DAY_NS, (w2 - w0) / DAY_NS, lam0, ratio, alpha,
            p0, quiet_days, lull_days, split))
    episodes, strength = [], []
    for (lo, hi), (onset_i, end_i) in zip(runs, places):
        episodes.append(episode_stats(t, mag, int(t[onset_i]), int(t[end_i]), lam0)
                        | {"refined": True})
        strength.append(float((blocks.n - blocks.mu)[lo:hi + 1].sum()))
    strongest = int(np.argmax(strength))
    return [ep for i, ep in enumerate(episodes)
            if i == strongest or (not one_episode and ep["n_events"] >= min_events)]


def _followed_end(days: np.ndarray, run: tuple[int, int], span_end: float,
                  follow_end: float, lam0: float, ratio: float, alpha: float, p0: float,
                  quiet_days: float, lull_days: float, split: int | None) -> int:
    """The end (event position) of the run `run` = (onset, end) of the raw span [0,
    `span_end`) days, when the blocks are fitted again on [0, `follow_end`) (step 5 of
    the module docstring): the end of the last new run that overlaps it; after the raw
    span the rate may only fall, so the end stops before a block whose rate rises over
    the block before it (a new rise is a later flag's episode). `run`'s own end when no
    new run overlaps it."""
    blocks = fit_blocks(days, follow_end, p0, lam0, quiet_days)
    runs = _elevated_runs(blocks, _elevated(blocks, ratio, alpha), ratio, alpha, lull_days,
                          split_events=split)
    onset_i, end_i = run
    found = [(r, e) for r, (o, e) in zip(runs, _onsets_and_ends(days, blocks.edges, runs))
             if days[o] <= days[end_i] and days[e] >= days[onset_i]]
    if not found:
        return end_i
    (lo, hi), end = found[-1]
    first_after = int(np.searchsorted(blocks.edges, span_end, side="right"))
    for k in range(max(first_after, lo + 1), hi + 1):
        if blocks.rate[k] > blocks.rate[k - 1]:
            end = int(np.searchsorted(days, blocks.edges[k], side="left")) - 1
            break
    return max(end, onset_i)


def _elevated(blocks: Blocks, ratio: float, alpha: float) -> np.ndarray:
    """Which blocks are elevated (step 2 of the module docstring)."""
    return (blocks.n >= ratio * blocks.mu) & (_poisson_sf(blocks.n, blocks.mu) <= alpha) \
        & (blocks.n > 0)


def refine_episode(event_times_ns: np.ndarray, magnitudes: np.ndarray, window_start: Any,
                   window_end: Any, background_rate_per_day: float,
                   **options: Any) -> dict:
    """The strongest episode of one subregion within a raw period (the one with the
    largest excess over the reference rate), its runs not split at rate jumps; arguments
    and result as `refine_episodes`."""
    episodes = refine_episodes(event_times_ns, magnitudes, window_start, window_end,
                               background_rate_per_day, one_episode=True, **options)
    return episodes[0]


def _events_in_span(event_times_ns: np.ndarray, magnitudes: np.ndarray, w0: int,
                    w1: int) -> tuple[np.ndarray, np.ndarray]:
    """(times, magnitudes) of the events in [w0, w1), in time order."""
    t = np.asarray(event_times_ns, np.int64)
    mag = np.asarray(magnitudes, np.float64)
    inside = (t >= w0) & (t < w1)
    order = np.argsort(t[inside], kind="stable")
    return t[inside][order], mag[inside][order]


def _elevated_runs(blocks: Blocks, elevated: np.ndarray, ratio: float, alpha: float,
                   lull_days: float, split_events: int | None) -> list[list[int]]:
    """[first, last] block of each run of elevated blocks (step 3 of the module
    docstring): adjacent ones, or ones apart by a lull shorter than `lull_days`, go on
    together unless the later block's rate jumps; no run is split with `split_events`
    None."""
    n_k, rate, width, edges = blocks.n, blocks.rate, blocks.width, blocks.edges

    def jump(j, before):
        # block j's rate is `ratio` x block `before`'s, significantly, and j holds enough
        # events to be an episode (a clump of 5 events in half an hour inside a swarm is not)
        if split_events is None:
            return False
        return n_k[j] >= split_events and rate[j] >= ratio * rate[before] and \
            _poisson_sf(n_k[j], rate[before] * width[j]) <= alpha

    runs = []
    for j in np.flatnonzero(elevated):
        if runs and runs[-1][1] == j - 1 and not jump(j, j - 1):
            runs[-1][1] = j  # the run goes on
        elif runs and runs[-1][1] < j - 1 and edges[j] - edges[runs[-1][1] + 1] < lull_days \
                and not jump(j, runs[-1][1]):
            runs[-1][1] = j  # a lull of under `lull_days` inside a burst is no return
        else:
            runs.append([j, j])
    return runs


def _onsets_and_ends(days: np.ndarray, edges: np.ndarray,
                     runs: list[list[int]]) -> list[tuple[int, int]]:
    """(onset, end) event positions of each run (step 4 of the module docstring).

    Block edges sit midway between events, so a block that starts with a mainshock
    after a quiet gap would have to pay for half that gap: the first and last events of
    a burst can fall into the blocks beside it. Onset and end are therefore placed by a
    one-change-point Poisson likelihood on the events of the run's outer block and its
    neighbour, where the change falls exactly on an event."""
    onsets = []
    for lo, _ in runs:
        a, b = edges[max(lo - 1, 0)], edges[lo + 1]
        sel = np.flatnonzero((days >= a) & (days <= b))
        onsets.append(int(sel[_rate_change(days[sel], a, b, rising=True)]))
    out = []
    for r, (_, hi) in enumerate(runs):
        if r + 1 < len(runs) and runs[r + 1][0] == hi + 1:
            # the next run starts with a jump: this one ends just before its onset
            end_i = onsets[r + 1] - 1
        else:
            a, b = edges[hi], edges[min(hi + 2, len(edges) - 1)]
            sel = np.flatnonzero((days >= a) & (days <= b))
            end_i = int(sel[_rate_change(days[sel], a, b, rising=False)])
        end_i = max(end_i, onsets[r])  # a one-block run whose two searches crossed
        out.append((onsets[r], end_i))
    return out


def in_episode(t_ns: np.ndarray, onset: Any, end: Any, closed: bool = True) -> np.ndarray:
    """Which event times fall in an episode: onset ≤ t ≤ end, closed at both ends (the
    onset is the time of its first event, the end that of its last). Every count of an
    episode's events uses this: the episodes table's n_events, the condensed catalog, the
    Subregions page and the title of its figure (`events_in_episode`). closed=False:
    [onset, end), the half-open span of a raw period's windows (a subregion of
    `find_subregions`, which counts its events so)."""
    t_ns = np.asarray(t_ns, np.int64)
    before_end = (t_ns <= to_ns(end)) if closed else (t_ns < to_ns(end))
    return (t_ns >= to_ns(onset)) & before_end


def events_in_episode(catalog: pd.DataFrame, geometry: Any, onset: Any, end: Any,
                      closed: bool = True) -> np.ndarray:
    """Positions (iloc) of the events of `catalog` inside `geometry` (edges included;
    everywhere when None) whose time is in [onset, end] (`in_episode`; closed=False:
    [onset, end)), in catalog order. Its length is the episode's n_events."""
    if len(catalog) == 0:
        return np.array([], np.int64)
    sel = np.flatnonzero(in_episode(to_ns(catalog["time"]), onset, end, closed))
    lon = catalog["longitude"].to_numpy(np.float64)[sel]
    lat = catalog["latitude"].to_numpy(np.float64)[sel]
    return sel[_inside(geometry, lon, lat)]


def episode_stats(t_ns: np.ndarray, magnitudes: np.ndarray, onset_ns: int, end_ns: int,
                  background_rate_per_day: float) -> dict:
    """Counts and magnitudes of the events in [onset, end] (see `refine_episode`)."""
    sel = in_episode(t_ns, onset_ns, end_ns)
    ts, ms = t_ns[sel], magnitudes[sel]
    n = int(sel.sum())
    duration = max((end_ns - onset_ns) / DAY_NS, 1.0)  # a one-day burst is one day's rate
    if n:
        _, per_day = np.unique(ts // DAY_NS, return_counts=True)
        i = int(np.argmax(ms))  # first of equal largest magnitudes
        max_mag, max_time, peak = float(ms[i]), utc(int(ts[i])), int(per_day.max())
    else:
        max_mag, max_time, peak = float("nan"), pd.NaT, 0
    lam0 = float(background_rate_per_day)
    return {"onset": utc(int(onset_ns)), "end": utc(int(end_ns)), "n_events": n,
            "background_rate_per_day": lam0, "peak_daily_count": peak,
            "rate_ratio": (n / duration) / lam0 if lam0 > 0 else float("inf"),
            "max_magnitude": max_mag, "max_magnitude_time": max_time}


def _inside(geom, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Events inside (or on the edge of) a polygon; all of them when there is none."""
    import shapely

    if geom is None or getattr(geom, "is_empty", False):
        return np.ones(len(lon), bool)
    shapely.prepare(geom)
    return shapely.intersects_xy(geom, lon, lat)


def episodes_from_subregions(catalog: pd.DataFrame, periods: pd.DataFrame,
                             subregions: pd.DataFrame,
                             background_days: float = DEFAULTS["background_days"],
                             catalog_start: Any = None, ratio: float = DEFAULTS["ratio"],
                             alpha: float = DEFAULTS["alpha"], p0: float = DEFAULTS["p0"],
                             quiet_days: float = DEFAULTS["quiet_days"],
                             min_events: int = DEFAULTS["min_events"],
                             keep_geometry: bool = False, score: str = SCORE,
                             follow_days: float = DEFAULTS["follow_days"]) -> pd.DataFrame:
    """The episodes of every (period, subregion): refined onset and end, and statistics.

    Usually one episode per subregion; more when its rate rose more than once in the
    period (`refine_episodes`).

    Args:
        catalog: the events the scan looked at (time, longitude, latitude, magnitude).
        periods: raw flagged periods (period_id, start, end: the windows' span; their
            `score` column is passed through).
        subregions: `seisviz.subregions.find_subregions` output (period_id, subregion_id,
            center_lon, center_lat, geometry).
        background_days: length of the background period before each span.
        catalog_start: when the catalog begins (default: its first event), so a
            background period cut short by the catalog's start is counted as such.
        ratio, alpha, p0, quiet_days, min_events: see `refine_episodes`.
        keep_geometry: also return the polygon (GeoDataFrame, EPSG:4326).
        score: the periods' score column (`seisviz.tables.SCORE`, peak_probability, or
            the baseline's `BASELINE_SCORE`).
        follow_days: an end may follow the place's events this long past the raw span,
            up to the catalog's last event (step 5 of the module docstring; 0: ends stay
            in the span).
    Returns:
        DataFrame with the columns of `seisviz.tables.RAW_EPISODES` (+ `score` when
        periods have it, + geometry with keep_geometry), episode_id 1..n by onset (ties:
        period, subregion).
    """
    t = to_ns(catalog["time"])
    order = np.argsort(t, kind="stable")
    t = t[order]
    lon = catalog["longitude"].to_numpy(np.float64)[order]
    lat = catalog["latitude"].to_numpy(np.float64)[order]
    mag = catalog["magnitude"].to_numpy(np.float64)[order]
    first = to_ns(catalog_start) if catalog_start is not None else (int(t[0]) if len(t) else 0)
    last = int(t[-1]) + 1 if len(t) else 0  # the catalog's end: no quiet block after it
    bounds = {int(pid): (to_ns(s), to_ns(e)) for pid, s, e in
              zip(periods["period_id"], periods["start"], periods["end"])}
    peak_p = dict(zip(periods["period_id"].astype(int), periods[score])) \
        if score in periods else None
    rows, geoms = [], []
    for sub in subregions.itertuples(index=False):
        pid = int(sub.period_id)
        if pid not in bounds:
            continue
        w0, w1 = bounds[pid]
        b0 = max(w0 - int(round(background_days * DAY_NS)), first)
        w2 = max(w1, min(w1 + int(round(follow_days * DAY_NS)), last))
        lo, hi = np.searchsorted(t, [b0, w2])
        geom = getattr(sub, "geometry", None)
        near = _inside(geom, lon[lo:hi], lat[lo:hi])
        ts, ms = t[lo:hi][near], mag[lo:hi][near]
        n_bg = int((ts < w0).sum())
        lam0 = background_rate(n_bg, (w0 - b0) / DAY_NS)
        for ep in refine_episodes(ts, ms, w0, w1, lam0, ratio, alpha, p0, quiet_days,
                                  min_events, follow_end=w2):
            row = {"period_id": pid, "subregion_id": int(sub.subregion_id),
                   "window_start": utc(w0), "window_end": utc(w1), **ep,
                   "center_lon": float(sub.center_lon), "center_lat": float(sub.center_lat)}
            if peak_p is not None:
                row[score] = float(peak_p[pid])
            rows.append(row)
            geoms.append(geom)
    cols = RAW_EPISODES.columns + ((score,) if peak_p is not None else ())
    out = pd.DataFrame(rows, columns=[c for c in cols if c != "episode_id"])
    for col in RAW_EPISODES.time_columns:
        out[col] = pd.to_datetime(out[col], utc=True).astype("datetime64[ns, UTC]")
    out["_geom"] = pd.Series(geoms, index=out.index, dtype=object)
    out = out.sort_values(["onset", "period_id", "subregion_id"], kind="stable")
    out = out.reset_index(drop=True)
    out.insert(0, "episode_id", np.arange(1, len(out) + 1, dtype=np.int64))
    geoms = out.pop("_geom")
    if keep_geometry:
        import geopandas as gpd

        return gpd.GeoDataFrame(out, geometry=list(geoms), crs=CRS)
    return out
