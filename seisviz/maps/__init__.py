"""Distribution maps: a catalog binned on a lon/lat grid in sliding time windows."""

from seisviz.maps.grid import (KM_PER_DEGREE, Grid, box3, box_sum, catalog_bbox, make_grid,
                               pixel_index)
from seisviz.maps.raster import (CHANNELS, DistributionMaps, events_in_window, rasterize,
                                 save_npz, window_starts)

__all__ = ["CHANNELS", "KM_PER_DEGREE", "DistributionMaps", "Grid", "box3", "box_sum",
           "catalog_bbox", "events_in_window", "make_grid", "pixel_index", "rasterize", "save_npz",
           "window_starts"]
