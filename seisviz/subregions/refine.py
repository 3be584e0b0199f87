"""From flagged windows to flagged periods to the day: subregions, episodes, periods.

The detector flags windows; a run of flagged windows is a *raw period* whose span starts
at its first window's start, about one window length before the activity it flags. This
module turns raw periods into what a seismologist exports:

1. the subregions of each raw period (`seisviz.subregions.find_subregions`: where);
2. one or more *episodes* per subregion, with `onset` and `end` from the subregion's own
   events (`seisviz.subregions.episodes`: when);
3. the periods as the union in time of their episodes' [onset, end], with the raw window
   span kept as `window_start` / `window_end`.

The table every consumer reads (pages, exports, the condensed catalog) has one row per
episode, i.e. one row per place and time: its polygon with `start` = onset and `end` =
end, closed at both ends (the onset is the first event of the episode, the end its last).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from seisviz.subregions.episodes import episodes_from_subregions, periods_from_episodes
from seisviz.subregions.regions import find_subregions

# columns of the refined periods table (docs/detection.md)
PERIOD_COLUMNS = ["period_id", "start", "end", "window_start", "window_end",
                  "peak_probability", "n_windows", "n_episodes", "episode_ids", "n_events",
                  "refined"]
# columns of the episode table, before its geometry (docs/detection.md)
EPISODE_COLUMNS = ["period_id", "subregion_id", "episode_id", "start", "end", "onset",
                   "window_start", "window_end", "n_events", "background_rate_per_day",
                   "peak_daily_count", "rate_ratio", "max_magnitude", "max_magnitude_time",
                   "peak_probability", "center_lon", "center_lat", "n_pixels", "area_km2",
                   "refined"]


def refine_periods(catalog: pd.DataFrame, dmaps: Any, raw_periods: pd.DataFrame,
                   flagged: np.ndarray | None = None, **subregion_options: Any
                   ) -> tuple[pd.DataFrame, Any]:
    """Refined periods and their episodes from raw periods (runs of flagged windows).

    Args:
        catalog: the events the scan looked at (inside its grid, above its min magnitude).
        dmaps: the scan's distribution maps.
        raw_periods: period_id, start, end (the windows' span), peak_probability (or
            peak_beta), n_windows.
        flagged: one bool per window (which windows the subregions are looked for in).
        subregion_options: passed to `find_subregions`.
    Returns:
        (periods, episodes): periods with PERIOD_COLUMNS, numbered 1..n by start; episodes
        a GeoDataFrame (EPSG:4326) with EPISODE_COLUMNS + geometry, numbered 1..n by onset,
        subregion_id 1..k within each period by descending event count.
    """
    score = "peak_probability" if "peak_probability" in raw_periods else "peak_beta"
    raw = raw_periods.rename(columns={score: "peak_probability"})
    subs = find_subregions(dmaps, periods=raw, catalog=catalog, flagged=flagged,
                           **subregion_options)
    episodes = episodes_from_subregions(catalog, raw, subs, dmaps.background_days,
                                        keep_geometry=True)
    # A subregion whose events show no elevated stretch is no episode: keeping it with the
    # raw window span would stretch its period back to the first window's start. A raw
    # period none of whose subregions is elevated keeps its window span, marked
    # refined = False.
    episodes = episodes[episodes["refined"].astype(bool)].reset_index(drop=True)
    episodes["episode_id"] = np.arange(1, len(episodes) + 1, dtype=np.int64)
    periods = periods_from_episodes(episodes, raw)
    periods["refined"] = periods["n_episodes"] > 0
    # episodes belong to the refined period that holds them
    period_of = {int(e): int(pid) for pid, ids in zip(periods["period_id"], periods["episode_ids"])
                 for e in str(ids).split(";") if e}
    episodes = episodes.rename(columns={"period_id": "raw_period_id",
                                        "subregion_id": "raw_subregion_id"})
    episodes["period_id"] = episodes["episode_id"].map(period_of).astype(np.int64)
    shape = subs[["period_id", "subregion_id", "n_pixels", "area_km2"]].rename(
        columns={"period_id": "raw_period_id", "subregion_id": "raw_subregion_id"})
    episodes = episodes.merge(shape, on=["raw_period_id", "raw_subregion_id"], how="left")
    episodes["start"], episodes["end"] = episodes["onset"], episodes["end"]
    episodes = episodes.sort_values(["period_id", "n_events", "episode_id"],
                                    ascending=[True, False, True], kind="stable")
    episodes["subregion_id"] = episodes.groupby("period_id").cumcount() + 1
    episodes = episodes.sort_values(["period_id", "subregion_id"], kind="stable")
    episodes = episodes.reset_index(drop=True)
    n_windows = dict(zip(raw["period_id"].astype(int), raw["n_windows"].astype(int)))
    periods["n_windows"] = periods["raw_period_id"].map(n_windows).fillna(0).astype(np.int64)
    periods = periods[PERIOD_COLUMNS]
    geometry = episodes.geometry
    table = episodes[EPISODE_COLUMNS]
    import geopandas as gpd

    table = gpd.GeoDataFrame(table, geometry=geometry.values, crs="EPSG:4326")
    table.attrs["settings"] = dict(subs.attrs.get("settings", {}))
    if score != "peak_probability":
        periods = periods.rename(columns={"peak_probability": score})
        table = table.rename(columns={"peak_probability": score})
    return periods.reset_index(drop=True), table
