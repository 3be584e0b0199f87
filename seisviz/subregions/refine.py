"""From flagged windows to flagged periods to the day: subregions, episodes, periods.

The detector flags windows; a run of flagged windows is a *raw period* whose span starts
at its first window's start, about one window length before the activity it flags. This
module turns raw periods into what a seismologist exports:

1. the subregions of each raw period (`seisviz.subregions.find_subregions`: where);
2. one or more *episodes* per subregion, with `onset` and `end` from the subregion's own
   events (`seisviz.subregions.episodes`: when; an end may follow the events past the
   last flagged window);
3. one episode per place and time, each with at least `settings.MIN_EVENTS` distinct
   events (`seisviz.subregions.united`: the same place found by two runs of windows at
   overlapping times is one episode);
4. the periods as the union in time of all episodes' [onset, end], so that no two
   periods overlap, with the earliest and latest raw window span kept as
   `window_start` / `window_end`. A raw period without an elevated place of enough
   events gives no period (`refined` is therefore True on every row; the column stays
   for the files' layout).

The table every consumer reads (pages, exports, the condensed catalog) has one row per
episode, i.e. one row per place and time: its polygon with `start` = onset and `end` =
end, closed at both ends (the onset is the first event of the episode, the end its last).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from seisviz.stats.episode import EPISODE_STAT_COLUMNS, characterise_episode
from seisviz.subregions.episodes import episodes_from_subregions, events_in_episode
from seisviz.subregions.regions import find_subregions
from seisviz.subregions.united import merge_same_place, periods_from_episodes, with_min_events
from seisviz.tables import BASELINE_SCORE, CRS, PERIODS, SCORE, UNGROUPED_EPISODES


def refine_periods(catalog: pd.DataFrame, dmaps: Any, raw_periods: pd.DataFrame,
                   flagged: np.ndarray | None = None, score: str | None = None,
                   **subregion_options: Any) -> tuple[pd.DataFrame, Any]:
    """Refined periods and their episodes from raw periods (runs of flagged windows).

    Args:
        catalog: the events the scan looked at (inside its grid, above its min magnitude).
        dmaps: the scan's distribution maps.
        raw_periods: period_id, start, end (the windows' span), the score, n_windows.
        flagged: one bool per window (which windows the subregions are looked for in).
        score: the raw periods' score column, kept under its name in both tables:
            `seisviz.tables.SCORE` (peak_probability, the network's) or `BASELINE_SCORE`
            (peak_beta); default: peak_probability when the raw periods have it.
        subregion_options: passed to `find_subregions`.
    Returns:
        (periods, episodes): periods with the columns of `seisviz.tables.PERIODS`,
        numbered 1..n by start, never overlapping, each with at least one episode;
        n_windows the sum over the raw periods it holds, the score their highest;
        episodes a GeoDataFrame (EPSG:4326) with the columns of
        `seisviz.tables.UNGROUPED_EPISODES` + geometry (the scan groups them into
        sequences: `seisviz.subregions.sequences`), numbered 1..n by onset, subregion_id 1..k
        within each period by descending event count, each characterised from its own
        events (`with_episode_stats`).
    """
    import geopandas as gpd

    score = score or (SCORE if SCORE in raw_periods else BASELINE_SCORE)
    subs = find_subregions(dmaps, periods=raw_periods, catalog=catalog, flagged=flagged,
                           **subregion_options)
    episodes = _elevated_episodes(catalog, dmaps, raw_periods, subs, score)
    # A second look, only at raw periods that gave no episode of the minimum count: a
    # tight place (a hot 3x3 neighbourhood) whose events are scattered over a few km, as
    # in sparse regional networks' catalogs located to 0.01 degree, holds too few of them;
    # grown by the ~5 km neighbourhood it may hold enough. Periods that have an episode
    # keep theirs untouched.
    kept = with_min_events(catalog, episodes)
    missing = raw_periods[~raw_periods["period_id"].isin(kept["period_id"])] \
        if "period_id" in raw_periods else raw_periods.iloc[:0]
    if len(missing):
        grown = find_subregions(dmaps, periods=missing, catalog=catalog, flagged=flagged,
                                grown=True, **subregion_options)
        more = with_min_events(catalog, _elevated_episodes(catalog, dmaps, missing, grown,
                                                            score))
        if len(more):  # they stand for the first look's (too small) ones of those periods
            again = episodes["period_id"].isin(more["period_id"])
            episodes = pd.concat([episodes[~again], more], ignore_index=True)
    episodes = merge_same_place(catalog, episodes, score=score)
    episodes = with_min_events(catalog, episodes)
    episodes = episodes.sort_values(["onset", "period_id", "subregion_id"], kind="stable")
    episodes = episodes.reset_index(drop=True)
    episodes["episode_id"] = np.arange(1, len(episodes) + 1, dtype=np.int64)
    periods = periods_from_episodes(episodes, score=score)
    periods["refined"] = periods["n_episodes"] > 0
    episodes = with_episode_stats(catalog, _in_refined_periods(episodes, periods))
    n_windows = dict(zip(raw_periods["period_id"].astype(int),
                         raw_periods["n_windows"].astype(int)))
    periods["n_windows"] = [sum(n_windows.get(int(r), 0) for r in str(ids).split(";") if r)
                            for ids in periods["raw_period_ids"]]
    periods["n_windows"] = periods["n_windows"].astype(np.int64)
    periods = PERIODS.scored(score).select(periods)
    table = gpd.GeoDataFrame(UNGROUPED_EPISODES.scored(score).select(episodes),
                             geometry=episodes.geometry.values, crs=CRS)
    table.attrs["settings"] = dict(subs.attrs.get("settings", {}))
    return periods.reset_index(drop=True), table


def _elevated_episodes(catalog, dmaps, raw_periods, subs, score):
    """The episodes of `subs` whose events show an elevated stretch, with their shapes.

    A subregion whose events show none is no episode: keeping it with the raw window span
    would stretch its period back to the first window's start. A raw period none of whose
    subregions is elevated is no period either: it is an unlocated alarm
    (seisviz.subregions.unlocated), so the raw periods are not passed on here."""
    episodes = episodes_from_subregions(catalog, raw_periods, subs, dmaps.background_days,
                                        keep_geometry=True, score=score)
    episodes = episodes[episodes["refined"].astype(bool)].reset_index(drop=True)
    return _with_shapes(episodes, subs)


def _with_shapes(episodes: pd.DataFrame, subs: pd.DataFrame) -> pd.DataFrame:
    """The episodes with their subregion's n_pixels and area_km2 (by raw period and
    subregion), geometry kept."""
    shape = subs[["period_id", "subregion_id", "n_pixels", "area_km2"]]
    merged = pd.DataFrame(episodes.drop(columns="geometry")).merge(
        pd.DataFrame(shape), on=["period_id", "subregion_id"], how="left")
    return episodes.assign(n_pixels=merged["n_pixels"].to_numpy(),
                           area_km2=merged["area_km2"].to_numpy())


def _in_refined_periods(episodes: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """The episodes numbered within the refined period that holds them: period_id that
    period's, subregion_id 1..k by descending event count, start = onset; the raw
    period and subregion kept as raw_period_id, raw_subregion_id."""
    period_of = {int(e): int(pid) for pid, ids in zip(periods["period_id"], periods["episode_ids"])
                 for e in str(ids).split(";") if e}
    episodes = episodes.rename(columns={"period_id": "raw_period_id",
                                        "subregion_id": "raw_subregion_id"})
    episodes["period_id"] = episodes["episode_id"].map(period_of).astype(np.int64)
    episodes["start"], episodes["end"] = episodes["onset"], episodes["end"]
    episodes = episodes.sort_values(["period_id", "n_events", "episode_id"],
                                    ascending=[True, False, True], kind="stable")
    episodes["subregion_id"] = episodes.groupby("period_id").cumcount() + 1
    episodes = episodes.sort_values(["period_id", "subregion_id"], kind="stable")
    return episodes.reset_index(drop=True)


def with_episode_stats(catalog: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """`episodes` with the columns of `seisviz.stats.EPISODE_STAT_COLUMNS` (mc, b_value,
    b_value_err, omori_p/c/k, diffusivity_m2s, depth_median_km, kind), each episode
    characterised (`characterise_episode`) from its own events (`events_in_episode`: inside
    its polygon, onset to end); NaN (kind: empty string) where it has too few events."""
    rows = []
    geoms = episodes.geometry if "geometry" in episodes else [None] * len(episodes)
    for geom, onset, end in zip(geoms, episodes["onset"], episodes["end"]):
        events = catalog.iloc[events_in_episode(catalog, geom, onset, end)]
        rows.append(characterise_episode(events))
    stats = pd.DataFrame(rows, columns=EPISODE_STAT_COLUMNS, index=episodes.index)
    numeric = [c for c in EPISODE_STAT_COLUMNS if c != "kind"]
    stats[numeric] = stats[numeric].astype(np.float64)
    stats["kind"] = stats["kind"].fillna("").astype(str)
    out = episodes.drop(columns=EPISODE_STAT_COLUMNS, errors="ignore")
    for col in EPISODE_STAT_COLUMNS:
        out[col] = stats[col]
    return out
