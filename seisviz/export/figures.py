"""Figures as files: HTML (plotly.js embedded, opens offline) and PNG (kaleido, which
needs Chrome or Chromium; when none can run, a SeisvizError says so in one line).

PNG export looks for a browser in ``$BROWSER_PATH``, then on ``$PATH`` (chromium,
chromium-browser, google-chrome, chrome) and sets ``$BROWSER_PATH`` for kaleido.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from seisviz.errors import SeisvizError
from seisviz.export.files import _out

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

MAX_FIGURES = 40
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome")
BROWSER_HINT = ("install Chrome or Chromium (Debian/Ubuntu: apt-get install chromium) or "
                "set BROWSER_PATH; HTML export works without one")


# ------------------------------------------------------------------ figures

def figure_html(figures: go.Figure | Sequence[go.Figure], path: str | None = None,
                title: str = "seisviz figures") -> bytes | str:
    """One self-contained HTML page (plotly.js embedded once, opens offline) holding a
    figure or a list of figures."""
    figures = figures if isinstance(figures, (list, tuple)) else [figures]
    parts = [fig.to_html(include_plotlyjs=(i == 0), full_html=False,
                         config={"displaylogo": False}) for i, fig in enumerate(figures)]
    page = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
            f"{title}</title></head><body>\n" + "\n<hr>\n".join(parts) + "\n</body></html>\n")
    return _out(page.encode("utf-8"), path)


def find_browser() -> str | None:
    """Path of a Chrome/Chromium kaleido can drive, or None."""
    given = os.environ.get("BROWSER_PATH")
    if given:
        return given if os.path.isfile(given) and os.access(given, os.X_OK) else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def png_available() -> tuple[bool, str]:
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


def figure_png(fig: go.Figure, path: str | None = None, width: int = 900,
               height: int | None = None, scale: float = 2) -> bytes | str:
    """The figure as PNG (kaleido + Chrome/Chromium). SeisvizError when that cannot run."""
    import plotly.io as pio

    from seisviz.plots.basemap import without_tiles

    _prepare_kaleido()
    fig = without_tiles(fig)  # kaleido would wait on every tile offline
    height = height or int(fig.layout.height or 700)
    try:
        data = pio.to_image(fig, format="png", width=width, height=height, scale=scale)
    except Exception as exc:  # kaleido/choreographer raise RuntimeError, ChromeNotFound...
        raise _kaleido_error(exc) from None
    return _out(data, path)


def figures_png(figures: Sequence[go.Figure], width: int = 900, height: int | None = None,
                scale: float = 2) -> list[bytes]:
    """PNG bytes of several figures, one browser start for all."""
    import plotly.io as pio

    from seisviz.plots.basemap import without_tiles

    if not figures:
        return []
    _prepare_kaleido()
    figures = [without_tiles(f) for f in figures]
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


def subregion_figures(catalog: pd.DataFrame, subregions: pd.DataFrame,
                      max_figures: int = MAX_FIGURES,
                      margin_days: float = 30.0, with_stats: bool = True,
                      **options: Any) -> list[tuple[str, go.Figure]]:
    """[(file stem, figure)] of the first `max_figures` subregions' Figures S4/S5;
    `options` (the map options of the dashboard's sidebar: overlays, star_magnitude, tiles,
    extent) go to `subregion_figure`, so an exported figure is framed, starred and dated
    as the one on screen. with_stats: each followed by its episode's four figures
    (`seisviz.plots.episode_stats`: distance_time, fmd, depth_time, cross_section), stems
    period_<p>_subregion_<s>_<name>, as on the Subregions page."""
    from seisviz.plots.episode_stats import episode_stats_figures
    from seisviz.plots.subregions import subregion_figure

    out = []
    for _, row in subregions.head(max_figures).iterrows():
        stem = f"period_{int(row['period_id'])}_subregion_{int(row['subregion_id'])}"
        out.append((stem, subregion_figure(catalog, row, margin_days=margin_days, **options)))
        if with_stats:
            out += [(f"{stem}_{name}", fig)
                    for name, fig in episode_stats_figures(catalog, row).items()]
    return out
