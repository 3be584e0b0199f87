"""Movie S3: the anomalous seismicity of a scan over its whole span, as an animation.

After Zhang & Yang's Movie S3 ("the spatial-temporal migration of anomalous seismicity in
Changning, from 2016 to 2019"). Frame k shows the state at its time T_k:

- the events of every episode up to T_k: inside the episode's polygon, between its
  onset and end, closed interval (`seisviz.subregions.episodes.events_in_episode`), with
  time ≤ T_k; coloured by the days from their episode's onset to the event, one colour
  scale for the whole movie, sized by magnitude; faded once their episode has ended;
- each episode's polygon: not drawn before its onset, lit (red, filled) while
  onset ≤ T_k ≤ end, faded (grey, dashed) after its end;
- a time strip under the map: the scan's periods shaded, a cursor at T_k;
- the basemap, overlays and large events of `seisviz.plots.basemap`.

Frames run from the scan's first window to its last (or the catalog's span) every
`step_days`; by default the smallest whole number of days that keeps the movie to
`MOVIE_FRAMES` frames. The events are sent once, in one trace per frame in which they
appear (one per episode); a frame only switches traces on, off or faded, so the file grows with the events and
frames², not with events × frames. `MoviePlan` holds what the figure and the files of
`seisviz.plots.movie_files` (HTML, GIF, MP4) draw. No streamlit here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sequential

from seisviz.errors import SeisvizError
from seisviz.plots.basemap import add_basemap, large_events_by_time, stars_between
from seisviz.plots.framing import full_box, map_box
from seisviz.settings import FRAME_MS, MAX_MOVIE_FRAMES, MOVIE_FRAMES
from seisviz.timeutil import DAY_NS, to_ns, utc

LIT = {"visible": True, "opacity": 1.0, "line": {"color": "rgb(215,25,28)", "width": 2.5,
                                                 "dash": "solid"},
       "fillcolor": "rgba(215,25,28,0.12)"}
FADED = {"visible": True, "opacity": 0.45, "line": {"color": "rgb(110,110,110)",
                                                    "width": 1.2, "dash": "dot"},
         "fillcolor": "rgba(0,0,0,0)"}
HIDDEN = {"visible": False}
FADED_EVENTS = 0.3  # the opacity of an episode's events after its end
PERIOD_FILL = "rgba(215,25,28,0.25)"
EVENT_COLORSCALE = sequential.Plasma
STRIP_DOMAIN, MAP_DOMAIN = (0.0, 0.07), (0.17, 1.0)


@dataclass
class MoviePlan:
    """What every frame of the movie shows, as arrays (times in UTC ns).

    times: the frames' times T_k; episodes: per episode its id, onset, end, outline
    (xs, ys with None between rings) and label; t, lon, lat, mag, days (from the
    episode's onset), episode (its position in `episodes`): the episodes' events, in time
    order; first_frame: the first frame showing each event (times[first_frame] ≥ t);
    periods: (start, end) to shade; box: the map's frame."""

    times: np.ndarray
    step_days: float
    episodes: list
    t: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    mag: np.ndarray
    days: np.ndarray
    episode: np.ndarray
    first_frame: np.ndarray
    periods: list
    box: tuple

    def state(self, e: int, k: int) -> str:
        """'hidden' before episode e's onset, 'lit' while active, 'faded' after its end."""
        ep, now = self.episodes[e], self.times[k]
        return "hidden" if now < ep["onset"] else "lit" if now <= ep["end"] else "faded"

    def shown(self, k: int) -> np.ndarray:
        """Which events frame k shows (those with t ≤ T_k)."""
        return self.first_frame <= k

    @property
    def days_max(self) -> float:
        return max(float(self.days.max()) if len(self.days) else 0.0, 1.0)


def frame_times(start_ns: int, end_ns: int, step_days: float | None = None) -> tuple:
    """(frame times in ns from start to end, the step in days): every `step_days` from
    `start`, the last frame at `end`; step None: the smallest whole number of days giving
    at most MOVIE_FRAMES frames. More than MAX_MOVIE_FRAMES: a SeisvizError."""
    span_days = max((end_ns - start_ns) / DAY_NS, 0.0)
    if step_days is None:
        step_days = float(max(1, math.ceil(span_days / max(MOVIE_FRAMES - 1, 1))))
    try:
        step_days = float(step_days)
    except (TypeError, ValueError):
        raise SeisvizError(f"the step must be a number of days, not {step_days!r}") from None
    if not step_days > 0 or not math.isfinite(step_days):
        raise SeisvizError(f"the step must be a positive number of days, got {step_days:g}")
    n = math.ceil(span_days / step_days) + 1
    if n > MAX_MOVIE_FRAMES:
        least = span_days / (MAX_MOVIE_FRAMES - 1)
        raise SeisvizError(f"a step of {step_days:g} days makes {n:,} frames, more than "
                           f"{MAX_MOVIE_FRAMES:,}: choose a step of at least "
                           f"{math.ceil(least * 100) / 100:g} days")
    step_ns = int(round(step_days * DAY_NS))
    times = start_ns + step_ns * np.arange(n, dtype=np.int64)
    times[-1] = max(end_ns, start_ns)
    return np.minimum(times, times[-1]), step_days


def _episodes_of(result_or_episodes: Any) -> tuple:
    """(episodes table, periods table or None, (start, end) of the scan's windows or None)."""
    episodes = getattr(result_or_episodes, "episodes", result_or_episodes)
    if episodes is None or not hasattr(episodes, "columns"):
        raise SeisvizError("there are no episodes to animate: run a detection first")
    if len(episodes) == 0:
        raise SeisvizError("the scan found no anomalous seismicity (no episodes): "
                           "there is nothing to animate")
    missing = {"end", "geometry"} - set(episodes.columns)
    if missing or not ({"onset", "start"} & set(episodes.columns)):
        raise SeisvizError("the episodes table lacks column(s) "
                           f"{', '.join(sorted(missing) or ['onset'])}")
    periods = getattr(result_or_episodes, "periods", None)
    windows = getattr(result_or_episodes, "windows", None)
    span = None
    if windows is not None and len(windows):
        span = (int(to_ns(windows["window_start"]).min()), int(to_ns(windows["window_end"]).max()))
    return episodes, periods, span


def _outline(geom: Any) -> tuple[list, list]:
    """The rings of a polygon or multipolygon as x, y lists with None between them."""
    xs, ys = [], []
    if geom is None or geom.is_empty:
        return xs, ys
    for poly in getattr(geom, "geoms", [geom]):
        for ring in [poly.exterior, *poly.interiors]:
            x, y = ring.xy
            xs += [*x, None]
            ys += [*y, None]
    return xs, ys


def movie_plan(result_or_episodes: Any, catalog: pd.DataFrame, step_days: float | None = None,
               extent: str = "bulk") -> MoviePlan:
    """The frames, episodes and events of the movie (see the module docstring).

    result_or_episodes: a ScanResult (its episodes, periods and windows' span; the catalog
    is cut to its min magnitude) or an episodes table (`seisviz.tables.EPISODES`; the span
    is the catalog's). extent: "bulk" frames the bulk of the catalog, "all" all of it;
    either is grown to hold every polygon."""
    from seisviz.subregions.condensed import scanned_catalog
    from seisviz.subregions.episodes import events_in_episode

    episodes, periods, span = _episodes_of(result_or_episodes)
    if not hasattr(result_or_episodes, "columns"):
        catalog = scanned_catalog(catalog, result_or_episodes)
    onset_col = "onset" if "onset" in episodes.columns else "start"
    ct = to_ns(catalog["time"]) if len(catalog) else np.array([], np.int64)
    eps, parts = [], []
    for row in episodes.sort_values(onset_col, kind="stable").itertuples(index=False):
        onset, end = int(to_ns(utc(getattr(row, onset_col)))), int(to_ns(utc(row.end)))
        sel = events_in_episode(catalog, row.geometry, onset, end)
        xs, ys = _outline(row.geometry)
        eid = getattr(row, "episode_id", len(eps) + 1)
        eps.append({"id": eid, "onset": onset, "end": end, "xs": xs, "ys": ys,
                    "n_events": int(len(sel)),
                    "label": f"episode {eid}: {_day(onset)} – {_day(end)}, {len(sel):,} events"})
        parts.append((sel, np.full(len(sel), len(eps) - 1), (ct[sel] - onset) / DAY_NS))
    sel = np.concatenate([p[0] for p in parts])
    order = np.argsort(ct[sel], kind="stable")
    sel = sel[order]
    episode = np.concatenate([p[1] for p in parts])[order].astype(np.int64)
    days = np.concatenate([p[2] for p in parts])[order]
    t = ct[sel]
    lon = catalog["longitude"].to_numpy(np.float64)
    lat = catalog["latitude"].to_numpy(np.float64)
    if span:
        start, end = span
    elif len(ct):
        start, end = int(ct.min()), int(ct.max())
    else:
        start = end = eps[0]["onset"]
    start = min(start, min(e["onset"] for e in eps))
    end = max(end, max(e["end"] for e in eps))
    start -= start % DAY_NS  # frames on whole UTC days from the first one
    times, step = frame_times(start, end, step_days)
    return MoviePlan(times=times, step_days=step, episodes=eps, t=t,
                     lon=lon[sel], lat=lat[sel],
                     mag=catalog["magnitude"].to_numpy(np.float64)[sel], days=days,
                     episode=episode, first_frame=np.searchsorted(times, t, side="left"),
                     periods=_periods(periods, eps), box=_box(catalog, eps, extent))


def _periods(periods: Any, eps: list) -> list:
    """(start, end) ns of the periods to shade: the scan's, else each episode's span."""
    if periods is not None and len(periods) and {"start", "end"} <= set(periods.columns):
        return [(int(s), int(e)) for s, e in zip(to_ns(periods["start"]), to_ns(periods["end"]))]
    return [(e["onset"], e["end"]) for e in eps]


def _box(catalog: pd.DataFrame, eps: list, extent: str) -> tuple:
    """The catalog's frame ("bulk" or "all") grown to hold every polygon."""
    xs = np.array([x for e in eps for x in e["xs"] if x is not None], float)
    ys = np.array([y for e in eps for y in e["ys"] if y is not None], float)
    if len(catalog):
        box = map_box(catalog["longitude"].to_numpy(float), catalog["latitude"].to_numpy(float),
                      extent)
    else:
        box = full_box(xs, ys)
    if len(xs):
        box = (min(box[0], xs.min()), max(box[1], xs.max()),
               min(box[2], ys.min()), max(box[3], ys.max()))
    return tuple(float(v) for v in box)


def _day(ns: int) -> str:
    return f"{utc(int(ns)):%Y-%m-%d}"


def _iso(ns: Any) -> Any:
    return np.datetime_as_string(np.asarray(ns, dtype="datetime64[ns]"), unit="s")


def marker_sizes(mag: np.ndarray) -> np.ndarray:
    """Marker sizes (px) by magnitude: 4 px at the smallest, +2 px per unit, at most 16."""
    if len(mag) == 0:
        return np.array([], np.float32)
    m = np.nan_to_num(mag, nan=np.nanmin(mag) if np.isfinite(mag).any() else 0.0)
    return np.clip(4 + 2.0 * (m - m.min()), 4, 16).astype(np.float32)


# ------------------------------------------------------------------ the figure

def anomaly_movie(result_or_episodes: Any, catalog: pd.DataFrame,
                  step_days: float | None = None, overlays: Any = None, tiles: bool = False,
                  star_magnitude: float | None = None, extent: str = "bulk",
                  frame_ms: int = FRAME_MS, title: str | None = None,
                  height: int = 760) -> go.Figure:
    """Movie S3 as a plotly figure with play/pause and a date slider (see the module
    docstring). result_or_episodes: a ScanResult or an episodes table; catalog: the
    catalog it scanned; step_days: days between frames (None: the default of
    `frame_times`); overlays, tiles, star_magnitude: see seisviz.plots.basemap (tiles
    off by default: the movie is a file that must work offline); extent: "bulk"/"all"."""
    if frame_ms <= 0:
        raise SeisvizError(f"frame duration must be positive, got {frame_ms} ms")
    plan = movie_plan(result_or_episodes, catalog, step_days, extent)
    title = title or "Anomalous seismicity: its episodes over the scan's span"
    fig = go.Figure(layout=_layout(plan, height))
    add_basemap(fig, plan.box, tiles=tiles, overlays=overlays, events=(plan.lon, plan.lat))
    fig.update_layout(meta={"box": list(plan.box), "step_days": plan.step_days})
    # the basemap's graticule went onto every axis: the time strip keeps its own
    fig.layout.xaxis2.update(tickvals=None, ticktext=None, showgrid=False,
                             title={"text": None})
    fig.layout.yaxis2.update(tickvals=None, ticktext=None, showgrid=False,
                             title={"text": "periods", "font": {"size": 10}})
    n0 = len(fig.data)
    for e, ep in enumerate(plan.episodes):
        fig.add_trace(go.Scatter(x=ep["xs"] or [None], y=ep["ys"] or [None], mode="lines",
                                 fill="toself", hoveron="fills+points", text=ep["label"],
                                 hovertemplate="%{text}<extra></extra>", showlegend=False,
                                 name=f"episode {ep['id']}", meta={"episode": e},
                                 **_style(plan.state(e, 0))))
    n_ep = len(plan.episodes)
    key = plan.first_frame * n_ep + plan.episode  # one trace per (first frame, episode)
    chunks = [(int(c) // n_ep, int(c) % n_ep) for c in np.unique(key)]
    sizes = marker_sizes(plan.mag)
    for j, e in chunks:
        sel = (plan.first_frame == j) & (plan.episode == e)
        fig.add_trace(_event_trace(plan, sel, sizes, j, _events_style(plan, j, e, 0)))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", showlegend=False,
                             hoverinfo="skip", name="colour scale",
                             marker=_event_marker(np.array([0.0]), plan.days_max, True)))
    fig.add_trace(go.Scatter(x=[_iso(plan.times[0])] * 2, y=[0, 1], xaxis="x2", yaxis="y2",
                             mode="lines", line={"color": "black", "width": 2},
                             hoverinfo="skip", showlegend=False, name="now"))
    big, star_trace = large_events_by_time(catalog, star_magnitude)
    if big is not None:
        fig.add_trace(star_trace.update(**_stars(big, plan, 0)))
    frames = []
    for k in range(len(plan.times)):
        data = [_style(plan.state(e, k)) for e in range(len(plan.episodes))]
        data += [_events_style(plan, j, e, k) for j, e in chunks]
        data += [{}, {"x": [_iso(plan.times[k])] * 2, "y": [0, 1]}]
        if big is not None:
            data.append(_stars(big, plan, k))
        frames.append({"name": str(k), "data": data,
                       "traces": list(range(n0, n0 + len(data))),
                       "layout": {"title": {"text": _frame_title(plan, k, title)}}})
    fig.update(frames=frames)
    fig.update_layout(title={"text": _frame_title(plan, 0, title)})
    _controls(fig, plan, frame_ms)
    return fig


def _events_style(plan: MoviePlan, j: int, e: int, k: int) -> dict:
    """Frame k's look of the events of episode e first shown in frame j: hidden before
    j, full while the episode is active, faded after its end."""
    if j > k:
        return {"visible": False}
    return {"visible": True, "opacity": 1.0 if plan.state(e, k) == "lit" else FADED_EVENTS}


def _style(state: str) -> dict:
    return {"lit": LIT, "faded": FADED}.get(state, HIDDEN)


def _event_marker(days: np.ndarray, days_max: float, scale: bool, sizes: Any = 6) -> dict:
    marker = {"color": days, "cmin": 0.0, "cmax": days_max, "colorscale": EVENT_COLORSCALE,
              "size": sizes, "line": {"width": 0.3, "color": "rgba(0,0,0,0.6)"}}
    if scale:
        marker.update(showscale=True, colorbar={
            "title": {"text": "days since the episode's onset", "side": "right"},
            "len": 0.75, "y": 0.6})
    return marker


def _event_trace(plan: MoviePlan, sel: np.ndarray, sizes: np.ndarray, k: int,
                 style: dict) -> go.Scatter:
    """The events `sel` first shown in frame k: one trace, switched on from frame k."""
    ids = np.array([plan.episodes[e]["id"] for e in plan.episode[sel]])
    custom = np.stack([ids, np.round(plan.days[sel], 2), plan.mag[sel]], axis=1)
    return go.Scatter(
        x=plan.lon[sel].astype(np.float32), y=plan.lat[sel].astype(np.float32),
        mode="markers", showlegend=False, name=f"events of frame {k}", **style,
        marker=_event_marker(plan.days[sel].astype(np.float32), plan.days_max, False,
                             sizes[sel]),
        customdata=custom, meta={"first_frame": k},
        hovertemplate=("episode %{customdata[0]:.0f}<br>%{customdata[1]:.1f} days after "
                       "its onset<br>M %{customdata[2]:.1f}<extra></extra>"))


def _stars(big: tuple, plan: MoviePlan, k: int) -> dict:
    """The large events up to frame k's time (closed: t ≤ T_k)."""
    data = stars_between(big, np.iinfo(np.int64).min, int(plan.times[k]) + 1)
    return {"x": data["x"], "y": data["y"], "text": data["text"]}


def _frame_title(plan: MoviePlan, k: int, title: str) -> str:
    active = sum(plan.state(e, k) == "lit" for e in range(len(plan.episodes)))
    n = int(np.count_nonzero(plan.shown(k)))
    return (f"{title}<br><sup>{utc(int(plan.times[k])):%Y-%m-%d %H:%M} UTC · {active} "
            f"active episode{'' if active == 1 else 's'} · {n:,} anomalous events so far · "
            f"frames every {plan.step_days:g} d</sup>")


def _layout(plan: MoviePlan, height: int) -> dict:
    box = plan.box
    mid = math.radians((box[2] + box[3]) / 2)
    shapes = [{"type": "rect", "xref": "x2", "yref": "y2", "x0": _iso(s), "x1": _iso(e),
               "y0": 0, "y1": 1, "fillcolor": PERIOD_FILL, "line": {"width": 0},
               "layer": "below", "name": "period"} for s, e in plan.periods]
    return {
        "height": height, "plot_bgcolor": "white", "showlegend": True,
        "margin": {"l": 70, "r": 20, "t": 70, "b": 150},
        "xaxis": {"range": [box[0], box[1]], "constrain": "domain", "zeroline": False,
                  "anchor": "y"},
        "yaxis": {"range": [box[2], box[3]], "scaleanchor": "x", "domain": MAP_DOMAIN,
                  "scaleratio": 1 / max(math.cos(mid), 0.05), "constrain": "domain",
                  "zeroline": False, "anchor": "x"},
        "xaxis2": {"type": "date", "anchor": "y2", "domain": [0, 1],
                   "range": [_iso(plan.times[0]), _iso(plan.times[-1])], "showgrid": False},
        "yaxis2": {"domain": STRIP_DOMAIN, "range": [0, 1], "fixedrange": True,
                   "showticklabels": False, "showgrid": False, "zeroline": False,
                   "title": {"text": "periods", "font": {"size": 10}}},
        "shapes": shapes,
        "legend": {"x": 0.01, "y": 0.99, "yanchor": "top", "xanchor": "left",
                   "bgcolor": "rgba(255,255,255,0.75)", "font": {"size": 11}},
    }


def _controls(fig: go.Figure, plan: MoviePlan, frame_ms: int) -> None:
    """Play/pause and a date slider under the time strip."""
    play = {"frame": {"duration": int(frame_ms), "redraw": True}, "fromcurrent": True,
            "transition": {"duration": 0}, "mode": "immediate"}
    still = {"frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0},
             "mode": "immediate"}
    many = len(plan.times) > 24
    fig.update_layout(
        updatemenus=[{"type": "buttons", "direction": "left", "showactive": False,
                      "x": 0.0, "xanchor": "left", "y": -0.06, "yanchor": "top",
                      "buttons": [
                          {"label": "▶ Play", "method": "animate", "args": [None, play]},
                          {"label": "❚❚ Pause", "method": "animate",
                           "args": [[None], {**still, "frame": {"duration": 0,
                                                                "redraw": False}}]}]}],
        sliders=[{"active": 0, "x": 0.0, "len": 1.0, "y": -0.12, "yanchor": "top",
                  "currentvalue": {"prefix": "", "visible": True, "xanchor": "left",
                                   "font": {"size": 13, "color": "#444"}},
                  "font": {"color": "rgba(0,0,0,0)"} if many else {"size": 9},
                  "ticklen": 2 if many else 5, "minorticklen": 0,
                  "steps": [{"label": _day(t), "method": "animate",
                             "args": [[str(k)], still]} for k, t in enumerate(plan.times)]}])
