"""A region wider than the model's trained scale, scanned in tiles in this process and
merged into one `ScanResult` (the format of a one-grid scan).

Each tile with at least `MIN_EVENTS` events in its scan box is scanned by `scan_catalog`
at the trained pixel size; of its result only its windows (`TileScan`) and its episodes
are kept, never its distribution maps, so memory stays that of one tile whatever the
area. The episodes of all tiles are merged as `seisviz scan-tiles` merges them
(`seisviz.tiles.merge.one_row_per_episode`: one row per place and time, the tile whose
core holds it); periods are the unions in time of the merged episodes; windows.csv has
one row per window time with the highest probability over the tiles and the tile it
came from (`tile_id`).

Re-flagging (other thresholds) keeps no maps either: each tile's windows are flagged
anew, and only a tile with flagged windows is rasterized again from its events (no
network, seconds) to find its episodes (`reflag_tiles`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np
import pandas as pd

from seisviz.detect.result import ScanResult
from seisviz.detect.scan import above_min_magnitude, reflag, scan_catalog
from seisviz.errors import Cancelled, SeisvizError
from seisviz.settings import ScanSettings
from seisviz.detect.flags import assisted_flags, with_regional_beta
from seisviz.detect.passes import COARSE, NO_HISTORY, SEEN, SPARSE, with_network_state
from seisviz.subregions.sequences import group_sequences
from seisviz.subregions.unlocated import PLACE_COLUMNS, unlocated_alarms
from seisviz.tables import (CRS, EPISODES, PERIODS, SCORE, TILE_WINDOWS, TILED_WINDOWS,
                            UNLOCATED)
from seisviz.tiles.grid import Tile, split_events, tile_events
from seisviz.tiles.merge import one_row_per_episode
from seisviz.timeutil import DAY_NS, to_ns


@dataclass(frozen=True)
class TileScan:
    """One scanned tile of a tiled result: the tile and its windows (the columns of
    `seisviz.tables.TILE_WINDOWS` but tile_id: probability and beta per window)."""

    tile: Tile
    windows: pd.DataFrame


def region_span(catalog: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(start, end) of every tile's windows: the day of the region's first event and the
    day after its last. Shared, so that the tiles' windows line up, and so that a place
    quiet until a new sequence starts has that quiet time as its history instead of
    starting its windows (and its missing history) at the sequence's first event."""
    t = to_ns(catalog["time"])
    first, last = (int(t.min()) // DAY_NS) * DAY_NS, (int(t.max()) // DAY_NS + 1) * DAY_NS
    return pd.Timestamp(first, tz="UTC"), pd.Timestamp(last, tz="UTC")


def scan_in_tiles(catalog: pd.DataFrame, tiles: list[Tile], net_card: tuple,
                  settings: ScanSettings, min_events: int,
                  progress: Callable[[int, int], None] | None = None,
                  should_stop: Callable[[], bool] | None = None) -> tuple[ScanResult, dict]:
    """Scan every tile of `tiles` holding at least `min_events` events of `catalog` (one
    `scan_catalog` each, the model loaded once: `net_card`), and merge them.

    -> (the merged ScanResult without its `cut`, {n_scanned, n_sparse, failed,
    pixel_km}). A tile the data cannot scan (a SeisvizError, e.g. too short) is counted
    in `failed` with its message; a Cancelled run raises."""
    scans, episode_tables, alarms, failed = [], [], [], {}
    timings: dict = {}
    info: dict = {}
    pixel_km = []
    busy = [(t, i) for t, i in split_events(catalog, tiles) if len(i) >= min_events]
    done_maps = {"before": 0}
    span = region_span(catalog)
    span_days = (span[1] - span[0]) / pd.Timedelta(days=1)
    per_tile = max(1, int((span_days - settings.window_days) / settings.step_days) + 1)

    def tile_progress(done, total):  # maps over all tiles, each tile's count estimated
        if progress is not None:
            progress(done_maps["before"] + done, per_tile * len(busy))

    for tile, index in busy:
        events = tile_events(catalog, index)
        try:
            result = scan_catalog(events, loaded=net_card, progress=tile_progress,
                                  settings=settings.replace(bbox=tile.box),
                                  should_stop=should_stop, span=span)
        except Cancelled:
            raise
        except SeisvizError as exc:
            failed[tile.tile_id] = str(exc)
            continue
        done_maps["before"] += len(result.windows)
        for key, value in result.timings.items():
            timings[key] = timings.get(key, 0.0) + float(value)
        # the network's work summed over the tiles (one tile's maps/s says little)
        maps = info.get("maps", 0) + result.device_info.get("maps", 0)
        seconds = info.get("seconds", 0.0) + result.device_info.get("seconds", 0.0)
        info = {**result.device_info, "maps": maps, "seconds": seconds,
                "maps_per_second": maps / seconds if seconds > 0 else 0.0}
        pixel_km.append(max(result.dmaps.grid.pixel_km))
        scans.append(TileScan(tile, tile_windows(result.windows)))
        episode_tables.append(with_tile(result.episodes, tile))
        alarms.append(result.unlocated.assign(tile_id=tile.tile_id))
        del result  # its maps: one tile's at a time
    if progress is not None:
        progress(done_maps["before"], done_maps["before"])
    merged = merge_tiles(scans, episode_tables, catalog, settings, net_card[1], alarms)
    merged = replace(merged, timings=timings, device_info=info)
    return merged, {"n_scanned": len(scans), "n_sparse": len(tiles) - len(busy),
                    "failed": failed,
                    "pixel_km": round(float(np.mean(pixel_km)), 3) if pixel_km else None}


def tile_windows(windows: pd.DataFrame) -> pd.DataFrame:
    """What a tiled result keeps of one tile's windows (no flags: they are re-derived)."""
    return TILE_WINDOWS.without("tile_id", name="tile windows").select(windows).reset_index(
        drop=True)


def with_tile(episodes: Any, tile: Tile) -> Any:
    """A tile's episodes with tile_id and in_core (centre in the tile's core)."""
    if episodes is None or len(episodes) == 0:
        return None
    episodes = episodes.copy()
    episodes["tile_id"] = tile.tile_id
    episodes["in_core"] = tile.in_core(episodes["center_lon"], episodes["center_lat"])
    return episodes


def merge_tiles(scans: list[TileScan], episode_tables: list, catalog: pd.DataFrame,
                settings: ScanSettings, card: Any = None,
                alarm_tables: list | None = None) -> ScanResult:
    """One ScanResult from the tiles' windows, episodes and unlocated alarms (flags at
    `settings`), its episodes grouped into sequences as a one-grid scan's are."""
    windows = merged_windows(scans, catalog, settings)
    episodes = merged_episodes(episode_tables)
    periods = merged_periods(episodes, windows, settings)
    episodes, sequences = group_sequences(episodes)
    return ScanResult(windows=windows, periods=periods, dmaps=None, settings=settings,
                      episodes=episodes, model=card.summary() if card is not None else {},
                      card=card, tiles=tuple(scans), sequences=sequences,
                      unlocated=merged_unlocated(alarm_tables or [], episodes, catalog))


def merged_unlocated(tables: list, episodes: pd.DataFrame,
                     catalog: pd.DataFrame) -> pd.DataFrame:
    """The tiles' unlocated alarms over the whole area (`seisviz.tables.UNLOCATED`): one
    run of windows seen by neighbouring tiles is one alarm (spans that overlap are
    joined), and an alarm during which an episode of any tile is active is located, as in
    a one-grid scan (`seisviz.subregions.unlocated_alarms`). A joined alarm's approximate
    place and tile_id are those of the tile whose run scored highest (the flags came
    from it; ties: more events at the place), its n_events_at_center counted in that
    tile's run."""
    tables = [t for t in tables if t is not None and len(t)]
    if not tables:
        return UNLOCATED.empty()
    alarms = pd.concat(tables, ignore_index=True).sort_values("window_start", kind="stable")
    rows: list[dict] = []
    for a in alarms.itertuples(index=False):
        a = a._asdict()
        place = {c: a[c] for c in (*PLACE_COLUMNS, "tile_id")}
        if rows and a["window_start"] <= rows[-1]["end"]:
            last = rows[-1]
            last["end"] = max(last["end"], a["window_end"])
            if (np.nan_to_num(a[SCORE], nan=-np.inf), a["n_events_at_center"]) > (
                    np.nan_to_num(last[SCORE], nan=-np.inf), last["n_events_at_center"]):
                last.update(place)
            last[SCORE] = np.fmax(last[SCORE], a[SCORE])
            last["n_windows"] = max(last["n_windows"], a["n_windows"])
        else:
            rows.append({"start": a["window_start"], "end": a["window_end"],
                         SCORE: a[SCORE], "n_windows": a["n_windows"], **place})
    return unlocated_alarms(pd.DataFrame(rows), episodes, catalog)


def merged_windows(scans: list[TileScan], catalog: pd.DataFrame,
                   settings: ScanSettings) -> pd.DataFrame:
    """One row per window time over the tiles (`seisviz.tables.TILED_WINDOWS`): the
    highest probability and beta of any tile, the tile of that probability, and the
    events of the whole area in the window."""
    if scans:
        starts = np.unique(np.concatenate([to_ns(s.windows["window_start"]) for s in scans]))
    elif len(catalog):  # no tile had events enough: the region's windows, none scored
        from seisviz.maps.raster import window_starts

        first, last = region_span(catalog)
        starts, _ = window_starts(0, 0, settings.window_days, settings.step_days, first,
                                  last)
    else:
        return TILED_WINDOWS.empty()
    prob = np.full(len(starts), np.nan)
    beta = np.full(len(starts), np.nan)
    regional = np.full(len(starts), np.nan)
    flagged = np.zeros(len(starts), bool)
    history = np.zeros(len(starts), bool)
    tile = np.full(len(starts), "", dtype=object)
    # what the network did with the window in the tile that did most with it
    rank = np.zeros(len(starts), np.int64)
    order = (SPARSE, NO_HISTORY, COARSE, SEEN)
    for s in scans:
        at = np.searchsorted(starts, to_ns(s.windows["window_start"]))
        state = with_network_state(s.windows)["network"].map(order.index).to_numpy(np.int64)
        np.maximum.at(rank, at, state)
        p = s.windows["probability"].to_numpy(float)
        better = np.isfinite(p) & ~(np.nan_to_num(prob[at], nan=-1.0) >= p)
        prob[at[better]] = p[better]
        tile[at[better]] = s.tile.tile_id
        beta[at] = np.fmax(beta[at], s.windows["baseline_beta"].to_numpy(float))
        # flagged where any tile flags it, baseline assistance included (seisviz.detect.flags)
        r = with_regional_beta(s.windows, None)["regional_beta"].to_numpy(float)
        regional[at] = np.fmax(regional[at], r)
        flagged[at] |= assisted_flags(p, r, settings.threshold, settings.assist_threshold,
                                      settings.assist_beta)
        history[at] |= s.windows["has_history"].to_numpy(bool)
    length = int(round(settings.window_days * DAY_NS))
    t = np.sort(to_ns(catalog["time"]))
    n_events = np.searchsorted(t, starts + length) - np.searchsorted(t, starts)
    windows = pd.DataFrame({
        "window_start": pd.to_datetime(starts, utc=True),
        "window_end": pd.to_datetime(starts + length, utc=True),
        "n_events": n_events.astype(np.int64), "probability": prob,
        "flagged": flagged,
        "baseline_beta": beta,
        "baseline_flagged": np.nan_to_num(beta, nan=-np.inf) >= settings.baseline_threshold,
        "has_history": history, "network": np.asarray(order, dtype=object)[rank],
        "regional_beta": regional,
        "tile_id": tile})
    return TILED_WINDOWS.select(windows)


def merged_episodes(episode_tables: list) -> Any:
    """The tiles' episodes, one row per place and time (`one_row_per_episode`), with the
    columns of `seisviz.tables.EPISODES` then tile_id, seen_by, n_tiles; period_id and
    subregion_id are set by `merged_periods`."""
    import geopandas as gpd

    tables = [t for t in episode_tables if t is not None and len(t)]
    extra = ["tile_id", "seen_by", "n_tiles"]
    if not tables:
        empty = EPISODES.empty()
        for col in extra:
            empty[col] = pd.Series(dtype=object)
        return empty
    table = gpd.GeoDataFrame(pd.concat(tables, ignore_index=True), geometry="geometry",
                             crs=CRS)
    keep = one_row_per_episode(table)
    keep["start"] = keep["onset"]
    # EPISODES first, then whatever else a tile's episodes carry, then where it came from
    others = [c for c in keep.columns if c not in (*EPISODES.columns, *extra, "in_core",
                                                   "geometry")]
    cols = [*EPISODES.columns, *others, *extra]
    return gpd.GeoDataFrame(keep[cols], geometry=keep.geometry.values, crs=CRS)


def merged_periods(episodes: Any, windows: pd.DataFrame,
                   settings: ScanSettings) -> pd.DataFrame:
    """Periods as the unions in time of the merged episodes' [onset, end] over the whole
    area (they never overlap), with the columns of `seisviz.tables.PERIODS`; sets each
    episode's period_id and subregion_id (1..k by descending event count), in place."""
    if len(episodes) == 0:
        return PERIODS.empty()
    order = episodes.sort_values(["onset", "end"], kind="stable")
    group, last_end, g = [], None, 0
    for onset, end in zip(order["onset"], order["end"]):
        if last_end is None or onset > last_end:
            g += 1
            last_end = end
        last_end = max(last_end, end)
        group.append(g)
    episodes.loc[order.index, "period_id"] = np.asarray(group, dtype=np.int64)
    episodes["period_id"] = episodes["period_id"].astype(np.int64)
    rank = episodes.sort_values(["period_id", "n_events", "episode_id"],
                                ascending=[True, False, True], kind="stable")
    episodes.loc[rank.index, "subregion_id"] = (rank.groupby("period_id").cumcount() + 1
                                                ).to_numpy()
    episodes["subregion_id"] = episodes["subregion_id"].astype(np.int64)
    w_start = to_ns(windows["window_start"])
    flagged = windows["flagged"].to_numpy(bool)
    rows = []
    for pid, e in episodes.groupby("period_id", sort=True):
        ws, we = e["window_start"].min(), e["window_end"].max()
        inside = (w_start >= to_ns(ws)) & (w_start < to_ns(we))
        rows.append({"period_id": int(pid), "start": e["onset"].min(), "end": e["end"].max(),
                     "window_start": ws, "window_end": we, SCORE: float(e[SCORE].max()),
                     "n_windows": int(np.count_nonzero(flagged & inside)),
                     "n_episodes": len(e),
                     "episode_ids": ";".join(str(int(i)) for i in sorted(e["episode_id"])),
                     "n_events": int(e["n_events"].sum()), "refined": True})
    return PERIODS.select(pd.DataFrame(rows))


def reflag_tiles(result: ScanResult, catalog: pd.DataFrame,
                 settings: ScanSettings) -> ScanResult:
    """A tiled `result` flagged anew at `settings`' thresholds: each tile with a flagged
    window is rasterized again from its events and refined (`reflag`), one at a time."""
    from seisviz.maps import make_grid, rasterize

    catalog = above_min_magnitude(catalog, settings)
    start, end = region_span(catalog)  # as scan_in_tiles, which gets the cut catalog
    tiles = [s.tile for s in result.tiles]
    events_of = dict((t.tile_id, i) for t, i in split_events(catalog, tiles))
    tables, alarms = [], []
    for scan in result.tiles:
        w = scan.windows.copy()
        if not (np.nan_to_num(w["probability"].to_numpy(float), nan=0.0)
                >= min(settings.threshold, settings.assist_threshold)).any() \
                or scan.tile.tile_id not in events_of:  # nothing this tile could flag
            continue
        events = tile_events(catalog, events_of[scan.tile.tile_id])
        tile_settings = settings.replace(bbox=scan.tile.box)
        dmaps = rasterize(events, make_grid(scan.tile.box, settings.grid),
                          settings.window_days, settings.step_days, settings.background_days,
                          start=start, end=end)
        w["flagged"] = False
        w["baseline_flagged"] = False
        one = ScanResult(windows=w, periods=pd.DataFrame(), dmaps=dmaps,
                         settings=tile_settings)
        tile_result = reflag(one, events)
        tables.append(with_tile(tile_result.episodes, scan.tile))
        alarms.append(tile_result.unlocated.assign(tile_id=scan.tile.tile_id))
    merged = merge_tiles(list(result.tiles), tables, catalog, settings, result.card, alarms)
    return replace(merged, model=result.model, timings=result.timings,
                   device_info=result.device_info, cut=result.cut, notes=result.notes)


def tile_windows_table(result: ScanResult) -> pd.DataFrame:
    """All tiles' windows of a tiled result as one table (`seisviz.tables.TILE_WINDOWS`:
    tile_windows.csv of its scan folder)."""
    if not result.tiles:
        return TILE_WINDOWS.empty()
    return TILE_WINDOWS.select(pd.concat(
        [s.windows.assign(tile_id=s.tile.tile_id) for s in result.tiles], ignore_index=True))


def tile_scans(table: pd.DataFrame, catalog: pd.DataFrame, cut: dict,
               settings: ScanSettings) -> tuple[TileScan, ...]:
    """The TileScans back from `tile_windows_table` output: the tiles are made again over
    the scanned catalog's area with the cut's tile size and overlap."""
    from seisviz.tiles.grid import catalog_area, make_tiles

    catalog = above_min_magnitude(catalog, settings)
    tiles = {t.tile_id: t for t in make_tiles(catalog_area(catalog), cut["tile_km"],
                                              cut["overlap_km"])}
    out = []
    for tile_id, w in table.groupby("tile_id", sort=True):
        if tile_id not in tiles:
            raise SeisvizError(f"tile_windows.csv: tile {tile_id} is not a tile of this "
                               "catalog's area: is it the catalog the scan read?")
        w = with_regional_beta(with_network_state(w), None)  # a folder from before them
        out.append(TileScan(tiles[tile_id], tile_windows(w)))
    return tuple(out)
