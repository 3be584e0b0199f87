"""Training figures: loss curves and sweep bars."""

import plotly.graph_objects as go


def loss_curve(history, title="Loss"):
    """Training and validation loss per epoch (history: list of dicts)."""
    epochs = [h["epoch"] for h in history]
    fig = go.Figure()
    fig.add_scatter(x=epochs, y=[h["train_loss"] for h in history], name="training",
                    mode="lines+markers")
    fig.add_scatter(x=epochs, y=[h["val_loss"] for h in history], name="validation",
                    mode="lines+markers")
    fig.update_layout(title=title, xaxis_title="epoch", yaxis_title="binary cross-entropy",
                      height=350, margin=dict(l=40, r=10, t=40, b=40))
    fig.update_xaxes(dtick=1)  # whole epochs only
    losses = [h[k] for h in history for k in ("train_loss", "val_loss") if h[k] > 0]
    if losses and max(losses) > 20 * min(losses):
        # one diverging epoch (a validation loss of 30 beside 0.3) would flatten the rest
        fig.update_yaxes(type="log", title="binary cross-entropy (log scale)")
    return fig


OURS_COLOR = "#1f77b4"
# A run whose final validation loss is above this diverged: always answering 0.5 costs
# ln 2 = 0.69, so a loss of 10 means the network learned nothing usable.
DIVERGED_LOSS = 10.0
PAPER_COLOR = "#d62728"
PAPER_NAME = "paper (Zhang & Yang)"


def sweep_bars(table, key, title, paper_value=None, paper_table=None):
    """Final validation loss per grid value of a sweep stage, on a log axis (the paper's
    grids span decades); 0 (no weight decay) sits a third of a decade left of the smallest
    other value, labelled 0. `paper_value`: the paper's chosen value, marked by a dashed
    line. `paper_table` (rows like `table`: {key: value, "final_validation_loss": loss}):
    the paper's losses drawn beside ours as a second series, with a legend. `table` may
    be empty (the paper's alone). The best of each series is a star; where both series
    have close values, the higher loss is labelled above its point and the lower below;
    elsewhere a label goes below a point lower than its neighbours (off the lines)."""
    import math

    series = [("ours", table or [], OURS_COLOR, "circle", "solid")]
    if paper_table is not None:
        series.append((PAPER_NAME, paper_table, PAPER_COLOR, "diamond", "dash"))
    all_values = [float(r[key]) for _, rows, *_ in series for r in rows]
    positive = [v for v in all_values if v > 0]
    zero_at = min(positive) / 3 if positive else 1e-4

    def pos(v):
        return v if v > 0 else zero_at

    # per x position, the losses of every series there (to put labels above/below)
    at_x = {}
    for k, (_, rows, *_) in enumerate(series):
        for r in rows:
            at_x.setdefault(pos(float(r[key])), []).append((k, r["final_validation_loss"]))

    every = [loss for here in at_x.values() for _, loss in here]
    span = (max(every) - min(every)) if every else 0.0
    fig = go.Figure()
    all_losses = []
    for k, (name, rows, color, symbol, dash) in enumerate(series):
        if not rows:
            continue
        x = [pos(float(r[key])) for r in rows]
        losses = [r["final_validation_loss"] for r in rows]
        all_losses += losses
        best = min(range(len(losses)), key=losses.__getitem__)
        below = [_label_below(at_x[xi], k, losses, i, span) for i, xi in enumerate(x)]
        diverged = [not (v <= DIVERGED_LOSS) for v in losses]  # NaN and inf diverged too
        fig.add_scatter(
            x=x, y=losses, mode="lines+markers+text", name=name,
            line=dict(color=color, dash=dash),
            text=[f"diverged ({v:.2g})" if d else f"{v:.3f}" for v, d in zip(losses, diverged)],
            textfont=dict(size=10, color=color),
            textposition=["bottom center" if b else "top center" for b in below],
            marker=dict(color=color, size=[14 if i == best else 8 for i in range(len(x))],
                        symbol=["x" if diverged[i] else "star" if i == best else symbol
                                for i in range(len(x))]),
            hovertemplate=f"{name}<br>" + key.replace("_", " ")
            + " %{x:g}: loss %{y:.4f}<extra></extra>")
    ticks = sorted(at_x)
    fig.update_xaxes(type="log", tickvals=ticks,
                     ticktext=["0" if t == zero_at and 0 in all_values else f"{t:g}"
                               for t in ticks],
                     title=key.replace("_", " ") + " (log scale)")
    if paper_value is not None and paper_value > 0:
        fig.add_vline(x=paper_value, line=dict(color=PAPER_COLOR, dash="dot", width=1))
        # annotations on a log axis take log10 of the value (shapes take the value)
        fig.add_annotation(x=math.log10(paper_value), y=1, yref="paper", showarrow=False,
                           text=f"paper: {paper_value:g}", xanchor="left", yanchor="bottom",
                           font=dict(color=PAPER_COLOR, size=11))
    finite = [v for v in all_losses if math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0, 1)
    if lo > 0 and hi > 20 * lo:
        # a diverged run (losses in the millions) beside 0.1-0.7 would flatten the rest,
        # the paper's values too, into a line at zero: a decade axis keeps both readable
        fig.update_yaxes(type="log", title="final validation loss (log scale)",
                         range=[math.log10(lo) - 0.3, math.log10(hi) + 0.3])
    else:
        pad = max((hi - lo) * 0.2, 0.03)
        fig.update_yaxes(title="final validation loss", range=[lo - pad, hi + pad])
    legend = paper_table is not None
    fig.update_layout(title=dict(text=title, y=0.97, yanchor="top"), height=370 if legend else 340,
                      showlegend=legend,
                      legend=dict(orientation="h", x=0, xanchor="left", y=-0.25, yanchor="top"),
                      margin=dict(l=60, r=20, t=60, b=90 if legend else 50))
    return fig


def _label_below(here, k, losses, i, span):
    """Whether point i of series k gets its label below it (else above). A point lower
    than the mean of its neighbours (a dip, where the lines leave upwards) is labelled
    below, a bump above; but where another series has a point at the same x less than
    0.3 of the y span away (`here`: [(series, loss)] at that x), the higher point is
    labelled above and the lower below (on a tie, the first series above), so the two
    labels never meet."""
    loss = losses[i]
    close = [(j, o) for j, o in here if j != k and abs(o - loss) < 0.3 * span]
    if close:
        return any(o > loss or (o == loss and j < k) for j, o in close)
    near = [losses[j] for j in (i - 1, i + 1) if 0 <= j < len(losses)]
    return bool(near) and loss < sum(near) / len(near)
