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

__version__ = "0.2.0"

from seisviz.catalog import LoadReport, load_catalog, write_catalog_csv  # noqa: E402
from seisviz.catalog.schema import CANONICAL_COLUMNS, OPTIONAL_COLUMNS  # noqa: E402
from seisviz.detect import (ModelCard, ScanResult, baseline_periods, load_model,  # noqa: E402
                            reflag, scan_catalog)
from seisviz.errors import CatalogError, ModelError, SeisvizError  # noqa: E402
from seisviz.export import export_files, write_exports  # noqa: E402
from seisviz.maps import DistributionMaps, Grid, make_grid, rasterize  # noqa: E402
from seisviz.settings import ScanSettings  # noqa: E402
from seisviz.subregions import condensed_catalog, find_subregions  # noqa: E402

__all__ = [
    "CANONICAL_COLUMNS", "OPTIONAL_COLUMNS", "CatalogError", "DistributionMaps", "Grid",
    "LoadReport", "ModelCard", "ModelError", "ScanResult", "ScanSettings", "SeisvizError",
    "__version__", "baseline_periods", "condensed_catalog", "export_files",
    "find_subregions", "load_catalog", "load_model", "make_grid", "rasterize", "reflag",
    "scan_catalog", "write_catalog_csv", "write_exports",
]
