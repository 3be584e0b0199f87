"""Movie S3 (`seisviz.plots.movie`) as a file: .html (plotly, plotly.js embedded: works
offline), .gif (Pillow) or .mp4 (ffmpeg, when it is installed).

The GIF and MP4 frames are drawn here with Pillow from the same `MoviePlan` as the
figure: the offline basemap's lines (lakes, rivers, provinces, coasts, borders), the
overlays' lines and points, the polygons (lit or faded), the events coloured by days
since their episode's onset (faded after its end), and the time strip with the periods
and the cursor. No streamlit here.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from typing import Any

import numpy as np
from plotly.colors import sequential

from seisviz.errors import SeisvizError
from seisviz.plots.basemap import layer_lines, outline_xy
from seisviz.plots.map_files import animation_html
from seisviz.plots.movie import MoviePlan, anomaly_movie, movie_plan
from seisviz.settings import FRAME_MS
from seisviz.timeutil import utc

MOVIE_FORMATS = (".html", ".gif", ".mp4")


def movie_format(path: str) -> str:
    """The movie's format from the file name's extension; one SeisvizError line if unknown."""
    ext = os.path.splitext(str(path))[1].lower()
    if ext not in MOVIE_FORMATS:
        raise SeisvizError(f"{path}: unknown movie format {ext or '(no extension)'!r}: "
                           f"name the file .html, .gif or .mp4")
    return ext


def write_movie(result_or_episodes: Any, catalog: Any, path: str,
                step_days: float | None = None, overlays: Any = None,
                frame_ms: int = FRAME_MS, width: int = 560, **figure_options: Any) -> int:
    """Write the movie to `path` (.html, .gif or .mp4 by its extension); returns the
    number of frames. `figure_options` (tiles, star_magnitude, extent, title) go to
    `anomaly_movie` for HTML (extent also to the GIF/MP4 frame)."""
    ext = movie_format(path)
    if ext == ".mp4" and shutil.which("ffmpeg") is None:
        raise SeisvizError("writing .mp4 needs ffmpeg, which is not installed: "
                           "write a .gif or .html movie instead")
    if ext == ".html":
        fig = anomaly_movie(result_or_episodes, catalog, step_days=step_days,
                            overlays=overlays, frame_ms=frame_ms, **figure_options)
        _write(path, animation_html(fig).encode("utf-8"))
        return len(fig.frames)
    plan = movie_plan(result_or_episodes, catalog, step_days,
                      figure_options.get("extent", "bulk"))
    images = movie_images(plan, overlays, width)
    if ext == ".gif":
        _write(path, gif_bytes(images, frame_ms))
    else:
        _write_mp4(images, path, frame_ms)
    return len(images)


def movie_gif_bytes(result_or_episodes: Any, catalog: Any, step_days: float | None = None,
                    overlays: Any = None, frame_ms: int = FRAME_MS, width: int = 560,
                    extent: str = "bulk") -> bytes:
    """The movie as GIF bytes (for a download button)."""
    plan = movie_plan(result_or_episodes, catalog, step_days, extent)
    return gif_bytes(movie_images(plan, overlays, width), frame_ms)


def _write(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        raise SeisvizError(f"cannot write {path}: {exc.strerror or exc}") from None


def gif_bytes(images: list, frame_ms: int = FRAME_MS) -> bytes:
    """The frames (Pillow RGB images) as an animated GIF."""
    frames = [im.convert("P", palette=1, colors=128) for im in images]  # 1: ADAPTIVE
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:],
                   duration=max(20, int(frame_ms)), loop=0, optimize=False)
    return buf.getvalue()


def _write_mp4(images: list, path: str, frame_ms: int) -> None:
    fps = max(1.0, 1000.0 / max(int(frame_ms), 1))
    with tempfile.TemporaryDirectory() as tmp:
        for k, im in enumerate(images):
            im.save(os.path.join(tmp, f"f{k:05d}.png"))
        cmd = ["ffmpeg", "-y", "-loglevel", "error", "-framerate", f"{fps:g}", "-i",
               os.path.join(tmp, "f%05d.png"), "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
               "-pix_fmt", "yuv420p", "-c:v", "libx264", str(path)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SeisvizError(f"ffmpeg failed: {exc}") from None
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise SeisvizError(f"ffmpeg could not write {path}: {last}")


# ------------------------------------------------------------------ frames with Pillow

def _colours(values: np.ndarray, top: float) -> np.ndarray:
    """Plasma colours (uint8 RGB) of values on 0..top."""
    stops = [tuple(int(h[j:j + 2], 16) for j in (1, 3, 5)) for h in sequential.Plasma]
    pos = np.linspace(0, 1, len(stops))
    x = np.clip(np.asarray(values, float) / max(top, 1e-9), 0, 1)
    return np.rint(np.stack([np.interp(x, pos, [s[c] for s in stops]) for c in range(3)],
                            axis=1)).astype(np.uint8)


class _Canvas:
    """Lon/lat → pixels of a map `width` wide (equal distances), a strip and a text band."""

    def __init__(self, plan: MoviePlan, width: int):
        self.box, self.width = plan.box, int(width)
        lat0 = np.radians((plan.box[2] + plan.box[3]) / 2)
        aspect = ((plan.box[3] - plan.box[2])
                  / max((plan.box[1] - plan.box[0]) * max(np.cos(lat0), 0.05), 1e-9))
        self.map_h = max(40, int(round(self.width * aspect)))
        self.t0, self.t1 = int(plan.times[0]), max(int(plan.times[-1]), int(plan.times[0]) + 1)
        self.strip = (self.map_h + 6, self.map_h + 22)
        self.height = self.map_h + 66

    def xy(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        b = self.box
        x = (np.asarray(lon, float) - b[0]) / (b[1] - b[0]) * (self.width - 1)
        y = (b[3] - np.asarray(lat, float)) / (b[3] - b[2]) * (self.map_h - 1)
        return x, y

    def tx(self, ns: int) -> float:
        return 4 + (int(ns) - self.t0) / (self.t1 - self.t0) * (self.width - 9)

    def lines(self, draw: Any, xs: list, ys: list, fill: Any, width: int = 1) -> None:
        """Polylines of xs/ys split at None."""
        run = []
        for x, y in zip(list(xs) + [None], list(ys) + [None]):
            if x is None or y is None:
                if len(run) > 1:
                    px, py = self.xy([p[0] for p in run], [p[1] for p in run])
                    draw.line(list(zip(px.tolist(), py.tolist())), fill=fill, width=width)
                run = []
            else:
                run.append((x, y))


def _background(plan: MoviePlan, canvas: _Canvas, overlays: Any) -> Any:
    """The still part of every frame: basemap outlines, overlays, the strip's periods."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (canvas.width, canvas.map_h), "white")  # the map, clipped
    draw = ImageDraw.Draw(img)
    for layer, colour in (("lakes", (140, 190, 230)), ("rivers", (120, 165, 215)),
                          ("admin1", (185, 185, 185))):
        xs, ys = layer_lines(layer, plan.box)
        canvas.lines(draw, xs, ys, colour)
    xs, ys = outline_xy(plan.box)
    canvas.lines(draw, xs, ys, (110, 110, 110), 2)
    for layer in overlays or ():
        lx, ly, px, py, _ = layer.xy(plan.box)
        canvas.lines(draw, lx, ly, layer.colour, 2)
        for x, y in zip(*canvas.xy(px, py)):
            draw.regular_polygon((x, y, 5), 3, fill=layer.colour, outline="black")
    whole = Image.new("RGB", (canvas.width, canvas.height), "white")
    whole.paste(img, (0, 0))
    draw = ImageDraw.Draw(whole)
    draw.rectangle((0, 0, canvas.width - 1, canvas.map_h - 1), outline=(0, 0, 0))
    y0, y1 = canvas.strip
    for s, e in plan.periods:
        draw.rectangle((canvas.tx(s), y0, max(canvas.tx(e), canvas.tx(s) + 1), y1),
                       fill=(240, 170, 170))
    draw.rectangle((4, y0, canvas.width - 5, y1), outline=(90, 90, 90))
    return whole


def movie_images(plan: MoviePlan, overlays: Any = None, width: int = 560) -> list:
    """One Pillow RGB image per frame of `plan` (see the module docstring)."""
    try:
        from PIL import ImageDraw, ImageFont
    except ImportError:  # pragma: no cover - Pillow comes with streamlit
        raise SeisvizError("GIF and MP4 movies need Pillow: pip install pillow") from None
    canvas = _Canvas(plan, width)
    still = _background(plan, canvas, overlays)
    try:
        font = ImageFont.load_default(size=13)
    except TypeError:  # pragma: no cover - old Pillow without sizes
        font = ImageFont.load_default()
    px, py = canvas.xy(plan.lon, plan.lat)
    inside = (px >= 0) & (px < canvas.width) & (py >= 0) & (py < canvas.map_h)
    colours = [tuple(c) for c in _colours(plan.days, plan.days_max).tolist()]
    radius = np.clip(1.5 + 0.8 * (plan.mag - (plan.mag.min() if len(plan.mag) else 0)), 1.5,
                     6) if len(plan.mag) else np.array([])
    images = []
    for k in range(len(plan.times)):
        img = still.copy()
        draw = ImageDraw.Draw(img)
        for e, ep in enumerate(plan.episodes):
            state = plan.state(e, k)
            if state != "hidden":
                lit = state == "lit"
                canvas.lines(draw, ep["xs"], ep["ys"], (215, 25, 28) if lit else (150, 150, 150),
                             3 if lit else 1)
        lit = np.array([plan.state(e, k) == "lit" for e in range(len(plan.episodes))])
        shown = np.flatnonzero(plan.shown(k) & inside)
        for i in sorted(shown, key=lambda i: bool(lit[plan.episode[i]])):  # active on top
            r = float(radius[i])
            if lit[plan.episode[i]]:
                draw.ellipse((px[i] - r, py[i] - r, px[i] + r, py[i] + r), fill=colours[i],
                             outline=(0, 0, 0))
            else:  # faded: the colour 70 % towards white, no outline
                c = tuple(int(v + 0.7 * (255 - v)) for v in colours[i])
                draw.ellipse((px[i] - r, py[i] - r, px[i] + r, py[i] + r), fill=c)
        x = canvas.tx(plan.times[k])
        draw.line((x, canvas.strip[0] - 3, x, canvas.strip[1] + 3), fill=(0, 0, 0), width=2)
        active = int(lit.sum())
        draw.text((6, canvas.strip[1] + 6),
                  f"{utc(int(plan.times[k])):%Y-%m-%d}  ·  {active} active episode(s)  ·  "
                  f"{int(plan.shown(k).sum()):,} events", fill=(0, 0, 0), font=font)
        draw.text((6, canvas.strip[1] + 24), f"colour: days since the episode's onset, "
                  f"0 (dark) to {plan.days_max:.0f} (yellow)", fill=(60, 60, 60), font=font)
        images.append(img)
    return images
