"""The lon/lat grid that distribution maps are binned on, and sums over pixel
neighbourhoods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from seisviz.errors import SeisvizError
from seisviz.settings import GRID_PIXELS, MAX_MAP_PIXELS

KM_PER_DEGREE = 111.195
NEIGHBOURHOOD_KM = 5.0   # side of the larger neighbourhood of the label rule and subregions


@dataclass(frozen=True)
class Grid:
    """A lon/lat grid; bounds are closed on both sides (events on the edges count)."""

    min_lon: float
    max_lon: float
    min_lat: float
    max_lat: float
    nx: int
    ny: int

    @property
    def bbox(self):
        return (self.min_lon, self.max_lon, self.min_lat, self.max_lat)

    @property
    def lon_edges(self):
        return np.linspace(self.min_lon, self.max_lon, self.nx + 1)

    @property
    def lat_edges(self):
        return np.linspace(self.min_lat, self.max_lat, self.ny + 1)

    @property
    def lon_centers(self):
        e = self.lon_edges
        return (e[:-1] + e[1:]) / 2

    @property
    def lat_centers(self):
        e = self.lat_edges
        return (e[:-1] + e[1:]) / 2

    @property
    def pixel_km(self):
        """(width, height) of one pixel in km at the grid's middle latitude."""
        mid = np.radians((self.min_lat + self.max_lat) / 2)
        return (
            (self.max_lon - self.min_lon) / self.nx * KM_PER_DEGREE * np.cos(mid),
            (self.max_lat - self.min_lat) / self.ny * KM_PER_DEGREE,
        )

    def to_dict(self):
        return {"bbox": list(self.bbox), "nx": self.nx, "ny": self.ny}


def make_grid(bbox: Sequence[float], n_pixels: int | tuple[int, int] = GRID_PIXELS,
              pixel_km: float | None = None) -> Grid:
    """Grid over `bbox` = (min_lon, max_lon, min_lat, max_lat).

    Either `n_pixels` per side (an int, or (nx, ny)), or square pixels of `pixel_km`;
    with `pixel_km` the max lon/lat grow so that whole pixels cover the bbox.
    """
    min_lon, max_lon, min_lat, max_lat = (float(v) for v in bbox)
    if not (max_lon > min_lon and max_lat > min_lat) or not np.all(np.isfinite(
            [min_lon, max_lon, min_lat, max_lat])):
        raise SeisvizError(f"bbox {bbox} is empty: need MINLON < MAXLON and MINLAT < MAXLAT")
    if pixel_km is not None:
        if not (np.isfinite(pixel_km) and pixel_km > 0):
            raise SeisvizError(f"pixel size must be positive, got {pixel_km} km")
        mid = np.radians((min_lat + max_lat) / 2)
        dlon = pixel_km / (KM_PER_DEGREE * np.cos(mid))
        dlat = pixel_km / KM_PER_DEGREE
        nx = max(1, int(np.ceil((max_lon - min_lon) / dlon - 1e-9)))
        ny = max(1, int(np.ceil((max_lat - min_lat) / dlat - 1e-9)))
        return Grid(min_lon, min_lon + nx * dlon, min_lat, min_lat + ny * dlat, nx, ny)
    nx, ny = (n_pixels, n_pixels) if np.isscalar(n_pixels) else n_pixels
    if int(nx) < 1 or int(ny) < 1:
        raise SeisvizError(f"grid must have at least 1 pixel per side, got {n_pixels}")
    return Grid(min_lon, max_lon, min_lat, max_lat, int(nx), int(ny))


def capped_grid(bbox: Sequence[float], n_pixels: int | tuple[int, int] = GRID_PIXELS,
                pixel_km: float | None = None, max_pixels: int = MAX_MAP_PIXELS) -> Grid:
    """`make_grid(bbox, n_pixels, pixel_km)`, refused with a SeisvizError that names the
    smallest pixel size that fits when it holds more than `max_pixels` pixels (a finer grid
    is too much to animate)."""
    grid = make_grid(bbox, n_pixels, pixel_km)
    if grid.nx * grid.ny > max_pixels:
        least = grid.pixel_km[0] * np.sqrt(grid.nx * grid.ny / max_pixels)
        raise SeisvizError(f"a {grid.nx}x{grid.ny} grid is too fine to animate: use pixels of "
                           f"at least {least:.2f} km")
    return grid


def catalog_bbox(catalog: pd.DataFrame, pad_fraction: float = 0.02) -> tuple:
    """The catalog's lon/lat extent, padded a little so edge events sit inside."""
    lon, lat = catalog["longitude"].to_numpy(), catalog["latitude"].to_numpy()
    if len(lon) == 0:
        raise SeisvizError("the catalog has no events to take a bounding box from")
    min_lon, max_lon, min_lat, max_lat = lon.min(), lon.max(), lat.min(), lat.max()
    pad_lon = max((max_lon - min_lon) * pad_fraction, 0.01)
    pad_lat = max((max_lat - min_lat) * pad_fraction, 0.01)
    return (min_lon - pad_lon, max_lon + pad_lon, min_lat - pad_lat, max_lat + pad_lat)


def pixel_index(lon: ArrayLike, lat: ArrayLike, grid: Grid) -> np.ndarray:
    """Flat pixel index per event (row-major, y then x), -1 outside the grid.

    Same binning as np.histogram2d: bins closed on the left, the last one on both sides.
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    ix, in_x = _bin_index(lon, grid.lon_edges)
    iy, in_y = _bin_index(lat, grid.lat_edges)
    return np.where(in_x & in_y, iy * grid.nx + ix, -1)


def _bin_index(x, edges):
    """Bin of each x in evenly spaced `edges` (as np.histogram would bin it), and inside.

    Arithmetic guess, then one step of correction against the edges themselves: exact, and
    several times faster than np.searchsorted on a million events.
    """
    n = len(edges) - 1
    lo, hi = edges[0], edges[-1]
    guess = (x - lo) * (n / (hi - lo))
    np.nan_to_num(guess, copy=False, nan=0.0, posinf=n - 1, neginf=0.0)
    np.clip(guess, 0, n - 1, out=guess)
    i = guess.astype(np.intp)
    i -= (x < edges[i]) & (i > 0)
    i += (x >= edges[i + 1]) & (i < n - 1)
    return i, (x >= lo) & (x <= hi)


def box_sum(a: np.ndarray, half: int) -> np.ndarray:
    """Sum over each pixel's (2 half + 1)^2 neighbourhood (zero outside), last two axes."""
    if half <= 1:
        return box3(a) if half == 1 else a.copy()
    c = np.pad(a, [(0, 0)] * (a.ndim - 2) + [(half + 1, half), (half + 1, half)]).cumsum(
        -1).cumsum(-2)
    k = 2 * half + 1
    return c[..., k:, k:] - c[..., :-k, k:] - c[..., k:, :-k] + c[..., :-k, :-k]


def label_neighbourhoods(grid: Grid, neighbourhood_km: float = NEIGHBOURHOOD_KM) -> list[int]:
    """Half-widths (pixels) of the neighbourhoods a local increase is looked for in, on
    `grid`: 1 (3x3 pixels) and the square about `neighbourhood_km` a side, when that is
    larger. The label rule (`seisviz.training.labels`) and the subregions
    (`seisviz.subregions.footprint`) use the same ones: 3x3 pixels is 1.5 km on a
    0.3-degree region but 5 km on a 1-degree one, and a swarm or injection front of a few
    km radius only gathers its events in the larger one."""
    km = float(np.mean(grid.pixel_km))
    half = int(round((neighbourhood_km / max(km, 1e-9) - 1) / 2))
    return [1] + ([half] if half > 1 else [])


def box3(a: np.ndarray) -> np.ndarray:
    """Sum over each pixel's 3x3 neighbourhood (zero outside the map), last two axes."""
    p = np.pad(a, [(0, 0)] * (a.ndim - 2) + [(1, 1), (1, 1)])
    ny, nx = a.shape[-2:]
    return sum(p[..., i:i + ny, j:j + nx] for i in range(3) for j in range(3))
