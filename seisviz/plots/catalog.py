"""Plotly figures of a catalog: epicentre map, magnitude-time, cumulative count, FMD.

Large catalogs are thinned before plotting (never millions of markers): scatter plots
keep the largest events and a seeded random sample of the rest and say so in the title;
line plots are reduced to at most a few thousand vertices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from seisviz.catalog.filters import mc_max_curvature

MAX_LINE_POINTS = 4000


def thin_events(catalog, max_points, seed=0, keep_largest=0.1, keep=None):
    """(subset, note): at most max_points events; the largest keep_largest share of them are
    the biggest magnitudes, the rest a seeded random sample. `keep` (a boolean mask, at most
    a tenth of max_points of it True): events always drawn, e.g. those outside the bulk of
    a map, which a random sample would likely miss. note is "" when nothing was cut."""
    n = len(catalog)
    if n <= max_points:
        return catalog, ""
    n_big = int(max_points * keep_largest)
    mags = catalog["magnitude"].to_numpy()
    kept = np.flatnonzero(keep)[:max_points // 10] if keep is not None else \
        np.array([], np.int64)
    order = np.argsort(-mags, kind="stable")
    big = order[~np.isin(order, kept)][:n_big]
    fixed = np.union1d(kept, big)
    rest = np.setdiff1d(np.arange(n), fixed, assume_unique=True)
    rng = np.random.default_rng(seed)
    sample = rng.choice(rest, size=max_points - len(fixed), replace=False)
    idx = np.sort(np.concatenate([fixed, sample]))
    also = f", the {len(kept):,} outside the bulk" if len(kept) else ""
    note = (f"showing {max_points:,} of {n:,} events: the {n_big:,} largest{also} and a "
            f"random sample of the rest")
    return catalog.iloc[idx], note


def _events(n):
    return f"{n:,} event" + ("" if n == 1 else "s")


def _title(text, note):
    return text if not note else f"{text}<br><sup>{note}</sup>"


def _marker_size(mag):
    mag = np.asarray(mag, dtype=float)
    if len(mag) == 0:
        return mag
    lo = np.nanmin(mag)
    return np.clip(3.5 + 1.8 * (mag - lo), 3.5, 24.0)


def _decimal_year(times):
    t = pd.DatetimeIndex(times)
    year = t.year.to_numpy()
    start = pd.to_datetime(pd.DataFrame({"year": year, "month": 1, "day": 1})).dt.tz_localize("UTC")
    end = pd.to_datetime(pd.DataFrame({"year": year + 1, "month": 1, "day": 1})).dt.tz_localize("UTC")
    frac = (t - pd.DatetimeIndex(start)) / (pd.DatetimeIndex(end) - pd.DatetimeIndex(start))
    return year + np.asarray(frac, dtype=float)


def _in_box(lon, lat, box):
    return (lon >= box[0]) & (lon <= box[1]) & (lat >= box[2]) & (lat <= box[3])


def _empty(title):
    fig = go.Figure()
    fig.update_layout(title=title, annotations=[dict(text="no events", showarrow=False,
                                                     xref="paper", yref="paper", x=0.5, y=0.5)])
    return fig


def epicentre_map(catalog, color_by="time", max_points=20000, seed=0, overlays=None,
                  star_magnitude=None, tiles=True, extent="bulk"):
    """Epicentres in a longitude/latitude frame (1° of latitude drawn 1/cos(lat) times as
    long as 1° of longitude), marker size by magnitude, colour by "time" (a colour bar of
    dates) or "depth"; on a basemap with the user's `overlays`, stars at events of M ≥
    `star_magnitude` (None: no stars) (seisviz.plots.basemap). `extent`: "bulk" frames the
    bulk of the events (one outlying event does not stretch the map; the subtitle says how
    many lie outside), "all" frames every event (seisviz.plots.framing.map_box)."""
    from seisviz.plots.basemap import add_basemap, large_event_trace, lonlat_text
    from seisviz.plots.framing import (check_extent, map_box, outside_box, outside_note,
                                       robust_box)

    if color_by not in ("time", "depth"):
        raise ValueError(f"color_by must be 'time' or 'depth', not {color_by!r}")
    check_extent(extent)
    if len(catalog) == 0:
        return _empty("Epicentres")
    lon = catalog["longitude"].to_numpy(dtype=float)
    lat = catalog["latitude"].to_numpy(dtype=float)
    box = map_box(lon, lat, extent)
    # with every event framed, the few outside the bulk are always drawn
    outliers = None if extent == "bulk" else ~_in_box(lon, lat, robust_box(lon, lat))
    sub, note = thin_events(catalog, max_points, seed=seed, keep=outliers)
    sub = sub.sort_values("magnitude", kind="stable")  # big ones drawn last, on top
    if color_by == "time":
        from seisviz.plots.framing import date_colorbar

        color = _decimal_year(sub["time"])
        tickvals, ticktext = date_colorbar(sub["time"], unit="decimal_year")
        colorbar = dict(title="date", tickvals=tickvals, ticktext=ticktext)
        colorscale = "Viridis"
    else:
        color = sub["depth"].to_numpy()
        colorbar = dict(title="depth (km)")
        colorscale = "Viridis_r"
    hover = (sub["time"].dt.strftime("%Y-%m-%d %H:%M:%S") + "<br>M " + sub["magnitude"].map("{:.1f}".format)
             + "<br>depth " + sub["depth"].map("{:.1f}".format) + " km<br>"
             + lonlat_text(sub["longitude"], sub["latitude"]))
    fig = go.Figure(go.Scattergl(
        x=sub["longitude"].to_numpy(), y=sub["latitude"].to_numpy(), mode="markers",
        marker=dict(size=_marker_size(sub["magnitude"]), color=color, colorscale=colorscale,
                    colorbar=colorbar, opacity=0.7, line=dict(width=0.3, color="rgba(0,0,0,0.4)")),
        text=hover.to_numpy(), hovertemplate="%{text}<extra></extra>", name="events",
        showlegend=False))
    lat0 = (box[2] + box[3]) / 2
    ratio = 1.0 / max(np.cos(np.radians(lat0)), 0.05)
    # constrain="domain": the frame shrinks to fit the equal-distance aspect, not the ranges
    fig.update_xaxes(title="longitude (°)", showgrid=True, zeroline=False, ticks="outside",
                     mirror=True, showline=True, linecolor="black", constrain="domain",
                     range=[box[0], box[1]])
    fig.update_yaxes(title="latitude (°)", showgrid=True, zeroline=False, ticks="outside",
                     mirror=True, showline=True, linecolor="black", scaleanchor="x",
                     scaleratio=ratio, constrain="domain", range=[box[2], box[3]])
    add_basemap(fig, box, tiles=tiles, overlays=overlays, events=(lon, lat))
    stars = large_event_trace(catalog, star_magnitude)
    if stars is not None:
        fig.add_trace(stars)
    notes = "; ".join(n for n in (note, outside_note(outside_box(lon, lat, box))) if n)
    fig.update_layout(title=_title(f"Epicentres ({_events(len(catalog))}), coloured by {color_by}",
                                   notes), plot_bgcolor="white", height=650,
                      margin=dict(l=70, r=20, t=70, b=50),
                      legend=dict(orientation="h", x=0, y=-0.08, yanchor="top"),
                      meta={"extent": extent, "box": list(box)})
    return fig


def magnitude_time(catalog, max_points=20000, seed=0, star_magnitude=None):
    """Magnitude against time (thinned like the map for large catalogs); stars at the
    events of M ≥ `star_magnitude` (the same ones the maps star)."""
    if len(catalog) == 0:
        return _empty("Magnitude–time")
    sub, note = thin_events(catalog, max_points, seed=seed)
    fig = go.Figure(go.Scattergl(
        x=sub["time"], y=sub["magnitude"].to_numpy(), mode="markers", name="events",
        marker=dict(size=_marker_size(sub["magnitude"]) * 0.7, color="rgba(31,119,180,0.6)"),
        hovertemplate="%{x}<br>M %{y:.1f}<extra></extra>",
    ))
    if star_magnitude is not None:
        big = catalog[catalog["magnitude"] >= float(star_magnitude)]
        fig.add_trace(go.Scatter(x=big["time"], y=big["magnitude"].to_numpy(), mode="markers",
                                 name=f"M ≥ {float(star_magnitude):g}",
                                 marker=dict(symbol="star", size=14, color="gold",
                                             line=dict(color="black", width=1)),
                                 hovertemplate="%{x}<br>M %{y:.1f}<extra></extra>"))
        fig.update_layout(showlegend=True, legend=dict(x=0.01, y=0.99, yanchor="top",
                                                       bgcolor="rgba(255,255,255,0.7)"))
    fig.update_layout(title=_title(f"Magnitude–time ({_events(len(catalog))})", note),
                      xaxis_title="time (UTC)", yaxis_title="magnitude",
                      margin=dict(l=60, r=20, t=70, b=50))
    return fig


def cumulative_count(catalog, max_points=MAX_LINE_POINTS):
    """Cumulative number of events against time (a step line of at most max_points vertices)."""
    if len(catalog) == 0:
        return _empty("Cumulative number of events")
    t = catalog["time"].sort_values(kind="stable").reset_index(drop=True)
    n = len(t)
    idx = np.arange(n) if n <= max_points else \
        np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))
    fig = go.Figure(go.Scatter(x=t.iloc[idx], y=idx + 1, mode="lines", line=dict(shape="hv"),
                               hovertemplate="%{x}<br>%{y:,} events<extra></extra>"))
    fig.update_layout(title=f"Cumulative number of events ({n:,})", xaxis_title="time (UTC)",
                      yaxis_title="cumulative number", margin=dict(l=60, r=20, t=60, b=50))
    return fig


def frequency_magnitude(catalog, mc=None, bin_width=0.1):
    """Frequency-magnitude distribution on a log axis: events per bin and N(≥M); Mc marked
    (estimated by maximum curvature + 0.2 when not given)."""
    mags = catalog["magnitude"].to_numpy(dtype=float) if len(catalog) else np.array([])
    mags = mags[np.isfinite(mags)]
    if len(mags) == 0:
        return _empty("Frequency–magnitude distribution")
    bins = np.round(mags / bin_width).astype(np.int64)
    lo, hi = bins.min(), bins.max()
    counts = np.bincount(bins - lo, minlength=hi - lo + 1)
    centres = np.round(np.arange(lo, hi + 1) * bin_width, 6)
    cumulative = counts[::-1].cumsum()[::-1]
    if mc is None:
        mc = mc_max_curvature(mags, bin_width=bin_width)
    nz = counts > 0
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=centres[nz], y=counts[nz], mode="markers", name="per bin",
                             marker=dict(symbol="triangle-up", size=7, color="#1f77b4")))
    fig.add_trace(go.Scatter(x=centres, y=cumulative, mode="markers", name="cumulative N(≥M)",
                             marker=dict(symbol="square", size=6, color="#d62728")))
    if mc is not None and np.isfinite(mc):
        fig.add_vline(x=float(mc), line=dict(color="black", dash="dash"),
                      annotation_text=f"Mc = {mc:.1f}", annotation_position="top right")
    fig.update_yaxes(type="log", dtick=1, title="number of events")
    fig.update_xaxes(title="magnitude")
    fig.update_layout(title=f"Frequency–magnitude distribution ({_events(len(mags))})",
                      margin=dict(l=60, r=20, t=60, b=50), legend=dict(x=0.7, y=0.98))
    return fig
