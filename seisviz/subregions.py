"""Where each flagged period's anomaly sits: subregions, and the condensed catalog.

The detector says *when* (a probability per window); this module says *where*. For each
flagged period it looks at the distribution maps of the period's windows and keeps the
places whose counts rise sharply over their own earlier rate:

1. For every window of the period that the detector flagged (all windows inside the
   period when none is known to be flagged), each pixel's 3x3 neighbourhood count
   ``c3 = box3(count)`` is compared with the same neighbourhood's expected count from its
   background, ``b3 = box3(background)``. The background is first scaled by how much
   the whole map's rate rose in that window (`regional_change`: the median count /
   background over blocks of pixels busy enough to tell, at least 1), so that a
   catalog-completeness change or a regional rise, which lifts every place alike, is not
   taken for a localized anomaly.
   A neighbourhood is *hot* when ``c3 >= min_events`` (10, the label rule's floor),
   ``c3 >= ratio * g * b3`` (at least double its own rate, ``g`` the map-wide factor) and
   the excess is significant: given the ``N = c3 + h3`` events the neighbourhood had in
   the window and in its own background period (``h3`` of them, over ``T_h`` days), the
   window's share is binomial with ``p = g T_w / (g T_w + T_h)`` if nothing changed there
   but the map-wide factor, and ``P(X >= c3)`` must be at most ``alpha / n_tests``. This
   is the exact form of the beta statistic of Matthews & Reasenberg (seisviz.baseline):
   unlike a Poisson test against ``b3`` it knows that a background of a few events is
   itself uncertain. ``alpha`` (0.1) is the chance, per period, that a place with no
   change at all comes out hot: it is split (Bonferroni) over ``n_tests`` = the number of
   3x3 neighbourhoods of the map times the number of window lengths the period spans.
2. The pixels of a hot neighbourhood that themselves hold more events than their
   background (and at least one) form the anomaly's footprint in that window; the
   footprint of the period is the union over its windows (an injection front that grows
   is covered as a whole).
3. The footprint is dilated by ``dilation`` pixels and labelled with 8-connectivity
   (``scipy.ndimage.label``), so pieces a pixel or two apart make one subregion; each
   subregion keeps only its footprint pixels, and a subregion with fewer than
   ``min_events`` events in its busiest window is dropped.
4. The subregion's polygon is the union of its pixel boxes (``shapely.union_all``), closed
   over the gaps the dilation bridged, then buffered outwards by 1% of a pixel so that
   events on pixel edges fall inside; EPSG:4326 lon/lat.

Why no class-activation map: the shipped ResNets see 64x64 maps and end on a 2x2 feature
map (stride 32), so a CAM can only say which quarter of the map mattered, while the
statistical test above works at the map's own pixel size, needs no torch, gives the same
answer for any model, and is checked against the truth in docs/subregions.md. The network
decides which periods to look at; the statistics decide where.

Subregions are numbered within a period by descending event count (ties: busiest window,
then latitude, then longitude), 1..k, so the same inputs always give the same ids.
"""

import numpy as np
import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.raster import KM_PER_DEGREE, _to_ns
from seisviz.synthetic import MIN_EVENTS, box3

CRS = "EPSG:4326"
COLUMNS = ["period_id", "subregion_id", "start", "end", "n_events", "peak_probability",
           "center_lon", "center_lat", "n_pixels", "area_km2"]
DEFAULTS = {
    "min_events": MIN_EVENTS,  # events in a hot 3x3 neighbourhood (and in a subregion)
    "ratio": 2.0,              # hot neighbourhoods hold at least ratio x their background
    "alpha": 0.1,              # chance per period of a hot place where nothing changed
    "dilation": 1,             # pixels bridged when grouping
    "regional": True,          # scale backgrounds by the map-wide rate change
}
_CHUNK = 256  # windows processed at a time (bounds memory for long periods)


def binomial_sf(k, n, p):
    """P(X >= k) for X ~ Binomial(n, p), elementwise; n may be fractional (scaled
    counts): the regularized incomplete beta I_p(k, n - k + 1)."""
    from scipy.special import betainc

    k = np.asarray(k, np.float64)
    n = np.maximum(np.asarray(n, np.float64), k)
    return np.where(k <= 0, 1.0, betainc(np.maximum(k, 1e-12), n - k + 1.0, p))


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


def period_windows(dmaps, start, end, flagged=None):
    """Indices of the windows that show a period: its flagged windows lying inside it;
    without flags, every window inside it; for a period shorter than a window (e.g. a
    manual pick), the windows overlapping it. Windows without history are left out."""
    ws = dmaps.window_start.astype("datetime64[ns]").astype(np.int64)
    we = dmaps.window_end.astype("datetime64[ns]").astype(np.int64)
    s, e = _to_ns(start), _to_ns(end)
    ok = np.ones(len(ws), bool) if dmaps.has_history is None else np.asarray(dmaps.has_history)
    inside = (ws >= s) & (we <= e) & ok
    if flagged is not None and (inside & flagged).any():
        return np.flatnonzero(inside & flagged)
    if inside.any():
        return np.flatnonzero(inside)
    return np.flatnonzero((ws < e) & (we > s) & ok)


def _block_sums(a, s):
    """Sums over s x s pixel blocks of maps [k, ny, nx] (zero-padded to whole blocks)."""
    k, ny, nx = a.shape
    py, px = -ny % s, -nx % s
    a = np.pad(a, [(0, 0), (0, py), (0, px)])
    return a.reshape(k, (ny + py) // s, s, (nx + px) // s, s).sum(axis=(2, 4))


def regional_change(c, b, min_background=5.0, min_blocks=12, block_sizes=(2, 4, 8, 16)):
    """Per window: how much the whole map's rate rose against its background, at least 1.

    The map is cut into square blocks of the smallest size in `block_sizes` (pixels) for
    which at least `min_blocks` blocks, and at least half of the blocks with any
    background, expect `min_background` events or more; the change is the median over
    those blocks of count / background (1 when no size qualifies). A
    catalog-completeness change or a regional rise lifts every busy block alike; a
    localized anomaly moves the median little."""
    out = np.ones(len(c))
    todo = np.ones(len(c), bool)
    for s in block_sizes:
        cb, bb = _block_sums(c, s), _block_sums(b, s)
        busy = bb >= min_background
        n_busy = busy.sum(axis=(1, 2))
        # most blocks with any background must be busy: picking the few blocks that pass by
        # chance would pick over-estimated backgrounds, and under-estimate the change
        enough = todo & (n_busy >= min_blocks) & (n_busy >= 0.5 * (bb > 0).sum(axis=(1, 2)))
        if enough.any():
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(busy, cb / np.where(busy, bb, 1.0), np.nan)
            med = np.nanmedian(ratio[enough].reshape(int(enough.sum()), -1), axis=1)
            out[enough] = np.maximum(med, 1.0)
            todo &= ~enough
        if not todo.any():
            break
    return out


def footprint(dmaps, windows, min_events=MIN_EVENTS, ratio=2.0, alpha=0.1, regional=True):
    """Per pixel over `windows`: (footprint mask, largest excess count c - b).

    See steps 1-2 of the module docstring."""
    ny, nx = dmaps.grid.ny, dmaps.grid.nx
    mask = np.zeros((ny, nx), bool)
    excess = np.zeros((ny, nx), np.float64)
    count, background = dmaps.channel("count"), dmaps.channel("background")
    history = np.full(len(dmaps), dmaps.background_days, np.float64) \
        if dmaps.history_days is None else np.asarray(dmaps.history_days, np.float64)
    # alpha is for the whole period: split it over its independent tests, about one per
    # 3x3 neighbourhood and per window length of the period (Bonferroni)
    ws = dmaps.window_start.astype("datetime64[ns]").astype(np.int64)[windows]
    we = dmaps.window_end.astype("datetime64[ns]").astype(np.int64)[windows]
    span = (we.max() - ws.min()) / 86_400e9 if len(windows) else dmaps.window_days
    n_tests = max(1.0, ny * nx / 9.0) * max(1.0, span / dmaps.window_days)
    alpha_cell = alpha / n_tests
    for lo in range(0, len(windows), _CHUNK):
        idx = windows[lo:lo + _CHUNK]
        c = count[idx].astype(np.float64)
        b = background[idx].astype(np.float64)
        g = regional_change(c, b) if regional else np.ones(len(idx))
        hist = history[idx]  # days of each window's background period
        c3, b3 = box3(c), box3(b)
        hot = (c3 >= min_events) & (c3 >= ratio * g[:, None, None] * b3)
        if not hot.any():
            continue
        # background events in their own period: b is scaled to one window's length
        h3 = b3 * (hist / dmaps.window_days)[:, None, None]
        share = (g * dmaps.window_days / (g * dmaps.window_days + hist))[:, None, None]
        hot &= binomial_sf(c3, c3 + h3, share) <= alpha_cell
        b = b * g[:, None, None]
        near = box3(hot.astype(np.float64)) > 0
        pix = near & (c >= 1) & (c > b)
        mask |= pix.any(axis=0)
        excess = np.maximum(excess, np.where(pix, c - b, 0.0).max(axis=0))
    return mask, excess


def _groups(mask, dilation):
    """Label the footprint: list of boolean pixel masks, one per group."""
    from scipy import ndimage

    if not mask.any():
        return []
    eight = np.ones((3, 3), bool)
    grown = ndimage.binary_dilation(mask, structure=eight, iterations=dilation) \
        if dilation > 0 else mask
    labels, n = ndimage.label(grown, structure=eight)
    return [mask & (labels == g) for g in range(1, n + 1)]


def pixel_polygon(grid, pixels, dilation=1):
    """Polygon (lon/lat) of a boolean pixel mask: union of pixel boxes, closed over gaps of
    up to `dilation` pixels, buffered out by 1% of a pixel."""
    import shapely

    iy, ix = np.nonzero(pixels)
    lon, lat = grid.lon_edges, grid.lat_edges
    boxes = shapely.box(lon[ix], lat[iy], lon[ix + 1], lat[iy + 1])
    geom = shapely.union_all(boxes)
    dlon = (grid.max_lon - grid.min_lon) / grid.nx
    dlat = (grid.max_lat - grid.min_lat) / grid.ny
    eps = 0.01 * min(dlon, dlat)
    if dilation > 0 and geom.geom_type == "MultiPolygon":
        d = dilation * max(dlon, dlat) + eps
        geom = geom.buffer(d, join_style="mitre").buffer(-d, join_style="mitre")
        geom = shapely.union_all([geom, *boxes])  # the closing never loses a pixel
    geom = geom.buffer(eps, join_style="mitre")
    return shapely.simplify(geom, eps / 10, preserve_topology=True)


def _empty_table():
    import geopandas as gpd

    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(COLUMNS, [
        "int64", "int64", "datetime64[ns, UTC]", "datetime64[ns, UTC]", "int64", "float64",
        "float64", "float64", "int64", "float64"])})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def find_subregions(result_or_dmaps, periods=None, catalog=None, flagged=None,
                    min_events=None, ratio=None, alpha=None, dilation=None, regional=None):
    """Subregions of each period, as a GeoDataFrame (EPSG:4326), one row per subregion.

    `result_or_dmaps`: a seisviz.scan.ScanResult (periods and flagged windows are taken
    from it) or seisviz.raster.DistributionMaps (then give `periods`, and optionally
    `flagged`, one bool per window). `periods` needs start and end (UTC), and may carry
    period_id (else 1..n) and peak_probability.

    Columns: period_id, subregion_id, start, end, n_events, peak_probability, center_lon,
    center_lat, n_pixels, area_km2, geometry. With `catalog`, n_events is the number of its
    events in [start, end) inside the polygon (the rule `condensed_catalog` applies);
    without, it is the events in the subregion's pixels in its busiest window. The centre
    is the mean of the subregion's pixel centres weighted by their excess counts. Settings
    used are in ``table.attrs["settings"]``.
    """
    import geopandas as gpd

    dmaps, periods, flagged = _resolve(result_or_dmaps, periods, flagged)
    given = {"min_events": min_events, "ratio": ratio, "alpha": alpha,
             "dilation": dilation, "regional": regional}
    settings = {k: (DEFAULTS[k] if v is None else v) for k, v in given.items()}
    if settings["min_events"] < 1 or settings["ratio"] < 0 or not 0 < settings["alpha"] <= 1 \
            or settings["dilation"] < 0:
        raise SeisvizError(f"subregion settings out of range: {settings}")
    settings["dilation"] = int(settings["dilation"])
    settings["regional"] = bool(settings["regional"])
    grid = dmaps.grid
    px_w, px_h = grid.pixel_km
    lon_c, lat_c = np.meshgrid(grid.lon_centers, grid.lat_centers)
    count = dmaps.channel("count")
    if catalog is not None:
        t_ns = _to_ns(catalog["time"])
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
        mask, excess = footprint(dmaps, win, settings["min_events"], settings["ratio"],
                                 settings["alpha"], settings["regional"])
        found = []
        counts = count[win]
        for pixels in _groups(mask, settings["dilation"]):
            peak = int(counts[:, pixels].sum(axis=1).max())
            if peak < settings["min_events"]:
                continue
            geom = pixel_polygon(grid, pixels, settings["dilation"])
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
        table = _empty_table()
    else:
        table = gpd.GeoDataFrame(pd.DataFrame(rows, columns=COLUMNS), geometry=geoms, crs=CRS)
        for col in ("start", "end"):
            table[col] = pd.to_datetime(table[col], utc=True)
    table.attrs["settings"] = dict(settings)
    return table


def _count_inside(geom, t_ns, lon, lat, start, end):
    import shapely

    sel = np.flatnonzero((t_ns >= _to_ns(start)) & (t_ns < _to_ns(end)))
    if len(sel) == 0:
        return 0
    return int(np.count_nonzero(shapely.intersects_xy(geom, lon[sel], lat[sel])))


def condensed_catalog(catalog, periods, subregions):
    """Events inside a flagged period ([start, end)) *and* one of its subregions.

    Returns the catalog's rows (same columns, time order) plus period_id and
    subregion_id; an event on the shared edge of two subregions goes to the first. Period
    bounds come from `periods` (by period_id) when given, else from `subregions`."""
    import shapely

    out_cols = list(catalog.columns) + ["period_id", "subregion_id"]
    if len(catalog) == 0 or subregions is None or len(subregions) == 0:
        return pd.DataFrame({c: catalog[c].iloc[:0] if c in catalog else
                             pd.Series(dtype="int64") for c in out_cols})
    bounds = {}
    if periods is not None and len(periods) and "period_id" in periods:
        for pid, s, e in zip(periods["period_id"], pd.to_datetime(periods["start"], utc=True),
                             pd.to_datetime(periods["end"], utc=True)):
            bounds[int(pid)] = (s, e)
    t_ns = _to_ns(catalog["time"])
    lon = catalog["longitude"].to_numpy(np.float64)
    lat = catalog["latitude"].to_numpy(np.float64)
    period_of = np.zeros(len(catalog), np.int64)
    sub_of = np.zeros(len(catalog), np.int64)
    order = subregions.sort_values(["period_id", "subregion_id"], kind="stable")
    for pid, sid, s, e, geom in zip(order["period_id"], order["subregion_id"], order["start"],
                                    order["end"], order.geometry):
        s, e = bounds.get(int(pid), (s, e))
        sel = np.flatnonzero((t_ns >= _to_ns(s)) & (t_ns < _to_ns(e)) & (period_of == 0))
        if len(sel) == 0 or geom is None or geom.is_empty:
            continue
        shapely.prepare(geom)
        hit = sel[shapely.intersects_xy(geom, lon[sel], lat[sel])]
        period_of[hit] = pid
        sub_of[hit] = sid
    keep = period_of > 0
    out = catalog.loc[keep].copy()
    out["period_id"] = period_of[keep]
    out["subregion_id"] = sub_of[keep]
    out = out.iloc[np.argsort(t_ns[keep], kind="stable")]
    return out.reset_index(drop=True)


def shrinkage(catalog, condensed):
    """(kept, total, kept share in %) of a condensed catalog."""
    total = len(catalog)
    kept = len(condensed)
    return kept, total, (100.0 * kept / total if total else 0.0)


def same_place(subregions, period_id, subregion_id):
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


def distance_km(geom, lon, lat):
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


def scanned_catalog(catalog, result):
    """The events a scan saw: `catalog` less those below its min_magnitude setting."""
    mmin = (getattr(result, "settings", None) or {}).get("min_magnitude")
    if mmin is None:
        return catalog
    return catalog[catalog["magnitude"] >= mmin]


def subregions_for(catalog, result, cache=None, **options):
    """`find_subregions(result, catalog=catalog)` and its condensed catalog, memoised in
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
    table = find_subregions(result, catalog=scanned, **options)
    condensed = condensed_catalog(scanned, result.periods, table)
    if cache is not None:
        cache["_subregions_cache"] = (key, table, condensed)
    return table, condensed
