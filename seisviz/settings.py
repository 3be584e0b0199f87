"""One home for the settings of a scan and their defaults.

The window/grid defaults live here and nowhere else; a model card may carry its own
(the window and grid it was trained on), which `ScanSettings.from_card` prefers over
these.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from seisviz.errors import SeisvizError

WINDOW_DAYS = 30.0        # length of a sliding window
STEP_DAYS = 1.0           # how far the window moves
BACKGROUND_DAYS = 180.0   # the earlier period a window is compared with
GRID_PIXELS = 64          # pixels per side of a distribution map
TRAINING_STEP_DAYS = 5.0  # windows of artificial catalogs overlap less: more variety per map
THRESHOLD = 0.5           # probability threshold when a model card carries none
BASELINE_THRESHOLD = 5.0  # beta threshold when a model card carries none
MIN_PERIOD_DAYS = 5.0     # runs of flagged windows shorter than this are flicker
# Web map tiles under every map ({z}/{x}/{y} template); env SEISVIZ_TILE_URL overrides,
# "off" (or empty) draws only the offline basemap. See seisviz.plots.basemap.
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
RUNTIMES = ("torch", "onnx")  # what runs the network on the CPU (seisviz.detect.runtime)
MIN_EVENTS = 10           # events of an episode in a 3x3 neighbourhood (the label rule's floor)

# Settings that only decide which windows are flagged and how they merge: changing them
# re-derives flags and periods from the stored probabilities, without running the network.
FLAG_SETTINGS = ("threshold", "baseline_threshold", "max_gap_days", "min_period_days")


def _positive(name: str, value: Any) -> float:
    try:
        ok = float(value) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise SeisvizError(f"{name.replace('_', ' ')} must be positive, got {value}")
    return float(value)


@dataclass(frozen=True)
class ScanSettings:
    """Every setting of a scan: where (bbox, grid), which windows, which model, which
    thresholds. Frozen: a changed setting is a new object (`replace`)."""

    model: str = "resnet18"
    bbox: tuple[float, float, float, float] | None = None  # min_lon, max_lon, min_lat, max_lat
    grid: int = GRID_PIXELS
    window_days: float = WINDOW_DAYS
    step_days: float = STEP_DAYS
    background_days: float = BACKGROUND_DAYS
    threshold: float = THRESHOLD
    baseline_threshold: float = BASELINE_THRESHOLD
    min_magnitude: float | None = None
    max_gap_days: float = 0.0
    min_period_days: float = MIN_PERIOD_DAYS
    device: str = "auto"
    batch_size: int | None = None
    runtime: str = "torch"  # or "onnx": ONNX Runtime on the CPU (seisviz.detect.runtime)

    def __post_init__(self) -> None:
        # normalise types once, so that equal settings compare (and hash) equal
        set_ = object.__setattr__
        set_(self, "grid", int(_positive("grid", self.grid)))
        for name in ("window_days", "step_days", "background_days"):
            set_(self, name, _positive(name, getattr(self, name)))
        for name in ("threshold", "baseline_threshold", "max_gap_days", "min_period_days"):
            set_(self, name, float(getattr(self, name)))
        if self.bbox is not None:
            set_(self, "bbox", tuple(round(float(v), 6) for v in self.bbox))
        if self.min_magnitude is not None:
            set_(self, "min_magnitude", float(self.min_magnitude))
        if self.batch_size is not None:
            if int(self.batch_size) < 0:
                raise SeisvizError(f"batch size must be positive, got {self.batch_size}")
            set_(self, "batch_size", int(self.batch_size) or None)
        runtime = str(self.runtime or "torch").strip().lower()
        if runtime not in RUNTIMES:
            raise SeisvizError(f"unknown runtime {self.runtime!r}: use "
                               f"{' or '.join(RUNTIMES)}")
        set_(self, "runtime", runtime)

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
        setting never reruns the network."""
        return {k: v for k, v in self.to_dict().items() if k not in FLAG_SETTINGS}

    def flag_part(self) -> dict:
        """The settings that only decide flags and periods."""
        return {k: getattr(self, k) for k in FLAG_SETTINGS}


def tile_url() -> str | None:
    """The web-tile URL template in force (SEISVIZ_TILE_URL, else TILE_URL), None if off."""
    import os

    url = os.environ.get("SEISVIZ_TILE_URL", TILE_URL).strip()
    return None if url.lower() in ("", "off", "none", "0") else url
