"""Export a scan's results: periods, subregions, the condensed catalog, figures, run.json.

`export_files` gathers every requested format into {file name: bytes}; `write_exports`
writes them to a folder, `export_bundle` zips them. See `seisviz.export.bundle`.
"""

from seisviz.export.bundle import (DEFAULT_FORMATS, FORMATS, export_bundle,
                                   export_files, parse_formats, run_json, write_exports,
                                   write_scan_subregions)
from seisviz.export.figures import (MAX_FIGURES, figure_html, figure_png, figures_png,
                                    find_browser, png_available, subregion_figures)
from seisviz.export.files import (condensed_csv, condensed_quakeml, episodes_csv, periods_csv,
                                  sequences_csv, subregions_frame, subregions_geojson,
                                  subregions_gpkg, unlocated_csv)
from seisviz.tables import EPISODE_POLYGONS

# the polygon files' attributes, under the name this package has always given them
SUBREGION_ATTRIBUTES = list(EPISODE_POLYGONS.columns)

__all__ = ["DEFAULT_FORMATS", "FORMATS", "MAX_FIGURES", "SUBREGION_ATTRIBUTES",
           "condensed_csv", "condensed_quakeml", "episodes_csv",
           "export_bundle", "export_files", "figure_html", "figure_png", "figures_png", "find_browser",
           "parse_formats", "periods_csv", "png_available", "run_json", "sequences_csv",
           "subregion_figures", "subregions_frame", "subregions_geojson", "subregions_gpkg",
           "unlocated_csv", "write_exports",
           "write_scan_subregions"]
