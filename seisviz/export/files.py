"""Writers of single files. Each takes the thing to write and an optional `path`: with a
path it writes the file and returns the path; without, it returns the file's bytes (what
a download button wants)."""

from __future__ import annotations

import io
import os
import tempfile
from typing import TYPE_CHECKING

import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.tables import CRS, EPISODE_POLYGONS
from seisviz.timeutil import iso_utc_exact

if TYPE_CHECKING:
    import geopandas as gpd


def _out(data, path):
    """Write bytes to `path` and return it, or return the bytes when path is None."""
    if path is None:
        return data
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        raise SeisvizError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


# ------------------------------------------------------------------ tables

def with_iso_times(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy (of the same type, a GeoDataFrame stays one) with every datetime column as
    ISO-8601 UTC strings (NaT: empty), exact to the microsecond where the times have
    fractions (onsets and ends are event times)."""
    out = frame.copy() if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = iso_utc_exact(out[col]).fillna("") if len(out) else \
                pd.Series([], dtype=object)
    return out


def periods_csv(periods: pd.DataFrame, path: str | None = None) -> bytes | str:
    """Flagged periods as CSV, times as ISO-8601 UTC."""
    return _out(with_iso_times(periods).to_csv(index=False).encode(), path)


def unlocated_csv(unlocated: pd.DataFrame | None, path: str | None = None) -> bytes | str:
    """The unlocated alarms (`seisviz.tables.UNLOCATED`: runs of flagged windows with no
    place elevated) as CSV, times as ISO-8601 UTC; only the header when there are none
    (or when the result predates them, `unlocated` None)."""
    from seisviz.tables import UNLOCATED

    frame = UNLOCATED.empty() if unlocated is None else unlocated
    return _out(with_iso_times(frame).to_csv(index=False).encode(), path)


def episodes_csv(subregions: pd.DataFrame, path: str | None = None) -> bytes | str:
    """The episodes (one per place and time) as CSV without their polygons, times as
    ISO-8601 UTC; the polygons are in subregions.geojson (same episode_id)."""
    frame = pd.DataFrame(subregions.drop(columns="geometry", errors="ignore"))
    return _out(with_iso_times(frame).to_csv(index=False).encode(), path)


def sequences_csv(sequences: pd.DataFrame, path: str | None = None) -> bytes | str:
    """The sequences (`seisviz.tables.SEQUENCES`) as CSV without their polygons (the
    union of their episodes', which subregions.geojson holds one by one), times as
    ISO-8601 UTC; episodes.csv names each episode's sequence_id."""
    frame = pd.DataFrame(sequences.drop(columns="geometry", errors="ignore"))
    return _out(with_iso_times(frame).to_csv(index=False).encode(), path)


def subregions_frame(subregions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The subregions as a GeoDataFrame ready to write: EPSG:4326, ISO start/end, the
    attributes of `seisviz.tables.EPISODE_POLYGONS` it has (one feature per episode, a
    place and a time: docs/export.md), polygons promoted to MultiPolygon (one type)."""
    import geopandas as gpd
    import shapely

    cols = EPISODE_POLYGONS.present(subregions)
    frame = with_iso_times(pd.DataFrame(subregions[cols]).reset_index(drop=True))
    geoms = [g if g is None or g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g])
             for g in subregions.geometry]
    crs = subregions.crs or CRS
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    return out.to_crs(CRS)


def _vector(subregions, path, driver, suffix, layer=None):
    frame = subregions_frame(subregions)
    options = {"driver": driver, "engine": "pyogrio", "geometry_type": "MultiPolygon"}
    if layer:
        options["layer"] = layer
    if path is not None:
        try:
            if os.path.exists(path):
                os.remove(path)  # GPKG would otherwise add to the existing file
            frame.to_file(path, **options)
        except OSError as exc:
            raise SeisvizError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path
    with tempfile.TemporaryDirectory() as tmp:
        name = os.path.join(tmp, "subregions" + suffix)
        frame.to_file(name, **options)
        with open(name, "rb") as f:
            return f.read()


def subregions_geojson(subregions: gpd.GeoDataFrame, path: str | None = None) -> bytes | str:
    """Subregion polygons as GeoJSON (EPSG:4326)."""
    return _vector(subregions, path, "GeoJSON", ".geojson")


def subregions_gpkg(subregions: gpd.GeoDataFrame, path: str | None = None) -> bytes | str:
    """Subregion polygons as a GeoPackage, layer "subregions" (EPSG:4326)."""
    return _vector(subregions, path, "GPKG", ".gpkg", layer="subregions")


def condensed_csv(condensed: pd.DataFrame, path: str | None = None) -> bytes | str:
    """The condensed catalog as CSV (time ISO-8601 UTC, with period_id, subregion_id):
    `seisviz.catalog.load_catalog` reads it back."""
    from seisviz.catalog import write_catalog_csv

    buf = io.StringIO()
    write_catalog_csv(condensed, buf)
    return _out(buf.getvalue().encode(), path)


def condensed_quakeml(condensed: pd.DataFrame, path: str | None = None) -> bytes | str:
    """The condensed catalog as QuakeML 1.2 (seisviz.catalog.quakeml.write_quakeml)."""
    from seisviz.catalog.quakeml import write_quakeml

    buf = io.BytesIO()
    write_quakeml(condensed, buf)
    return _out(buf.getvalue(), path)


