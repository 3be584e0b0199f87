"""Where each flagged period's anomaly sits: subregions, and the condensed catalog.

The method (hot 3x3 neighbourhoods against their own background, grouped into
polygons) is described in `seisviz.subregions.footprint`.
"""

from seisviz.subregions.condensed import (condensed_catalog, distance_km, same_place,
                                          scan_subregions, scanned_catalog, shrinkage,
                                          subregions_for)
from seisviz.subregions.footprint import (binomial_sf, footprint, period_windows,
                                          pixel_polygon, regional_change)
from seisviz.subregions.regions import DEFAULTS, find_subregions
from seisviz.subregions.unlocated import unlocated_alarms
from seisviz.tables import CRS, SUBREGIONS

# the subregion table's columns, under the name this package has always given them
COLUMNS = list(SUBREGIONS.columns)

__all__ = ["COLUMNS", "CRS", "DEFAULTS", "binomial_sf", "condensed_catalog", "distance_km",
           "find_subregions", "footprint", "period_windows", "pixel_polygon",
           "regional_change", "same_place", "scan_subregions", "scanned_catalog", "shrinkage",
           "subregions_for", "unlocated_alarms"]
