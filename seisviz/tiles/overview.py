"""Reading a `scan-tiles` folder back: the run, the tiles, the merged episodes, and one
tile's events (what the Overview page shows and opens)."""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING

import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.tables import MERGED_EPISODES

if TYPE_CHECKING:
    import geopandas as gpd

TILE_ID = re.compile(r"r\d+c\d+")
SORT_KEYS = {"onset": ("onset", True), "rate ratio": ("rate_ratio", False),
             "magnitude": ("max_magnitude", False), "events": ("n_events", False)}


def load_overview(folder: str) -> tuple[dict, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(run record, tiles GeoDataFrame, episodes GeoDataFrame) of a scan-tiles folder."""
    import geopandas as gpd

    paths = {n: os.path.join(folder, n) for n in ("run.json", "tiles.geojson",
                                                   "subregions.geojson")}
    for name, path in paths.items():
        if not os.path.isfile(path):
            raise SeisvizError(f"{path} not found: is {folder} a folder written by "
                               "`seisviz scan-tiles`?")
    try:
        with open(paths["run.json"]) as f:
            run = json.load(f)
        tiles = gpd.read_file(paths["tiles.geojson"])
        episodes = gpd.read_file(paths["subregions.geojson"])
    except (OSError, ValueError) as exc:
        raise SeisvizError(f"{folder}: unreadable scan-tiles output "
                           f"({' '.join(str(exc).split())[:200]})") from None
    if not isinstance(run, dict) or "tiles_format" not in run:
        raise SeisvizError(f"{paths['run.json']}: not written by `seisviz scan-tiles`")
    episodes = MERGED_EPISODES.with_utc_times(episodes)
    return run, tiles, episodes


def sort_episodes(episodes: pd.DataFrame, key: str = "onset") -> pd.DataFrame:
    """Episodes sorted by onset (earliest first), rate ratio, magnitude or events
    (largest first)."""
    if key not in SORT_KEYS:
        raise SeisvizError(f"sort by {key!r}: use one of {', '.join(SORT_KEYS)}")
    col, ascending = SORT_KEYS[key]
    if col not in episodes or len(episodes) == 0:
        return episodes
    return episodes.sort_values(col, ascending=ascending, na_position="last")


def tile_catalog(folder: str, tile_id: str) -> pd.DataFrame:
    """The events of one tile (its scan box, overlap included), time-sorted, UTC."""
    from seisviz.tiles.run import EVENTS_FILE

    if not TILE_ID.fullmatch(str(tile_id)):  # a name from a file: never a path of its own
        raise SeisvizError(f"tile {tile_id!r}: not a tile id (r<row>c<col>)")
    path = os.path.join(folder, "tiles", str(tile_id), EVENTS_FILE)
    if not os.path.isfile(path):
        raise SeisvizError(f"tile {tile_id}: no events saved in {path} (a tile with no "
                           "events, or a failed one)")
    events = pd.read_parquet(path)
    events["time"] = pd.to_datetime(events["time"], utc=True)
    return events.sort_values("time", kind="stable").reset_index(drop=True)
