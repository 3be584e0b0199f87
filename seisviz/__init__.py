"""seisviz: find anomalous seismicity in earthquake catalogs with a ResNet detector.

The workflow, one subpackage per step (docs/architecture.md draws it):

    catalog  ->  maps  ->  detect  ->  subregions  ->  export
    (load)      (rasterize)  (scan)     (where)          (files)

>>> import seisviz
>>> catalog, report = seisviz.load_catalog("catalog.csv")
>>> result = seisviz.scan_catalog(catalog)              # windows, flagged periods
>>> subregions = seisviz.find_subregions(result, catalog=catalog)

The library never imports streamlit, and imports torch only where a model runs;
`seisviz.training` (artificial catalogs, training, evaluation) is imported by nothing here.
"""

# the version first: a module that reads seisviz.__version__ while the package is still
# importing finds it (seisviz's own modules import it from seisviz.version)
from seisviz.version import __version__
from seisviz.catalog import LoadReport, load_catalog, write_catalog_csv
from seisviz.catalog.schema import CANONICAL_COLUMNS, OPTIONAL_COLUMNS
from seisviz.detect import (ModelCard, ScanResult, baseline_periods, load_model, reflag,
                            scan_catalog)
from seisviz.errors import CatalogError, ModelError, SeisvizError
from seisviz.export import export_files, write_exports
from seisviz.maps import DistributionMaps, Grid, make_grid, rasterize
from seisviz.settings import ScanSettings
from seisviz.subregions import condensed_catalog, find_subregions

__all__ = [
    "CANONICAL_COLUMNS", "OPTIONAL_COLUMNS", "CatalogError", "DistributionMaps", "Grid",
    "LoadReport", "ModelCard", "ModelError", "ScanResult", "ScanSettings", "SeisvizError",
    "__version__", "baseline_periods", "condensed_catalog", "export_files",
    "find_subregions", "load_catalog", "load_model", "make_grid", "rasterize", "reflag",
    "scan_catalog", "write_catalog_csv", "write_exports",
]
