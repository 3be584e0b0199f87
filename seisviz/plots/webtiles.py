"""Web map tiles under a map: which OpenStreetMap-style tiles cover a frame, placed as
layout images at their own geographic bounds, and whether the tile server answers at all
(a short probe, remembered for minutes), so that a map without a network shows the offline
basemap (seisviz.plots.basemap) instead of a blank frame with an attribution line."""

from __future__ import annotations

import http.client
import math
import threading
import time
import urllib.request

Box = tuple  # (min_lon, max_lon, min_lat, max_lat)
MAX_TILES = 36
TILE_PROBE_TIMEOUT_S = 1.5
TILE_PROBE_TTL_S = 300.0


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


_PROBES: dict[str, tuple[float, bool]] = {}
_PROBE_LOCK = threading.Lock()


def probe_url(url: str) -> str:
    """The URL of one small tile (zoom 0) of the template `url`."""
    return (url.replace("{z}", "0").replace("{x}", "0").replace("{y}", "0")
            .replace("{s}", "a").replace("{r}", ""))


def tiles_reachable(url: str, timeout: float = TILE_PROBE_TIMEOUT_S,
                    ttl: float = TILE_PROBE_TTL_S) -> bool:
    """Whether the tile server of the template `url` answers: one GET of its zoom-0 tile,
    `timeout` seconds at most, remembered for `ttl` seconds per process (so a page that
    draws five maps asks once, and a server that comes back is seen within minutes). Any
    answer from 200 to 399 counts; refused, timed out, unknown host or an HTTP error does
    not."""
    now = time.monotonic()
    with _PROBE_LOCK:
        seen = _PROBES.get(url)
        if seen is not None and now - seen[0] < ttl:
            return seen[1]
        request = urllib.request.Request(probe_url(url),
                                         headers={"User-Agent": "seisviz (tile probe)"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                ok = 200 <= answer.status < 400
                answer.read(64)
        except (OSError, ValueError, http.client.HTTPException):
            ok = False
        _PROBES[url] = (time.monotonic(), ok)
        return ok


def forget_tile_probes() -> None:
    """Forget every remembered probe (the next map asks the tile server again)."""
    with _PROBE_LOCK:
        _PROBES.clear()


def tiles_enabled(tiles: bool) -> str | None:
    """The tile URL template to draw, or None: tiles asked for, a URL configured (env
    SEISVIZ_TILE_URL "off" turns them off without asking the network), and the tile server
    answering (`tiles_reachable`)."""
    from seisviz.settings import tile_url

    url = tile_url()
    if not (tiles and url):
        return None
    return url if tiles_reachable(url) else None
