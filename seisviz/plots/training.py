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
    return fig


def sweep_bars(table, key, title, paper_value=None):
    """Final validation loss per grid value of a sweep stage, on a log axis (the paper's
    grids span decades); 0 (no weight decay) sits a third of a decade left of the smallest
    other value, labelled 0. `paper_value`: the paper's chosen value, marked."""
    import math

    values = [float(r[key]) for r in table]
    positive = [v for v in values if v > 0]
    zero_at = min(positive) / 3 if positive else 1e-4
    x = [v if v > 0 else zero_at for v in values]
    losses = [r["final_validation_loss"] for r in table]
    best = min(range(len(losses)), key=losses.__getitem__) if losses else None
    fig = go.Figure(go.Scatter(
        x=x, y=losses, mode="lines+markers+text", name="ours",
        text=[f"{v:.3f}" for v in losses], textposition="top center",
        marker=dict(size=[14 if i == best else 9 for i in range(len(x))],
                    symbol=["star" if i == best else "circle" for i in range(len(x))]),
        hovertemplate=key.replace("_", " ") + " %{x:g}: loss %{y:.4f}<extra></extra>"))
    ticks = sorted(set(x))
    fig.update_xaxes(type="log", tickvals=ticks,
                     ticktext=["0" if t == zero_at and 0 in values else f"{t:g}" for t in ticks],
                     title=key.replace("_", " ") + " (log scale)")
    if paper_value is not None and paper_value > 0:
        fig.add_vline(x=paper_value, line=dict(color="crimson", dash="dash"))
        # annotations on a log axis take log10 of the value (shapes take the value)
        fig.add_annotation(x=math.log10(paper_value), y=1, yref="paper", showarrow=False,
                           text=f"paper: {paper_value:g}", xanchor="left", yanchor="bottom",
                           font=dict(color="crimson", size=11))
    lo, hi = (min(losses), max(losses)) if losses else (0, 1)
    pad = max((hi - lo) * 0.25, 0.02)
    fig.update_yaxes(title="final validation loss", range=[lo - pad, hi + pad])
    fig.update_layout(title=title, height=340, showlegend=False,
                      margin=dict(l=60, r=20, t=60, b=50))
    if not math.isfinite(lo):
        fig.update_yaxes(range=None)
    return fig
