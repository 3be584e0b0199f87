"""The paper's Figures S4/S5 for one subregion and period: map above, time series below.

(a) the seismicity map of the subregion during the period [start, end] (closed, as the
episodes table counts), events coloured by date (a colour bar of dates) and sized by
magnitude, over the subregion's outline and a little of the area around it, on a basemap
(seisviz.plots.basemap); beneath it, the events inside the subregion from
`margin_days` before the period to `margin_days` after it: (b) magnitudes as stems against
time and (c) daily event counts as bars, on one time axis, with the period shaded.

`panel_data` returns exactly what the panels show, as plain data; `subregion_figure`
draws it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seisviz.plots.catalog import _marker_size, thin_events
from seisviz.maps import KM_PER_DEGREE
from seisviz.timeutil import to_ns
from seisviz.timeutil import utc

DAY = pd.Timedelta(days=1)
MAX_MAP_POINTS = 20_000
PERIOD_FILL = "rgba(255, 165, 0, 0.18)"


def daily_counts(events, start, end):
    """Events per UTC calendar day, for every day from the day of `start` to the day that
    holds the last instant before `end` (days with no events count 0).

    Returns a DataFrame with columns ``day`` (UTC midnight) and ``count`` (int64)."""
    start, end = utc(start), utc(end)
    first = start.floor("D")
    last = (end - pd.Timedelta(1, "ns")).floor("D") if end > start else first
    days = pd.date_range(first, last, freq="D")
    t = to_ns(events["time"]) if len(events) else np.array([], np.int64)
    day = (t - first.value) // DAY.value  # half-open days: midnight starts the new day
    day = day[(day >= 0) & (day < len(days))]
    counts = np.bincount(day, minlength=len(days)).astype(np.int64)
    return pd.DataFrame({"day": days, "count": counts})


def _geometry(subregion):
    return subregion.geometry if hasattr(subregion, "geometry") and \
        not hasattr(subregion, "geom_type") else subregion


def view_box(geom, surround_km=5.0):
    """(min_lon, max_lon, min_lat, max_lat): the polygon's bounds grown by `surround_km`."""
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    lat0 = (min_lat + max_lat) / 2
    dlat = surround_km / KM_PER_DEGREE
    dlon = surround_km / (KM_PER_DEGREE * max(np.cos(np.radians(lat0)), 0.05))
    return (min_lon - dlon, max_lon + dlon, min_lat - dlat, max_lat + dlat)


def panel_data(catalog, subregion, start=None, end=None, margin_days=30.0, surround_km=5.0,
               extent="bulk"):
    """What the two panels show.

    `subregion`: a row of the episodes table or of `find_subregions` (with geometry,
    start, end) or a shapely polygon (then give start and end). The period is closed,
    [start, end], as every count of an episode's events
    (`seisviz.subregions.episodes.in_episode`): its end is the time of its last event;
    a `find_subregions` row (no onset column: a raw period) is its windows' span, [start,
    end), as that table counts its events.
    Returns a dict:
    - ``map_events``: events in the period inside the view box, with ``days`` since
      start; the view box is the subregion's bounds grown by `surround_km` (extent
      "bulk"), or that box grown to hold every event of the period (extent "all");
    - ``series_events``: events inside the subregion polygon from start - margin to
      end + margin (the margin's end excluded, the period's end never), in time order;
    - ``daily``: `daily_counts` of the series events over that span;
    - ``n_events``: how many events lie inside the polygon in the period
      (`seisviz.subregions.episodes.events_in_episode`, as the table counts them);
    - ``box``, ``start``, ``end``, ``t0``, ``t1`` (the series span), ``geometry``."""
    import shapely

    from seisviz.plots.framing import check_extent, full_box
    from seisviz.subregions.episodes import events_in_episode, in_episode

    check_extent(extent)
    geom = _geometry(subregion)
    if start is None:
        start = subregion["start"]
    if end is None:
        end = subregion["end"]
    start, end = utc(start), utc(end)
    margin = pd.Timedelta(days=float(margin_days))
    t0, t1 = start - margin, end + margin
    box = view_box(geom, surround_km)
    t = to_ns(catalog["time"])
    lon = catalog["longitude"].to_numpy(np.float64)
    lat = catalog["latitude"].to_numpy(np.float64)
    closed = _closed(subregion)
    in_period = in_episode(t, start, end, closed)
    if extent == "all" and in_period.any():
        every = full_box(lon[in_period], lat[in_period], pad=0.02, min_size=0.0)
        box = (min(box[0], every[0]), max(box[1], every[1]), min(box[2], every[2]),
               max(box[3], every[3]))
    in_box = (lon >= box[0]) & (lon <= box[1]) & (lat >= box[2]) & (lat <= box[3])
    map_events = catalog[in_period & in_box].copy()
    map_events["days"] = (to_ns(map_events["time"]) - start.value) / 86_400e9
    # the margin's end is excluded, the period's own end never (a margin of 0 days)
    span_end = max(t1, end + pd.Timedelta(1, "ns")) if closed else t1
    in_span = np.flatnonzero((t >= t0.value) & (t < span_end.value))
    inside = in_span[shapely.intersects_xy(geom, lon[in_span], lat[in_span])]
    inside = inside[np.argsort(t[inside], kind="stable")]
    series_events = catalog.iloc[inside]
    return {"map_events": map_events, "series_events": series_events,
            "daily": daily_counts(series_events, t0, span_end), "box": box, "start": start,
            "end": end, "t0": t0, "t1": t1, "geometry": geom,
            "n_events": len(events_in_episode(catalog, geom, start, end, closed))}


def _closed(subregion):
    """Whether the period is [start, end] (an episode, or a polygon with its times) or
    [start, end) (a subregion of a raw period, its windows' span: `find_subregions`)."""
    index = getattr(subregion, "index", None)
    if index is None or not hasattr(subregion, "get"):
        return True
    return "onset" in index or "start" not in index


def _outline(geom):
    """x, y of every ring of a (multi)polygon, rings separated by None."""
    xs, ys = [], []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            x, y = ring.xy
            xs.extend(list(x) + [None])
            ys.extend(list(y) + [None])
    return xs, ys


PANEL_TITLES = ("(a) seismicity during the period", "(b) magnitudes",
                "(c) events per day")


def _panel_label(fig, text, xref, yref):
    """A panel's letter and title above its frame, left-aligned, in its own band."""
    fig.add_annotation(text=f"<b>{text[:3]}</b>{text[3:]}", xref=f"{xref} domain",
                       yref=f"{yref} domain", x=0, y=1, xanchor="left", yanchor="bottom",
                       yshift=4, showarrow=False, font=dict(size=13), name="panel title")


def subregion_figure(catalog, subregion, start=None, end=None, margin_days=30.0,
                     surround_km=5.0, title=None, height=900, overlays=None,
                     star_magnitude=None, tiles=True, extent="bulk"):
    """One figure, three rows lettered as in the paper's Figures S4/S5: (a) map of the
    subregion during the period (on a basemap with `overlays`, stars at M ≥
    `star_magnitude`, None: no stars; a colour bar of dates; `extent` "bulk" frames the
    subregion and `surround_km` around it, "all" every event of the period), (b)
    magnitudes and (c) daily counts from `margin_days` before to `margin_days` after it,
    on one time axis. The title's event count is the episodes table's n_events
    (`panel_data`'s ``n_events``).

    Map markers carry the catalog index of each event in ``customdata`` (the events
    trace is named "events"; the stems "magnitude"; the bars "events per day")."""
    d = panel_data(catalog, subregion, start, end, margin_days, surround_km, extent)
    if title is None:
        title = _title(subregion, d)
    # Spacing leaves each panel's title its own band above its frame, clear of the tick
    # labels of the panel above (the time axis of (b) is shared with (c) and unlabelled).
    fig = make_subplots(rows=3, cols=1, row_heights=[0.58, 0.2, 0.22], vertical_spacing=0.07,
                        shared_xaxes=False)
    note = _map_panel(fig, d, overlays, star_magnitude, tiles)
    _magnitude_panel(fig, d["series_events"], star_magnitude)
    _daily_panel(fig, d, margin_days)
    sub = f"<br><sup>{note}</sup>" if note else ""
    fig.update_layout(title=dict(text=title + sub), height=height,
                      plot_bgcolor="white", margin=dict(l=75, r=30, t=95, b=55), bargap=0,
                      showlegend=bool(overlays) or star_magnitude is not None,
                      legend=dict(orientation="h", x=0, y=-0.07, yanchor="top"))
    return fig


def _title(subregion, d):
    """'Period 3 · subregion 1', the period's span and how many events lie inside."""
    start, end = d["start"], d["end"]
    n_in = d["n_events"]
    fmt = "%Y-%m-%d" if start == start.floor("D") and end == end.floor("D") \
        else "%Y-%m-%d %H:%M"
    label = "Subregion"
    if hasattr(subregion, "get") and subregion.get("period_id") is not None:
        label = f"Period {int(subregion['period_id'])} · subregion " \
                f"{int(subregion['subregion_id'])}"
    return (f"{label}<br><sup>{start.strftime(fmt)} – {end.strftime(fmt)} UTC, "
            f"{n_in:,} events inside</sup>")


def _map_panel(fig, d, overlays, star_magnitude, tiles):
    """(a): the period's events around the subregion's outline, on the basemap, in row 1.
    -> the note on thinned events ("" when all are drawn)."""
    from seisviz.plots.basemap import add_basemap, large_event_trace, lonlat_text
    from seisviz.plots.framing import date_colorbar

    start, end = d["start"], d["end"]
    tickvals, ticktext = date_colorbar([start, end], n=5, unit="days", origin=start)
    ev, note = thin_events(d["map_events"], MAX_MAP_POINTS)
    ev = ev.sort_values("magnitude", kind="stable")
    hover = (ev["time"].dt.strftime("%Y-%m-%d %H:%M:%S") + "<br>M "
             + ev["magnitude"].map("{:.1f}".format) + "<br>"
             + lonlat_text(ev["longitude"], ev["latitude"])).to_numpy() if len(ev) else []
    fig.add_trace(go.Scatter(
        x=ev["longitude"].to_numpy(), y=ev["latitude"].to_numpy(), mode="markers",
        name="events", customdata=ev.index.to_numpy(), text=hover,
        marker=dict(size=_marker_size(ev["magnitude"].to_numpy()), color=ev["days"].to_numpy(),
                    colorscale="Viridis", cmin=0.0,
                    cmax=max((end - start) / DAY, 1e-6), opacity=0.8,
                    line=dict(width=0.3, color="rgba(0,0,0,0.5)"),
                    colorbar=dict(title="date<br>(UTC)", len=0.5, y=0.73,
                                  yanchor="middle", tickvals=tickvals, ticktext=ticktext)),
        hovertemplate="%{text}<extra></extra>", showlegend=False),
        row=1, col=1)
    xs, ys = _outline(d["geometry"])
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="subregion",
                             line=dict(color="crimson", width=2), hoverinfo="skip",
                             showlegend=False), row=1, col=1)
    box = d["box"]
    lat0 = (box[2] + box[3]) / 2
    fig.update_xaxes(range=[box[0], box[1]], row=1, col=1, showline=True, mirror=True,
                     linecolor="black", constrain="domain")
    fig.update_yaxes(range=[box[2], box[3]], row=1, col=1, constrain="domain",
                     scaleanchor="x", scaleratio=1 / max(np.cos(np.radians(lat0)), 0.05),
                     showline=True, mirror=True, linecolor="black")
    add_basemap(fig, box, row=1, col=1, tiles=tiles, overlays=overlays,
                events=(d["map_events"]["longitude"].to_numpy(np.float64),
                        d["map_events"]["latitude"].to_numpy(np.float64)))
    fig.update_xaxes(title_text=None, row=1, col=1)  # the ticks say E/W; room for (b)
    fig.update_yaxes(title_text=None, row=1, col=1)
    stars = large_event_trace(d["map_events"], star_magnitude)
    if stars is not None:
        fig.add_trace(stars, row=1, col=1)
    return note


def _magnitude_panel(fig, se, star_magnitude):
    """(b): the subregion's events as magnitude stems in row 2, stars at M ≥
    `star_magnitude`."""
    mags = se["magnitude"].to_numpy(np.float64)
    base = float(np.floor(np.nanmin(mags))) if len(mags) else 0.0
    times = se["time"].to_numpy() if len(se) else np.array([], "datetime64[ns]")
    stem_x = np.repeat(times, 3).astype(object)
    stem_y = np.column_stack([np.full(len(mags), base), mags, np.full(len(mags), np.nan)]) \
        .reshape(-1).astype(object)
    if len(mags):
        stem_x[2::3] = None
        stem_y[2::3] = None
    fig.add_trace(go.Scatter(x=stem_x, y=stem_y, mode="lines", name="stems",
                             line=dict(color="rgba(60,60,60,0.6)", width=1), hoverinfo="skip",
                             showlegend=False), row=2, col=1)
    big = (mags >= float(star_magnitude)) if star_magnitude is not None else \
        np.zeros(len(mags), bool)
    fig.add_trace(go.Scatter(x=times, y=mags, mode="markers", name="magnitude",
                             customdata=se.index.to_numpy(),
                             marker=dict(size=np.where(big, 14, 5).tolist() if len(mags) else 5,
                                         color="black",
                                         symbol=np.where(big, "star", "circle").tolist()
                                         if len(mags) else "circle"),
                             hovertemplate="%{x}<br>M %{y:.1f}<extra></extra>",
                             showlegend=False), row=2, col=1)


def _daily_panel(fig, d, margin_days):
    """(c): daily counts in row 3; the period shaded in (b) and (c), on one time axis;
    the three panels' titles."""
    daily = d["daily"]
    fig.add_trace(go.Bar(x=daily["day"] + DAY / 2, y=daily["count"], width=86_400_000,
                         name="events per day", marker_color="rgba(31,119,180,0.6)",
                         hovertemplate="%{x|%Y-%m-%d}: %{y} events<extra></extra>",
                         showlegend=False), row=3, col=1)
    for row in (2, 3):
        fig.add_vrect(x0=d["start"], x1=d["end"], fillcolor=PERIOD_FILL, line_width=0,
                      layer="below", row=row, col=1)
        fig.update_xaxes(range=[d["t0"], d["t1"]], row=row, col=1, showline=True,
                         linecolor="black", mirror=True)
    fig.update_xaxes(matches="x3", showticklabels=False, row=2, col=1)
    fig.update_xaxes(title_text="time (UTC)", row=3, col=1)
    fig.update_yaxes(title_text="magnitude", row=2, col=1)
    fig.update_yaxes(title_text="events / day", row=3, col=1, rangemode="tozero")
    for text, (xref, yref) in zip(PANEL_TITLES[:2] + (
            f"{PANEL_TITLES[2]} (±{margin_days:g} d around the period, shaded)",),
            (("x", "y"), ("x2", "y2"), ("x3", "y3"))):
        _panel_label(fig, text, xref, yref)
