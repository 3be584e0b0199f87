"""Sequences above episodes: episodes at one place that follow each other form a sequence.

An episode is one place and one stretch of elevated rate (seisviz.subregions.refine). A
seismologist thinks in sequences: a foreshock episode, its mainshock's and the
continuation are one sequence; an injection pad that bursts every few weeks for two years
is one sequence of its bursts. The rule (docs/detection.md, "What a sequence is"):

- two episodes are *linked* when their polygons lie within `max_distance_km` of each
  other (touching or overlapping: 0 km) and the quiet time between them - from the end
  of the earlier to the onset of the later, 0 when they overlap in time - is at most
  `max_gap_days`;
- a sequence is a set of episodes joined by links, chained: A-B and B-C put A, B and C
  in one sequence even when A and C are far apart or long apart.

Links are looked at between every pair, so the sequences do not depend on the order of
the table. An episode without a polygon is placed at its centre; one without either is
a sequence of its own.

`group_sequences` is the facade: the episodes with their `sequence_id`, and the table of
sequences (`seisviz.tables.SEQUENCES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from seisviz.maps import KM_PER_DEGREE
from seisviz.settings import SEQUENCE_DISTANCE_KM, SEQUENCE_GAP_DAYS
from seisviz.tables import BASELINE_SCORE, CRS, SCORE, SEQUENCES
from seisviz.timeutil import DAY_NS, to_ns

if TYPE_CHECKING:
    import geopandas as gpd


def group_sequences(episodes: pd.DataFrame, max_gap_days: float = SEQUENCE_GAP_DAYS,
                    max_distance_km: float = SEQUENCE_DISTANCE_KM
                    ) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """The episodes grouped into sequences.

    Args:
        episodes: one row per episode (`seisviz.tables.EPISODES` or `MERGED_EPISODES`):
            onset (else start), end, a polygon per row (else center_lon/lat), n_events,
            max_magnitude, ...
        max_gap_days: the longest quiet time between two linked episodes.
        max_distance_km: the farthest two linked episodes' polygons may lie apart.
    Returns:
        (episodes, sequences): a copy of `episodes` (same type, same row order) with
        `sequence_id` after `episode_id`, numbered 1..n by the sequences' start; and the
        sequences (`sequence_table`).
    """
    out = episodes.copy()
    ids = sequence_ids(episodes, max_gap_days, max_distance_km)
    if "sequence_id" in out:
        out = out.drop(columns="sequence_id")
    at = list(out.columns).index("episode_id") + 1 if "episode_id" in out else len(out.columns)
    out.insert(at, "sequence_id", ids)
    return out, sequence_table(out)


def sequence_ids(episodes: pd.DataFrame, max_gap_days: float = SEQUENCE_GAP_DAYS,
                 max_distance_km: float = SEQUENCE_DISTANCE_KM) -> np.ndarray:
    """One sequence_id per row of `episodes` (int64, 1..n by the sequences' first onset,
    then west to east): the linked groups of the module docstring."""
    n = len(episodes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    onset = to_ns(episodes["onset" if "onset" in episodes else "start"])
    end = np.maximum(to_ns(episodes["end"]), onset)
    parent = np.arange(n)
    for i, j in _near_pairs(episodes, max_distance_km):
        # quiet time between the two: 0 when their [onset, end] overlap
        gap = max(onset[j] - end[i], onset[i] - end[j], 0)
        if gap <= max_gap_days * DAY_NS:
            ri, rj = _root(parent, i), _root(parent, j)
            parent[max(ri, rj)] = min(ri, rj)
    roots = np.array([_root(parent, i) for i in range(n)])
    lon = pd.to_numeric(episodes["center_lon"], errors="coerce").to_numpy(float) \
        if "center_lon" in episodes else np.zeros(n)
    first = pd.DataFrame({"root": roots, "onset": onset, "lon": np.nan_to_num(lon)}) \
        .groupby("root").agg(onset=("onset", "min"), lon=("lon", "min"))
    order = first.sort_values(["onset", "lon"], kind="stable").index
    number = dict(zip(order, range(1, len(order) + 1)))
    return np.array([number[r] for r in roots], dtype=np.int64)


def _root(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return int(i)


def _near_pairs(episodes: pd.DataFrame, max_distance_km: float) -> list[tuple[int, int]]:
    """(i, j), i < j: rows whose places lie within `max_distance_km` of each other."""
    import shapely

    shapes = _places_km(episodes)
    known = np.flatnonzero([s is not None for s in shapes])
    if len(known) < 2:
        return []
    geoms = np.array([shapes[k] for k in known], dtype=object)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="dwithin",
                                        distance=max(float(max_distance_km), 0.0))
    return sorted({(int(known[i]), int(known[j])) for i, j in zip(a, b) if i < j})


def _places_km(episodes: pd.DataFrame) -> list[Any]:
    """Each episode's polygon (else its centre) in km on one equirectangular plane whose
    scale is true at the episodes' mean latitude: a few % off at 5 km over a state, which
    is well inside the rule's own roughness. None where an episode has no place."""
    import shapely

    n = len(episodes)
    geoms = list(episodes.geometry) if "geometry" in episodes else [None] * n
    lon = pd.to_numeric(episodes.get("center_lon", pd.Series([np.nan] * n)),
                        errors="coerce").to_numpy(float)
    lat = pd.to_numeric(episodes.get("center_lat", pd.Series([np.nan] * n)),
                        errors="coerce").to_numpy(float)
    places = []
    for g, x, y in zip(geoms, lon, lat):
        if g is not None and not g.is_empty:
            places.append(g)
        elif np.isfinite(x) and np.isfinite(y):
            places.append(shapely.Point(x, y))
        else:
            places.append(None)
    ys = [p.centroid.y for p in places if p is not None]
    scale = np.cos(np.radians(np.mean(ys))) if ys else 1.0
    return [None if p is None else shapely.transform(
        p, lambda xy: xy * np.array([KM_PER_DEGREE * scale, KM_PER_DEGREE]))
        for p in places]


def sequence_table(episodes: pd.DataFrame) -> gpd.GeoDataFrame:
    """The sequences of episodes that carry a `sequence_id`: one row each, columns of
    `seisviz.tables.SEQUENCES` + the union of their polygons (EPSG:4326).

    start is the first onset, end the last end; n_events the sum of its episodes' events;
    max_magnitude (and its time) the largest of its episodes'; the centre the mean of its
    episodes' centres weighted by their events; the score the highest of its episodes'.
    Columns the episodes lack (e.g. max_magnitude of bare subregions) are left empty."""
    import geopandas as gpd
    import shapely

    score = BASELINE_SCORE if BASELINE_SCORE in episodes and SCORE not in episodes else SCORE
    layout = SEQUENCES.scored(score)
    if len(episodes) == 0:
        return layout.empty()
    e = pd.DataFrame(episodes).reset_index(drop=True)  # unique labels for idxmax
    e["_onset"] = pd.to_datetime(e["onset" if "onset" in e else "start"], utc=True)
    e["_end"] = pd.to_datetime(e["end"], utc=True)
    for col in ("n_events", "max_magnitude", "center_lon", "center_lat", "episode_id",
                "period_id", score):
        e[col] = pd.to_numeric(e[col], errors="coerce") if col in e else np.nan
    if "max_magnitude_time" not in e:
        e["max_magnitude_time"] = pd.NaT
    e["max_magnitude_time"] = pd.to_datetime(e["max_magnitude_time"], utc=True)
    rows, polygons = [], []
    for sid, g in e.sort_values(["_onset", "episode_id"], kind="stable").groupby("sequence_id"):
        rows.append(_sequence_row(int(sid), g, score))
        shapes = [p for p in (g.geometry if "geometry" in g else []) if p is not None
                  and not p.is_empty]
        polygons.append(shapely.union_all(shapes) if shapes else None)
    table = pd.DataFrame(rows, columns=list(layout.columns))
    for col in layout.time_columns:
        table[col] = pd.to_datetime(table[col], utc=True)
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(polygons, crs=CRS), crs=CRS)


def _sequence_row(sid: int, g: pd.DataFrame, score: str) -> dict:
    """One row of the sequences table from its episodes `g` (sorted by onset)."""
    weights = g["n_events"].fillna(0).to_numpy(float)
    weights = weights if weights.sum() > 0 else np.ones(len(g))
    centre = g[["center_lon", "center_lat"]].to_numpy(float)
    ok = np.isfinite(centre).all(axis=1)
    lon, lat = (np.average(centre[ok], axis=0, weights=weights[ok]) if ok.any() and
                weights[ok].sum() > 0 else (np.nan, np.nan))
    big = g["max_magnitude"].idxmax() if g["max_magnitude"].notna().any() else None
    ids = lambda col: ";".join(str(int(v)) for v in  # noqa: E731
                               dict.fromkeys(g[col].dropna()))
    return {"sequence_id": sid, "start": g["_onset"].min(), "end": g["_end"].max(),
            "n_episodes": len(g), "episode_ids": ids("episode_id"),
            "period_ids": ids("period_id"),
            "n_events": int(g["n_events"].fillna(0).sum()),
            "max_magnitude": np.nan if big is None else float(g.at[big, "max_magnitude"]),
            "max_magnitude_time": pd.NaT if big is None else g.at[big, "max_magnitude_time"],
            score: float(g[score].max()) if g[score].notna().any() else np.nan,
            "center_lon": float(lon), "center_lat": float(lat)}


def scan_sequences(result: Any, episodes: pd.DataFrame | None = None
                   ) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """(episodes with sequence_id, sequences) of a scan: its own (`result.sequences`)
    when `episodes` is None or its own episodes, else grouped here (a result made by
    hand or read from an older file, other subregions)."""
    own = getattr(result, "episodes", None)
    if episodes is None:
        episodes = own
    if episodes is None:
        episodes = SEQUENCES.empty()
    if episodes is own and getattr(result, "sequences", None) is not None \
            and "sequence_id" in episodes:
        return episodes, result.sequences
    return group_sequences(episodes)


# ------------------------------------------------------------------ as shown on the pages

def sequence_overview(sequences: pd.DataFrame) -> pd.DataFrame:
    """The sequences as the pages list them: S<id>, first onset and last end to the
    minute, duration in days, episodes, events, largest event and where."""
    return pd.DataFrame({
        "sequence": "S" + sequences["sequence_id"].astype(int).astype(str),
        "start (UTC)": _minute(sequences["start"]), "end (UTC)": _minute(sequences["end"]),
        "days": _days(sequences["start"], sequences["end"]),
        "episodes": sequences["n_episodes"].astype(int),
        "events": sequences["n_events"].astype(int),
        "largest": _magnitude(sequences["max_magnitude"]),
        "largest at (UTC)": _minute(sequences["max_magnitude_time"]),
        "centre": _where(sequences)})


def sequence_label(sequences: pd.DataFrame, i: int) -> str:
    """One line naming row `i` of the sequences (a selectbox's label)."""
    r = sequences.iloc[i]
    mag = "" if pd.isna(r["max_magnitude"]) else f", largest M {r['max_magnitude']:.1f}"
    return (f"Sequence {int(r['sequence_id'])} — {r['start']:%Y-%m-%d} → {r['end']:%Y-%m-%d}, "
            f"{int(r['n_episodes'])} episode{'s' * (int(r['n_episodes']) != 1)}, "
            f"{int(r['n_events']):,} events{mag}")


def sequence_episodes(episodes: pd.DataFrame, sequence_id: int) -> pd.DataFrame:
    """The episodes of one sequence as the pages list them, by onset: episode, period and
    subregion, onset and end to the second, events, largest event, quiet days since the
    sequence's previous episode ended."""
    e = episodes[episodes["sequence_id"] == sequence_id]
    onset = pd.to_datetime(e["onset" if "onset" in e else "start"], utc=True)
    e = e.assign(_onset=onset).sort_values("_onset", kind="stable")
    ends = pd.to_datetime(e["end"], utc=True)
    quiet = (e["_onset"] - ends.cummax().shift(1)).dt.total_seconds() / 86400.0
    out = {"episode": e["episode_id"].astype(int)} if "episode_id" in e else {}
    for col in ("period_id", "subregion_id", "tile_id"):
        if col in e:
            out[col.replace("_id", "")] = e[col]
    out.update({"onset (UTC)": e["_onset"].dt.strftime("%Y-%m-%d %H:%M:%S"),
                "end (UTC)": ends.dt.strftime("%Y-%m-%d %H:%M:%S"),
                "events": e["n_events"].astype(int),
                "largest": _magnitude(e["max_magnitude"]) if "max_magnitude" in e else "",
                "quiet days before": quiet.clip(lower=0).round(1)})
    return pd.DataFrame(out).reset_index(drop=True)


def first_episode(episodes: pd.DataFrame, sequence_id: int) -> int:
    """The row position in `episodes` of the sequence's first episode (earliest onset)."""
    onset = pd.to_datetime(episodes["onset" if "onset" in episodes else "start"], utc=True)
    mine = np.flatnonzero(episodes["sequence_id"].to_numpy() == sequence_id)
    return int(mine[np.argmin(to_ns(onset.iloc[mine]))])


def _minute(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True).dt.strftime("%Y-%m-%d %H:%M").fillna("")


def _days(start: pd.Series, end: pd.Series) -> pd.Series:
    span = pd.to_datetime(end, utc=True) - pd.to_datetime(start, utc=True)
    return (span.dt.total_seconds() / 86400.0).round(1)


def _magnitude(series: pd.Series) -> pd.Series:
    m = pd.to_numeric(series, errors="coerce")
    return m.map(lambda v: "" if pd.isna(v) else f"M {v:.1f}")


def _where(sequences: pd.DataFrame) -> pd.Series:
    from seisviz.plots.coords import format_lat, format_lon

    return pd.Series([f"{format_lat(y)} {format_lon(x)}" if np.isfinite(x) and np.isfinite(y)
                      else "" for x, y in zip(sequences["center_lon"].astype(float),
                                             sequences["center_lat"].astype(float))],
                     index=sequences.index)
