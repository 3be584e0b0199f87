"""How a region is cut: the detector looks at any region at the pixel size it was
trained for (docs/detection.md, "How a region is cut").

The model card says the pixel sizes of its training maps (`ModelCard.min_pixel_km`,
`max_pixel_km`: 0.5-1.7 km for the shipped models). `scan_region` is what `seisviz scan`
and the Detect page call:

- a region whose pixels, on the card's grid, are no coarser than the trained range is
  one grid, as `scan_catalog` always did;
- a wider one is cut into overlapping tiles of `seisviz.tiles.grid.default_tile_km`
  (the card's grid at its `pixel_km` across a tile's scan box) and scanned tile by tile
  in this process (`seisviz.detect.tiled`), skipping tiles with fewer than `MIN_EVENTS`
  events; the tiles' episodes are merged as `seisviz scan-tiles` merges them;
- a grid set by hand (a grid or a box) is one grid, with a one-line warning when its
  pixels are outside the trained range.

Either way the result is one `ScanResult` whose `cut` says how (`RegionCut.to_dict()`,
also in run.json under "cut").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable

import pandas as pd

from seisviz.detect.result import ScanResult
from seisviz.detect.scan import (above_min_magnitude, baseline_periods, count_events,
                                 model_and_settings, reflag, scan_catalog)
from seisviz.detect.periods import flagged_periods
from seisviz.errors import SeisvizError
from seisviz.settings import auto_batch_size
from seisviz.maps import catalog_bbox, make_grid
from seisviz.settings import DEFAULT_MODEL, MIN_EVENTS, ScanSettings
from seisviz.tables import BASELINE_SCORE, PERIODS
from seisviz.tiles.grid import catalog_area, default_overlap_km, default_tile_km, make_tiles

GRID, TILES = "grid", "tiles"  # RegionCut.kind


@dataclass(frozen=True)
class RegionCut:
    """How a scan cut its region.

    Attributes:
        kind: "grid" (one grid) or "tiles".
        grid: pixels per side of each map.
        pixel_km: the coarser side of a pixel (km): the region's, or the tiles' mean.
        trained_km: (min, max) pixel size the model was trained on (its card).
        by_hand: the grid (or the box) was set by the user.
        tile_km, overlap_km: the tiles' size and overlap on each side (tiles only).
        n_tiles: tiles over the area; n_scanned: those scanned; n_sparse: those skipped
            with fewer than `min_events` events; failed: {tile_id: message}.
        warning: one line when a hand-set grid is outside the trained pixel sizes.
    """

    kind: str
    grid: int
    pixel_km: float
    trained_km: tuple[float, float]
    by_hand: bool = False
    tile_km: float | None = None
    overlap_km: float | None = None
    n_tiles: int = 0
    n_scanned: int = 0
    n_sparse: int = 0
    min_events: int = MIN_EVENTS
    failed: dict = field(default_factory=dict)
    warning: str = ""

    def describe(self) -> str:
        """One line: e.g. "one 64x64 grid at 1.2 km a pixel" or "cut into 38 tiles of
        43 km at 1.0 km a pixel, 112 with too few events skipped"."""
        if self.kind == GRID:
            how = " (set by hand)" if self.by_hand else ""
            return f"one {self.grid}x{self.grid} grid at {self.pixel_km:.1f} km a pixel{how}"
        text = (f"cut into {self.n_scanned} tiles of {self.tile_km:g} km at "
                f"{self.pixel_km:.1f} km a pixel (overlap {self.overlap_km:g} km), "
                f"{self.n_sparse} with too few events (< {self.min_events}) skipped")
        if self.n_scanned == 0 and not self.failed:
            text += ": nothing can be anomalous at this scale"
        if self.failed:
            text += f", {len(self.failed)} failed"
        return text

    def to_dict(self) -> dict:
        """run.json's "cut": the fields, and `describe()` as "description"."""
        out = asdict(self)
        out["trained_km"] = list(self.trained_km)
        return {**out, "description": self.describe()}

    @classmethod
    def from_dict(cls, data: dict) -> "RegionCut":
        names = set(cls.__dataclass_fields__)
        known = {k: v for k, v in data.items() if k in names}
        known["trained_km"] = tuple(known.get("trained_km") or (0.0, 0.0))
        return cls(**known)


def region_pixel_km(bbox: tuple, grid: int) -> float:
    """The coarser side (km) of a pixel of `grid` pixels over `bbox`."""
    return float(max(make_grid(bbox, grid).pixel_km))


def plan_cut(catalog: pd.DataFrame, card: Any, settings: ScanSettings,
             by_hand: bool = False) -> RegionCut:
    """How `catalog` (the scanned events) is cut for `card`'s model: see the module
    docstring. `settings.bbox` set counts as a grid set by hand."""
    if len(catalog) == 0:
        raise SeisvizError("no events left to scan (check --min-magnitude and the bbox)")
    trained = (float(card.min_pixel_km), float(card.max_pixel_km))
    by_hand = by_hand or settings.bbox is not None
    pixel = region_pixel_km(settings.bbox or catalog_bbox(catalog), settings.grid)
    if by_hand or pixel <= trained[1]:
        warning = ""
        if by_hand and not trained[0] <= pixel <= trained[1]:
            warning = (f"pixels of {pixel:.1f} km: the model was trained on "
                       f"{trained[0]:g}-{trained[1]:g} km (leave the grid unset to scan at "
                       "the trained scale)")
        return RegionCut(GRID, settings.grid, round(pixel, 3), trained, by_hand,
                         warning=warning)
    tile_km = default_tile_km(settings.grid, card.pixel_km)
    overlap = default_overlap_km(tile_km)
    tiles = make_tiles(catalog_area(catalog), tile_km, overlap)
    return RegionCut(TILES, settings.grid, float(card.pixel_km), trained, False,
                     tile_km=tile_km, overlap_km=overlap, n_tiles=len(tiles))


def scan_region(catalog: pd.DataFrame, model: str = DEFAULT_MODEL,
                progress: Callable[[int, int], None] | None = None,
                loaded: tuple | None = None, settings: ScanSettings | None = None,
                should_stop: Callable[[], bool] | None = None, by_hand: bool = False,
                min_events: int = MIN_EVENTS, **options: Any) -> ScanResult:
    """Scan `catalog` at the trained scale: one grid, or tiles merged into one result.

    Arguments as `scan_catalog`'s, and `by_hand`: the grid was set by the user (one grid
    whatever its pixel size; `settings.bbox` counts too). `min_events`: tiles with fewer
    events are skipped. The result's `cut` says how the region was cut; its `notes`
    hold the warning of a hand-set grid outside the trained pixel sizes."""
    import time

    t0 = time.perf_counter()
    net, card, settings = model_and_settings(model, loaded, settings, options)
    device = settings.device
    scanned = above_min_magnitude(catalog, settings)
    cut = plan_cut(scanned, card, settings, by_hand)
    notes = (cut.warning,) if cut.warning else ()
    if cut.kind == GRID:
        result = scan_catalog(catalog, model=model, progress=progress, loaded=(net, card),
                              settings=settings, should_stop=should_stop)
        return replace(result, cut=cut.to_dict(), notes=result.notes + notes)
    from seisviz.detect.tiled import scan_in_tiles

    tiles = make_tiles(catalog_area(scanned), cut.tile_km, cut.overlap_km)
    whole = settings.replace(bbox=catalog_bbox(scanned))
    result, counts = scan_in_tiles(scanned, tiles, (net, card), whole, min_events,
                                   progress, should_stop)
    if counts["n_scanned"] == 0 and counts["failed"]:
        raise SeisvizError(f"no tile of {cut.tile_km:g} km could be scanned "
                           f"({next(iter(counts['failed'].values()))})")
    # no tile with events enough: nothing can be anomalous at the trained scale; the
    # result says so (every window "sparse", no period) rather than failing
    cut = replace(cut, n_scanned=counts["n_scanned"], n_sparse=counts["n_sparse"],
                  failed=counts["failed"], min_events=min_events,
                  pixel_km=counts["pixel_km"] or cut.pixel_km)
    timings = {**result.timings, "total_s": time.perf_counter() - t0}
    info = result.device_info or {"device": device,
                                  "batch_size": settings.batch_size or auto_batch_size(device),
                                  "maps": 0, "seconds": 0.0, "maps_per_second": 0.0}
    return replace(result, cut=cut.to_dict(), timings=timings, notes=notes, device_info=info)


def is_tiled(result: ScanResult) -> bool:
    """Was `result`'s region cut into tiles?"""
    return bool(result.tiles) or (result.cut or {}).get("kind") == TILES


def reflag_region(result: ScanResult, catalog: pd.DataFrame, threshold: float | None = None,
                  baseline_threshold: float | None = None, max_gap_days: float | None = None,
                  min_period_days: float | None = None, assist_threshold: float | None = None,
                  assist_beta: float | None = None) -> ScanResult:
    """`reflag` for any result: a tiled one is re-derived tile by tile
    (`seisviz.detect.tiled.reflag_tiles`), without the network and without keeping maps."""
    flags = {"threshold": threshold, "baseline_threshold": baseline_threshold,
             "max_gap_days": max_gap_days, "min_period_days": min_period_days,
             "assist_threshold": assist_threshold, "assist_beta": assist_beta}
    if not is_tiled(result):
        return reflag(result, catalog, **flags)
    from seisviz.detect.tiled import reflag_tiles

    return reflag_tiles(result, catalog, result.settings.replace(**flags))


def region_baseline_periods(result: ScanResult, catalog: pd.DataFrame | None = None
                            ) -> pd.DataFrame:
    """The baseline's periods: refined as the network's for one grid
    (`baseline_periods`); for a tiled result the runs of windows where some tile's beta
    passes its threshold, as window spans (a tiled result keeps no maps to refine them)."""
    if not result.tiles:
        return baseline_periods(result, catalog)
    w = result.windows
    raw = flagged_periods(w, w["baseline_flagged"], result.settings.max_gap_days,
                          w["baseline_beta"].to_numpy(), result.settings.min_period_days,
                          score=BASELINE_SCORE)
    raw["window_start"], raw["window_end"] = raw["start"], raw["end"]
    raw["n_episodes"], raw["episode_ids"], raw["refined"] = 0, "", False
    raw["n_events"] = (count_events(catalog, raw) if catalog is not None
                       else pd.Series(0, index=raw.index)).astype("int64")
    return PERIODS.scored(BASELINE_SCORE).select(raw)
