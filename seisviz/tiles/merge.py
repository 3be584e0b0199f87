"""One overview from many tiles: episodes seen by two overlapping tiles become one.

Two episodes of *different* tiles are the same episode when they are at the same place -
their polygons intersect, or their centres lie within `near_km` - and their [onset, end]
overlap (within `slack_days`). Such pairs are joined transitively (union-find), and each
group keeps one row: the one whose centre lies in its own tile's core (the tile that
owns that place), else the one with the most events. Episodes of one tile are never
joined: the tile's own scan already told them apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from seisviz.maps import KM_PER_DEGREE
from seisviz.subregions.sequences import group_sequences
from seisviz.tables import CRS, MERGED_EPISODES, MERGED_PERIODS, TILES
from seisviz.timeutil import to_ns, DAY_NS

if TYPE_CHECKING:
    import geopandas as gpd

    from seisviz.tiles.grid import Tile

NEAR_KM = 5.0     # centres closer than this are the same place
SLACK_DAYS = 1.0  # [onset, end] that miss each other by less than this still overlap


def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def same_episode_pairs(table: gpd.GeoDataFrame, near_km: float = NEAR_KM,
                       slack_days: float = SLACK_DAYS) -> list[tuple[int, int]]:
    """(i, j) positions of rows of `table` (different tiles) that are one episode."""
    import shapely
    from scipy.spatial import cKDTree

    n = len(table)
    if n < 2:
        return []
    geoms = np.asarray(table.geometry.values)
    cand = set()
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    cand.update((int(i), int(j)) for i, j in zip(a, b) if i < j)
    lon = table["center_lon"].to_numpy(float)
    lat = table["center_lat"].to_numpy(float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    pos = np.flatnonzero(ok)
    if len(pos) > 1:
        # local km: good to a few % for centres a few km apart, anywhere but the poles
        xy = np.column_stack([lon[pos] * KM_PER_DEGREE * np.cos(np.radians(lat[pos])),
                              lat[pos] * KM_PER_DEGREE])
        for i, j in cKDTree(xy).query_pairs(near_km):
            cand.add((int(min(pos[i], pos[j])), int(max(pos[i], pos[j]))))
    tiles = table["tile_id"].to_numpy()
    onset, end = to_ns(table["onset"]), to_ns(table["end"])
    slack = int(slack_days * DAY_NS)
    return sorted((i, j) for i, j in cand if tiles[i] != tiles[j]
                  and onset[i] < end[j] + slack and onset[j] < end[i] + slack)


def merge_episodes(tables: Iterable[gpd.GeoDataFrame | None], near_km: float = NEAR_KM,
                   slack_days: float = SLACK_DAYS) -> gpd.GeoDataFrame:
    """One GeoDataFrame of episodes over the whole area from the tiles' tables.

    Columns of `seisviz.tables.MERGED_EPISODES` + geometry; episode_id 1..n by onset; `seen_by` lists the
    tiles that found it, `n_tiles` their number; period_id numbers the unions in time of
    the episodes (see `periods_of`), sequence_id their sequences
    (`seisviz.subregions.sequences`)."""
    import geopandas as gpd

    tables = [t for t in tables if t is not None and len(t)]
    if not tables:
        return MERGED_EPISODES.empty()
    table = pd.concat(tables, ignore_index=True)
    keep = one_row_per_episode(gpd.GeoDataFrame(table, geometry="geometry", crs=CRS),
                               near_km, slack_days)
    periods = periods_of(keep)
    keep["period_id"] = _period_of(keep, periods)
    keep, _ = group_sequences(keep)  # sequence_id; the table: `sequence_table(episodes)`
    return gpd.GeoDataFrame(MERGED_EPISODES.select(keep), geometry=keep.geometry.values,
                            crs=CRS)


def one_row_per_episode(table: gpd.GeoDataFrame, near_km: float = NEAR_KM,
                        slack_days: float = SLACK_DAYS) -> gpd.GeoDataFrame:
    """`table` (the tiles' episodes: tile_id, onset, end, n_events, in_core, center_lon,
    center_lat, geometry, any other columns kept) with one row per episode seen by
    several tiles (`same_episode_pairs`, joined transitively): the one in its own tile's
    core, else the one with the most events; `seen_by` and `n_tiles` added, sorted by
    onset, episode_id 1..n."""
    table = table.reset_index(drop=True)
    parent = list(range(len(table)))
    for i, j in same_episode_pairs(table, near_km, slack_days):
        ri, rj = _find(parent, i), _find(parent, j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    table = table.assign(_group=[_find(parent, i) for i in range(len(table))])
    table["_core"] = table["in_core"].astype(str).str.lower().isin(["true", "1"])
    table["_n"] = pd.to_numeric(table["n_events"], errors="coerce").fillna(-1)
    seen = table.groupby("_group")["tile_id"].agg(lambda s: ",".join(sorted(set(s))))
    keep = (table.sort_values(["_group", "_core", "_n"], ascending=[True, False, False])
            .drop_duplicates("_group"))
    keep = keep.assign(seen_by=keep["_group"].map(seen).to_numpy())
    keep["n_tiles"] = keep["seen_by"].str.count(",") + 1
    keep = keep.sort_values(["onset", "center_lon", "center_lat"]).reset_index(drop=True)
    keep["episode_id"] = np.arange(1, len(keep) + 1)
    return keep.drop(columns=["_group", "_core", "_n"])


def periods_of(episodes: pd.DataFrame) -> pd.DataFrame:
    """Periods over the whole area: the unions in time of the episodes' [onset, end].

    Columns of `seisviz.tables.MERGED_PERIODS`: period_id, start, end, n_episodes,
    episode_ids, n_events, tiles."""
    if len(episodes) == 0:
        return pd.DataFrame({c: [] for c in MERGED_PERIODS.columns})
    order = episodes.sort_values("onset")
    rows, cur = [], None
    for _, e in order.iterrows():
        if cur is not None and e["onset"] <= cur["end"]:
            cur["end"] = max(cur["end"], e["end"])
            cur["ids"].append(e.get("episode_id"))
            cur["n"] += e["n_events"] if pd.notna(e["n_events"]) else 0
            cur["tiles"].add(e["tile_id"])
        else:
            if cur is not None:
                rows.append(cur)
            cur = {"start": e["onset"], "end": e["end"], "ids": [e.get("episode_id")],
                   "n": e["n_events"] if pd.notna(e["n_events"]) else 0,
                   "tiles": {e["tile_id"]}}
    rows.append(cur)
    return pd.DataFrame({
        "period_id": np.arange(1, len(rows) + 1),
        "start": [r["start"] for r in rows], "end": [r["end"] for r in rows],
        "n_episodes": [len(r["ids"]) for r in rows],
        "episode_ids": [" ".join(str(int(i)) for i in r["ids"] if pd.notna(i)) for r in rows],
        "n_events": [int(r["n"]) for r in rows],
        "tiles": [",".join(sorted(r["tiles"])) for r in rows]})


def _period_of(episodes, periods) -> np.ndarray:
    if len(periods) == 0:
        return np.zeros(len(episodes), dtype=np.int64)
    starts = to_ns(periods["start"])
    idx = np.searchsorted(starts, to_ns(episodes["onset"]), side="right") - 1
    return periods["period_id"].to_numpy()[np.clip(idx, 0, len(periods) - 1)]


def tile_table(tiles: list[Tile], records: dict,
               episodes: pd.DataFrame) -> gpd.GeoDataFrame:
    """tiles.geojson's table: one row per tile (its core outline) with its status, event
    count, episodes its own scan found, and merged episodes whose centre lies in its core
    (`n_episodes`: what the Overview colours by; each episode counts in one tile)."""
    import geopandas as gpd

    lon = episodes["center_lon"].to_numpy(float) if len(episodes) else np.array([])
    lat = episodes["center_lat"].to_numpy(float) if len(episodes) else np.array([])
    rows = []
    for t in tiles:
        rec = records.get(t.tile_id, {})
        rows.append({"tile_id": t.tile_id, "row": t.row, "col": t.col,
                     "status": rec.get("status", "empty"),
                     "n_events": int(rec.get("n_events", 0)),
                     "n_episodes": int(t.in_core(lon, lat).sum()),
                     "n_episodes_scanned": int(rec.get("n_episodes", 0)),
                     "seconds": rec.get("seconds"),
                     "message": rec.get("message", ""),
                     "box_min_lon": t.box[0], "box_max_lon": t.box[1],
                     "box_min_lat": t.box[2], "box_max_lat": t.box[3]})
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=list(TILES.columns)),
                            geometry=[t.core_polygon() for t in tiles], crs=CRS)
