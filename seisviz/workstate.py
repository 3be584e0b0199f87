"""The user's work in the dashboard, as one typed record: which catalog (and where it came
from), its filters, the Detect page's settings and the map settings.

Every page draws its widgets from this record and writes the user's changes back to it; no
page resets it. A browser refresh restores it (seisviz.sessions keeps it on disk as JSON,
beside the catalog), and an export's run.json describes the run from it
(`scan_command`: the equivalent `seisviz scan` command line). Plain values only (str,
float, bool, lists, dicts), so that `to_dict`/`from_dict` round-trip through JSON; no
streamlit here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shlex
from dataclasses import dataclass, field
from typing import Any

from seisviz.settings import ASSIST_THRESHOLD, COARSE_STEP_DAYS

WORK_FORMAT = 1


@dataclass
class Source:
    """Where the catalog came from.

    kind: "demo" (one of the bundled demos: `demo` its label, `path` its file), "upload"
    (`name` the file's name, `sha256` of its bytes, `format` and the column choice it was
    read with), "fdsn" (`fdsn`: service, start, end, bbox, min_magnitude) or "tile" (a
    tile of a tiled scan opened on the Overview page: `path` the scan-tiles folder's name
    in the work folder, `tile` its id, `tile_box` its scan box and `tile_catalog` the
    catalog the tiled scan read)."""

    kind: str = "demo"
    name: str | None = None  # what titles call it: demo label, file name, FDSN label
    demo: str | None = None
    path: str | None = None
    sha256: str | None = None
    format: str = "auto"
    columns: dict = field(default_factory=dict)
    delimiter: str | None = None
    timezone: str | None = None
    fdsn: dict | None = None
    tile: str | None = None
    tile_box: list | None = None  # [min_lon, max_lon, min_lat, max_lat], overlap included
    tile_catalog: str | None = None
    load_report: str | None = None  # LoadReport.summary() of the load
    # every copy of a near-duplicate event kept (the Catalog page's box, --keep-duplicates)
    keep_duplicates: bool = False


@dataclass
class Filters:
    """The Catalog page's filters, for the catalog whose key is `for_catalog` (another
    catalog starts from no filter). Days are ISO dates, both inclusive."""

    for_catalog: str | None = None
    start_day: str | None = None
    end_day: str | None = None
    use_mc: bool = False
    min_magnitude: float | None = None
    min_depth: float | None = None
    max_depth: float | None = None
    bbox: list | None = None  # [min_lon, max_lon, min_lat, max_lat]
    region_name: str | None = None  # a polygon region file, and the sha256 of its bytes
    region_sha256: str | None = None
    # declustering after the other filters (seisviz.stats.decluster): None, "gardner-knopoff"
    # or "zaliapin"; decluster_share: the share of events it removed (0..1), as last applied
    decluster: str | None = None
    decluster_share: float | None = None

    def applied(self) -> dict:
        """The filters as run.json records them (no bookkeeping)."""
        out = {k: v for k, v in dataclasses.asdict(self).items()
               if k not in ("for_catalog", "decluster_share")}
        return out

    def declustering(self) -> dict | None:
        """run.json's `declustering` (method and share removed), None when not declustered."""
        if not self.decluster:
            return None
        return {"method": self.decluster, "share_removed": self.decluster_share}


@dataclass
class MapSettings:
    """The sidebar's map settings (the overlay layers themselves are kept beside)."""

    stars: bool = True
    star_magnitude: float | None = None  # None: the catalog's default (plots.framing)
    tiles: bool | None = None  # None: on when a tile server is configured
    extent_all: bool = False  # frame every event (True) or the bulk of them


@dataclass
class Work:
    """Everything the user chose: the catalog's source and filters, the Detect page's
    settings (`detect`: widget name -> value, plus the model whose threshold it holds) and
    the map settings."""

    source: Source = field(default_factory=Source)
    filters: Filters = field(default_factory=Filters)
    detect: dict = field(default_factory=dict)
    maps: MapSettings = field(default_factory=MapSettings)

    def to_dict(self) -> dict:
        return {"work_format": WORK_FORMAT, **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, data: Any) -> "Work":
        """A record from `to_dict()` output; unknown or broken parts fall back to their
        defaults (a newer or damaged file still gives a record)."""
        if not isinstance(data, dict):
            return cls()

        def part(kind, value):
            if not isinstance(value, dict):
                return kind()
            names = {f.name for f in dataclasses.fields(kind)}
            try:
                return kind(**{k: v for k, v in value.items() if k in names})
            except TypeError:
                return kind()

        detect = data.get("detect")
        return cls(source=part(Source, data.get("source")),
                   filters=part(Filters, data.get("filters")),
                   detect=dict(detect) if isinstance(detect, dict) else {},
                   maps=part(MapSettings, data.get("maps")))


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _num(value: float) -> str:
    return f"{float(value):g}" if abs(float(value)) < 1e6 else repr(float(value))


def _intersection(a: list | None, b: list | None) -> list | None:
    """The box both boxes cover ([min_lon, max_lon, min_lat, max_lat]; None: no box)."""
    if not a or not b:
        return list(a or b) if (a or b) else None
    return [max(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), min(a[3], b[3])]


def scan_command(work: Work, settings: Any, catalog_file: str | None = None,
                 cut: dict | None = None) -> str:
    """The `seisviz scan` command line that redoes the scan of `settings` (a ScanSettings)
    on the catalog of `work.source` with `work.filters`.

    `catalog_file`: the catalog's path in the command; by default the demo's path, the
    upload's file name (the user has the file) or, for an FDSN catalog, a file the
    command's first line fetches it to (`seisviz fetch`). `cut`: how the scan cut its
    region (ScanResult.cut): unless its grid was set by hand, the command leaves --grid
    and --bbox out, so that it cuts the region the same way (seisviz.detect.region)."""
    src, flt = work.source, work.filters
    prefix = ""
    if catalog_file is None:
        if src.kind == "fdsn" and src.fdsn:
            catalog_file = "fdsn_catalog.csv"
            f = src.fdsn
            fetch = ["seisviz", "fetch", "--service", str(f.get("service")),
                     "--start", str(f.get("start")), "--end", str(f.get("end")),
                     "--out", catalog_file]
            if f.get("bbox"):
                fetch += ["--bbox", *(_num(v) for v in f["bbox"])]
            if f.get("min_magnitude") is not None:
                fetch += ["--min-magnitude", _num(f["min_magnitude"])]
            prefix = shlex.join(fetch) + " && "
        elif src.kind == "tile":
            catalog_file = src.tile_catalog or "catalog.csv"
        else:
            catalog_file = src.path or src.name or "catalog.csv"
    cmd = ["seisviz", "scan", str(catalog_file), "--out", "scan"]
    if src.kind == "upload":
        if src.format and src.format != "auto":
            cmd += ["--format", src.format]
        if src.columns:
            cmd += ["--columns", ",".join(f"{k}={v}" for k, v in sorted(src.columns.items()))]
        if src.delimiter:
            cmd += ["--delimiter", src.delimiter]
        if src.timezone:
            cmd += ["--timezone", src.timezone]
    if src.keep_duplicates:
        cmd += ["--keep-duplicates"]
    # the Catalog page's filters
    if flt.start_day:
        cmd += ["--start", str(flt.start_day)]
    if flt.end_day:
        import datetime as dt

        end = dt.date.fromisoformat(str(flt.end_day)) + dt.timedelta(days=1)
        cmd += ["--end", end.isoformat()]
    if flt.min_depth is not None:
        cmd += ["--min-depth", _num(flt.min_depth)]
    if flt.max_depth is not None:
        cmd += ["--max-depth", _num(flt.max_depth)]
    clip = _intersection(flt.bbox, src.tile_box if src.kind == "tile" else None)
    if clip:
        cmd += ["--clip-box", *(_num(v) for v in clip)]
    if flt.region_name:
        cmd += ["--region", flt.region_name]
    # the scan's settings; a catalog filter's magnitude and the scan's act as one
    mags = [m for m in (flt.min_magnitude, settings.min_magnitude) if m is not None]
    if mags:
        cmd += ["--min-magnitude", _num(max(mags))]
    if flt.decluster:  # after the filters and the magnitude cut, as on the Catalog page
        cmd += ["--decluster", str(flt.decluster)]
    by_hand = cut is None or bool(cut.get("by_hand"))
    if settings.bbox is not None and by_hand:
        cmd += ["--bbox", *(repr(float(v)) for v in settings.bbox)]
    cmd += ["--model", str(settings.model)]
    if by_hand:
        cmd += ["--grid", str(int(settings.grid))]
    cmd += ["--window", _num(settings.window_days), "--step", _num(settings.step_days),
            "--background", _num(settings.background_days),
            "--threshold", repr(float(settings.threshold)),
            "--baseline-threshold", _num(settings.baseline_threshold),
            "--max-gap", _num(settings.max_gap_days),
            "--min-period", _num(settings.min_period_days),
            "--device", str(settings.device), "--runtime", str(settings.runtime)]
    if settings.batch_size:
        cmd += ["--batch-size", str(int(settings.batch_size))]
    if getattr(settings, "exhaustive", False):
        cmd += ["--exhaustive"]
    if getattr(settings, "coarse_step_days", COARSE_STEP_DAYS) != COARSE_STEP_DAYS:
        cmd += ["--coarse-step", _num(settings.coarse_step_days)]
    # baseline assistance off (the Detect page's checkbox) or at another floor
    if getattr(settings, "assist_threshold", ASSIST_THRESHOLD) != ASSIST_THRESHOLD:
        cmd += ["--assist-threshold", _num(settings.assist_threshold)]
    return prefix + shlex.join(cmd)
