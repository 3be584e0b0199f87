"""Tiles of a fixed size in km over a catalog's area, and the events of each.

Rows run along latitude, each `tile_km / KM_PER_DEGREE` degrees high; inside a row the
columns are `tile_km / (KM_PER_DEGREE * cos(latitude of the row's centre))` degrees
wide, so every tile is close to `tile_km` x `tile_km` on the ground (within a few % over
a row of ~100 km, the same local equirectangular approximation as the grid's pixels).
Each tile has a *core* (the tiles tile the area without overlap) and a *scan box*: the
core grown by `overlap_km` on every side, so that an episode on a border lies whole
inside at least one scan box. Tile ids are ``r<row>c<col>`` from the south-west.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.maps import KM_PER_DEGREE
from seisviz.timeutil import to_ns

# the catalog columns a tile's task carries (nothing else travels to the workers)
TILE_COLUMNS = ["time", "latitude", "longitude", "depth", "magnitude"]
EDGE = 1e-6  # degrees: the last row and column reach past the area's north and east edge


@dataclass(frozen=True)
class Tile:
    """One tile: its id, core box and scan box, each (min_lon, max_lon, min_lat, max_lat)."""

    tile_id: str
    row: int
    col: int
    core: tuple[float, float, float, float]
    box: tuple[float, float, float, float]

    def core_polygon(self):
        import shapely

        return shapely.box(self.core[0], self.core[2], self.core[1], self.core[3])

    def box_polygon(self):
        import shapely

        return shapely.box(self.box[0], self.box[2], self.box[1], self.box[3])

    def in_core(self, lon, lat) -> np.ndarray:
        """True where (lon, lat) lies in the core (west/south edges in, east/north out)."""
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        c = self.core
        return (lon >= c[0]) & (lon < c[1]) & (lat >= c[2]) & (lat < c[3])

    def to_dict(self) -> dict:
        return {"tile_id": self.tile_id, "row": self.row, "col": self.col,
                "core": list(self.core), "box": list(self.box)}


def check_sizes(tile_km: Any, overlap_km: Any) -> tuple[float, float]:
    """(tile_km, overlap_km) as floats, or a one-line error."""
    try:
        tile_km, overlap_km = float(tile_km), float(overlap_km)
    except (TypeError, ValueError):
        raise SeisvizError(f"tile size {tile_km!r} km / overlap {overlap_km!r} km: "
                           "not numbers") from None
    if not (np.isfinite(tile_km) and tile_km > 0):
        raise SeisvizError(f"--tile-km {tile_km:g}: the tile size must be positive")
    if not (np.isfinite(overlap_km) and 0 <= overlap_km < tile_km):
        raise SeisvizError(f"--overlap-km {overlap_km:g}: must be at least 0 and less than "
                           f"the tile size ({tile_km:g} km)")
    return tile_km, overlap_km


OVERLAP_SHARE = 0.25  # the default overlap on each side, a share of the tile size


def default_overlap_km(tile_km: float) -> float:
    """A quarter of the tile: an episode up to that size on a border is seen whole."""
    return OVERLAP_SHARE * float(tile_km)


def default_tile_km(grid_pixels: int, pixel_km: float) -> float:
    """The tile size (whole km, at least 1) whose scan box, the tile grown by the default
    overlap on each side, is `grid_pixels` pixels of `pixel_km` across: the model sees its
    tiles at the pixel size it was trained on."""
    return float(max(1, round(float(grid_pixels) * float(pixel_km) / (1 + 2 * OVERLAP_SHARE))))


def make_tiles(bbox: Sequence[float], tile_km: float, overlap_km: float | None = None) -> list[Tile]:
    """Tiles covering `bbox` = (min_lon, max_lon, min_lat, max_lat), south-west first."""
    if overlap_km is None:
        overlap_km = default_overlap_km(tile_km)
    tile_km, overlap_km = check_sizes(tile_km, overlap_km)
    min_lon, max_lon, min_lat, max_lat = (float(v) for v in bbox)
    if not (max_lon >= min_lon and max_lat >= min_lat):
        raise SeisvizError(f"area {bbox} is empty")
    dlat = tile_km / KM_PER_DEGREE
    olat = overlap_km / KM_PER_DEGREE
    n_rows = max(1, int(np.ceil((max_lat - min_lat) / dlat - 1e-9)))
    tiles = []
    for r in range(n_rows):
        lat0, lat1 = min_lat + r * dlat, min_lat + (r + 1) * dlat
        cos = max(np.cos(np.radians((lat0 + lat1) / 2)), 1e-3)
        dlon = tile_km / (KM_PER_DEGREE * cos)
        olon = overlap_km / (KM_PER_DEGREE * cos)
        n_cols = max(1, int(np.ceil((max_lon - min_lon) / dlon - 1e-9)))
        if r == n_rows - 1:  # the northmost event lies inside, not on the edge
            lat1 = max(lat1, max_lat + EDGE)
        for c in range(n_cols):
            lon0, lon1 = min_lon + c * dlon, min_lon + (c + 1) * dlon
            if c == n_cols - 1:
                lon1 = max(lon1, max_lon + EDGE)
            core = tuple(round(v, 6) for v in (lon0, lon1, lat0, lat1))
            box = tuple(round(v, 6) for v in (lon0 - olon, lon1 + olon, lat0 - olat,
                                              lat1 + olat))
            tiles.append(Tile(f"r{r:03d}c{c:03d}", r, c, core, box))
    return tiles


def catalog_area(catalog: pd.DataFrame) -> tuple[float, float, float, float]:
    """The catalog's lon/lat extent (no padding: tiles' overlaps reach beyond it)."""
    if len(catalog) == 0:
        raise SeisvizError("the catalog has no events: nothing to tile")
    lon, lat = catalog["longitude"].to_numpy(float), catalog["latitude"].to_numpy(float)
    return float(lon.min()), float(lon.max()), float(lat.min()), float(lat.max())


def split_events(catalog: pd.DataFrame,
                 tiles: list[Tile]) -> Iterator[tuple[Tile, np.ndarray]]:
    """Yield (tile, index array into `catalog`) for every tile with at least one event in
    its scan box; indices ascend, so a time-sorted catalog gives time-sorted tiles.

    One argsort by latitude, then per row one argsort by longitude of the row's events:
    O(n log n) in all, no per-event Python."""
    lat = catalog["latitude"].to_numpy(float)
    lon = catalog["longitude"].to_numpy(float)
    by_lat = np.argsort(lat, kind="stable")
    lat_sorted = lat[by_lat]
    rows: dict[int, list[Tile]] = {}
    for t in tiles:
        rows.setdefault(t.row, []).append(t)
    for r in sorted(rows):
        row_tiles = rows[r]
        lo, hi = row_tiles[0].box[2], row_tiles[0].box[3]
        a, b = np.searchsorted(lat_sorted, [lo, hi], side="left")
        in_row = by_lat[a:b]
        if len(in_row) == 0:
            continue
        row_lon = lon[in_row]
        by_lon = np.argsort(row_lon, kind="stable")
        lon_sorted = row_lon[by_lon]
        for t in row_tiles:
            i, j = np.searchsorted(lon_sorted, [t.box[0], t.box[1]], side="left")
            if j > i:
                yield t, np.sort(in_row[by_lon[i:j]])


def tile_events(catalog: pd.DataFrame, index: np.ndarray) -> pd.DataFrame:
    """The compact frame a tile's task carries: TILE_COLUMNS only, a fresh index."""
    cols = [c for c in TILE_COLUMNS if c in catalog]
    return catalog.iloc[index][cols].reset_index(drop=True)


def events_digest(events: pd.DataFrame) -> str:
    """sha256 of a tile's events (times, places, depths, magnitudes): a rerun skips a
    tile only when its events are the same."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(to_ns(events["time"])).tobytes())
    for col in TILE_COLUMNS[1:]:
        if col in events:
            h.update(np.ascontiguousarray(events[col].to_numpy(float)).tobytes())
    return h.hexdigest()
