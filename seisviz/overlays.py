"""Overlay layers: the faults, wells, stations or study area a seismologist checks
seismicity against, read from the user's files and drawn on every map.

`read_overlay` takes GeoJSON, a zipped Shapefile, a GeoPackage (its first layer) or KML
(GDAL's KML/LIBKML drivers through pyogrio), reprojects to EPSG:4326 and keeps lines,
points and polygons (polygons are drawn as outlines). Bad files are one-line
`SeisvizError`s. An `Overlay` has a name and a colour; `seisviz.plots.basemap` draws it.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seisviz.errors import SeisvizError
from seisviz.tables import CRS

OVERLAY_EXTENSIONS = ("geojson", "json", "zip", "gpkg", "kml", "kmz", "shp")
PALETTE = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf")
LABEL_COLUMNS = ("name", "Name", "NAME", "label", "id", "station", "well", "fault")


@dataclass
class Overlay:
    """One layer: `frame` is a GeoDataFrame in EPSG:4326."""
    name: str
    frame: object
    colour: str = PALETTE[0]
    source: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.frame)

    def kinds(self) -> dict:
        """{'lines': n, 'points': n, 'polygons': n} of its features."""
        types = self.frame.geometry.geom_type.fillna("")
        return {"lines": int(types.str.contains("Line").sum()),
                "points": int(types.str.contains("Point").sum()),
                "polygons": int(types.str.contains("Polygon").sum())}

    def xy(self, box: tuple | None = None) -> tuple:
        """(line xs, line ys, point xs, point ys, point labels): lines and polygon outlines
        as None-separated vertex lists, points apart; only features reaching into `box`."""
        key = tuple(box) if box is not None else None
        if key in self._cache:
            return self._cache[key]
        import shapely

        frame = self.frame
        if box is not None:
            frame = frame.cx[box[0]:box[1], box[2]:box[3]]
        xs, ys, px, py, labels = [], [], [], [], []
        label_col = next((c for c in LABEL_COLUMNS if c in frame.columns), None)
        for k, geom in enumerate(frame.geometry):
            if geom is None or geom.is_empty:
                continue
            if geom.geom_type in ("Polygon", "MultiPolygon"):
                geom = shapely.boundary(geom)
            parts = getattr(geom, "geoms", [geom])
            for part in parts:
                if part.geom_type == "Point":
                    px.append(part.x)
                    py.append(part.y)
                    labels.append(str(frame[label_col].iloc[k]) if label_col else "")
                elif part.geom_type in ("LineString", "LinearRing"):
                    c = np.asarray(part.coords)[:, :2]
                    xs.extend(c[:, 0].tolist() + [None])
                    ys.extend(c[:, 1].tolist() + [None])
                elif hasattr(part, "geoms"):  # nested collections
                    for sub in part.geoms:
                        if sub.geom_type == "Point":
                            px.append(sub.x)
                            py.append(sub.y)
                            labels.append("")
                        elif hasattr(sub, "coords"):
                            c = np.asarray(sub.coords)[:, :2]
                            xs.extend(c[:, 0].tolist() + [None])
                            ys.extend(c[:, 1].tolist() + [None])
        out = (xs, ys, px, py, labels)
        self._cache[key] = out
        return out


def _suffix(name: str) -> str:
    name = name.lower()
    for ext in ("geojson", "json", "zip", "gpkg", "kml", "kmz", "shp"):
        if name.endswith("." + ext):
            return ext
    return ""


def read_overlay(source: Any, filename: str | None = None, name: str | None = None,
                 colour: str | None = None) -> Overlay:
    """An `Overlay` from a path or the bytes of an uploaded file (give `filename` then).

    GeoJSON (.geojson/.json), zipped Shapefile (.zip), GeoPackage (.gpkg, first layer),
    KML/KMZ. Coordinates are reprojected to EPSG:4326 (a file without a CRS is taken as
    lon/lat)."""
    import geopandas as gpd

    filename = filename or (os.fspath(source) if not isinstance(source, (bytes, bytearray))
                            else "overlay")
    base = os.path.basename(filename)
    ext = _suffix(base)
    if ext not in OVERLAY_EXTENSIONS:
        raise SeisvizError(f"{base}: overlays are GeoJSON, zipped Shapefile, GeoPackage or "
                           "KML files (.geojson, .zip, .gpkg, .kml)")
    tmp = None
    try:
        if isinstance(source, (bytes, bytearray)):
            tmp = tempfile.NamedTemporaryFile(suffix="." + ext, delete=False)
            tmp.write(source)
            tmp.close()
            path = tmp.name
        else:
            path = os.fspath(source)
        target = f"zip://{path}" if ext == "zip" else path
        try:
            frame = gpd.read_file(target)
        except Exception as exc:  # pyogrio/GDAL errors are many classes
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SeisvizError(f"{base}: cannot read it as an overlay ({first})") from None
    finally:
        if tmp is not None:
            os.unlink(tmp.name)
    if "geometry" not in frame or frame.geometry.isna().all() or len(frame) == 0:
        raise SeisvizError(f"{base}: no features with a geometry")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.crs is None:
        frame = frame.set_crs(CRS)
    elif not frame.crs.equals(CRS):
        frame = frame.to_crs(CRS)
    b = frame.total_bounds
    if not (np.all(np.isfinite(b)) and -180.5 <= b[0] and b[2] <= 360 and -90.5 <= b[1]
            and b[3] <= 90.5):
        raise SeisvizError(f"{base}: coordinates are not longitudes/latitudes "
                           f"(bounds {b[0]:.4g}, {b[1]:.4g}, {b[2]:.4g}, {b[3]:.4g})")
    name = name or os.path.splitext(base)[0]
    return Overlay(name=name, frame=frame, colour=colour or PALETTE[0], source=base)


def next_colour(overlays: list | None) -> str:
    """A palette colour that no layer in `overlays` uses yet (cycling when all are)."""
    used = {o.colour for o in overlays or ()}
    return next((c for c in PALETTE if c not in used), PALETTE[len(overlays or ()) % len(PALETTE)])
