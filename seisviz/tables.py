"""One layout per table: the columns of every table seisviz makes, writes and reads.

A table's columns used to be listed wherever it was built, written or read; they are
listed here once, as a `TableLayout`, and everything else refers to the layout:

- `WINDOWS`: one row per window of a scan (windows.csv);
- `RAW_PERIODS`: runs of flagged windows, the detector's periods before refinement;
- `SUBREGIONS`: where each raw period's anomaly sits (`find_subregions`);
- `RAW_EPISODES`, `UNITED_PERIODS`: the two stages between raw and refined
  (`episodes_from_subregions`, `periods_from_episodes`);
- `PERIODS`, `EPISODES`: the refined periods and their episodes, one row per place and
  time (periods.csv, episodes.csv; `EPISODE_POLYGONS` is what the polygon files keep);
- `UNLOCATED`: runs of flagged windows in which no place is elevated (unlocated.csv);
- `SEQUENCES`: episodes at one place that follow each other, grouped (sequences.csv;
  `seisviz.subregions.sequences`); `UNGROUPED_EPISODES` is the episodes before it;
- `TILE_EPISODES`, `MERGED_EPISODES`, `MERGED_PERIODS`, `TILES`: the tables of a
  `scan-tiles` run (docs/tiles.md);
- `LABELLED_PERIODS`: the true (or manually picked) periods of the demo data.

A new table is one more `TableLayout` below and its entry in `LAYOUTS`.

A period's score column is named after the score that flagged it: `SCORE`
(peak_probability) for the network, `BASELINE_SCORE` (peak_beta) for the beta baseline.
The layouts name `SCORE`; `TableLayout.scored` gives the same table for another score.

Every polygon and centre is longitude/latitude on WGS 84: `CRS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

CRS = "EPSG:4326"
SCORE = "peak_probability"     # a period's score: the network's highest probability
BASELINE_SCORE = "peak_beta"   # ... or, for the baseline's periods, its highest beta
UTC = "datetime64[ns, UTC]"    # every time is UTC (seisviz.timeutil)


def empty_geoframe(columns: Sequence[str], dtypes: Sequence[str] | None = None
                   ) -> gpd.GeoDataFrame:
    """A GeoDataFrame without rows, with `columns` (of `dtypes`, else object) and an
    empty geometry column in `CRS`: what a table with polygons is when nothing was found."""
    import geopandas as gpd

    dtypes = dtypes or [object] * len(columns)
    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(columns, dtypes)})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


@dataclass(frozen=True)
class TableLayout:
    """The columns of one table, in order.

    Attributes:
        name: the table's name in the user's words ("episodes", "tiles").
        columns: its columns, in the order it is built and written (geometry aside).
        time_columns: those holding UTC times (written as ISO-8601 strings).
        dtypes: one dtype per column, for the tables whose empty form is typed; empty
            when an empty table has object columns.
        geometry: whether the table is a GeoDataFrame with a polygon per row (`CRS`).
        stage_of: for a table that exists only on the way to another, that table's name.
    """

    name: str
    columns: tuple[str, ...]
    time_columns: tuple[str, ...] = ()
    dtypes: tuple[str, ...] = ()
    geometry: bool = False
    stage_of: str | None = None

    def __post_init__(self) -> None:
        # a layout that names a time or dtype the table does not have is a typo here
        if not set(self.time_columns) <= set(self.columns):
            raise ValueError(f"{self.name}: time columns not among its columns")
        if self.dtypes and len(self.dtypes) != len(self.columns):
            raise ValueError(f"{self.name}: {len(self.dtypes)} dtypes for "
                             f"{len(self.columns)} columns")

    def select(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame`'s columns of this table, in the table's order (KeyError if one lacks)."""
        return frame[list(self.columns)]

    def present(self, frame: pd.DataFrame) -> list[str]:
        """This table's columns that `frame` has, in the table's order."""
        return [c for c in self.columns if c in frame]

    def empty(self) -> pd.DataFrame:
        """The table without rows: its columns with their dtypes (object where untyped),
        a GeoDataFrame in `CRS` for a table with polygons."""
        if self.geometry:
            return empty_geoframe(self.columns, self.dtypes or None)
        dtypes = self.dtypes or [object] * len(self.columns)
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(self.columns, dtypes)})

    def with_utc_times(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` (changed in place, and returned) with the time columns it has as UTC
        datetimes: how a table read back from CSV or GeoJSON gets its times again."""
        for col in self.time_columns:
            if col in frame:
                frame[col] = pd.to_datetime(frame[col], utc=True)
        return frame

    def scored(self, score: str) -> TableLayout:
        """The same table for periods flagged by another score: `SCORE`'s column named
        `score` (e.g. `BASELINE_SCORE` for the baseline's periods)."""
        if score == SCORE or SCORE not in self.columns:
            return self
        return replace(self, columns=tuple(score if c == SCORE else c for c in self.columns))

    def without(self, *columns: str, name: str) -> TableLayout:
        """A table of this one's columns but `columns`, called `name`."""
        keep = [i for i, c in enumerate(self.columns) if c not in columns]
        return replace(self, name=name, columns=tuple(self.columns[i] for i in keep),
                       time_columns=tuple(c for c in self.time_columns if c not in columns),
                       dtypes=tuple(self.dtypes[i] for i in keep) if self.dtypes else ())


# ------------------------------------------------------------------ a scan

WINDOWS = TableLayout(
    "windows",
    ("window_start", "window_end", "n_events", "probability", "flagged", "baseline_beta",
     "baseline_flagged", "has_history", "network", "regional_beta"),
    time_columns=("window_start", "window_end"))
# `network`: what the network did with the window (seisviz.detect.passes): "seen", or not
# scored (probability NaN) as "sparse", "coarse pass" or "no history".

# A scan cut into tiles (seisviz.detect.tiled): each tile's windows (tile_windows.csv of
# its scan folder), and windows.csv with the tile whose probability a window shows.
TILE_WINDOWS = TableLayout(
    "tile windows",
    ("tile_id", "window_start", "window_end", "n_events", "probability", "baseline_beta",
     "has_history", "network", "regional_beta"),
    time_columns=("window_start", "window_end"))
TILED_WINDOWS = TableLayout("tiled windows", (*WINDOWS.columns, "tile_id"),
                            time_columns=WINDOWS.time_columns)

# Runs of flagged windows: a period spans its first window's start to its last one's end.
RAW_PERIODS = TableLayout(
    "raw periods", ("period_id", "start", "end", SCORE, "n_windows"),
    time_columns=("start", "end"), stage_of="periods")

# One row per place of a raw period (docs/subregions.md); typed even when empty.
SUBREGIONS = TableLayout(
    "subregions",
    ("period_id", "subregion_id", "start", "end", "n_events", SCORE, "center_lon",
     "center_lat", "n_pixels", "area_km2"),
    time_columns=("start", "end"),
    dtypes=("int64", "int64", UTC, UTC, "int64", "float64", "float64", "float64", "int64",
            "float64"),
    geometry=True)

# The episodes of each (raw period, subregion), numbered by onset over the scan; the
# score of their raw period follows the last column when the raw periods have one.
RAW_EPISODES = TableLayout(
    "raw episodes",
    ("episode_id", "period_id", "subregion_id", "onset", "end", "window_start",
     "window_end", "n_events", "background_rate_per_day", "peak_daily_count", "rate_ratio",
     "max_magnitude", "max_magnitude_time", "center_lon", "center_lat", "refined"),
    time_columns=("onset", "end", "window_start", "window_end", "max_magnitude_time"),
    stage_of="episodes")

# The unions in time of all raw episodes, whichever raw period found them (raw_period_id
# that of the first, raw_period_ids all as "1;2"); the score follows the last column when
# known. `refine_periods` adds n_windows and refined.
UNITED_PERIODS = TableLayout(
    "united periods",
    ("period_id", "raw_period_id", "start", "end", "window_start", "window_end",
     "n_episodes", "episode_ids", "n_events", "raw_period_ids"),
    time_columns=("start", "end", "window_start", "window_end"), stage_of="periods")

# The refined periods (periods.csv; docs/detection.md).
PERIODS = TableLayout(
    "periods",
    ("period_id", "start", "end", "window_start", "window_end", SCORE, "n_windows",
     "n_episodes", "episode_ids", "n_events", "refined"),
    time_columns=("start", "end", "window_start", "window_end"))

# Unlocated alarms (unlocated.csv; docs/detection.md): runs of flagged windows during which
# no episode is active, i.e. no place rose over its own rate; not periods. Typed even when
# empty. center_lon/center_lat/n_events_at_center are only an approximate place (the ~5 km
# neighbourhood where most of the span's events are, seisviz.subregions.unlocated), NaN
# with no events; tile_id the tile it was found in ("" on one grid).
UNLOCATED = TableLayout(
    "unlocated alarms",
    ("alarm_id", "window_start", "window_end", SCORE, "n_windows", "n_events", "center_lon",
     "center_lat", "n_events_at_center", "tile_id"),
    time_columns=("window_start", "window_end"),
    dtypes=("int64", UTC, UTC, "float64", "int64", "int64", "float64", "float64", "int64",
            object))

# What each episode is, from its own events (seisviz.stats.characterise_episode,
# docs/statistics.md): NaN, and an empty kind, where it has too few events.
EPISODE_STATS = ("mc", "b_value", "b_value_err", "omori_p", "omori_c", "omori_k",
                 "diffusivity_m2s", "depth_median_km", "kind")

# The refined episodes, one per place and time, start = onset (docs/detection.md),
# then their statistics (EPISODE_STATS).
EPISODES = TableLayout(
    "episodes",
    ("period_id", "subregion_id", "episode_id", "sequence_id", "start", "end", "onset",
     "window_start", "window_end", "n_events", "background_rate_per_day", "peak_daily_count",
     "rate_ratio", "max_magnitude", "max_magnitude_time", SCORE, "center_lon", "center_lat",
     "n_pixels", "area_km2", "refined", *EPISODE_STATS),
    time_columns=("start", "end", "onset", "window_start", "window_end",
                  "max_magnitude_time"),
    geometry=True)

# The episodes as `refine_periods` makes them, before they are grouped into sequences.
UNGROUPED_EPISODES = replace(EPISODES.without("sequence_id", name="ungrouped episodes"),
                             stage_of="episodes")

# Episodes at one place that follow each other (seisviz.subregions.sequences,
# docs/detection.md "What a sequence is"): the first onset, the last end, the sums and
# largest of its episodes, episode_ids and period_ids ";"-separated; the union of its
# episodes' polygons as geometry (sequences.csv keeps the table without it).
SEQUENCES = TableLayout(
    "sequences",
    ("sequence_id", "start", "end", "n_episodes", "episode_ids", "period_ids", "n_events",
     "max_magnitude", "max_magnitude_time", SCORE, "center_lon", "center_lat"),
    time_columns=("start", "end", "max_magnitude_time"),
    dtypes=("int64", UTC, UTC, "int64", object, object, "int64", "float64", UTC, "float64",
            "float64", "float64"),
    geometry=True)

# What subregions.geojson / .gpkg keep of an episode (docs/export.md): onset is start
# again, and refined is in episodes.csv.
EPISODE_POLYGONS = EPISODES.without("onset", "refined", name="episode polygons")

# ------------------------------------------------------------------ scan-tiles

# Each tile's episodes (tile_episodes.geojson), read by the merge and the Overview page.
TILE_EPISODES = TableLayout(
    "tile episodes",
    ("tile_id", "tile_episode", "onset", "end", "n_events", "rate_ratio", "max_magnitude",
     "max_magnitude_time", SCORE, "center_lon", "center_lat", "in_core"),
    time_columns=("onset", "end", "max_magnitude_time"), geometry=True)

# The episodes over the whole area, one per place and time (episodes.csv of the run).
MERGED_EPISODES = TableLayout(
    "merged episodes",
    ("episode_id", "sequence_id", "period_id", "tile_id", "onset", "end", "n_events",
     "rate_ratio", "max_magnitude", "max_magnitude_time", SCORE, "center_lon", "center_lat",
     "seen_by", "n_tiles"),
    time_columns=("onset", "end", "max_magnitude_time"), geometry=True)

# The unions in time of the merged episodes (periods.csv of the run).
MERGED_PERIODS = TableLayout(
    "merged periods",
    ("period_id", "start", "end", "n_episodes", "episode_ids", "n_events", "tiles"),
    time_columns=("start", "end"))

# One row per tile, its core as polygon (tiles.geojson).
TILES = TableLayout(
    "tiles",
    ("tile_id", "row", "col", "status", "n_events", "n_episodes", "n_episodes_scanned",
     "seconds", "message", "box_min_lon", "box_max_lon", "box_min_lat", "box_max_lat"),
    geometry=True)

# ------------------------------------------------------------------ the demo data

# The labelled episodes of a demo catalog (<name>_demo_periods.csv), the truth a scan is
# compared with; a CSV of manual picks has at least start and end.
LABELLED_PERIODS = TableLayout(
    "labelled periods",
    ("period_id", "kind", "start", "end", "center_lon", "center_lat", "radius_km",
     "n_events"),
    time_columns=("start", "end"))

LAYOUTS = {layout.name: layout for layout in (
    WINDOWS, TILE_WINDOWS, TILED_WINDOWS, RAW_PERIODS, SUBREGIONS, RAW_EPISODES, UNITED_PERIODS,
    PERIODS, UNLOCATED, EPISODES, UNGROUPED_EPISODES, SEQUENCES, EPISODE_POLYGONS,
    TILE_EPISODES, MERGED_EPISODES, MERGED_PERIODS, TILES, LABELLED_PERIODS)}
