"""The maps' animation as files: self-contained HTML (offline) and GIF (Pillow).

`export_animation_html` writes the figure of `seisviz.plots.maps.animated_map`;
`export_animation_gif` draws the frames itself, on the same colour scale. No streamlit here.
"""

import io

import numpy as np
from plotly.colors import sequential

from seisviz.errors import SeisvizError
from seisviz.plots.maps import CHANNEL_LABELS, _check, frame_indices, ordinal, window_label
from seisviz.settings import FRAME_MS, MAX_FRAMES


def _transform(values, log):
    return np.log10(1.0 + values) if log else values

def animation_html(fig):
    """The figure as a self-contained HTML page (plotly.js embedded, no network needed)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, auto_play=False,
                       config={"displaylogo": False})


def export_animation_html(fig, path):
    """Write `fig` to `path` as self-contained HTML; returns `path`."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(animation_html(fig))
    except OSError as exc:
        raise SeisvizError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _palette():
    """254 Viridis colours (index 0-253), then black (254) and white (255), as RGB bytes."""
    stops = [tuple(int(h[j:j + 2], 16) for j in (1, 3, 5)) for h in sequential.Viridis]
    pos = np.linspace(0, 1, len(stops))
    x = np.linspace(0, 1, 254)
    rgb = np.stack([np.interp(x, pos, [s[c] for s in stops]) for c in range(3)], axis=1)
    rgb = np.vstack([np.rint(rgb), [[0, 0, 0], [255, 255, 255]]]).astype(np.uint8)
    return rgb


def export_animation_gif(dmaps, path, channel="count", log=True, max_frames=MAX_FRAMES,
                         frame_ms=FRAME_MS, width=480):
    """Write the animation as a GIF (Pillow; one frame per shown window). `path` may be a
    file name or a binary file object. Returns the number of frames."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:  # pragma: no cover - Pillow comes with streamlit
        raise SeisvizError("GIF export needs Pillow: pip install pillow") from None
    _check(dmaps, channel)
    shown, k = frame_indices(len(dmaps), max_frames)
    zmax = float(_transform(max(float(dmaps.channel(channel).max()), 1.0), log))
    g = dmaps.grid
    w_km, h_km = g.pixel_km
    width = int(width)
    map_h = max(1, int(round(width * (g.ny * h_km) / (g.nx * w_km))))
    band = 40
    try:
        font = ImageFont.load_default(size=14)
    except TypeError:  # pragma: no cover - old Pillow without sizes
        font = ImageFont.load_default()
    palette = _palette()
    flat_palette = palette.reshape(-1).tolist()
    label = CHANNEL_LABELS.get(channel, channel)
    scale_text = (f"{label}: 0 (dark) – {dmaps.channel(channel).max():,.0f} (yellow)"
                  + (", log scale" if log else ""))
    if k > 1:
        scale_text += f"; every {ordinal(k)} window"
    values = dmaps.channel(channel)
    images = []
    for i in shown:
        z = _transform(values[i].astype(np.float64), log)
        level = np.clip(np.rint(z / zmax * 253), 0, 253).astype(np.uint8)
        level = level[::-1]  # north up: the first image row is the highest latitude
        img = Image.fromarray(level, mode="P").resize((width, map_h), Image.NEAREST)
        canvas = Image.new("P", (width, map_h + band), 254)
        canvas.putpalette(flat_palette)
        canvas.paste(img, (0, 0))
        draw = ImageDraw.Draw(canvas)  # the band under the map: date and scale
        draw.text((6, map_h + 3), window_label(dmaps, i), fill=255, font=font)
        draw.text((6, map_h + 21), scale_text, fill=255, font=font)
        images.append(canvas)
    try:  # a file name, or a binary file object
        images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                       duration=max(20, int(frame_ms)), loop=0, optimize=False)
    except OSError as exc:
        raise SeisvizError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(images)


def animation_gif_bytes(dmaps, **kwargs):  # into memory, for a download button
    buf = io.BytesIO()
    export_animation_gif(dmaps, buf, **kwargs)
    return buf.getvalue()
