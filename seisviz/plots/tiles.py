"""The Overview page's map: tiles coloured by their number of episodes, and the episodes.

Drawn on plotly's tile maps (MapLibre). With `map_style="white-bg"` nothing is fetched
from the network: the tile outlines, their ids and the episodes still place everything
in longitude and latitude, so the figure works offline."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import plotly.graph_objects as go

OFFLINE_STYLE = "white-bg"
ONLINE_STYLES = ("carto-positron", "open-street-map", "carto-darkmatter")


def tile_overview_figure(tiles: gpd.GeoDataFrame, episodes: pd.DataFrame | None = None,
                         map_style: str = OFFLINE_STYLE,
                         selected: str | None = None) -> go.Figure:
    """Tiles (GeoDataFrame from tiles.geojson) coloured by n_episodes, outlined, with the
    merged episodes as points sized by magnitude; `selected` tile outlined in red."""
    import plotly.graph_objects as go

    fig = go.Figure()
    geo = json.loads(tiles[["tile_id", "geometry"]].to_json(drop_id=True))
    for f in geo["features"]:
        f["id"] = f["properties"]["tile_id"]
    counts = tiles["n_episodes"].to_numpy(int)
    hover = [f"{t} · {s}<br>{n:,} events · {e} episodes" for t, s, n, e in zip(
        tiles["tile_id"], tiles["status"], tiles["n_events"].astype(int), counts)]
    fig.add_trace(go.Choroplethmap(
        geojson=geo, locations=tiles["tile_id"], z=counts, featureidkey="id",
        colorscale="YlOrRd", zmin=0, zmax=max(1, int(counts.max()) if len(counts) else 1),
        marker_opacity=0.45, marker_line_width=0, text=hover, hoverinfo="text",
        colorbar_title="episodes", name="tiles"))
    # outlines as lines: visible on any style, with or without a basemap
    lon, lat = _outlines(tiles)
    fig.add_trace(go.Scattermap(lon=lon, lat=lat, mode="lines", hoverinfo="skip",
                                line={"color": "#555", "width": 1}, name="tile outlines",
                                showlegend=False))
    if selected is not None and (tiles["tile_id"] == selected).any():
        lon, lat = _outlines(tiles[tiles["tile_id"] == selected])
        fig.add_trace(go.Scattermap(lon=lon, lat=lat, mode="lines", hoverinfo="skip",
                                    line={"color": "red", "width": 3}, name=selected))
    if episodes is not None and len(episodes):
        mag = episodes["max_magnitude"].to_numpy(float)
        size = np.clip(np.nan_to_num(mag, nan=2.0) * 3.0, 5, 24)
        text = [f"episode {i} · tile {t}<br>{o:%Y-%m-%d} → {e:%Y-%m-%d}<br>{n} events, "
                f"rate ×{r:.1f}, M{m:.1f}" for i, t, o, e, n, r, m in zip(
                    episodes["episode_id"], episodes["tile_id"], episodes["onset"],
                    episodes["end"], episodes["n_events"], episodes["rate_ratio"], mag)]
        fig.add_trace(go.Scattermap(
            lon=episodes["center_lon"], lat=episodes["center_lat"], mode="markers",
            marker={"size": size, "color": "#1f4e9c"}, text=text, hoverinfo="text",
            name="episodes"))
    b = tiles.total_bounds if len(tiles) else np.array([0, 0, 1, 1])
    span = max(b[2] - b[0], b[3] - b[1], 1e-3)
    zoom = float(np.clip(np.log2(360.0 / span) - 0.3, 0, 14))
    fig.update_layout(map={"style": map_style, "zoom": zoom,
                           "center": {"lon": (b[0] + b[2]) / 2, "lat": (b[1] + b[3]) / 2}},
                      margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=560,
                      legend={"x": 0.01, "y": 0.99})
    return fig


def _outlines(tiles):
    lon, lat = [], []
    for geom in tiles.geometry:
        xs, ys = geom.exterior.coords.xy
        lon += list(xs) + [None]
        lat += list(ys) + [None]
    return lon, lat
