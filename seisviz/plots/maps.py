"""Distribution maps as plotly figures: one window, or all windows as an animation.

- `animated_map`: a heatmap per window as animation frames, play/pause and a date slider;
  one colour scale for every frame (the same as `single_map`'s). Long catalogs are
  subsampled to `max_frames`; frames hold only the heatmap's values (small unsigned ints,
  sent as base64 typed arrays), the overlay's points, large events and the title.
- `single_map`: one window, with exact values in the hover.
Both map figures stand on the basemap of `seisviz.plots.basemap`; the animation as a file
(HTML, GIF) is `seisviz.plots.map_files`. No streamlit here.
"""

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sequential

from seisviz.errors import SeisvizError
from seisviz.plots.basemap import add_basemap, large_events_by_time, stars_between, transparent_zero
from seisviz.plots.framing import frame_box, maps_bbox  # noqa: F401 (maps_bbox: the Maps page)
from seisviz.settings import FRAME_MS, MAX_FRAMES
from seisviz.timeutil import to_ns

# Viridis with 0 transparent: empty pixels show the basemap beneath
MAP_COLORSCALE = transparent_zero(sequential.Viridis)
CHANNEL_LABELS = {
    "count": "events",
    "background": "background (expected events per window)",
}
MAX_MARKERS = 2000


# ------------------------------------------------------------------ shared pieces

def _check(dmaps, channel):
    if len(dmaps) == 0:
        raise SeisvizError("there are no windows to show")
    if channel not in dmaps.channels:
        raise SeisvizError(f"unknown channel {channel!r}: choose one of "
                           f"{', '.join(dmaps.channels)}")


def frame_indices(n_windows, max_frames):
    """Windows to show (every k-th, from the first) and k, so that at most max_frames."""
    if max_frames < 1:
        raise SeisvizError(f"max_frames must be at least 1, got {max_frames}")
    k = max(1, math.ceil(n_windows / max_frames))
    return np.arange(0, n_windows, k), k


LOG_UNITS = 100  # log mode colours by round(100 * log10(1 + value)): 2 decimals of the log


def _smallest_uint(top):
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return dtype
    return np.float64


class _Encoding:
    """How one channel's values become a heatmap's z (and hover customdata), compactly:
    counts as the smallest unsigned ints; log: z = round(100 log10(1 + value)) with the
    values in customdata; background linear: rounded float32. The colour range is 0 .. the
    channel's maximum over ALL windows: the same in every frame and in `single_map`."""

    def __init__(self, dmaps, channel, log):
        self.log = log
        self.integers = channel == "count"
        self.top = max(float(dmaps.channel(channel).max()), 1.0)
        self.value_dtype = _smallest_uint(self.top) if self.integers else np.float32
        if log:
            self.zmax = LOG_UNITS * math.log10(1 + self.top)
            self.z_dtype = _smallest_uint(math.ceil(self.zmax))
        else:
            self.zmax = self.top
            self.z_dtype = self.value_dtype

    def values(self, v):
        return (np.rint(v) if self.integers else np.round(v, 2)).astype(self.value_dtype)

    def z(self, v):
        if not self.log:
            return self.values(v)
        return np.rint(LOG_UNITS * np.log10(1.0 + v.astype(np.float64))).astype(self.z_dtype)

    def trace(self, v):
        """The per-frame part of the heatmap trace for window values `v`."""
        out = {"z": self.z(v)}
        if self.log:
            out["customdata"] = self.values(v)
        return out

    def hover(self, label):
        value = "%{customdata}" if self.log else "%{z}"
        if not self.integers:
            value = value[:-1] + ":.2f}"
        return f"lon %{{x:.3f}}°, lat %{{y:.3f}}°<br>{label} {value}<extra></extra>"


def _count_ticks(top):
    """Round counts 0, 1, 2, 5, 10, 20, 50, ... up to `top` (at most ~8 of them)."""
    ticks, base = [0], 1
    while base <= top:
        ticks += [m * base for m in (1, 2, 5) if m * base <= top]
        base *= 10
    if len(ticks) > 8:
        ticks = [0] + [t for t in ticks[1:] if str(t)[0] != "2"]
    return ticks


def _colorbar(dmaps, channel, log):
    title = CHANNEL_LABELS.get(channel, channel)
    if not log:
        return {"title": {"text": title, "side": "right"}}
    top = max(float(dmaps.channel(channel).max()), 1.0)
    ticks = _count_ticks(top)
    return {"title": {"text": title + " (log scale)", "side": "right"},
            "tickvals": [round(LOG_UNITS * math.log10(1 + t), 3) for t in ticks],
            "ticktext": [f"{t:,}" for t in ticks]}


def _day(ts):
    return pd.Timestamp(ts, tz="UTC").strftime("%Y-%m-%d")


def window_label(dmaps, i):
    """'2020-01-15 – 2020-02-13': the window's first and last day (the end is exclusive)."""
    start = pd.Timestamp(dmaps.window_start[i], tz="UTC")
    end = pd.Timestamp(dmaps.window_end[i], tz="UTC")
    last = end - pd.Timedelta(1, "ns")
    if dmaps.window_days >= 1 and start.normalize() == start and end.normalize() == end:
        return f"{start:%Y-%m-%d} – {last:%Y-%m-%d}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def _frame_events(events, catalog, star_events):
    """(lon, lat) of the events a map is framed on (and its town labels keep clear of):
    the overlay's events, else the stars' catalog; None without either."""
    for source in (events, catalog, star_events):
        if isinstance(source, list):
            source = source[0] if source else None
        if source is not None and {"longitude", "latitude"} <= set(source.columns):
            return (source["longitude"].to_numpy(np.float64),
                    source["latitude"].to_numpy(np.float64))
    return None


def _layout(dmaps, title, height=None, box=None):
    g = dmaps.grid
    box = box or (g.min_lon, g.max_lon, g.min_lat, g.max_lat)
    mid = math.radians((box[2] + box[3]) / 2)
    layout = {
        "title": {"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 15}},
        "xaxis": {"title": {"text": "longitude"}, "range": [box[0], box[1]],
                  "constrain": "domain", "showgrid": False, "zeroline": False},
        # degrees of latitude are longer than degrees of longitude away from the equator
        "yaxis": {"title": {"text": "latitude"}, "range": [box[2], box[3]],
                  "scaleanchor": "x", "scaleratio": 1 / max(math.cos(mid), 0.05),
                  "constrain": "domain", "showgrid": False, "zeroline": False},
        # empty pixels are transparent: the basemap (tiles or outlines) shows through
        "plot_bgcolor": "white",
        "margin": {"l": 70, "r": 20, "t": 60, "b": 40},
        "showlegend": True,
        "legend": {"x": 0.01, "y": 0.99, "yanchor": "top", "xanchor": "left",
                   "bgcolor": "rgba(255,255,255,0.75)", "font": {"size": 11}},
    }
    if height:
        layout["height"] = height
    return layout


def _dress(fig, box, overlays, tiles, events=None):
    """Basemap, coordinates, scale bar and overlays (seisviz.plots.basemap) on the map's
    frame `box`; town labels keep clear of the densest part of `events` ((lon, lat))."""
    fig.update_layout(meta={**(fig.layout.meta or {}), "box": list(box)})
    return add_basemap(fig, box, tiles=tiles, overlays=overlays, events=events)


def _event_source(events, catalog):
    """(time ns, lon, lat) of the events to overlay, sorted by time; or None."""
    source = events if events is not None else catalog
    if source is None:
        return None
    missing = {"time", "longitude", "latitude"} - set(source.columns)
    if missing:
        raise SeisvizError(f"events to overlay lack column(s) {', '.join(sorted(missing))}")
    t = to_ns(source["time"])
    lon = source["longitude"].to_numpy(np.float32)
    lat = source["latitude"].to_numpy(np.float32)
    if len(t) > 1 and not (np.diff(t) >= 0).all():  # sort by time
        order = np.argsort(t, kind="stable")
        t, lon, lat = t[order], lon[order], lat[order]
    return t, lon, lat


def _window_events(source, start_ns, end_ns, max_markers, seed):
    """lon, lat (float32) of the events in [start, end), sampled to max_markers; and n."""
    t, lon, lat = source
    lo, hi = np.searchsorted(t, [start_ns, end_ns])
    n = int(hi - lo)
    if n <= max_markers:
        return lon[lo:hi], lat[lo:hi], n
    idx = np.sort(np.random.default_rng(seed).choice(np.arange(lo, hi), max_markers,
                                                     replace=False))
    return lon[idx], lat[idx], n


def _overlay_trace(lon, lat):
    return go.Scatter(x=lon, y=lat, mode="markers", hoverinfo="skip",
                      marker={"size": 4, "color": "rgba(255,255,255,0.85)",
                              "line": {"width": 0.5, "color": "black"}},
                      name="events", showlegend=False)


# ------------------------------------------------------------------ figures

def animated_map(dmaps, channel="count", log=True, max_frames=MAX_FRAMES, events=None,
                 catalog=None, frame_ms=FRAME_MS, title=None, max_markers=MAX_MARKERS,
                 height=None, overlays=None, star_magnitude=None, tiles=True, windows=None,
                 star_events=None, extent="bulk"):
    """All windows of `dmaps` as an animated heatmap.

    channel: "count" or "background". log: colour by log10(1 + value), colorbar labelled
    in counts. max_frames: more windows than this are subsampled evenly (every k-th, said
    in the title). events / catalog: a DataFrame whose events in the current window are
    drawn over each frame (`events` if given, else `catalog`; sampled to `max_markers`
    per frame). frame_ms: ms per frame. overlays (seisviz.overlays), star_magnitude
    (stars in the windows holding them, from `star_events`, else events/catalog; None: no
    stars), tiles: see seisviz.plots.basemap. windows: (first, stop) indices of the span to
    play. extent: "bulk" frames the bulk of the events (events/catalog/star_events, else
    the maps' pixels), "all" the whole grid (`frame_box`).
    """
    _check(dmaps, channel)
    framed = _frame_events(events, catalog, star_events)
    box = frame_box(dmaps, framed, extent)
    if frame_ms <= 0:
        raise SeisvizError(f"frame duration must be positive, got {frame_ms} ms")
    lo, hi = windows if windows is not None else (0, len(dmaps))
    lo, hi = max(0, int(lo)), min(len(dmaps), int(hi))
    if hi <= lo:
        raise SeisvizError(f"no windows in the span {lo}..{hi}")
    shown, k = frame_indices(hi - lo, max_frames)
    shown = shown + lo
    label = CHANNEL_LABELS.get(channel, channel)
    title = _animation_title(dmaps, label, title, k, len(shown), hi - lo)
    frame_title = _frame_titler(dmaps, title, max_markers)
    source = _event_source(events, catalog)
    big, star_trace = large_events_by_time(
        [f for f in (star_events, events, catalog) if f is not None] or None, star_magnitude)
    enc = _Encoding(dmaps, channel, log)
    frames, first, n_first = _frames(dmaps, dmaps.channel(channel), shown, enc, source, big,
                                     max_markers, frame_title)

    g = dmaps.grid
    heatmap = go.Heatmap(
        **first[0], x=g.lon_centers, y=g.lat_centers, zmin=0, zmax=enc.zmax, zauto=False,
        colorscale=MAP_COLORSCALE, colorbar=_colorbar(dmaps, channel, log),
        hovertemplate=enc.hover(label), name=channel, showlegend=False)
    data = [heatmap]
    if source is not None:
        data.append(_overlay_trace(first[1]["x"], first[1]["y"]))
    if big is not None:
        star_trace.update(x=first[-1]["x"], y=first[-1]["y"], text=first[-1]["text"])
        data.append(star_trace)

    layout = _layout(dmaps, frame_title(shown[0], n_first), height, box)
    _add_controls(layout, dmaps, shown, frame_ms)
    fig = go.Figure(data=data, layout=layout, frames=frames)
    return _dress(fig, box, overlays, tiles, framed)


def _animation_title(dmaps, label, title, k, n_shown, n_windows):
    """The animation's title: the given one, else what the maps count, and which
    windows are shown when not all are."""
    if title is None:
        w_km, h_km = dmaps.grid.pixel_km
        title = (f"{label.capitalize()} per {w_km:.1f} × {h_km:.1f} km pixel, "
                 f"{dmaps.window_days:g}-day windows every {dmaps.step_days:g} d")
    if k > 1:
        title += f" — every {ordinal(k)} window shown ({n_shown:,} of {n_windows:,})"
    return title


def _frame_titler(dmaps, title, max_markers):
    """frame_title(i, n_events): the title of window i's frame."""
    def frame_title(i, n_events=None):
        text = f"{title}<br><sup>window {i + 1:,} of {len(dmaps):,}: {window_label(dmaps, i)}"
        if n_events is not None and n_events > max_markers:
            text += f" · {max_markers:,} of {n_events:,} events drawn"
        return text + "</sup>"

    return frame_title


def _frames(dmaps, values, shown, enc, source, big, max_markers, frame_title):
    """(frames, the first frame's trace dicts, its event count): one frame per shown
    window, each its heatmap values, overlay events and stars, and its title.

    Frames are plain dicts of numpy arrays: plotly validates arrays in bulk and sends
    them as base64 typed arrays."""
    starts = dmaps.window_start.astype(np.int64)
    ends = dmaps.window_end.astype(np.int64)
    frames = []
    first = None
    for i in shown:
        data = [{"type": "heatmap", **enc.trace(values[i])}]
        n_events = None
        if source is not None:
            lon, lat, n_events = _window_events(source, starts[i], ends[i], max_markers, i)
            data.append({"type": "scatter", "x": lon, "y": lat})
        if big is not None:
            data.append(stars_between(big, starts[i], ends[i]))
        if first is None:
            first = data, n_events
        frames.append({"data": data, "traces": list(range(len(data))), "name": str(i),
                       "layout": {"title": {"text": frame_title(i, n_events)}}})
    return frames, first[0], first[1]


def _add_controls(layout, dmaps, shown, frame_ms):
    """Play/pause buttons and the window slider, into `layout`."""
    play = {"frame": {"duration": int(frame_ms), "redraw": True}, "fromcurrent": True,
            "transition": {"duration": 0}, "mode": "immediate"}
    still = {"frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0},
             "mode": "immediate"}
    # buttons on their own row, the slider below them at full width: nothing covers it
    layout["updatemenus"] = [{
        "type": "buttons", "direction": "left", "showactive": False,
        "x": 0.0, "xanchor": "left", "y": -0.1, "yanchor": "top", "pad": {"r": 10, "t": 0},
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [None, play]},
            {"label": "❚❚ Pause", "method": "animate",
             "args": [[None], {**still, "frame": {"duration": 0, "redraw": False}}]},
        ],
    }]
    many = len(shown) > 24
    layout["sliders"] = [{
        "active": 0, "x": 0.0, "len": 1.0, "y": -0.19, "yanchor": "top",
        "pad": {"t": 10, "b": 10, "l": 10, "r": 10},
        "currentvalue": {"prefix": "window starting ", "visible": True, "xanchor": "left",
                         "font": {"size": 13, "color": "#444"}},
        # with many steps every tick label would overlap: show the date above instead
        "font": {"color": "rgba(0,0,0,0)"} if many else {"size": 9},
        "ticklen": 2 if many else 5, "minorticklen": 0,
        "steps": [{"label": _day(dmaps.window_start[i]), "method": "animate",
                   "args": [[str(i)], still]} for i in shown],
    }]
    layout["margin"]["b"] = 190


def single_map(dmaps, index, channel="count", log=True, events=None, catalog=None,
               title=None, max_markers=MAX_MARKERS, height=None, overlays=None,
               star_magnitude=None, tiles=True, star_events=None, extent="bulk"):
    """Window `index` of `dmaps` as a heatmap, on the same colour scale and in the same
    frame as `animated_map` (same arguments)."""
    _check(dmaps, channel)
    framed = _frame_events(events, catalog, star_events)
    box = frame_box(dmaps, framed, extent)
    n = len(dmaps)
    if not -n <= int(index) < n:
        raise SeisvizError(f"window {index} does not exist: there are {n:,} windows")
    i = int(index) % n
    label = CHANNEL_LABELS.get(channel, channel)
    enc = _Encoding(dmaps, channel, log)
    g = dmaps.grid
    data = [go.Heatmap(
        **enc.trace(dmaps.channel(channel)[i]), x=g.lon_centers, y=g.lat_centers, zmin=0,
        zmax=enc.zmax, zauto=False, colorscale=MAP_COLORSCALE,
        colorbar=_colorbar(dmaps, channel, log), hovertemplate=enc.hover(label), name=channel,
        showlegend=False)]
    subtitle = f"window {i + 1:,} of {n:,}: {window_label(dmaps, i)}"
    source = _event_source(events, catalog)
    if source is not None:
        starts = dmaps.window_start.astype(np.int64)
        ends = dmaps.window_end.astype(np.int64)
        lon, lat, n_events = _window_events(source, starts[i], ends[i], max_markers, i)
        data.append(_overlay_trace(lon, lat))
        if n_events > max_markers:
            subtitle += f" · {max_markers:,} of {n_events:,} events drawn"
    big, star_trace = large_events_by_time(
        [f for f in (star_events, events, catalog) if f is not None] or None, star_magnitude)
    if big is not None:
        stars = stars_between(big, int(dmaps.window_start[i].astype(np.int64)),
                       int(dmaps.window_end[i].astype(np.int64)))
        data.append(star_trace.update(x=stars["x"], y=stars["y"], text=stars["text"]))
    if title is None:
        title = f"{label.capitalize()}, {dmaps.window_days:g}-day window"
    fig = go.Figure(data=data, layout=_layout(dmaps, f"{title}<br><sup>{subtitle}</sup>",
                                              height, box))
    return _dress(fig, box, overlays, tiles, framed)


def ordinal(k):
    """1st, 2nd, 3rd, 4th, 11th, 21st…"""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"
