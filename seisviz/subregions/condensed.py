"""The condensed catalog (events inside a flagged period and one of its subregions), and
helpers that relate subregions to each other and to places."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from seisviz.maps import KM_PER_DEGREE
from seisviz.timeutil import to_ns

from seisviz.subregions.regions import find_subregions

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry


def condensed_catalog(catalog: pd.DataFrame, periods: pd.DataFrame | None,
                      subregions: pd.DataFrame | None) -> pd.DataFrame:
    """Events inside a flagged period *and* one of its subregions.

    With episodes (a scan's `result.episodes`: one row per place and time, with an
    `onset` column) each row's own [start, end] is used, closed at both ends (onset and
    end are the episode's first and last events), and the rows carry episode_id too.
    Otherwise (subregions of raw periods) the period's [start, end) from `periods` (by
    period_id) when given, else the subregion's own.

    Returns the catalog's rows (same columns, time order) plus period_id and
    subregion_id (and episode_id); an event on the shared edge of two subregions goes to
    the first."""
    import shapely

    from seisviz.subregions.episodes import in_episode

    episodes = "onset" in subregions if subregions is not None else False
    out_cols = list(catalog.columns) + ["period_id", "subregion_id"] + \
        (["episode_id"] if episodes else [])
    if len(catalog) == 0 or subregions is None or len(subregions) == 0:
        return pd.DataFrame({c: catalog[c].iloc[:0] if c in catalog else
                             pd.Series(dtype="int64") for c in out_cols})
    bounds = {}
    if not episodes and periods is not None and len(periods) and "period_id" in periods:
        for pid, s, e in zip(periods["period_id"], pd.to_datetime(periods["start"], utc=True),
                             pd.to_datetime(periods["end"], utc=True)):
            bounds[int(pid)] = (s, e)
    t_ns = to_ns(catalog["time"])
    lon = catalog["longitude"].to_numpy(np.float64)
    lat = catalog["latitude"].to_numpy(np.float64)
    period_of = np.zeros(len(catalog), np.int64)
    sub_of = np.zeros(len(catalog), np.int64)
    episode_of = np.zeros(len(catalog), np.int64)
    order = subregions.sort_values(["period_id", "subregion_id"], kind="stable")
    ids = order["episode_id"] if episodes else np.zeros(len(order), np.int64)
    for pid, sid, eid, s, e, geom in zip(order["period_id"], order["subregion_id"], ids,
                                         order["start"], order["end"], order.geometry):
        s, e = bounds.get(int(pid), (s, e))
        sel = np.flatnonzero(in_episode(t_ns, s, e, closed=episodes) & (period_of == 0))
        if len(sel) == 0 or geom is None or geom.is_empty:
            continue
        shapely.prepare(geom)
        hit = sel[shapely.intersects_xy(geom, lon[sel], lat[sel])]
        period_of[hit] = pid
        sub_of[hit] = sid
        episode_of[hit] = eid
    keep = period_of > 0
    out = catalog.loc[keep].copy()
    out["period_id"] = period_of[keep]
    out["subregion_id"] = sub_of[keep]
    if episodes:
        out["episode_id"] = episode_of[keep]
    out = out.iloc[np.argsort(t_ns[keep], kind="stable")]
    return out.reset_index(drop=True)


def shrinkage(catalog: pd.DataFrame, condensed: pd.DataFrame) -> tuple[int, int, float]:
    """(kept, total, kept share in %) of a condensed catalog."""
    total = len(catalog)
    kept = len(condensed)
    return kept, total, (100.0 * kept / total if total else 0.0)


def same_place(subregions: gpd.GeoDataFrame, period_id: int,
               subregion_id: int) -> gpd.GeoDataFrame:
    """Subregions of *other* periods whose polygons overlap the given one (by period)."""
    if len(subregions) == 0:
        return subregions
    this = subregions[(subregions["period_id"] == period_id)
                      & (subregions["subregion_id"] == subregion_id)]
    if len(this) == 0:
        return subregions.iloc[:0]
    geom = this.geometry.iloc[0]
    others = subregions[subregions["period_id"] != period_id]
    return others[others.geometry.intersects(geom)]


def distance_km(geom: BaseGeometry | None, lon: float, lat: float) -> float:
    """Distance in km from (lon, lat) to a lon/lat polygon (0 inside it), on a local
    equirectangular projection about the point (good to a few % over tens of km)."""
    import shapely
    from shapely import affinity

    if geom is None or geom.is_empty:
        return float("inf")
    kx = KM_PER_DEGREE * np.cos(np.radians(lat))
    local = affinity.affine_transform(geom, [kx, 0, 0, KM_PER_DEGREE, -kx * lon,
                                             -KM_PER_DEGREE * lat])
    return float(shapely.distance(local, shapely.Point(0.0, 0.0)))


def scanned_catalog(catalog: pd.DataFrame, result: Any) -> pd.DataFrame:
    """The events a scan saw: `catalog` less those below its min_magnitude setting."""
    settings = getattr(result, "settings", None)
    mmin = getattr(settings, "min_magnitude", None)
    if mmin is None:
        return catalog
    return catalog[catalog["magnitude"] >= mmin]


def scan_subregions(result: Any, catalog: pd.DataFrame) -> gpd.GeoDataFrame:
    """A scan's subregions: its episodes (`result.episodes`, one row per place and time)
    when it has them, else `find_subregions` of its periods (a result made by hand).

    `catalog` is the scanned catalog."""
    if getattr(result, "episodes", None) is not None:
        return result.episodes
    return find_subregions(result, catalog=catalog)


def subregions_for(catalog: pd.DataFrame, result: Any,
                   cache: MutableMapping[str, Any] | None = None,
                   **options: Any) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """A scan's subregions (`scan_subregions`; with `options`, `find_subregions` with
    them) and its condensed catalog, memoised in
    `cache` (any dict, e.g. a page's session state) for this result and catalog.

    -> (subregions, condensed)."""
    # The key holds the objects themselves, compared by identity: an id() alone can be
    # reused by a new result once the old one is freed, and would then hit a stale entry.
    key = (result, catalog, len(catalog), tuple(sorted(options.items())))
    if cache is not None:
        hit = cache.get("_subregions_cache")
        if hit is not None and hit[0][0] is result and hit[0][1] is catalog \
                and hit[0][2:] == key[2:]:
            return hit[1], hit[2]
    scanned = scanned_catalog(catalog, result)
    table = find_subregions(result, catalog=scanned, **options) if options else \
        scan_subregions(result, scanned)
    condensed = condensed_catalog(scanned, result.periods, table)
    if cache is not None:
        cache["_subregions_cache"] = (key, table, condensed)
    return table, condensed
