"""Subregions of flagged periods as a GeoDataFrame: one row per place and period.

The method is described in seisviz.subregions.footprint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from seisviz.errors import SeisvizError
from seisviz.maps import NEIGHBOURHOOD_KM, box_sum, label_neighbourhoods
from seisviz.settings import MIN_EVENTS
from seisviz.tables import CRS, SUBREGIONS
from seisviz.timeutil import to_ns

from seisviz.subregions.footprint import footprint, period_windows, pixel_polygon, _groups

if TYPE_CHECKING:
    import geopandas as gpd


DEFAULTS = {
    "min_events": MIN_EVENTS,  # events in a hot 3x3 neighbourhood (and in a subregion)
    "ratio": 2.0,              # hot neighbourhoods hold at least ratio x their background
    "alpha": 0.1,              # chance per period of a hot place where nothing changed
    "dilation": 1,             # pixels bridged when grouping
    "regional": True,          # scale backgrounds by the map-wide rate change
    # side of the larger neighbourhood, as the label rule's (0: 3x3 pixels only)
    "neighbourhood_km": NEIGHBOURHOOD_KM,
}
def _resolve(result_or_dmaps, periods, flagged):
    """(dmaps, periods, flagged mask or None) from a ScanResult or DistributionMaps."""
    if hasattr(result_or_dmaps, "dmaps"):
        result = result_or_dmaps
        dmaps = result.dmaps
        if periods is None:
            periods = result.periods
        if flagged is None and "flagged" in result.windows:
            flagged = result.windows["flagged"].to_numpy(bool)
    elif hasattr(result_or_dmaps, "maps") and hasattr(result_or_dmaps, "grid"):
        dmaps = result_or_dmaps
    else:
        raise SeisvizError("find_subregions needs a scan result or distribution maps, got "
                           f"{type(result_or_dmaps).__name__}")
    if periods is None:
        raise SeisvizError("find_subregions needs the flagged periods (start, end)")
    missing = [c for c in ("start", "end") if c not in periods]
    if missing:
        raise SeisvizError(f"periods lack column(s) {', '.join(missing)}")
    if flagged is not None:
        flagged = np.asarray(flagged, bool)
        if len(flagged) != len(dmaps):
            raise SeisvizError(f"{len(flagged)} flagged values for {len(dmaps)} windows")
    return dmaps, periods, flagged


def find_subregions(result_or_dmaps: Any, periods: pd.DataFrame | None = None,
                    catalog: pd.DataFrame | None = None, flagged: ArrayLike | None = None,
                    min_events: int | None = None, ratio: float | None = None,
                    alpha: float | None = None, dilation: int | None = None,
                    regional: bool | None = None,
                    neighbourhood_km: float | None = None,
                    grown: bool = False) -> gpd.GeoDataFrame:
    """Subregions of each period, as a GeoDataFrame (EPSG:4326), one row per subregion.

    `result_or_dmaps`: a seisviz.detect.ScanResult (periods and flagged windows are taken
    from it) or seisviz.maps.DistributionMaps (then give `periods`, and optionally
    `flagged`, one bool per window). `periods` needs start and end (UTC), and may carry
    period_id (else 1..n) and peak_probability.

    Columns: period_id, subregion_id, start, end, n_events, peak_probability, center_lon,
    center_lat, n_pixels, area_km2, geometry. With `catalog`, n_events is the number of its
    events in [start, end) inside the polygon (the rule `condensed_catalog` applies);
    without, it is the events in the subregion's pixels in its busiest window. The centre
    is the mean of the subregion's pixel centres weighted by their excess counts. Places
    are looked for in 3x3 pixels and in a square of `neighbourhood_km` (the label rule's
    ~5 km; 0: 3x3 pixels only). `grown`: every place grown by the larger neighbourhood's
    half-width (the second look of `seisviz.subregions.refine`). Settings used are in
    ``table.attrs["settings"]``.
    """
    import geopandas as gpd

    dmaps, periods, flagged = _resolve(result_or_dmaps, periods, flagged)
    given = {"min_events": min_events, "ratio": ratio, "alpha": alpha,
             "dilation": dilation, "regional": regional, "neighbourhood_km": neighbourhood_km}
    settings = {k: (DEFAULTS[k] if v is None else v) for k, v in given.items()}
    if settings["min_events"] < 1 or settings["ratio"] < 0 or not 0 < settings["alpha"] <= 1 \
            or settings["dilation"] < 0 or not settings["neighbourhood_km"] >= 0:
        raise SeisvizError(f"subregion settings out of range: {settings}")
    settings["dilation"] = int(settings["dilation"])
    settings["regional"] = bool(settings["regional"])
    settings["neighbourhood_km"] = float(settings["neighbourhood_km"])
    grid = dmaps.grid
    px_w, px_h = grid.pixel_km
    lon_c, lat_c = np.meshgrid(grid.lon_centers, grid.lat_centers)
    count = dmaps.channel("count")
    grow = max(label_neighbourhoods(grid, settings["neighbourhood_km"])) if grown else 0
    if catalog is not None:
        t_ns = to_ns(catalog["time"])
        ev_lon = catalog["longitude"].to_numpy(np.float64)
        ev_lat = catalog["latitude"].to_numpy(np.float64)

    rows, geoms = [], []
    ids = periods["period_id"].to_numpy() if "period_id" in periods else \
        np.arange(1, len(periods) + 1)
    probs = periods["peak_probability"].to_numpy(np.float64) if "peak_probability" in periods \
        else np.full(len(periods), np.nan)
    starts = pd.to_datetime(periods["start"], utc=True)
    ends = pd.to_datetime(periods["end"], utc=True)
    for k in range(len(periods)):
        start, end = starts.iloc[k], ends.iloc[k]
        win = period_windows(dmaps, start, end, flagged)
        if len(win) == 0:
            continue
        mask, excess, reach = footprint(dmaps, win, settings["min_events"], settings["ratio"],
                                        settings["alpha"], settings["regional"],
                                        settings["neighbourhood_km"])
        found = []
        counts = count[win]
        for pixels in _groups(mask, settings["dilation"], reach):
            if grown:
                pixels = box_sum(pixels.astype(np.float64), grow) > 0
            peak = int(counts[:, pixels].sum(axis=1).max())
            if peak < settings["min_events"]:
                continue
            # a place found in the larger neighbourhood is closed over its half-width
            geom = pixel_polygon(grid, pixels, max(settings["dilation"],
                                                   int(reach[pixels].max())))
            if catalog is not None:
                n_events = _count_inside(geom, t_ns, ev_lon, ev_lat, start, end)
            else:
                n_events = peak
            w = excess[pixels]
            w = w if w.sum() > 0 else np.ones_like(w)
            found.append({
                "n_events": int(n_events), "peak": peak,
                "center_lon": float(np.average(lon_c[pixels], weights=w)),
                "center_lat": float(np.average(lat_c[pixels], weights=w)),
                "n_pixels": int(pixels.sum()),
                "area_km2": float(pixels.sum() * px_w * px_h), "geometry": geom})
        found.sort(key=lambda r: (-r["n_events"], -r["peak"], r["center_lat"], r["center_lon"]))
        for j, r in enumerate(found, start=1):
            geoms.append(r.pop("geometry"))
            r.pop("peak")
            rows.append({"period_id": int(ids[k]), "subregion_id": j, "start": start,
                         "end": end, "peak_probability": float(probs[k]), **r})
    if not rows:
        table = SUBREGIONS.empty()
    else:
        table = gpd.GeoDataFrame(pd.DataFrame(rows, columns=list(SUBREGIONS.columns)),
                                 geometry=geoms, crs=CRS)
        for col in ("start", "end"):
            table[col] = pd.to_datetime(table[col], utc=True)
    table.attrs["settings"] = dict(settings)
    return table


def _count_inside(geom, t_ns, lon, lat, start, end):
    import shapely

    sel = np.flatnonzero((t_ns >= to_ns(start)) & (t_ns < to_ns(end)))
    if len(sel) == 0:
        return 0
    return int(np.count_nonzero(shapely.intersects_xy(geom, lon[sel], lat[sel])))


