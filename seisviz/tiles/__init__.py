"""Scan a national or global catalog in tiles of a fixed size in km, in parallel on a
Dask cluster, and merge the tiles' episodes into one overview (see docs/tiles.md).

`import seisviz.tiles` imports neither Dask nor torch: the workers import torch, the
run imports Dask when it starts a cluster.
"""

from seisviz.tiles.grid import (TILE_COLUMNS, Tile, catalog_area, default_overlap_km,
                                events_digest, make_tiles, split_events)
from seisviz.tiles.merge import (merge_episodes, one_row_per_episode, periods_of, same_episode_pairs,
                                 tile_table)
from seisviz.tiles.run import default_workers, scan_tiles

__all__ = ["TILE_COLUMNS", "Tile", "catalog_area", "default_overlap_km", "default_workers",
           "events_digest", "make_tiles", "merge_episodes", "one_row_per_episode", "periods_of",
           "same_episode_pairs", "scan_tiles", "split_events", "tile_table"]
