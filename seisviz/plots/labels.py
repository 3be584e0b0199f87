"""Town labels that neither collide nor hide the data: a small greedy label placer.

A map frame is a box of longitude/latitude drawn over a plot area of about `width_px` ×
`height_px` pixels. Each candidate town (most populous first) gets one of eight positions
around its point — right of it, left of it, above, below, or a corner — or is dropped, so
that

- no label box overlaps another label box or another town's point,
- no label box is cut by the frame,
- no label box covers the densest cells of the events (the cells of a 2-D histogram of the
  events that together hold half of them), nor any other box the caller keeps clear
  (the scale bar, say).

Text boxes are estimated, not measured: 0.6 em a character wide, 1.25 em high, which is
close for the sans-serif fonts plotly uses. Everything is in pixels with y pointing up,
(0, 0) at the frame's lower-left corner. No streamlit, no plotly: the positions come back
as plotly `textposition` strings for a `markers+text` scatter trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

# plotly textposition, in the order they are tried: right of the point first (where a
# reader looks for a name), then left, then the corners, then above and below
POSITIONS = ("middle right", "middle left", "top right", "top left", "bottom right",
             "bottom left", "top center", "bottom center")
CHAR_EM = 0.6       # average character width, in font sizes
LINE_EM = 1.25      # text height, in font sizes
DENSE_SHARE = 0.5   # the densest cells holding this share of the events are kept clear
DENSE_CELL_PX = 24  # cell size of the events' 2-D histogram, in pixels

PxBox = tuple  # (x0, x1, y0, y1) in pixels, y up


@dataclass(frozen=True)
class Placed:
    """One label that found a place: the candidate's index, plotly's textposition, and the
    label's box in pixels (x0, x1, y0, y1; y up, origin at the frame's lower left)."""

    index: int
    position: str
    box: PxBox


def text_size(text: str, font_size: float) -> tuple[float, float]:
    """(width, height) in pixels of a one-line label: 0.6 em a character, 1.25 em high."""
    return CHAR_EM * font_size * max(len(text), 1), LINE_EM * font_size


def label_box(x: float, y: float, text: str, position: str, font_size: float,
              gap: float = 4.0) -> PxBox:
    """The pixel box of `text` written at `position` (a plotly textposition) around the point
    (x, y); `gap` pixels between the point and the text (about half a marker)."""
    w, h = text_size(text, font_size)
    vertical, horizontal = position.split()
    if horizontal == "right":
        x0 = x + gap
    elif horizontal == "left":
        x0 = x - gap - w
    else:
        x0 = x - w / 2
    if vertical == "top":
        y0 = y + (gap if horizontal == "center" else gap / 2)
    elif vertical == "bottom":
        y0 = y - (gap if horizontal == "center" else gap / 2) - h
    else:
        y0 = y - h / 2
    return (x0, x0 + w, y0, y0 + h)


def _overlap(a: PxBox, b: PxBox) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def to_pixels(box: Sequence[float], lon: Any, lat: Any, width_px: float,
              height_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel x, y (y up) of lon/lat points in the frame `box` drawn over width × height."""
    min_lon, max_lon, min_lat, max_lat = (float(v) for v in box)
    x = (np.asarray(lon, float) - min_lon) / max(max_lon - min_lon, 1e-12) * width_px
    y = (np.asarray(lat, float) - min_lat) / max(max_lat - min_lat, 1e-12) * height_px
    return x, y


def dense_cells(box: Sequence[float], lon: Any, lat: Any, width_px: float, height_px: float,
                share: float = DENSE_SHARE, cell_px: float = DENSE_CELL_PX) -> list[PxBox]:
    """Pixel boxes of the densest cells of the events: a 2-D histogram of cells of about
    `cell_px` pixels; the fewest cells that together hold `share` of the events in the
    frame, and only cells holding at least 3 events and 3 times the mean of the occupied
    cells' count (a uniform scatter has no dense cells)."""
    if lon is None or lat is None or len(lon) == 0:
        return []
    x, y = to_pixels(box, lon, lat, width_px, height_px)
    inside = (x >= 0) & (x <= width_px) & (y >= 0) & (y <= height_px)
    x, y = x[inside], y[inside]
    if len(x) == 0:
        return []
    nx = max(1, int(round(width_px / cell_px)))
    ny = max(1, int(round(height_px / cell_px)))
    counts, xe, ye = np.histogram2d(x, y, bins=(nx, ny), range=((0, width_px), (0, height_px)))
    flat = counts.ravel()
    order = np.argsort(-flat, kind="stable")
    cum = np.cumsum(flat[order])
    n_keep = int(np.searchsorted(cum, share * cum[-1]) + 1)
    occupied_mean = flat[flat > 0].mean()
    cells = []
    for k in order[:n_keep]:
        if flat[k] < max(3.0, 3.0 * occupied_mean):
            break
        i, j = divmod(int(k), ny)
        cells.append((xe[i], xe[i + 1], ye[j], ye[j + 1]))
    return cells


def place_labels(box: Sequence[float], lon: Any, lat: Any, names: Sequence[str], *,
                 width_px: float = 600.0, height_px: float = 450.0, font_size: float = 11.0,
                 events_lon: Any = None, events_lat: Any = None, keep_clear: Sequence[PxBox] = (),
                 max_labels: int = 12, marker_px: float = 6.0,
                 positions: Sequence[str] = POSITIONS) -> list[Placed]:
    """Choose a position for each town's label, or drop the town (see the module's doc).

    `lon`, `lat`, `names` are the candidates, most important (most populous) first; the
    frame `box` = (min_lon, max_lon, min_lat, max_lat) is drawn over about `width_px` ×
    `height_px` pixels. `events_lon`/`events_lat` (optional) are the events, whose densest
    cells stay uncovered; `keep_clear` are further pixel boxes to keep free. At most
    `max_labels` labels are placed. Returns the placed labels in candidate order."""
    x, y = to_pixels(box, lon, lat, width_px, height_px)
    half = marker_px / 2
    obstacles = list(keep_clear) + dense_cells(box, events_lon, events_lat, width_px,
                                               height_px)
    placed: list[Placed] = []
    points: list[PxBox] = []  # the points of the towns placed so far
    for i, name in enumerate(names):
        if len(placed) >= max_labels:
            break
        xi, yi = float(x[i]), float(y[i])
        point = (xi - half, xi + half, yi - half, yi + half)
        if not (0 <= xi <= width_px and 0 <= yi <= height_px):
            continue
        if any(_overlap(point, p.box) for p in placed) or any(_overlap(point, q)
                                                              for q in points):
            continue  # the point itself would sit under a label, or on another town
        for pos in positions:
            b = label_box(xi, yi, str(name), pos, font_size, gap=half + 1)
            if b[0] < 0 or b[1] > width_px or b[2] < 0 or b[3] > height_px:
                continue
            if any(_overlap(b, p.box) for p in placed) or any(_overlap(b, q) for q in points):
                continue
            if any(_overlap(b, o) for o in obstacles):
                continue
            placed.append(Placed(i, pos, b))
            points.append(point)
            break
    return placed
