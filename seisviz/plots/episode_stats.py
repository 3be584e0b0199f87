"""What an episode is, in four figures and a few numbers (docs/subregions.md).

For one episode (a row of the episodes table: polygon, start = onset, end) and its own
events (`seisviz.subregions.events_in_episode`):

- `distance_time_figure`: each event's distance from the source (the centroid of the first
  events, as `seisviz.stats.diffusion` takes it) against time since the first event, with
  the fitted front r = sqrt(4 pi D t) when the episode has a diffusivity D;
- `fmd_figure`: the frequency-magnitude distribution, cumulative and non-cumulative, with
  Mc and the Gutenberg-Richter line of the episode's b-value above it;
- `depth_time_figure`: depth against time;
- `cross_section_figure`: depth against distance along the long axis of the epicentres
  (their principal axis).

The statistics come from the episodes table's columns (`seisviz.tables.EPISODE_STATS`)
when it has them, else from `seisviz.stats.characterise_episode` of the same events.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from seisviz.maps import KM_PER_DEGREE
from seisviz.stats.diffusion import distance_time
from seisviz.stats.episode import EPISODE_STAT_COLUMNS, characterise_episode
from seisviz.stats.geometry import seconds_since
from seisviz.stats.magnitudes import binned, magnitude_resolution
from seisviz.subregions.episodes import events_in_episode

FIGURE_HEIGHT = 380
DAY_S = 86400.0
MARGIN = {"l": 60, "r": 20, "t": 50, "b": 50}
EVENT_COLOUR = "#1f77b4"
FIT_COLOUR = "#d62728"


def episode_events(catalog: pd.DataFrame, episode: Any) -> pd.DataFrame:
    """The episode's own events (inside its polygon, start to end, both included), in
    time order."""
    geom = getattr(episode, "geometry", None)
    idx = events_in_episode(catalog, geom, episode["start"], episode["end"])
    return catalog.iloc[idx].sort_values("time", kind="stable").reset_index(drop=True)


def episode_statistics(events: pd.DataFrame, episode: Any = None) -> dict[str, Any]:
    """The episode's EPISODE_STAT_COLUMNS: the row's own when it has them all, else
    `characterise_episode(events)`. kind is None where the table holds an empty string."""
    if episode is not None and all(c in episode for c in EPISODE_STAT_COLUMNS):
        stats = {c: episode[c] for c in EPISODE_STAT_COLUMNS}
    else:
        stats = characterise_episode(events)
    kind = stats.get("kind")
    stats["kind"] = kind if isinstance(kind, str) and kind else None
    return stats


def _num(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return v


def episode_metrics(stats: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """[(label, value, short detail, help)] of the Subregions page's metrics: kind,
    b ± err (Mc), Omori p (c, K), D, median depth; "–" where the episode has too few
    events (the minimum counts are in the help)."""
    def fmt(v, spec, unit=""):
        v = _num(v)
        return f"{v:{spec}}{unit}" if np.isfinite(v) else "–"

    b, p = _num(stats.get("b_value")), _num(stats.get("omori_p"))
    return [
        ("Kind", stats.get("kind") or "–", "",
         "aftershocks, injection or swarm (docs/statistics.md); 5 events at least"),
        ("b-value", f"{b:.2f} ± {fmt(stats.get('b_value_err'), '.2f')}" if np.isfinite(b)
         else "–", f"Mc {fmt(stats.get('mc'), '.1f')}",
         "Aki-Utsu above Mc (maximum curvature + 0.2); Mc needs 20 events, b 50 above Mc"),
        ("Omori p", fmt(p, ".2f"), f"c {fmt(stats.get('omori_c'), '.2g')} d · "
         f"K {fmt(stats.get('omori_k'), '.3g')}/d" if np.isfinite(p) else "",
         "K / (t + c)^p events a day after the largest event, when it leads the episode and "
         "30 events follow it"),
        ("Diffusivity", fmt(stats.get("diffusivity_m2s"), ".3g", " m²/s"), "",
         "D of the front r = √(4πDt) holding 95 % of the events, when they migrate away "
         "from the first ones (10 events at least)"),
        ("Median depth", fmt(stats.get("depth_median_km"), ".1f", " km"), "",
         "of the events with a depth"),
    ]


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01, "font": {"size": 15}}, height=height,
                      margin=MARGIN, template="plotly_white", showlegend=True,
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0,
                              "xanchor": "right", "x": 1.0, "font": {"size": 11}})
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)
    return fig


def _sizes(mags: np.ndarray) -> np.ndarray:
    if len(mags) == 0:
        return mags
    return np.clip(3.0 + 2.0 * (mags - np.nanmin(mags)), 3.0, 18.0)


def distance_time_figure(events: pd.DataFrame, stats: dict[str, Any],
                         height: int = FIGURE_HEIGHT) -> go.Figure:
    """Distance from the source (km) against days since the first event, with the front
    r = sqrt(4 pi D t) of the episode's diffusivity D when it has one."""
    fig = go.Figure()
    r_m, t_s = distance_time(events) if len(events) else (np.array([]), np.array([]))
    fig.add_trace(go.Scattergl(x=t_s / DAY_S, y=r_m / 1000.0, mode="markers", name="events",
                               marker={"size": 4, "color": EVENT_COLOUR, "opacity": 0.6}))
    d = _num(stats.get("diffusivity_m2s"))
    if np.isfinite(d) and len(t_s):
        t = np.linspace(0.0, float(np.max(t_s)), 200)
        fig.add_trace(go.Scatter(x=t / DAY_S, y=np.sqrt(4 * np.pi * d * t) / 1000.0,
                                 mode="lines", name=f"r = √(4πDt), D = {d:.3g} m²/s",
                                 line={"color": FIT_COLOUR, "width": 2}))
    return _layout(fig, "Distance–time", "days since the first event",
                   "distance from the source (km)", height)


def fmd_figure(events: pd.DataFrame, stats: dict[str, Any],
               height: int = FIGURE_HEIGHT) -> go.Figure:
    """Events per magnitude bin (non-cumulative) and at or above each magnitude
    (cumulative), log scale, with Mc and the line N(≥M) = N(≥Mc) 10^(-b (M - Mc))."""
    fig = go.Figure()
    mags = events["magnitude"].to_numpy(np.float64) if len(events) else np.array([])
    mags = mags[np.isfinite(mags)]
    if len(mags):
        dm = magnitude_resolution(mags) or 0.1
        m = binned(mags, dm)
        bins, counts = np.unique(m, return_counts=True)
        cum = np.cumsum(counts[::-1])[::-1]
        fig.add_trace(go.Scatter(x=bins, y=counts, mode="markers", name="per bin",
                                 marker={"symbol": "triangle-up", "size": 6,
                                         "color": "#7f7f7f"}))
        fig.add_trace(go.Scatter(x=bins, y=cum, mode="markers", name="cumulative",
                                 marker={"size": 6, "color": EVENT_COLOUR}))
        mc, b = _num(stats.get("mc")), _num(stats.get("b_value"))
        if np.isfinite(mc) and np.isfinite(b):
            n_mc = float(np.sum(m >= mc - dm / 2))
            top = mc + np.log10(max(n_mc, 1.0)) / b if b > 0 else float(bins.max())
            x = np.array([mc, max(mc, min(float(bins.max()), top))])  # down to N = 1
            fig.add_trace(go.Scatter(x=x, y=n_mc * 10 ** (-b * (x - mc)), mode="lines",
                                     name=f"b = {b:.2f}", line={"color": FIT_COLOUR,
                                                                "width": 2}))
        if np.isfinite(mc):
            fig.add_vline(x=mc, line={"color": "#2ca02c", "dash": "dash"},
                          annotation_text=f"Mc {mc:.1f}", annotation_position="top right")
    fig.update_yaxes(type="log", dtick=1)
    return _layout(fig, "Frequency–magnitude", "magnitude", "number of events", height)


def depth_time_figure(events: pd.DataFrame, height: int = FIGURE_HEIGHT) -> go.Figure:
    """Depth (km, down) against time, sized by magnitude."""
    fig = go.Figure()
    if len(events):
        fig.add_trace(go.Scattergl(
            x=events["time"], y=events["depth"], mode="markers", name="events",
            marker={"size": _sizes(events["magnitude"].to_numpy(np.float64)),
                    "color": EVENT_COLOUR, "opacity": 0.6}))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "Depth–time", "time (UTC)", "depth (km)", height)


def long_axis_km(events: pd.DataFrame) -> tuple[np.ndarray, float]:
    """(distance of each event along the principal axis of the epicentres, km, from their
    centroid; the axis' azimuth in degrees east of north, 0-180)."""
    if len(events) == 0:
        return np.array([]), float("nan")
    lon = events["longitude"].to_numpy(np.float64)
    lat = events["latitude"].to_numpy(np.float64)
    lat0 = float(np.mean(lat))
    xy = np.column_stack([(lon - lon.mean()) * KM_PER_DEGREE * np.cos(np.radians(lat0)),
                          (lat - lat0) * KM_PER_DEGREE])
    if len(xy) < 2 or not np.any(xy):
        return np.zeros(len(xy)), float("nan")
    _, _, vt = np.linalg.svd(xy, full_matrices=False)
    axis = vt[0] if vt[0][1] >= 0 else -vt[0]
    azimuth = float(np.degrees(np.arctan2(axis[0], axis[1])) % 180.0)
    return xy @ axis, azimuth


def cross_section_figure(events: pd.DataFrame, height: int = FIGURE_HEIGHT) -> go.Figure:
    """Depth (km, down) against distance along the long axis of the epicentres, coloured
    by days since the first event."""
    fig = go.Figure()
    along, azimuth = long_axis_km(events)
    if len(events):
        days = seconds_since(events["time"]) / DAY_S
        fig.add_trace(go.Scattergl(
            x=along, y=events["depth"], mode="markers", name="events",
            marker={"size": _sizes(events["magnitude"].to_numpy(np.float64)), "color": days,
                    "colorscale": "Viridis", "opacity": 0.7,
                    "colorbar": {"title": {"text": "days", "side": "right"},
                                 "thickness": 12}}))
    fig.update_yaxes(autorange="reversed")
    title = "Cross-section" + (f" along N{azimuth:.0f}°E" if np.isfinite(azimuth) else "")
    fig = _layout(fig, title, "distance along the long axis (km)", "depth (km)", height)
    fig.update_layout(showlegend=False)
    return fig


def episode_stats_figures(catalog: pd.DataFrame, episode: Any, height: int = FIGURE_HEIGHT,
                          events: pd.DataFrame | None = None,
                          stats: dict[str, Any] | None = None) -> dict[str, go.Figure]:
    """The four figures of one episode, by name: distance_time, fmd, depth_time,
    cross_section. `events` and `stats`, when already at hand (`episode_events`,
    `episode_statistics`), save finding them again."""
    events = episode_events(catalog, episode) if events is None else events
    stats = episode_statistics(events, episode) if stats is None else stats
    return {"distance_time": distance_time_figure(events, stats, height),
            "fmd": fmd_figure(events, stats, height),
            "depth_time": depth_time_figure(events, height),
            "cross_section": cross_section_figure(events, height)}
