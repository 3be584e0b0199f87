"""Export a scan's results: periods, subregions, the condensed catalog, figures, run.json.

The single-file writers are in `seisviz.export.files` and `seisviz.export.figures`.
`export_files` gathers every requested format into {file name: bytes} with a
`run.json` of the settings; `write_exports` writes them to a folder, `export_bundle`
zips them.

Formats (names for `formats=`):
- ``csv``: periods.csv, episodes.csv (with each episode's sequence_id), sequences.csv
  (`seisviz.tables.SEQUENCES`), unlocated.csv (runs of flagged windows with no place
  elevated: `seisviz.tables.UNLOCATED`) and condensed_catalog.csv
- ``geojson`` / ``gpkg``: subregions.geojson / subregions.gpkg (EPSG:4326), one polygon per
  episode (place and time), with the attributes of `seisviz.tables.EPISODE_POLYGONS`;
  times are ISO-8601 UTC strings
- ``quakeml``: condensed_catalog.xml (QuakeML 1.2)
- ``html``: subregion_figures.html, every subregion's Figure S4/S5 in one page, plotly.js
  embedded (opens offline)
- ``png``: figures/period_<p>_subregion_<s>.png (kaleido, which needs Chrome or Chromium;
  when none can run, a SeisvizError says so in one line)
- ``movie``: movie_s3.html, the anomalous seismicity over the scan's span
  (`seisviz.plots.movie`, plotly.js embedded); left out when the scan has no episodes
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from seisviz.errors import SeisvizError
from seisviz.export.figures import (MAX_FIGURES, figure_html, figures_png, png_available,
                                    subregion_figures)
from seisviz.export.files import (_out, condensed_csv, condensed_quakeml, episodes_csv,
                                  periods_csv, sequences_csv, subregions_geojson,
                                  subregions_gpkg, unlocated_csv)
from seisviz.runinfo import json_default, run_record

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("csv", "geojson", "gpkg", "quakeml", "html", "png", "movie")
DEFAULT_FORMATS = ("csv", "geojson", "gpkg", "quakeml", "html")  # png needs a browser


# ------------------------------------------------------------------ run.json and bundles

def parse_formats(formats: str | Iterable[str] | None) -> tuple[str, ...]:
    """'csv,geojson' or an iterable -> tuple of known format names (SeisvizError if not)."""
    if formats is None:
        return DEFAULT_FORMATS
    if isinstance(formats, str):
        formats = [f.strip().lower() for f in formats.split(",") if f.strip()]
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise SeisvizError(f"unknown export format(s) {', '.join(unknown) or '(none)'}: "
                           f"choose from {','.join(FORMATS)}")
    return formats


def export_files(catalog: pd.DataFrame, result: Any,
                 formats: str | Iterable[str] | None = None,
                 subregions: pd.DataFrame | None = None,
                 condensed: pd.DataFrame | None = None, catalog_name: str | None = None,
                 max_figures: int = MAX_FIGURES, margin_days: float = 30.0,
                 figure_options: dict | None = None,
                 run_info: dict | None = None) -> dict[str, bytes]:
    """{file name: bytes} of every requested format, run.json last; `figure_options`
    (overlays, star_magnitude, tiles) go to the Figures S4/S5; `run_info` (load_report,
    command, catalog_source, filters: see `seisviz.runinfo.run_record`) to run.json.

    Subregions and the condensed catalog are derived from `result` and `catalog` when
    not given. PNG export raises SeisvizError (one line) when no browser can run."""
    from seisviz.subregions import condensed_catalog, scanned_catalog, scan_subregions
    from seisviz.subregions.sequences import scan_sequences

    formats = parse_formats(formats)
    catalog = scanned_catalog(catalog, result)
    if subregions is None:
        subregions = scan_subregions(result, catalog)
    subregions, sequences = scan_sequences(result, subregions)  # each with its sequence_id
    if condensed is None:
        condensed = condensed_catalog(catalog, result.periods, subregions)
    files = {}
    if "csv" in formats:
        files["periods.csv"] = periods_csv(result.periods)
        files["episodes.csv"] = episodes_csv(subregions)
        files["sequences.csv"] = sequences_csv(sequences)
        files["unlocated.csv"] = unlocated_csv(getattr(result, "unlocated", None))
        files["condensed_catalog.csv"] = condensed_csv(condensed)
    if "geojson" in formats:
        files["subregions.geojson"] = subregions_geojson(subregions)
    if "gpkg" in formats:
        files["subregions.gpkg"] = subregions_gpkg(subregions)
    if "quakeml" in formats:
        files["condensed_catalog.xml"] = condensed_quakeml(condensed)
    if "html" in formats or "png" in formats:
        figs = subregion_figures(catalog, subregions, max_figures, margin_days,
                                 **(figure_options or {}))
        if "html" in formats:
            files["subregion_figures.html"] = figure_html(
                [f for _, f in figs], title=f"seisviz subregions: {catalog_name or 'catalog'}")
        if "png" in formats:
            for (stem, _), data in zip(figs, figures_png([f for _, f in figs])):
                files[f"figures/{stem}.png"] = data
    if "movie" in formats and len(subregions):
        files["movie_s3.html"] = _movie_html(catalog, result, subregions, figure_options)
    files["run.json"] = run_json(result, catalog_name=catalog_name, subregions=subregions,
                                 outputs=list(files) + ["run.json"], condensed=condensed,
                                 catalog=catalog, **(run_info or {}))
    return files


def _movie_html(catalog: pd.DataFrame, result: Any, subregions: pd.DataFrame,
                figure_options: dict | None) -> bytes:
    """movie_s3.html: Movie S3 of the scan (its episodes, else `subregions`)."""
    from seisviz.plots.map_files import animation_html
    from seisviz.plots.movie import anomaly_movie

    options = {k: v for k, v in (figure_options or {}).items()
               if k in ("overlays", "star_magnitude", "tiles", "extent")}
    source = result if getattr(result, "episodes", None) is not None else subregions
    return animation_html(anomaly_movie(source, catalog, **options)).encode("utf-8")


def run_json(result: Any, path: str | None = None, **kwargs: Any) -> bytes | str:
    """run.json (`seisviz.runinfo.run_record`, the same record a scan folder holds) as
    bytes, or written to `path`."""
    record = run_record(result, **kwargs)
    return _out((json.dumps(record, indent=2, default=json_default) + "\n").encode(), path)


def write_exports(catalog: pd.DataFrame, result: Any, out: str,
                  formats: str | Iterable[str] | None = None, **kwargs: Any) -> list[str]:
    """Write `export_files(...)` under folder `out`; returns the file names written.

    When PNG is asked for but no browser can run, the other formats are written first
    and then the SeisvizError is raised."""
    formats = parse_formats(formats)
    if "png" in formats:
        ok, why = png_available()
        if not ok:
            rest = tuple(f for f in formats if f != "png")
            if rest:
                write_exports(catalog, result, out, rest, **kwargs)
                why += f" (the other formats were written to {out})"
            raise SeisvizError(why)
    files = export_files(catalog, result, formats, **kwargs)
    for name, data in files.items():
        path = os.path.join(out, name)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        except OSError as exc:
            raise SeisvizError(f"cannot create {os.path.dirname(path)}: "
                               f"{exc.strerror or exc}") from None
        _out(data, path)
    return list(files)


def export_bundle(catalog: pd.DataFrame, result: Any,
                  formats: str | Iterable[str] | None = None, **kwargs: Any) -> bytes:
    """Everything of `export_files(...)` in one zip (bytes)."""
    files = export_files(catalog, result, formats, **kwargs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def write_scan_subregions(catalog: pd.DataFrame, result: Any, out: str,
                          subregions: pd.DataFrame | None = None) -> list[str]:
    """For `seisviz scan`: episodes.csv, subregions.geojson and condensed_catalog.csv in
    `out`. Returns the file names written (the scan's run.json lists them)."""
    from seisviz.subregions import condensed_catalog, scanned_catalog, scan_subregions

    catalog = scanned_catalog(catalog, result)
    if subregions is None:
        subregions = scan_subregions(result, catalog)
    condensed = condensed_catalog(catalog, result.periods, subregions)
    episodes_csv(subregions, os.path.join(out, "episodes.csv"))
    subregions_geojson(subregions, os.path.join(out, "subregions.geojson"))
    condensed_csv(condensed, os.path.join(out, "condensed_catalog.csv"))
    return ["episodes.csv", "subregions.geojson", "condensed_catalog.csv"]

