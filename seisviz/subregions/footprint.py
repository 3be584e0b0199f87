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
   Steps 1-2 are done in each of the label rule's neighbourhoods
   (`seisviz.maps.label_neighbourhoods`): 3x3 pixels, and a square about 5 km a side when
   that is larger. A diffuse swarm or injection front of a few km radius holds 10 events
   in no 3x3 neighbourhood of half-kilometre pixels, yet the network (trained on both
   sizes) flags it. The larger square is tested on the events beyond its half-width of
   the window's hot 3x3 neighbourhoods, so compact episodes keep their tight footprints;
   ``n_tests`` counts both sizes.
3. The footprint is dilated by ``dilation`` pixels (its pixels from the larger square by
   that square's half-width: they lie in one neighbourhood; such a group is kept only
   apart from the 3x3 ones) and labelled with 8-connectivity
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

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from seisviz.maps import NEIGHBOURHOOD_KM, box_sum, label_neighbourhoods
from seisviz.settings import MIN_EVENTS
from seisviz.timeutil import to_ns

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from seisviz.maps import DistributionMaps, Grid


_CHUNK = 256  # windows processed at a time (bounds memory for long periods)
_NONE = np.iinfo(np.int64).max  # no neighbourhood found the pixel


def binomial_sf(k: ArrayLike, n: ArrayLike, p: ArrayLike) -> np.ndarray:
    """P(X >= k) for X ~ Binomial(n, p), elementwise; n may be fractional (scaled
    counts): the regularized incomplete beta I_p(k, n - k + 1)."""
    from scipy.special import betainc

    k = np.asarray(k, np.float64)
    n = np.maximum(np.asarray(n, np.float64), k)
    return np.where(k <= 0, 1.0, betainc(np.maximum(k, 1e-12), n - k + 1.0, p))


def period_windows(dmaps: DistributionMaps, start: Any, end: Any,
                   flagged: np.ndarray | None = None) -> np.ndarray:
    """Indices of the windows that show a period: its flagged windows lying inside it;
    without flags, every window inside it; for a period shorter than a window (e.g. a
    manual pick), the windows overlapping it. Windows without history are left out."""
    ws = dmaps.window_start.astype("datetime64[ns]").astype(np.int64)
    we = dmaps.window_end.astype("datetime64[ns]").astype(np.int64)
    s, e = to_ns(start), to_ns(end)
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


def regional_change(c: np.ndarray, b: np.ndarray, min_background: float = 5.0,
                    min_blocks: int = 12,
                    block_sizes: Sequence[int] = (2, 4, 8, 16)) -> np.ndarray:
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


def footprint(dmaps: DistributionMaps, windows: np.ndarray, min_events: int = MIN_EVENTS,
              ratio: float = 2.0, alpha: float = 0.1, regional: bool = True,
              neighbourhood_km: float = NEIGHBOURHOOD_KM
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pixel over `windows`: (footprint mask, largest excess count c - b, reach).

    `reach` is the half-width (pixels) of the smallest neighbourhood that put the pixel
    in the footprint in any window: 1 for a hot 3x3 neighbourhood, the larger one of
    `label_neighbourhoods` (about `neighbourhood_km` a side; 0: none) for a place that
    only that one finds hot; 0 outside the footprint. See steps 1-2 of the module docstring."""
    ny, nx = dmaps.grid.ny, dmaps.grid.nx
    mask = np.zeros((ny, nx), bool)
    reach = np.zeros((ny, nx), np.int64)
    excess = np.zeros((ny, nx), np.float64)
    count, background = dmaps.channel("count"), dmaps.channel("background")
    history = np.full(len(dmaps), dmaps.background_days, np.float64) \
        if dmaps.history_days is None else np.asarray(dmaps.history_days, np.float64)
    halves = label_neighbourhoods(dmaps.grid, neighbourhood_km)
    # alpha is for the whole period: split it over its independent tests, about one per
    # neighbourhood of each size and per window length of the period (Bonferroni)
    ws = dmaps.window_start.astype("datetime64[ns]").astype(np.int64)[windows]
    we = dmaps.window_end.astype("datetime64[ns]").astype(np.int64)[windows]
    span = (we.max() - ws.min()) / 86_400e9 if len(windows) else dmaps.window_days
    n_tests = sum(max(1.0, ny * nx / (2 * h + 1) ** 2) for h in halves) \
        * max(1.0, span / dmaps.window_days)
    alpha_cell = alpha / n_tests
    for lo in range(0, len(windows), _CHUNK):
        idx = windows[lo:lo + _CHUNK]
        c = count[idx].astype(np.float64)
        b = background[idx].astype(np.float64)
        g = regional_change(c, b) if regional else np.ones(len(idx))
        hist = history[idx]  # days of each window's background period
        # background events in their own period: b is scaled to one window's length
        share = (g * dmaps.window_days / (g * dmaps.window_days + hist))[:, None, None]
        near = np.zeros(c.shape, np.int64)
        found = np.zeros(c.shape, bool)  # hot 3x3 centres, then those of the larger one
        for h in halves:
            # the larger neighbourhood looks only beyond its half-width of the places
            # already found: a compact episode keeps its tight footprint (its outer events
            # make no second place), a diffuse one gets a footprint at all
            rest = ~(box_sum(found.astype(np.float64), h) > 0)
            hot = _hot(c * rest, b * rest, g, hist / dmaps.window_days, share, h, min_events,
                       ratio, alpha_cell)
            near = np.where((near == 0) & rest & (box_sum(hot.astype(np.float64), h) > 0),
                            h, near)
            found |= hot
        if not found.any():
            continue
        b = b * g[:, None, None]
        pix = (near > 0) & (c >= 1) & (c > b)
        mask |= pix.any(axis=0)
        # the smallest neighbourhood that found the pixel in any window: a place that a
        # 3x3 neighbourhood found in one window stays compact
        found_by = np.where(pix, near, _NONE).min(axis=0)
        reach = np.where((reach > 0) & (reach < found_by), reach,
                         np.where(found_by < _NONE, found_by, reach))
        excess = np.maximum(excess, np.where(pix, c - b, 0.0).max(axis=0))
    return mask, excess, reach


def _hot(c, b, g, hist_windows, share, half, min_events, ratio, alpha_cell):
    """Hot neighbourhoods of half-width `half` per window: at least `min_events` events,
    `ratio` x their scaled background, and significant (the binomial test of step 1)."""
    cn, bn = box_sum(c, half), box_sum(b, half)
    hot = (cn >= min_events) & (cn >= ratio * g[:, None, None] * bn)
    if hot.any():
        hn = bn * hist_windows[:, None, None]
        hot &= binomial_sf(cn, cn + hn, share) <= alpha_cell
    return hot


def _groups(mask, dilation, reach=None):
    """Label the footprint: list of boolean pixel masks, one per group.

    The pixels of hot 3x3 neighbourhoods are grouped over `dilation` pixels. Those that
    only the larger neighbourhood found (`reach` > 1) are grouped over its half-width
    (they lie in one neighbourhood, however scattered), and such a group is kept only
    apart from the 3x3 groups: next to one, it would only widen a place already found
    (and its polygon, and with it the place's background rate)."""
    wide = np.zeros_like(mask) if reach is None else mask & (reach > 1)
    compact = mask & ~wide
    groups = _label(compact, dilation)
    if wide.any():
        from scipy import ndimage

        h = max(int(reach.max()), dilation)
        touch = ndimage.binary_dilation(compact, structure=np.ones((3, 3), bool),
                                        iterations=h) if compact.any() else compact
        groups += [g for g in _label(wide, h) if not (g & touch).any()]
    return groups


def _label(mask, dilation):
    """Groups of `mask`'s pixels, those up to 2 x `dilation` pixels apart joined
    (8-connectivity), each holding only its own pixels."""
    from scipy import ndimage

    if not mask.any():
        return []
    eight = np.ones((3, 3), bool)
    grown = ndimage.binary_dilation(mask, structure=eight, iterations=dilation) \
        if dilation > 0 else mask
    labels, n = ndimage.label(grown, structure=eight)
    return [mask & (labels == g) for g in range(1, n + 1)]


def pixel_polygon(grid: Grid, pixels: np.ndarray, dilation: int = 1) -> BaseGeometry:
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


