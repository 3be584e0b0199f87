"""One home for the settings of a scan, their defaults and their validation.

Every default lives here and nowhere else (the command line, the pages and the library
read them from here); a model card may carry its own (the window and grid it was trained
on), which `ScanSettings.from_card` prefers over these. The checks of a setting that more
than one front end takes (batch size, runtime) are here too, so that each is refused with
the same words wherever it is given.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from seisviz.errors import SeisvizError

DEFAULT_MODEL = "resnet18"  # the shipped model a scan runs when none is named
DEFAULT_DEVICE = "auto"      # cuda, else mps, else cpu (seisviz.detect.devices)
WINDOW_DAYS = 30.0        # length of a sliding window
STEP_DAYS = 1.0           # how far the window moves
BACKGROUND_DAYS = 180.0   # the earlier period a window is compared with
GRID_PIXELS = 64          # pixels per side of a distribution map
TRAINING_STEP_DAYS = 5.0  # windows of artificial catalogs overlap less: more variety per map
THRESHOLD = 0.5           # probability threshold when a model card carries none
BASELINE_THRESHOLD = 5.0  # beta threshold when a model card carries none
# Baseline assistance (seisviz.detect.flags): a window whose probability reaches only
# ASSIST_THRESHOLD is flagged too when the regional beta (each place against its own past,
# scaled by the whole map's change) reaches ASSIST_BETA: new sequences on places busy for
# months, where the network alone is unsure (docs/evaluation.md). At or above the
# threshold (e.g. 1) it is off: the probability alone decides. Both calibrated for the
# default model on catalogs drawn like every held-out set (`seisviz evaluate
# --calibrate-assist`, recorded in its card's `assistance`): the most episode recall at
# period precision >= 0.95.
ASSIST_THRESHOLD = 0.15
ASSIST_BETA = 5.0
ASSIST_OFF = 1.0  # turns it off: a probability that reaches 1 passes any threshold anyway
MIN_PERIOD_DAYS = 5.0     # runs of flagged windows shorter than this are flicker
MAX_GAP_DAYS = 0.0        # unflagged days inside a period: only back-to-back windows join
# Web map tiles under every map ({z}/{x}/{y} template); env SEISVIZ_TILE_URL overrides,
# "off" (or empty) draws only the offline basemap. See seisviz.plots.basemap.
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
RUNTIMES = ("torch", "onnx")  # what runs the network on the CPU (seisviz.detect.runtime)
DEFAULT_RUNTIME = RUNTIMES[0]
# Maps per inference batch when none is given: a GPU keeps busy with large batches, while
# on the CPU larger ones only cost memory.
GPU_BATCH_SIZE = 1024
CPU_BATCH_SIZE = 128
# Sequences (seisviz.subregions.sequences, docs/detection.md "What a sequence is"): two
# episodes belong to one sequence when their polygons lie within this many km and the
# quiet time from one's end to the other's onset is at most this many days, chained.
SEQUENCE_DISTANCE_KM = 5.0  # the label rule's neighbourhood: touching places are one
SEQUENCE_GAP_DAYS = 90.0    # a season of quiet at a place ends its sequence
# Near-duplicate events (seisviz.catalog.duplicates): one earthquake located by two agencies
# of a merged catalog, origin times a second or so and epicentres a few km apart. The loader
# keeps one of each group unless asked to keep all (--keep-duplicates).
DUPLICATE_SECONDS = 2.0    # origin times at most this far apart
DUPLICATE_KM = 5.0         # epicentres at most this far apart
DUPLICATE_MAGNITUDE = 1.0  # magnitudes at most this far apart (agencies' scales differ)
MIN_EVENTS = 10           # events of an episode in a 3x3 neighbourhood (the label rule's floor)
# What the network does not see (seisviz.detect.passes, docs/detection.md): a window with
# fewer than MIN_EVENTS events in the map cannot be anomalous and is never scored; the
# others are scored every COARSE_STEP_DAYS first, then at the user's step only around the
# coarse windows whose probability reached FINE_PASS_FLOOR (or the threshold, if lower).
COARSE_STEP_DAYS = TRAINING_STEP_DAYS
# Under every shipped card's threshold (0.2-0.6) and at baseline assistance's floor, so a
# fast scan scores every window assistance can flag: the Detect page's slider re-flags
# without a rescan down to here
FINE_PASS_FLOOR = min(0.2, ASSIST_THRESHOLD)
# Animations of the maps (seisviz.plots.maps, the Maps page)
MAX_FRAMES = 300          # longer runs of windows show every k-th: the browser stays smooth
FRAME_MS = 150            # milliseconds per frame
# Movie S3, the anomalous seismicity over a scan's span (seisviz.plots.movie)
MOVIE_FRAMES = 150        # the default step (whole days) keeps the movie to this many frames
MAX_MOVIE_FRAMES = 1000   # a smaller step is refused: the file would grow too large
PIXEL_KM = 1.0            # pixel size when the grid is given in km; the tiles' pixel size
# The pixel sizes (km) the shipped models were trained on: regions 0.3-1.0 degrees wide on
# a 64x64 grid (seisviz.training.synthetic, docs/training.md). A model card carries its own
# (ModelCard.min_pixel_km / max_pixel_km); these are the defaults of an older card.
TRAINED_MIN_PIXEL_KM = 0.5
TRAINED_MAX_PIXEL_KM = 1.7
MAX_MAP_PIXELS = 256 * 256  # finer grids are refused: too many pixels to animate

# Settings that only decide which windows are flagged and how they merge: changing them
# re-derives flags and periods from the stored probabilities, without running the network.
FLAG_SETTINGS = ("threshold", "baseline_threshold", "max_gap_days", "min_period_days",
                 "assist_threshold", "assist_beta")


def _number(name: str, value: Any) -> float:
    """`value` as a float; NaN (e.g. --threshold nan) is a one-line error, not a setting
    that silently flags nothing."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if number != number:
        raise SeisvizError(f"{name.replace('_', ' ')} must be a number, got {value}")
    return number


def _positive(name: str, value: Any) -> float:
    try:
        ok = float(value) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise SeisvizError(f"{name.replace('_', ' ')} must be positive, got {value}")
    return float(value)


def check_batch_size(batch_size: Any, option: str | None = None) -> int | None:
    """A batch size as an int, None for automatic (None or 0). A negative one is refused
    with a one-line SeisvizError: it made range() empty and left every probability
    uninitialised. `option` names the command-line option that gave it, for the message."""
    if batch_size is None:
        return None
    if int(batch_size) < 0:
        raise SeisvizError(f"{option} {batch_size}: must be positive (0: automatic)" if option
                           else f"batch size must be positive, got {batch_size}")
    return int(batch_size) or None


def auto_batch_size(device: str) -> int:
    """Maps per inference batch on `device` when none is given."""
    return GPU_BATCH_SIZE if device.startswith("cuda") else CPU_BATCH_SIZE


def runtime_name(runtime: str | None) -> str:
    """"torch" or "onnx" (None: torch); a one-line SeisvizError for anything else."""
    name = str(runtime or DEFAULT_RUNTIME).strip().lower()
    if name not in RUNTIMES:
        raise SeisvizError(f"unknown runtime {runtime!r}: use {' or '.join(RUNTIMES)}")
    return name


@dataclass(frozen=True)
class ScanSettings:
    """Every setting of a scan: where (bbox, grid), which windows, which model, which
    thresholds. Frozen: a changed setting is a new object (`replace`)."""

    model: str = DEFAULT_MODEL
    bbox: tuple[float, float, float, float] | None = None  # min_lon, max_lon, min_lat, max_lat
    grid: int = GRID_PIXELS
    window_days: float = WINDOW_DAYS
    step_days: float = STEP_DAYS
    background_days: float = BACKGROUND_DAYS
    threshold: float = THRESHOLD
    baseline_threshold: float = BASELINE_THRESHOLD
    min_magnitude: float | None = None
    max_gap_days: float = MAX_GAP_DAYS
    min_period_days: float = MIN_PERIOD_DAYS
    device: str = DEFAULT_DEVICE
    batch_size: int | None = None
    runtime: str = DEFAULT_RUNTIME  # or "onnx": ONNX Runtime on the CPU (seisviz.detect.runtime)
    exhaustive: bool = False  # every window through the network (no sparse skip, no coarse pass)
    coarse_step_days: float = COARSE_STEP_DAYS
    assist_threshold: float = ASSIST_THRESHOLD
    assist_beta: float = ASSIST_BETA

    def __post_init__(self) -> None:
        # normalise types once, so that equal settings compare (and hash) equal
        set_ = object.__setattr__
        set_(self, "grid", int(_positive("grid", self.grid)))
        for name in ("window_days", "step_days", "background_days", "coarse_step_days"):
            set_(self, name, _positive(name, getattr(self, name)))
        for name in ("threshold", "baseline_threshold", "max_gap_days", "min_period_days",
                     "assist_threshold", "assist_beta"):
            set_(self, name, _number(name, getattr(self, name)))
        if self.bbox is not None:
            set_(self, "bbox", tuple(round(float(v), 6) for v in self.bbox))
        if self.min_magnitude is not None:
            set_(self, "min_magnitude", float(self.min_magnitude))
        set_(self, "batch_size", check_batch_size(self.batch_size))
        set_(self, "runtime", runtime_name(self.runtime))
        set_(self, "exhaustive", bool(self.exhaustive))

    @classmethod
    def from_card(cls, card: Any = None, **given: Any) -> "ScanSettings":
        """Settings with every None in `given` taken from the model card (its window,
        grid, background and thresholds), then from the defaults above."""
        from_card = {} if card is None else card.scan_defaults()
        values = {k: v for k, v in given.items() if v is not None}
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise SeisvizError(f"unknown scan setting(s): {', '.join(sorted(unknown))}")
        return cls(**{**from_card, **values})

    @classmethod
    def from_dict(cls, data: dict) -> "ScanSettings":
        """Settings from `to_dict()` output (e.g. a scan folder's run.json); unknown keys
        are ignored so that newer files still load."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict:
        """JSON-ready dict (bbox as a list)."""
        out = dataclasses.asdict(self)
        out["bbox"] = None if self.bbox is None else list(self.bbox)
        return out

    def replace(self, **changes: Any) -> "ScanSettings":
        """A copy with `changes` applied (None values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def raster_part(self) -> dict:
        """The settings that decide the maps (and the network's output): changing any other
        setting never reruns the network. The fine pass is part of it: a threshold under
        its floor, or a minimum period shorter than its coarse step, needs windows the
        fine pass did not score."""
        part = {k: v for k, v in self.to_dict().items() if k not in FLAG_SETTINGS}
        part["fine_pass"] = self.fine_pass()
        return part

    def fine_pass(self) -> dict:
        """How a fast scan picks the windows the network scores (seisviz.detect.passes):
        every `coarse_stride`-th window first, then every window within `coarse_stride` - 1
        windows of a coarse window whose probability reached `floor`. {} when exhaustive.

        The stride is at most the minimum period in windows: every run of flagged windows
        long enough to be kept then holds a coarse window, which is flagged and so scored
        with its neighbours. The periods are then those of the exhaustive scan for every
        threshold down to `floor` (with no gap allowed inside a period)."""
        if self.exhaustive:
            return {}
        stride = min(int(self.coarse_step_days / self.step_days + 1e-9),
                     int(self.min_period_days / self.step_days + 1e-9))
        if stride <= 1:  # every window is a coarse one: no fine pass, no floor
            return {"coarse_stride": 1, "floor": 0.0}
        return {"coarse_stride": stride, "floor": round(min(FINE_PASS_FLOOR, self.threshold), 6)}

    def assisted(self) -> bool:
        """Whether baseline assistance can flag a window that the probability alone does
        not: its threshold lies under the probability threshold."""
        return self.assist_threshold < self.threshold

    def flag_part(self) -> dict:
        """The settings that only decide flags and periods."""
        return {k: getattr(self, k) for k in FLAG_SETTINGS}


CACHE_DIR_ENV = "SEISVIZ_CACHE_DIR"  # this machine's cache (sessions, ONNX exports, column maps)
WORK_DIR_ENV = "SEISVIZ_WORK_DIR"    # the dashboard's server-side scan folders (seisviz.workdir)
WORK_SUBDIR = "scans"                # the work folder's default: this folder of the cache


def cache_dir() -> str:
    """The cache folder (not created here): $SEISVIZ_CACHE_DIR, else
    $XDG_CACHE_HOME/seisviz, else ~/.cache/seisviz."""
    import os

    if os.environ.get(CACHE_DIR_ENV):
        return os.environ[CACHE_DIR_ENV]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "seisviz")


def tile_url() -> str | None:
    """The web-tile URL template in force (SEISVIZ_TILE_URL, else TILE_URL), None if off."""
    import os

    url = os.environ.get("SEISVIZ_TILE_URL", TILE_URL).strip()
    return None if url.lower() in ("", "off", "none", "0") else url
