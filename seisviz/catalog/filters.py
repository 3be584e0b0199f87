"""Completeness magnitude, catalog filters and polygon regions."""

from __future__ import annotations

import os
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from seisviz.errors import CatalogError, SeisvizError
from seisviz.tables import CRS
from seisviz.timeutil import utc_or_none


def mc_max_curvature(magnitudes: ArrayLike, bin_width: float = 0.1,
                     correction: float = 0.2) -> float:
    """Magnitude of completeness by maximum curvature (Wiemer & Wyss 2000).

    Mc is the centre of the most populated magnitude bin of the non-cumulative
    frequency-magnitude distribution, plus `correction`. Maximum curvature is known to
    underestimate Mc; the customary correction is +0.2 (Woessner & Wiemer 2005), which is the
    default here; pass correction=0 for the raw maximum-curvature value. Bins are centred on
    multiples of bin_width. Returns NaN when there are no finite magnitudes.
    """
    m = np.asarray(magnitudes, dtype=np.float64)
    m = m[np.isfinite(m)]
    if len(m) == 0:
        return float("nan")
    bins = np.round(m / bin_width).astype(np.int64)
    values, counts = np.unique(bins, return_counts=True)
    mode = values[np.argmax(counts)]  # lowest bin among equal maxima
    return round(float(mode * bin_width + correction), 10)


def filter_catalog(catalog: pd.DataFrame, start: Any = None, end: Any = None,
                   min_magnitude: float | None = None,
                   min_depth: float | None = None, max_depth: float | None = None,
                   bbox: tuple | None = None) -> pd.DataFrame:
    """Events with start <= time < end, magnitude >= min_magnitude, min_depth <= depth <=
    max_depth and inside bbox = (min_lon, max_lon, min_lat, max_lat). None = no limit.

    Times may be strings, datetimes or Timestamps; naive ones are UTC. A bbox with
    min_lon > max_lon crosses the antimeridian (e.g. (170, -170, ...)). Returns a new
    DataFrame with the index reset.
    """
    keep = np.ones(len(catalog), dtype=bool)
    start, end = utc_or_none(start), utc_or_none(end)
    if start is not None and end is not None and end <= start:
        raise SeisvizError(f"time filter: end {end} is not after start {start}")
    if start is not None:
        keep &= (catalog["time"] >= start).to_numpy()
    if end is not None:
        keep &= (catalog["time"] < end).to_numpy()
    if min_magnitude is not None:
        keep &= (catalog["magnitude"] >= min_magnitude).to_numpy()
    if min_depth is not None:
        keep &= (catalog["depth"] >= min_depth).to_numpy()
    if max_depth is not None:
        keep &= (catalog["depth"] <= max_depth).to_numpy()
    if bbox is not None:
        min_lon, max_lon, min_lat, max_lat = (float(v) for v in bbox)
        if min_lat > max_lat:
            raise SeisvizError(f"bbox: min latitude {min_lat} is greater than max latitude {max_lat}")
        lon = _wrap180(catalog["longitude"].to_numpy(dtype=np.float64))
        lo, hi = _wrap180(np.array([min_lon, max_lon]))
        if max_lon - min_lon >= 360:
            in_lon = np.ones(len(catalog), dtype=bool)
        elif lo <= hi:
            in_lon = (lon >= lo) & (lon <= hi)
        else:
            in_lon = (lon >= lo) | (lon <= hi)
        lat = catalog["latitude"].to_numpy(dtype=np.float64)
        keep &= in_lon & (lat >= min_lat) & (lat <= max_lat)
    return catalog.loc[keep].reset_index(drop=True)


def _wrap180(lon):
    """Longitudes into [-180, 180) (180 stays 180)."""
    lon = np.asarray(lon, dtype=np.float64)
    out = ((lon + 180.0) % 360.0) - 180.0
    return np.where((lon == 180.0), 180.0, out)


def read_region(path: str | os.PathLike | BinaryIO, name: str | None = None) -> Any:
    """Polygon region (union of all polygons) from a GeoJSON, Shapefile (.shp or zipped) or
    GeoPackage, in EPSG:4326 longitude/latitude. `path` may also be a file object with a
    ``.name`` (an upload). Raises CatalogError if unreadable or without polygons."""
    import geopandas as gpd
    import shapely

    name = name or (os.fspath(path) if isinstance(path, (str, os.PathLike))
                    else getattr(path, "name", None) or "region file")
    if isinstance(path, (str, os.PathLike)) and not os.path.exists(path):
        raise CatalogError(f"{name}: file not found")
    source = path
    if isinstance(path, (str, os.PathLike)) and os.fspath(path).lower().endswith(".zip"):
        source = "zip://" + os.path.abspath(path)
    elif hasattr(path, "read"):
        if hasattr(path, "seek"):
            path.seek(0)
        source = path.read()
    try:
        gdf = gpd.read_file(source)
    except Exception as exc:  # pyogrio / fiona raise many kinds
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CatalogError(f"{name}: cannot read a region from it ({detail}); expected "
                           f"GeoJSON, a zipped Shapefile or GeoPackage") from None
    geoms = gdf.geometry[gdf.geometry.notna()] if gdf.geometry is not None else []
    polys = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
    if not polys:
        kinds = sorted({g.geom_type for g in geoms}) or ["nothing"]
        raise CatalogError(f"{name}: has no polygons (found {', '.join(kinds)})")
    if gdf.crs is None:
        crs = None
    else:
        crs = gdf.crs
    series = gpd.GeoSeries(polys, crs=crs)
    if crs is not None and not crs.equals(CRS):
        series = series.to_crs(CRS)
    region = shapely.union_all(series.to_numpy())
    shapely.prepare(region)
    return region


def clip_to_region(catalog: pd.DataFrame, region: Any) -> pd.DataFrame:
    """Events inside `region` (a shapely (Multi)Polygon in lon/lat, or a GeoSeries /
    GeoDataFrame in EPSG:4326); events on the boundary are kept. Longitudes in (180, 360]
    are also tried as negative longitudes. Returns a new DataFrame with the index reset."""
    import shapely

    if hasattr(region, "geometry") and hasattr(region, "to_crs"):  # GeoDataFrame / GeoSeries
        geo = region.geometry if hasattr(region, "crs") and region.crs is None else \
            region.to_crs(CRS).geometry
        region = shapely.union_all(np.asarray(geo))
    shapely.prepare(region)
    lon = catalog["longitude"].to_numpy(dtype=np.float64)
    lat = catalog["latitude"].to_numpy(dtype=np.float64)
    inside = shapely.intersects_xy(region, lon, lat)
    wrapped = lon > 180
    if wrapped.any():
        inside[wrapped] |= shapely.intersects_xy(region, lon[wrapped] - 360.0, lat[wrapped])
    return catalog.loc[inside].reset_index(drop=True)
