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


def sweep_bars(table, key, title):
    """Final validation loss per grid value (a sweep stage)."""
    fig = go.Figure(go.Bar(x=[str(r[key]) for r in table],
                           y=[r["final_validation_loss"] for r in table]))
    fig.update_layout(title=title, xaxis_title=key.replace("_", " "),
                      yaxis_title="final validation loss", height=300,
                      margin=dict(l=40, r=10, t=40, b=40))
    return fig
