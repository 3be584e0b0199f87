"""Distribution maps: a catalog binned on a lon/lat grid in sliding time windows."""

from seisviz.maps.grid import (KM_PER_DEGREE, NEIGHBOURHOOD_KM, Grid, box3, box_sum,
                               capped_grid, catalog_bbox, label_neighbourhoods, make_grid,
                               pixel_index)
from seisviz.maps.raster import (CHANNELS, DistributionMaps, events_in_window,
                                 events_per_window, first_window_from, rasterize, save_npz, window_on_or_before,
                                 window_starts, windows_between)

__all__ = ["CHANNELS", "KM_PER_DEGREE", "NEIGHBOURHOOD_KM", "DistributionMaps", "Grid", "box3",
           "box_sum", "capped_grid", "catalog_bbox", "events_in_window", "events_per_window",
           "first_window_from", "label_neighbourhoods", "make_grid",
           "pixel_index", "rasterize", "save_npz", "window_on_or_before", "window_starts",
           "windows_between"]
