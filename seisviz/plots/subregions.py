"""The paper's Figures S4/S5 for one subregion and period: map above, time series below.

(a) the seismicity map of the subregion during the period, events coloured by time and
sized by magnitude, over the subregion's outline and a little of the area around it;
(c) beneath it, the events inside the subregion from `margin_days` before the period to
`margin_days` after it: magnitudes as stems against time, and daily event counts as bars
on a second y axis, with the period shaded.

`panel_data` returns exactly what the two panels show, as plain data; `subregion_figure`
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


def panel_data(catalog, subregion, start=None, end=None, margin_days=30.0, surround_km=5.0):
    """What the two panels show.

    `subregion`: a row of `find_subregions` (with geometry, start, end) or a shapely
    polygon (then give start and end). Returns a dict:
    - ``map_events``: events in [start, end) inside the view box (the subregion's bounds
      grown by `surround_km`), with ``days`` since start;
    - ``series_events``: events inside the subregion polygon in
      [start - margin, end + margin), in time order;
    - ``daily``: `daily_counts` of the series events over that span;
    - ``box``, ``start``, ``end``, ``t0``, ``t1`` (the series span), ``geometry``."""
    import shapely

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
    in_period = (t >= start.value) & (t < end.value)
    in_box = (lon >= box[0]) & (lon <= box[1]) & (lat >= box[2]) & (lat <= box[3])
    map_events = catalog[in_period & in_box].copy()
    map_events["days"] = (to_ns(map_events["time"]) - start.value) / 86_400e9
    in_span = np.flatnonzero((t >= t0.value) & (t < t1.value))
    inside = in_span[shapely.intersects_xy(geom, lon[in_span], lat[in_span])]
    inside = inside[np.argsort(t[inside], kind="stable")]
    series_events = catalog.iloc[inside]
    return {"map_events": map_events, "series_events": series_events,
            "daily": daily_counts(series_events, t0, t1), "box": box, "start": start,
            "end": end, "t0": t0, "t1": t1, "geometry": geom}


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


def subregion_figure(catalog, subregion, start=None, end=None, margin_days=30.0,
                     surround_km=5.0, title=None, height=820):
    """One figure, two rows: (a) map of the subregion during the period, (c) magnitudes
    and daily counts from `margin_days` before to `margin_days` after it.

    Map markers carry the catalog index of each event in ``customdata`` (the events
    trace is named "events"; the stems "magnitude"; the bars "events per day")."""
    d = panel_data(catalog, subregion, start, end, margin_days, surround_km)
    start, end, geom = d["start"], d["end"], d["geometry"]
    if title is None:
        t = to_ns(d["series_events"]["time"]) if len(d["series_events"]) else np.array([])
        n_in = int(np.count_nonzero((t >= start.value) & (t < end.value)))
        fmt = "%Y-%m-%d" if start == start.floor("D") and end == end.floor("D") \
            else "%Y-%m-%d %H:%M"
        label = "Subregion"
        if hasattr(subregion, "get") and subregion.get("period_id") is not None:
            label = f"Period {int(subregion['period_id'])} · subregion " \
                    f"{int(subregion['subregion_id'])}"
        title = (f"{label}<br><sup>{start.strftime(fmt)} – {end.strftime(fmt)} UTC, "
                 f"{n_in:,} events inside</sup>")
    fig = make_subplots(rows=2, cols=1, row_heights=[0.6, 0.4], vertical_spacing=0.1,
                        specs=[[{}], [{"secondary_y": True}]],
                        subplot_titles=("(a) seismicity during the period",
                                        f"(c) magnitudes and daily counts (±{margin_days:g} d)"))
    # (a) the map
    ev, note = thin_events(d["map_events"], MAX_MAP_POINTS)
    ev = ev.sort_values("magnitude", kind="stable")
    hover = (ev["time"].dt.strftime("%Y-%m-%d %H:%M:%S") + "<br>M "
             + ev["magnitude"].map("{:.1f}".format)).to_numpy() if len(ev) else []
    fig.add_trace(go.Scatter(
        x=ev["longitude"].to_numpy(), y=ev["latitude"].to_numpy(), mode="markers",
        name="events", customdata=ev.index.to_numpy(), text=hover,
        marker=dict(size=_marker_size(ev["magnitude"].to_numpy()), color=ev["days"].to_numpy(),
                    colorscale="Viridis", cmin=0.0,
                    cmax=max((end - start) / DAY, 1e-6), opacity=0.8,
                    line=dict(width=0.3, color="rgba(0,0,0,0.5)"),
                    colorbar=dict(title="days since<br>start", len=0.55, y=0.78)),
        hovertemplate="%{text}<br>%{x:.3f}°E %{y:.3f}°N<extra></extra>", showlegend=False),
        row=1, col=1)
    xs, ys = _outline(geom)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="subregion",
                             line=dict(color="crimson", width=2), hoverinfo="skip",
                             showlegend=False), row=1, col=1)
    box = d["box"]
    lat0 = (box[2] + box[3]) / 2
    fig.update_xaxes(range=[box[0], box[1]], title="longitude (°)", row=1, col=1,
                     showline=True, mirror=True, linecolor="black")
    fig.update_yaxes(range=[box[2], box[3]], title="latitude (°)", row=1, col=1,
                     scaleanchor="x", scaleratio=1 / max(np.cos(np.radians(lat0)), 0.05),
                     showline=True, mirror=True, linecolor="black")
    # (c) the time series
    daily = d["daily"]
    fig.add_trace(go.Bar(x=daily["day"] + DAY / 2, y=daily["count"], width=86_400_000,
                         name="events per day", marker_color="rgba(31,119,180,0.35)",
                         hovertemplate="%{x|%Y-%m-%d}: %{y} events<extra></extra>"),
                  row=2, col=1, secondary_y=True)
    se = d["series_events"]
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
                             showlegend=False), row=2, col=1, secondary_y=False)
    fig.add_trace(go.Scatter(x=times, y=mags, mode="markers", name="magnitude",
                             customdata=se.index.to_numpy(),
                             marker=dict(size=5, color="black"),
                             hovertemplate="%{x}<br>M %{y:.1f}<extra></extra>"),
                  row=2, col=1, secondary_y=False)
    fig.add_vrect(x0=start, x1=end, fillcolor=PERIOD_FILL, line_width=0, layer="below",
                  row=2, col=1)
    fig.update_xaxes(range=[d["t0"], d["t1"]], title="time (UTC)", row=2, col=1)
    fig.update_yaxes(title="magnitude", row=2, col=1, secondary_y=False)
    fig.update_yaxes(title="events per day", row=2, col=1, secondary_y=True, showgrid=False,
                     rangemode="tozero", tickmode="auto")
    sub = f"<br><sup>{note}</sup>" if note else ""
    fig.update_layout(title=dict(text=title + sub), height=height, plot_bgcolor="white",
                      margin=dict(l=60, r=30, t=90, b=50), bargap=0,
                      legend=dict(orientation="h", y=-0.08))
    return fig
