"""One episode per place and time, at least the label rule's minimum of events, and the
periods as the union in time of all episodes.

`seisviz.subregions.episodes` finds episodes one (raw period, subregion) at a time. Two
runs of flagged windows can find the same place: runs apart by less than a window
length have overlapping spans, and an end that follows the events (step 5 there) can
reach into the next run's span. This module turns those per-run episodes into the clean
list that the periods and every export are made of:

1. **The same place at overlapping times is one episode** (`merge_same_place`). Two
   episodes of *different* raw periods are the same place when their polygons intersect
   (touching counts) or their centres lie within `SAME_PLACE_KM` (5 km: the label rule's
   neighbourhood, the scale at which the detector calls events one place); they are one
   episode when, in addition, their [onset, end] overlap. The relation is closed
   transitively (A with B and B with C: one episode). The merged episode runs from the
   earliest onset to the latest end on the union of the polygons, and is counted again
   from its own events (`events_in_episode`); it keeps the background rate and raw ids
   of the member with the earliest onset, the widest window span and the highest score.
   Subregions of one raw period are never merged here: the subregion finder has already
   told them apart.
2. **An episode has at least `settings.MIN_EVENTS` (10) distinct events**
   (`with_min_events`): events at the same origin time count once, so one earthquake
   located twice by two agencies is not two. Smaller episodes are dropped; a raw period
   left without any then has no place.
3. **Periods are the union in time of all episodes** (`periods_from_episodes`),
   whichever raw period found them: episodes whose [onset, end] overlap or touch form one
   period, so two periods never overlap. Every period has at least one episode.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seisviz.maps import KM_PER_DEGREE
from seisviz.settings import MIN_EVENTS
from seisviz.subregions.episodes import episode_stats, events_in_episode
from seisviz.tables import SCORE, UNITED_PERIODS
from seisviz.timeutil import to_ns

SAME_PLACE_KM = 5.0  # centres closer than this are one place (the label rule's ~5 km)


def centre_distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in km between two centres (local equirectangular; good to a few % over
    tens of km)."""
    kx = KM_PER_DEGREE * np.cos(np.radians(0.5 * (lat1 + lat2)))
    return float(np.hypot((lon2 - lon1) * kx, (lat2 - lat1) * KM_PER_DEGREE))


def same_place_groups(episodes: pd.DataFrame, same_place_km: float = SAME_PLACE_KM
                      ) -> list[list[int]]:
    """Positions of the episodes that are one episode (rule 1 of the module docstring),
    as groups, each in position order; every episode is in exactly one group."""
    n = len(episodes)
    parent = list(range(n))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    onset, end = to_ns(episodes["onset"]), to_ns(episodes["end"])
    raw = episodes["period_id"].to_numpy()
    lon, lat = episodes["center_lon"].to_numpy(float), episodes["center_lat"].to_numpy(float)
    geoms = list(episodes.geometry) if "geometry" in episodes else [None] * n
    for i in range(n):
        for j in range(i + 1, n):
            if raw[i] == raw[j] or onset[i] > end[j] or onset[j] > end[i]:
                continue
            near = centre_distance_km(lon[i], lat[i], lon[j], lat[j]) <= same_place_km
            if not near and geoms[i] is not None and geoms[j] is not None:
                near = bool(geoms[i].intersects(geoms[j]))
            if near:
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values())


def merge_same_place(catalog: pd.DataFrame, episodes: pd.DataFrame, score: str = SCORE,
                     same_place_km: float = SAME_PLACE_KM) -> pd.DataFrame:
    """`episodes` (with geometry) with each group of `same_place_groups` made one row
    (rule 1 of the module docstring), counted again from its events in `catalog`; rows
    in the order of their first member. n_pixels and area_km2, when present: the
    largest of the members' (the polygons overlap, so their sum would count twice)."""
    import shapely

    groups = same_place_groups(episodes, same_place_km)
    if all(len(g) == 1 for g in groups):
        return episodes
    rows, geoms = [], []
    geometry = list(episodes.geometry)
    for group in groups:
        members = episodes.iloc[group]
        first = members.sort_values("onset", kind="stable").iloc[0]
        row = first.drop(labels="geometry").to_dict()
        if len(group) > 1:
            geom = shapely.union_all([geometry[i] for i in group if geometry[i] is not None])
            onset, end = members["onset"].min(), members["end"].max()
            events = catalog.iloc[events_in_episode(catalog, geom, onset, end)]
            row.update(episode_stats(to_ns(events["time"]),
                                     events["magnitude"].to_numpy(np.float64), to_ns(onset),
                                     to_ns(end), float(first["background_rate_per_day"])))
            weight = members["n_events"].to_numpy(float) + 1e-9
            row["center_lon"] = float(np.average(members["center_lon"], weights=weight))
            row["center_lat"] = float(np.average(members["center_lat"], weights=weight))
            row["window_start"] = members["window_start"].min()
            row["window_end"] = members["window_end"].max()
            for col in (score, "n_pixels", "area_km2"):
                if col in members:
                    row[col] = members[col].max()
        else:
            geom = geometry[group[0]]
        rows.append(row)
        geoms.append(geom)
    import geopandas as gpd

    out = pd.DataFrame(rows, columns=[c for c in episodes.columns if c != "geometry"])
    for col in out.columns:
        out[col] = out[col].astype(episodes[col].dtype)
    return gpd.GeoDataFrame(out, geometry=geoms, crs=getattr(episodes, "crs", None))


def distinct_events(catalog: pd.DataFrame, episodes: pd.DataFrame) -> np.ndarray:
    """Per episode, its events (`events_in_episode`) with distinct origin times."""
    t = to_ns(catalog["time"])
    geoms = episodes.geometry if "geometry" in episodes else [None] * len(episodes)
    return np.array([len(np.unique(t[events_in_episode(catalog, g, s, e)]))
                     for g, s, e in zip(geoms, episodes["onset"], episodes["end"])], np.int64)


def with_min_events(catalog: pd.DataFrame, episodes: pd.DataFrame,
                    min_events: int = MIN_EVENTS) -> pd.DataFrame:
    """The episodes with at least `min_events` distinct events (rule 2 of the module
    docstring), index reset."""
    if len(episodes) == 0:
        return episodes
    keep = distinct_events(catalog, episodes) >= min_events
    return episodes[keep].reset_index(drop=True)


def periods_from_episodes(episodes: pd.DataFrame, raw_periods: pd.DataFrame | None = None,
                          score: str = SCORE) -> pd.DataFrame:
    """Periods as the union in time of all episodes' [onset, end] (rule 3 of the module
    docstring): episodes that overlap or touch in time form one period, whichever raw
    period found them. A raw period without episodes gives no period.

    Args:
        episodes: episodes (episode_id, period_id: the raw period, onset, end,
            window_start, window_end, n_events[, `score`]).
        raw_periods: the raw periods (period_id[, `score`]): where the score comes from
            when the episodes lack it.
        score: the periods' score column, as for `episodes_from_subregions`.
    Returns:
        DataFrame with the columns of `seisviz.tables.UNITED_PERIODS` (+ `score` when
        known): period_id 1..n by start; raw_period_id the raw period of its first
        episode, raw_period_ids all of them as "1;2"; start, end the union's interval;
        window_start, window_end the earliest and latest of its raw spans; episode_ids as
        "1;4"; n_events the sum over its episodes; `score` the highest.
    """
    peak_p = {}
    if raw_periods is not None and score in raw_periods:
        peak_p = dict(zip(raw_periods["period_id"].astype(int), raw_periods[score]))
    has_p = score in episodes or bool(peak_p)
    rows, current = [], None
    for ep in episodes.sort_values(["onset", "end", "episode_id"], kind="stable").itertuples(
            index=False):
        raw = int(ep.period_id)
        p = getattr(ep, score, peak_p.get(raw, np.nan))
        if current is not None and ep.onset <= current["end"]:
            current["end"] = max(current["end"], ep.end)
            current["window_start"] = min(current["window_start"], ep.window_start)
            current["window_end"] = max(current["window_end"], ep.window_end)
            current["ids"].append(int(ep.episode_id))
            current["raws"] = current["raws"] + [raw] * (raw not in current["raws"])
            current["n_events"] += int(ep.n_events)
            current[score] = np.nanmax([current[score], p])
            continue
        current = {"raw_period_id": raw, "raws": [raw], "start": ep.onset, "end": ep.end,
                   "window_start": ep.window_start, "window_end": ep.window_end,
                   "ids": [int(ep.episode_id)], "n_events": int(ep.n_events), score: p}
        rows.append(current)
    for r in rows:
        ids = r.pop("ids")
        r["n_episodes"] = len(ids)
        r["episode_ids"] = ";".join(str(i) for i in ids)
        r["raw_period_ids"] = ";".join(str(i) for i in sorted(r.pop("raws")))
    cols = UNITED_PERIODS.columns + ((score,) if has_p else ())
    out = pd.DataFrame(rows, columns=[c for c in cols if c != "period_id"])
    for col in UNITED_PERIODS.time_columns:
        out[col] = pd.to_datetime(out[col], utc=True).astype("datetime64[ns, UTC]")
    out = out.sort_values(["start", "raw_period_id"], kind="stable").reset_index(drop=True)
    out.insert(0, "period_id", np.arange(1, len(out) + 1, dtype=np.int64))
    for col in ("raw_period_id", "n_episodes", "n_events"):
        out[col] = out[col].astype(np.int64)
    return out
