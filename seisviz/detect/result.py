"""`ScanResult`: what a scan found, as a value.

It holds the windows, the flagged periods and what made them; it neither writes nor reads
files. Its scan folder is written and read by seisviz.scanfolder (`save_scan_folder`,
`load_scan_folder`), its run.json record is seisviz.runinfo.run_record.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.settings import ScanSettings
from seisviz.subregions.condensed import scanned_catalog
from seisviz.subregions.sequences import group_sequences


@dataclass(frozen=True)
class ScanResult:
    """The windows a scan scored, its flagged periods and what made them.

    Attributes:
        windows: one row per window (`seisviz.tables.WINDOWS`).
        periods: the flagged periods to the day (seisviz.subregions.refine): period_id,
            start, end (union of their episodes' onset and end), window_start,
            window_end (the flagged windows' span), peak_probability, n_windows,
            n_episodes, episode_ids, n_events.
        episodes: one row per episode, i.e. per place and time (GeoDataFrame,
            EPSG:4326): period_id, subregion_id, episode_id, sequence_id, start (= onset),
            end, ….
        sequences: episodes at one place that follow each other, one row per sequence
            (`seisviz.tables.SEQUENCES`, GeoDataFrame; seisviz.subregions.sequences).
        dmaps: the distribution maps (seisviz.maps.DistributionMaps).
        settings: the scan's ScanSettings.
        model: what run.json records of the model (architecture, sha256, threshold…).
        card: the full ModelCard when the model was loaded (None for a loaded folder).
        cut: how the region was cut (`seisviz.detect.region.RegionCut.to_dict()`).
        tiles: for a region cut into tiles, one `seisviz.detect.tiled.TileScan` per
            scanned tile (its windows; no maps: `dmaps` is None).
        unlocated: the unlocated alarms (`seisviz.tables.UNLOCATED`): runs of flagged
            windows during which no place was elevated; they are not periods. None for a
            result made before they existed.
    """

    windows: pd.DataFrame
    periods: pd.DataFrame
    dmaps: Any
    settings: ScanSettings
    episodes: Any = None
    model: dict = field(default_factory=dict)
    card: Any = None
    timings: dict = field(default_factory=dict)
    device_info: dict = field(default_factory=dict)
    notes: tuple = ()  # lines for the user, e.g. that a scan folder was upgraded
    # how the region was cut (seisviz.detect.region.RegionCut.to_dict()), and for a region
    # cut into tiles each scanned tile's windows (seisviz.detect.tiled.TileScan): plain
    # defaults, so that results pickled before them load
    cut: Any = None
    tiles: tuple = ()
    unlocated: Any = None
    sequences: Any = None

    def __setstate__(self, state: dict) -> None:
        # results pickled into a stored session before the field was named `episodes`
        if "subregions" in state:
            state = {**state, "episodes": state["subregions"]}
            del state["subregions"]
        # results pickled before unlocated alarms existed: not known, rather than none
        state = {"unlocated": None, **state}
        # ... and before they had an approximate place: not known (as unlocated_alarms
        # says it without a grid)
        alarms = state["unlocated"]
        if alarms is not None and "center_lon" not in alarms:
            state["unlocated"] = alarms.assign(center_lon=np.nan, center_lat=np.nan,
                                               n_events_at_center=0, tile_id="")
        # ... and before episodes were grouped into sequences: grouped now
        if state.get("sequences") is None and state.get("episodes") is not None:
            state["episodes"], state["sequences"] = group_sequences(state["episodes"])
        self.__dict__.update(state)

    def with_maps(self, catalog: pd.DataFrame) -> "ScanResult":
        """This result with its distribution maps rasterized again from the catalog it
        scanned, with its own settings (no model, no torch: seconds). One SeisvizError
        line when the catalog gives other windows than the result has."""
        from seisviz.maps import make_grid, rasterize

        if self.tiles:  # a tiled result keeps no maps (seisviz.detect.tiled)
            return self
        s = self.settings
        catalog = scanned_catalog(catalog, self)
        if len(catalog) == 0:
            raise SeisvizError("no events left in the catalog after the scan's min_magnitude")
        dmaps = rasterize(catalog, make_grid(s.bbox, s.grid), s.window_days, s.step_days,
                          s.background_days)
        starts = pd.DatetimeIndex(pd.to_datetime(dmaps.window_start, utc=True))
        if len(dmaps) != len(self.windows) or not np.array_equal(
                starts.as_unit("ns").asi8,
                pd.DatetimeIndex(self.windows["window_start"]).as_unit("ns").asi8):
            raise SeisvizError(f"the catalog gives {len(dmaps):,} windows from "
                               f"{starts[0]:%Y-%m-%d}, the scan had {len(self.windows):,}: "
                               "is it the catalog the scan read?")
        return replace(self, dmaps=dmaps)

