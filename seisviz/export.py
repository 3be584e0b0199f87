"""Export a scan's results: periods, subregions, the condensed catalog, figures, run.json.

Each writer takes the thing to write and an optional `path`: with a path it writes the
file and returns the path; without, it returns the file's bytes (what a download button
wants). `export_files` gathers every requested format into {file name: bytes} with a
`run.json` of the settings; `write_exports` writes them to a folder, `export_bundle`
zips them.

Formats (names for `formats=`):
- ``csv``: periods.csv and condensed_catalog.csv
- ``geojson`` / ``gpkg``: subregions.geojson / subregions.gpkg (EPSG:4326; attributes
  period_id, subregion_id, start, end as ISO-8601 UTC strings, n_events,
  peak_probability, center_lon, center_lat, n_pixels, area_km2)
- ``quakeml``: condensed_catalog.xml (QuakeML 1.2)
- ``html``: subregion_figures.html, every subregion's Figure S4/S5 in one page, plotly.js
  embedded (opens offline)
- ``png``: figures/period_<p>_subregion_<s>.png (kaleido, which needs Chrome or Chromium;
  when none can run, a SeisvizError says so in one line)

PNG export looks for a browser in ``$BROWSER_PATH``, then on ``$PATH`` (chromium,
chromium-browser, google-chrome, chrome) and sets ``$BROWSER_PATH`` for kaleido.
"""

import datetime as _dt
import io
import json
import os
import shutil
import tempfile
import zipfile

import numpy as np
import pandas as pd

from seisviz import __version__
from seisviz.errors import SeisvizError

FORMATS = ("csv", "geojson", "gpkg", "quakeml", "html", "png")
DEFAULT_FORMATS = ("csv", "geojson", "gpkg", "quakeml", "html")  # png needs a browser
MAX_FIGURES = 40
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome")
BROWSER_HINT = ("install Chrome or Chromium (Debian/Ubuntu: apt-get install chromium) or "
                "set BROWSER_PATH; HTML export works without one")
SUBREGION_ATTRIBUTES = ["period_id", "subregion_id", "start", "end", "n_events",
                        "peak_probability", "center_lon", "center_lat", "n_pixels", "area_km2"]


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    return str(o)


def _iso(series):
    return pd.to_datetime(series, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _out(data, path):
    """Write bytes to `path` and return it, or return the bytes when path is None."""
    if path is None:
        return data
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        raise SeisvizError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


# ------------------------------------------------------------------ tables

def periods_csv(periods, path=None):
    """Flagged periods as CSV, start/end as ISO-8601 UTC."""
    out = periods.copy()
    for col in ("start", "end"):
        if col in out:
            out[col] = _iso(out[col])
    return _out(out.to_csv(index=False).encode(), path)


def subregions_frame(subregions):
    """The subregions as a GeoDataFrame ready to write: EPSG:4326, ISO start/end, the
    attributes in SUBREGION_ATTRIBUTES, polygons promoted to MultiPolygon (one type)."""
    import geopandas as gpd
    import shapely

    cols = [c for c in SUBREGION_ATTRIBUTES if c in subregions]
    frame = pd.DataFrame({c: subregions[c].to_numpy() for c in cols})
    for col in ("start", "end"):
        if col in frame:
            frame[col] = _iso(subregions[col]).to_numpy() if len(frame) else \
                pd.Series([], dtype=object)
    geoms = [g if g is None or g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g])
             for g in subregions.geometry]
    crs = subregions.crs or "EPSG:4326"
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    return out.to_crs("EPSG:4326")


def _vector(subregions, path, driver, suffix, layer=None):
    frame = subregions_frame(subregions)
    options = {"driver": driver, "engine": "pyogrio", "geometry_type": "MultiPolygon"}
    if layer:
        options["layer"] = layer
    if path is not None:
        try:
            if os.path.exists(path):
                os.remove(path)  # GPKG would otherwise add to the existing file
            frame.to_file(path, **options)
        except OSError as exc:
            raise SeisvizError(f"cannot write {path}: {exc.strerror or exc}") from None
        return path
    with tempfile.TemporaryDirectory() as tmp:
        name = os.path.join(tmp, "subregions" + suffix)
        frame.to_file(name, **options)
        with open(name, "rb") as f:
            return f.read()


def subregions_geojson(subregions, path=None):
    """Subregion polygons as GeoJSON (EPSG:4326)."""
    return _vector(subregions, path, "GeoJSON", ".geojson")


def subregions_gpkg(subregions, path=None):
    """Subregion polygons as a GeoPackage, layer "subregions" (EPSG:4326)."""
    return _vector(subregions, path, "GPKG", ".gpkg", layer="subregions")


def condensed_csv(condensed, path=None):
    """The condensed catalog as CSV (time ISO-8601 UTC, with period_id, subregion_id):
    `seisviz.catalog.load_catalog` reads it back."""
    from seisviz.catalog import write_catalog_csv

    buf = io.StringIO()
    write_catalog_csv(condensed, buf)
    return _out(buf.getvalue().encode(), path)


def condensed_quakeml(condensed, path=None):
    """The condensed catalog as QuakeML 1.2 (seisviz.quakeml.write_quakeml)."""
    from seisviz.quakeml import write_quakeml

    buf = io.BytesIO()
    write_quakeml(condensed, buf)
    return _out(buf.getvalue(), path)


# ------------------------------------------------------------------ figures

def figure_html(figures, path=None, title="seisviz figures"):
    """One self-contained HTML page (plotly.js embedded once, opens offline) holding a
    figure or a list of figures."""
    figures = figures if isinstance(figures, (list, tuple)) else [figures]
    parts = [fig.to_html(include_plotlyjs=(i == 0), full_html=False,
                         config={"displaylogo": False}) for i, fig in enumerate(figures)]
    page = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
            f"{title}</title></head><body>\n" + "\n<hr>\n".join(parts) + "\n</body></html>\n")
    return _out(page.encode("utf-8"), path)


def find_browser():
    """Path of a Chrome/Chromium kaleido can drive, or None."""
    given = os.environ.get("BROWSER_PATH")
    if given:
        return given if os.path.isfile(given) and os.access(given, os.X_OK) else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def png_available():
    """(True, "") when PNG export can run, else (False, one-line reason)."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False, "PNG export needs the kaleido package (pip install kaleido)"
    browser = find_browser()
    if browser is None:
        if os.environ.get("BROWSER_PATH"):
            return False, (f"PNG export: BROWSER_PATH={os.environ['BROWSER_PATH']} is not an "
                           f"executable browser; {BROWSER_HINT}")
        return False, f"PNG export needs Chrome or Chromium, and none was found: {BROWSER_HINT}"
    return True, ""


def _prepare_kaleido():
    ok, why = png_available()
    if not ok:
        raise SeisvizError(why)
    os.environ.setdefault("BROWSER_PATH", find_browser())


def _kaleido_error(exc):
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()),
                 type(exc).__name__)
    return SeisvizError(f"PNG export failed: kaleido could not render with "
                        f"{os.environ.get('BROWSER_PATH')} ({first}); {BROWSER_HINT}")


def figure_png(fig, path=None, width=900, height=None, scale=2):
    """The figure as PNG (kaleido + Chrome/Chromium). SeisvizError when that cannot run."""
    import plotly.io as pio

    _prepare_kaleido()
    height = height or int(fig.layout.height or 700)
    try:
        data = pio.to_image(fig, format="png", width=width, height=height, scale=scale)
    except Exception as exc:  # kaleido/choreographer raise RuntimeError, ChromeNotFound...
        raise _kaleido_error(exc) from None
    return _out(data, path)


def figures_png(figures, width=900, height=None, scale=2):
    """PNG bytes of several figures, one browser start for all."""
    import plotly.io as pio

    if not figures:
        return []
    _prepare_kaleido()
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, f"{i}.png") for i in range(len(figures))]
        heights = [height or int(f.layout.height or 700) for f in figures]
        try:
            pio.write_images(list(figures), paths, format="png", width=width, height=heights,
                             scale=scale)
        except Exception as exc:
            raise _kaleido_error(exc) from None
        out = []
        for p in paths:
            with open(p, "rb") as f:
                out.append(f.read())
        return out


def subregion_figures(catalog, subregions, max_figures=MAX_FIGURES, margin_days=30.0):
    """[(file stem, figure)] of the first `max_figures` subregions' Figures S4/S5."""
    from seisviz.plots.subregions import subregion_figure

    out = []
    for _, row in subregions.head(max_figures).iterrows():
        stem = f"period_{int(row['period_id'])}_subregion_{int(row['subregion_id'])}"
        out.append((stem, subregion_figure(catalog, row, margin_days=margin_days)))
    return out


# ------------------------------------------------------------------ run.json and bundles

def run_info(result, subregions=None, catalog_name=None, outputs=(), condensed=None,
             catalog=None):
    """The settings of the scan and of the subregions: what is needed to redo an export."""
    card = getattr(result, "card", None) or {}
    windows = result.windows
    info = {
        "seisviz_version": __version__,
        "exported_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "catalog": catalog_name,
        "settings": result.settings,
        "model": {k: card.get(k) for k in ("architecture", "sha256", "weights_file",
                                            "threshold", "quick") if k in card},
        "rasterization": result.dmaps.report() if getattr(result, "dmaps", None) else None,
        "n_windows": int(len(windows)),
        "n_flagged_windows": int(windows["flagged"].sum()) if "flagged" in windows else None,
        "n_periods": int(len(result.periods)),
        "outputs": list(outputs),
    }
    if subregions is not None:
        info["subregions"] = {"n": int(len(subregions)),
                              "settings": dict(subregions.attrs.get("settings", {}))}
    if condensed is not None:
        n_all = len(catalog) if catalog is not None else None
        info["condensed_catalog"] = {
            "n_events": int(len(condensed)), "n_catalog": n_all,
            "percent_kept": round(100.0 * len(condensed) / n_all, 3) if n_all else None}
    return info


def run_json(result, path=None, **kwargs):
    """run.json (see `run_info`) as bytes, or written to `path`."""
    text = json.dumps(run_info(result, **kwargs), indent=2, default=_json_default) + "\n"
    return _out(text.encode(), path)


def parse_formats(formats):
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


def export_files(catalog, result, formats=None, subregions=None, condensed=None,
                 catalog_name=None, max_figures=MAX_FIGURES, margin_days=30.0):
    """{file name: bytes} of every requested format, run.json last.

    Subregions and the condensed catalog are derived from `result` and `catalog` when
    not given. PNG export raises SeisvizError (one line) when no browser can run."""
    from seisviz.subregions import condensed_catalog, find_subregions, scanned_catalog

    formats = parse_formats(formats)
    catalog = scanned_catalog(catalog, result)
    if subregions is None:
        subregions = find_subregions(result, catalog=catalog)
    if condensed is None:
        condensed = condensed_catalog(catalog, result.periods, subregions)
    files = {}
    if "csv" in formats:
        files["periods.csv"] = periods_csv(result.periods)
        files["condensed_catalog.csv"] = condensed_csv(condensed)
    if "geojson" in formats:
        files["subregions.geojson"] = subregions_geojson(subregions)
    if "gpkg" in formats:
        files["subregions.gpkg"] = subregions_gpkg(subregions)
    if "quakeml" in formats:
        files["condensed_catalog.xml"] = condensed_quakeml(condensed)
    if "html" in formats or "png" in formats:
        figs = subregion_figures(catalog, subregions, max_figures, margin_days)
        if "html" in formats:
            files["subregion_figures.html"] = figure_html(
                [f for _, f in figs], title=f"seisviz subregions: {catalog_name or 'catalog'}")
        if "png" in formats:
            for (stem, _), data in zip(figs, figures_png([f for _, f in figs])):
                files[f"figures/{stem}.png"] = data
    files["run.json"] = run_json(result, subregions=subregions, catalog_name=catalog_name,
                                 outputs=list(files) + ["run.json"], condensed=condensed,
                                 catalog=catalog)
    return files


def write_exports(catalog, result, out, formats=None, **kwargs):
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


def export_bundle(catalog, result, formats=None, **kwargs):
    """Everything of `export_files(...)` in one zip (bytes)."""
    files = export_files(catalog, result, formats, **kwargs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def write_scan_subregions(catalog, result, out, subregions=None):
    """For `seisviz scan`: subregions.geojson and condensed_catalog.csv in `out`.

    Returns the file names written (the scan's run.json lists them)."""
    from seisviz.subregions import condensed_catalog, find_subregions, scanned_catalog

    catalog = scanned_catalog(catalog, result)
    if subregions is None:
        subregions = find_subregions(result, catalog=catalog)
    condensed = condensed_catalog(catalog, result.periods, subregions)
    subregions_geojson(subregions, os.path.join(out, "subregions.geojson"))
    condensed_csv(condensed, os.path.join(out, "condensed_catalog.csv"))
    return ["subregions.geojson", "condensed_catalog.csv"]


def bundle_names(data):
    """File names inside a zip made by `export_bundle`."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.namelist()

