"""Detection figures (plotly): the probability time series and the paper's Figure S3.

- `probability_timeseries`: the network's probability per window, plotted at the
  window's *centre* (start + window length / 2), with the threshold line, the flagged
  periods shaded, the classical baseline's beta statistic on a second y axis (its own
  flagged periods as a thin orange band along the top) and known/true periods as a thin
  green band along the bottom.
- `picks_comparison`: Figure S3 of Zhang & Yang: manually picked periods as red bars and
  the network's (or the baseline's) periods as green bars on one time axis, two rows,
  with precision/recall/F1 of the second row against the picks in the title.

Times are shown in UTC. No streamlit here: the Detect page and scripts both call these.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from seisviz.detect import compare_periods, overlaps
from seisviz.timeutil import utc_naive

RED = "#d62728"
GREEN = "#2ca02c"
BLUE = "#1f77b4"
ORANGE = "#ff7f0e"
FLAG_FILL = "rgba(214, 39, 40, 0.35)"    # a period, onset to end
WINDOW_FILL = "rgba(214, 39, 40, 0.08)"  # the span of its flagged windows
BAND = 0.045  # height of the thin bands (fraction of the plot)


def _bands(fig, periods, y0, y1, color, name, opacity):
    """One rectangle per period (x in data, y in paper coordinates), one legend entry."""
    if periods is None or len(periods) == 0:
        return
    starts, ends = utc_naive(periods["start"]), utc_naive(periods["end"])
    for i, (s, e) in enumerate(zip(starts, ends)):
        fig.add_shape(type="rect", xref="x", yref="paper", x0=s, x1=e, y0=y0, y1=y1,
                      fillcolor=color, opacity=opacity, line_width=0, layer="below",
                      name=name, legendgroup=name, showlegend=i == 0)


def probability_timeseries(windows, periods, threshold, baseline=None, true_periods=None,
                           title="Probability of anomalous seismicity per window"):
    """Probability per window (x = window centre) with flagged periods and the threshold.

    windows:       window_start, window_end, probability (NaN without history: a gap).
    periods:       the network's flagged periods: [start, end] (when the seismicity
                   changed, to the day) shaded strongly in red; with window_start and
                   window_end columns, the flagged windows' span shaded faintly.
    threshold:     the probability threshold, a dashed line.
    baseline:      optional dict {"beta": array per window, "threshold": float,
                   "periods": DataFrame or None}: beta on a second y axis with its own
                   threshold line, its periods as an orange band along the top.
    true_periods:  optional DataFrame (start, end): thin green bands along the bottom.
    """
    start, end = utc_naive(windows["window_start"]), utc_naive(windows["window_end"])
    centre = start + (end - start) / 2
    prob = np.asarray(windows["probability"], float)
    fig = go.Figure()
    if "window_start" in periods and "window_end" in periods:
        for i, (s, e) in enumerate(zip(utc_naive(periods["window_start"]),
                                       utc_naive(periods["window_end"]))):
            fig.add_vrect(x0=s, x1=e, fillcolor=WINDOW_FILL, line_width=0, layer="below",
                          name="flagged windows' span", legendgroup="windows",
                          showlegend=i == 0)
    ids = periods["period_id"] if "period_id" in periods else range(1, len(periods) + 1)
    for i, (s, e, pid) in enumerate(zip(utc_naive(periods["start"]), utc_naive(periods["end"]),
                                        ids)):
        # "P3" on the shading is row "P3" of the Detect page's table
        fig.add_vrect(x0=s, x1=e, fillcolor=FLAG_FILL, line_width=0, layer="below",
                      name="flagged period (network)", legendgroup="flagged",
                      showlegend=i == 0, annotation_text=f"P{int(pid)}",
                      annotation_position="top left", annotation_font_size=10,
                      annotation_font_color=RED, annotation_yshift=-14)
    hover = [f"{a:%Y-%m-%d} → {b:%Y-%m-%d}" for a, b in zip(start, end)]
    fig.add_scatter(x=centre, y=prob, mode="lines", name="network probability",
                    line=dict(color=BLUE, width=1.5), customdata=hover,
                    hovertemplate="window %{customdata}<br>p = %{y:.3f}<extra></extra>")
    # thresholds are named in the legend, not written over the data
    x_span = [centre.min(), centre.max()] if len(centre) else []
    fig.add_scatter(x=x_span, y=[float(threshold)] * len(x_span), mode="lines",
                    name=f"threshold {float(threshold):.2f}", hoverinfo="skip",
                    line=dict(color=RED, dash="dash", width=1))
    layout = dict(
        title=title, height=500, hovermode="x unified",
        margin=dict(l=60, r=60, t=60, b=120),
        xaxis=dict(title="window centre (UTC)"),
        yaxis=dict(title="probability", range=[-0.02, 1.02]),
        # under the axis title: clear of the title and of the data
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0),
    )
    if baseline is not None:
        beta = np.asarray(baseline["beta"], float)
        beta = np.where(np.isfinite(beta), beta, np.nan)  # -inf (no cell counted) -> gap
        fig.add_scatter(x=centre, y=beta, mode="lines", name="baseline beta", yaxis="y2",
                        line=dict(color=ORANGE, width=1, dash="dot"),
                        hovertemplate="beta = %{y:.2f}<extra></extra>")
        bthr = baseline.get("threshold")
        if bthr is not None:
            fig.add_scatter(x=x_span, y=[float(bthr)] * len(x_span), mode="lines", yaxis="y2",
                            name=f"beta threshold {float(bthr):g}", hoverinfo="skip",
                            line=dict(color=ORANGE, dash="dot", width=1))
        # round ticks from 0 (not plotly's synced -0.9, 8.3, 17.5)
        finite = beta[np.isfinite(beta)]
        top = max(float(finite.max()) if len(finite) else 1.0, float(bthr or 0), 1.0) * 1.05
        low = min(float(finite.min()) if len(finite) else 0.0, 0.0)
        from seisviz.plots.basemap import nice_step

        layout["yaxis2"] = dict(title="baseline beta", overlaying="y", side="right",
                                showgrid=False, zeroline=False, range=[low, top],
                                tick0=0, dtick=nice_step(top - low, 5))
        _bands(fig, baseline.get("periods"), 1 - BAND, 1.0, ORANGE, "flagged period (baseline)",
               0.6)
    _bands(fig, true_periods, 0.0, BAND, GREEN, "true / picked period", 0.7)
    fig.update_layout(**layout)
    return fig


def picks_comparison(manual, network, title="Manual picks and detected periods",
                     network_label="network", manual_label="manual picks"):
    """Figure S3: manual picks (red bars, top row) and detected periods (green bars,
    bottom row) on one time axis; precision/recall/F1 of the detected periods against
    the picks (`compare_periods`: matching = the intervals overlap) in the title.

    Bars that overlap nothing in the other row are drawn paler (hover says so).
    """
    scores = compare_periods(network, manual)
    fig = go.Figure()
    m = (overlaps(network["start"], network["end"], manual["start"], manual["end"])
         if len(network) and len(manual) else np.zeros((len(network), len(manual)), bool))
    rows = ((manual_label, manual, RED, m.any(axis=0) if m.size else np.zeros(len(manual), bool)),
            (network_label, network, GREEN, m.any(axis=1) if m.size else
             np.zeros(len(network), bool)))
    for label, periods, color, matched in rows:
        s, e = utc_naive(periods["start"]), utc_naive(periods["end"])
        length_ms = ((e - s) / pd.Timedelta(milliseconds=1)).to_numpy(float)
        text = [f"{label}<br>{a:%Y-%m-%d %H:%M} → {b:%Y-%m-%d %H:%M} UTC<br>"
                f"{'overlaps' if ok else 'overlaps nothing in'} the other row"
                for a, b, ok in zip(s, e, matched)]
        fig.add_bar(y=[label] * len(s), x=length_ms, base=s.dt.strftime("%Y-%m-%dT%H:%M:%S"),
                    orientation="h", name=label, hovertext=text, hoverinfo="text",
                    marker=dict(color=color, opacity=np.where(matched, 1.0, 0.4).tolist(),
                                line_width=0))
    full = (f"{title}<br><sup>{network_label}: precision {scores['precision']:.2f}, "
            f"recall {scores['recall']:.2f}, F1 {scores['f1']:.2f} "
            f"({scores['n_picked_correct']}/{scores['n_picked']} periods overlap a pick, "
            f"{scores['n_true_found']}/{scores['n_true']} picks found)</sup>")
    fig.update_layout(
        title=full, height=260, barmode="overlay", showlegend=False,
        margin=dict(l=110, r=20, t=70, b=40),
        xaxis=dict(type="date", title="time (UTC)"),
        yaxis=dict(categoryorder="array", categoryarray=[network_label, manual_label]),
    )
    fig.update_layout(meta={"scores": scores})
    return fig
