"""Plotly figures of a catalog's statistics: Mc(t) and b(t) (seisviz.stats.mc_b_over_time)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

MC_COLOR = "#1f77b4"
B_COLOR = "#d62728"


def mc_b_time(table: pd.DataFrame, window_events: int | None = None,
              step: int | None = None) -> go.Figure:
    """Mc(t) above, b(t) with its ±1 sigma band (Shi & Bolt) below, one point per window of
    `table` (seisviz.stats.mc_b_over_time) at the window's median time; windows without a
    b-value leave a gap."""
    what = (f"windows of {window_events:,} events, step {step:,}"
            if window_events and step else "windows of consecutive events")
    title = f"Mc and b over time<br><sup>{what}, at each window's median time</sup>"
    if len(table) == 0:
        fig = go.Figure()
        fig.update_layout(title=title, height=320, xaxis=dict(visible=False),
                          yaxis=dict(visible=False), annotations=[dict(
                              text="fewer events than one window", showarrow=False,
                              xref="paper", yref="paper", x=0.5, y=0.5)])
        return fig
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("Magnitude of completeness Mc(t)", "b-value b(t)"))
    t = pd.DatetimeIndex(table["time"])
    hover = [f"{a:%Y-%m-%d} to {b:%Y-%m-%d}, {n:,} events" for a, b, n in
             zip(pd.DatetimeIndex(table["start"]), pd.DatetimeIndex(table["end"]),
                 table["n_events"].astype(int))]
    fig.add_trace(go.Scatter(x=t, y=table["mc"], mode="lines+markers", name="Mc",
                             line=dict(color=MC_COLOR), marker=dict(size=4),
                             customdata=hover,
                             hovertemplate="Mc %{y:.2f}<br>%{customdata}<extra></extra>"),
                  row=1, col=1)
    b = table["b"].to_numpy(float)
    err = table["b_err"].to_numpy(float)
    bx, by = _band(t, b - err, b + err)
    fig.add_trace(go.Scatter(x=bx, y=by, mode="lines", line=dict(width=0), fill="toself",
                             fillcolor="rgba(214,39,40,0.2)", name="± 1 σ (Shi & Bolt)",
                             hoverinfo="skip"), row=2, col=1)
    used = [f"{h}; {int(n):,} above Mc" for h, n in zip(hover, table["n_used"])]
    fig.add_trace(go.Scatter(x=t, y=b, mode="lines+markers", name="b",
                             line=dict(color=B_COLOR), marker=dict(size=4),
                             customdata=np.stack([err, np.array(used, dtype=object)], axis=-1),
                             hovertemplate="b %{y:.2f} ± %{customdata[0]:.2f}<br>"
                                           "%{customdata[1]}<extra></extra>"),
                  row=2, col=1)
    fig.update_yaxes(title_text="Mc", row=1, col=1)
    fig.update_yaxes(title_text="b", row=2, col=1)
    fig.update_xaxes(title_text="time (UTC)", row=2, col=1)
    fig.update_layout(title=title, height=520, hovermode="x unified",
                      legend=dict(orientation="h", yanchor="bottom", y=-0.25, x=0,
                                  traceorder="normal"))
    return fig


def _band(t, lower, upper):
    """x, y of the band between `lower` and `upper` as closed polygons, one per run of
    finite values (None between them): a window without a b-value leaves a gap."""
    ok = np.isfinite(lower) & np.isfinite(upper)
    xs, ys = [], []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(int), [0]])))
    for i0, i1 in zip(edges[::2], edges[1::2]):
        xs += list(t[i0:i1]) + list(t[i0:i1][::-1]) + [None]
        ys += list(upper[i0:i1]) + list(lower[i0:i1][::-1]) + [None]
    return xs, ys
