"""Detection figures (plotly): the probability time series and the paper's Figure S3.

- `probability_timeseries`: the network's probability per window, plotted at the
  window's *centre* (start + window length / 2), with the threshold line, the flagged
  periods shaded, the classical baseline's beta statistic on a second y axis (its own
  flagged periods as a thin orange band along the top) and known/true periods as a thin
  green band along the bottom.
- `picks_comparison`: Figure S3 of Zhang & Yang: manually picked periods as red bars and
  the network's (or the baseline's) periods as green bars on one time axis, two rows,
  with precision/recall/F1 of the second row against the picks in the title.

The period labels P1, P2 ... of `probability_timeseries` sit above the frame, each at its
period's start, in up to three rows (`place_period_labels`): a label goes to the first
row where it overlaps no other label at the figure's assumed width (`width_px`, 1100 px,
a wide layout); one that fits in no row is left out, and every period's id and dates are
in the hover along the top of the frame.

Times are shown in UTC. No streamlit here: the Detect page and scripts both call these.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from seisviz.detect import compare_periods, overlaps
from seisviz.plots.labels import LINE_EM
from seisviz.timeutil import utc_naive

RED = "#d62728"
GREEN = "#2ca02c"
BLUE = "#1f77b4"
ORANGE = "#ff7f0e"
FLAG_FILL = "rgba(214, 39, 40, 0.35)"    # a period, onset to end
WINDOW_FILL = "rgba(214, 39, 40, 0.08)"  # the span of its flagged windows
BAND = 0.045  # height of the thin bands (fraction of the plot)
LABEL_FONT = 10      # px, the period labels P1, P2 ...
LABEL_ROW_PX = 14    # px between rows of period labels
MAX_LABEL_ROWS = 3
LABEL_GAP_PX = 4     # px kept free between two labels in a row
WIDE_PX = 1100       # the figure's assumed width (a wide layout), for placing the labels
MARGIN = dict(l=60, r=60, t=60, b=120)


def place_period_labels(x_px, texts, plot_width_px, font_size=LABEL_FONT,
                        max_rows=MAX_LABEL_ROWS, gap_px=LABEL_GAP_PX):
    """Where the period labels go: for each label, written left-aligned from `x_px` (its
    period's start, in pixels from the frame's left edge), (row, x0, x1) — row 0 just above
    the frame, x0..x1 its box in pixels, moved left to stay inside the frame's width — or
    None when it overlaps a label in every one of `max_rows` rows. Labels are placed in
    order of x; widths are estimated (`seisviz.plots.labels.text_size`: 0.6 em a
    character)."""
    from seisviz.plots.labels import text_size

    x_px = np.asarray(x_px, float)
    out = [None] * len(x_px)
    row_end = [-np.inf] * max_rows  # where the last label of each row ends
    for i in np.argsort(x_px, kind="stable"):
        w, _ = text_size(str(texts[i]), font_size)
        x0 = min(max(x_px[i], 0.0), max(plot_width_px - w, 0.0))
        for row in range(max_rows):
            if x0 >= row_end[row] + gap_px:
                out[i] = (row, x0, x0 + w)
                row_end[row] = x0 + w
                break
    return out


def period_label_boxes(fig):
    """The pixel boxes (x0, x1, y0, y1; y up from the frame's top edge) of the period labels
    drawn on a `probability_timeseries` figure, as its layout's meta records them."""
    return [tuple(b) for b in (fig.layout.meta or {}).get("period_label_boxes", [])]


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
                           title="Probability of anomalous seismicity per window",
                           width_px=WIDE_PX):
    """Probability per window (x = window centre) with flagged periods and the threshold.

    windows:       window_start, window_end, probability (NaN without history: a gap);
                   with a `network` column, the windows a fast scan's coarse pass left
                   unscored are left out, so that the line joins the coarse windows
                   around them instead of breaking (seisviz.detect.passes).
    periods:       the network's flagged periods: [start, end] (when the seismicity
                   changed, to the day) shaded strongly in red; with window_start and
                   window_end columns, the flagged windows' span shaded faintly.
    threshold:     the probability threshold, a dashed line.
    baseline:      optional dict {"beta": array per window, "threshold": float,
                   "periods": DataFrame or None}: beta on a second y axis with its own
                   threshold line, its periods as an orange band along the top.
    true_periods:  optional DataFrame (start, end): thin green bands along the bottom.
    width_px:      about how wide the figure will be drawn (1100 px: a wide layout); the
                   period labels are placed so that none overlaps another at that width
                   (`place_period_labels`).
    """
    start, end = utc_naive(windows["window_start"]), utc_naive(windows["window_end"])
    centre = start + (end - start) / 2
    prob = np.asarray(windows["probability"], float)
    shown = (np.asarray(windows["network"] != "coarse pass") if "network" in windows
             else np.ones(len(prob), bool))
    fig = go.Figure()
    if "window_start" in periods and "window_end" in periods:
        for i, (s, e) in enumerate(zip(utc_naive(periods["window_start"]),
                                       utc_naive(periods["window_end"]))):
            fig.add_vrect(x0=s, x1=e, fillcolor=WINDOW_FILL, line_width=0, layer="below",
                          name="flagged windows' span", legendgroup="windows",
                          showlegend=i == 0)
    ids = periods["period_id"] if "period_id" in periods else range(1, len(periods) + 1)
    p_start, p_end = utc_naive(periods["start"]), utc_naive(periods["end"])
    for i, (s, e) in enumerate(zip(p_start, p_end)):
        fig.add_vrect(x0=s, x1=e, fillcolor=FLAG_FILL, line_width=0, layer="below",
                      name="flagged period (network)", legendgroup="flagged",
                      showlegend=i == 0)
    # the frame's time span, set (not autoranged) so that label pixels can be worked out
    edges = [t for t in (start.min(), end.max(), p_start.min(), p_end.max()) if pd.notna(t)]
    if "window_start" in periods and len(periods):
        edges += [utc_naive(periods["window_start"]).min(),
                  utc_naive(periods["window_end"]).max()]
    x_range = [min(edges), max(edges)] if edges else None
    hover = [f"{a:%Y-%m-%d} → {b:%Y-%m-%d}" for a, b in zip(start[shown], end[shown])]
    fig.add_scatter(x=centre[shown], y=prob[shown], mode="lines", name="network probability",
                    line=dict(color=BLUE, width=1.5), customdata=hover,
                    hovertemplate="window %{customdata}<br>p = %{y:.3f}<extra></extra>")
    # after the probability: it stays the figure's first trace
    top_margin = _period_labels(fig, p_start, p_end, [f"P{int(p)}" for p in ids], x_range,
                                width_px)
    # thresholds are named in the legend, not written over the data
    x_span = [centre.min(), centre.max()] if len(centre) else []
    fig.add_scatter(x=x_span, y=[float(threshold)] * len(x_span), mode="lines",
                    name=f"threshold {float(threshold):.2f}", hoverinfo="skip",
                    line=dict(color=RED, dash="dash", width=1))
    layout = dict(
        title=dict(text=title, x=0, xanchor="left", y=1, yref="container", yanchor="top",
                   pad=dict(t=14)),
        height=500, hovermode="x unified",
        margin=dict(MARGIN, t=top_margin),
        xaxis=dict(title="window centre (UTC)",
                   **({"range": x_range} if x_range is not None else {})),
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


def _period_labels(fig, starts, ends, texts, x_range, width_px):
    """The labels P1, P2 ... above the frame at their periods' starts, in rows so that none
    overlaps another (`place_period_labels`), and every period's id and dates in the hover
    along the top of the frame. -> the top margin that leaves room for the rows used."""
    if len(texts) == 0 or x_range is None:
        return MARGIN["t"]
    t0 = pd.Timestamp(x_range[0])
    span = max((pd.Timestamp(x_range[1]) - t0) / pd.Timedelta(1, "s"), 1.0)
    plot_w = max(width_px - MARGIN["l"] - MARGIN["r"], 100)
    x_px = [(s - t0) / pd.Timedelta(1, "s") / span * plot_w for s in starts]
    placed = place_period_labels(x_px, texts, plot_w)
    boxes = []
    for (s, text, x, spot) in zip(starts, texts, x_px, placed):
        if spot is None:
            continue
        row, x0, x1 = spot
        y0 = 2 + row * LABEL_ROW_PX
        fig.add_annotation(x=s, xref="x", y=1, yref="paper", text=text, showarrow=False,
                           xanchor="left", yanchor="bottom", xshift=x0 - x, yshift=y0,
                           font=dict(size=LABEL_FONT, color=RED), name="period label")
        boxes.append((x0, x1, y0, y0 + LINE_EM * LABEL_FONT))
    hover = [f"{t}: {a:%Y-%m-%d %H:%M} → {b:%Y-%m-%d %H:%M} UTC"
             for t, a, b in zip(texts, starts, ends)]
    fig.add_scatter(x=starts + (ends - starts) / 2, y=[1.0] * len(texts), mode="markers",
                    marker=dict(size=8, color=RED, opacity=0), name="flagged periods",
                    customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                    showlegend=False)
    fig.update_layout(meta={"period_label_boxes": boxes,
                            "period_labels_left_out": [t for t, p in zip(texts, placed)
                                                       if p is None]})
    rows = max((p[0] for p in placed if p is not None), default=0) + 1
    return MARGIN["t"] + rows * LABEL_ROW_PX


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
