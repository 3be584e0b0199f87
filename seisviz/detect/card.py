"""The model card: what a weights file is, how it was made and how to feed it.

A card is the JSON file beside a weights file (`weights/<arch>.json`). `ModelCard` reads
it into typed fields; what the code needs (architecture, inputs, normalisation, the
window and grid it was trained on, thresholds, the sha256 of the weights) is a field
with its default here, the rest (training history, hyperparameters, evaluation) travels
in `extra` untouched, so a card written by a newer seisviz still loads and saves whole.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from typing import Any

from seisviz import settings as defaults
from seisviz.errors import ModelError

REQUIRED = ("architecture", "in_channels", "normalization", "sha256", "weights_file")


@dataclass
class ModelCard:
    """Typed model card. `extra` keeps every other key of the JSON file."""

    architecture: str
    in_channels: int
    normalization: dict          # {"transform": "log1p", "mean": [...], "std": [...]}
    sha256: str = ""
    weights_file: str = ""
    grid: int = defaults.GRID_PIXELS
    # the pixel sizes (km) the training maps had, and the one a wide region is tiled at
    # (seisviz.detect.region); an older card gets the shipped models' values
    min_pixel_km: float = defaults.TRAINED_MIN_PIXEL_KM
    max_pixel_km: float = defaults.TRAINED_MAX_PIXEL_KM
    pixel_km: float = defaults.PIXEL_KM
    window_days: float = defaults.WINDOW_DAYS
    background_days: float = defaults.BACKGROUND_DAYS
    threshold: float = defaults.THRESHOLD
    baseline_threshold: float = defaults.BASELINE_THRESHOLD
    final_validation_loss: float | None = None
    created: str | None = None
    quick: bool = False
    extra: dict = field(default_factory=dict)
    path: str | None = field(default=None, compare=False)  # the JSON file it came from

    @classmethod
    def from_dict(cls, data: dict, path: str | None = None) -> "ModelCard":
        """A card from its JSON dict; a missing required key is a one-line ModelError."""
        where = path or "model card"
        for key in REQUIRED:
            if key not in data:
                raise ModelError(f"{where}: model card lacks '{key}'")
        names = {f.name for f in dataclasses.fields(cls)} - {"extra", "path"}
        known = {k: v for k, v in data.items() if k in names}
        extra = {k: v for k, v in data.items() if k not in names}
        return cls(**known, extra=extra, path=path)

    @classmethod
    def read(cls, path: str) -> "ModelCard":
        """Read a card file (one-line ModelError when missing or not JSON)."""
        if not os.path.exists(path):
            raise ModelError(f"{path}: model card not found (train one with "
                             "`seisviz train`)")
        try:
            with open(path) as f:
                data = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelError(f"{path}: model card is not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ModelError(f"{path}: model card is not a JSON object")
        return cls.from_dict(data, path)

    def to_dict(self) -> dict:
        """The JSON dict: typed fields first, then `extra`, as read."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
               if f.name not in ("extra", "path")}
        return {**out, **self.extra}

    def write(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump(self.to_dict(), f, indent=2, default=str)

    def get(self, key: str, default: Any = None) -> Any:
        """A key of `extra` (history, hyperparameters, evaluation, …) or a field."""
        if key in self.extra:
            return self.extra[key]
        return getattr(self, key, default) if key in self.field_names() else default

    @classmethod
    def field_names(cls) -> set[str]:
        return {f.name for f in dataclasses.fields(cls)}

    def scan_defaults(self) -> dict:
        """The scan settings this model was trained for (see ScanSettings.from_card)."""
        return {"grid": self.grid, "window_days": self.window_days,
                "background_days": self.background_days, "threshold": self.threshold,
                "baseline_threshold": self.baseline_threshold}

    def describe(self) -> str:
        """One line for a user choosing a model: what it is and how it scored on the
        held-out catalogs (`seisviz evaluate --update-cards`)."""
        if self.architecture == "ensemble":
            names = ", ".join(m["architecture"] for m in self.get("members") or [])
            head = f"Ensemble of {names} (mean probability)"
            method = "ensemble"
        else:
            data = self.get("training_data") or {}
            head = (f"{self.architecture}, trained on {data.get('n_train', 0):,} artificial "
                    "maps")
            method = self.architecture
        parts = [head, f"threshold {self.threshold:.2f}"]
        summary = (self.get("evaluation") or {}).get("summary", [])
        rows = {r["group"]: r for r in summary if r.get("method") == method}
        if "overall" in rows:
            line = f"held-out episode F1 {rows['overall']['episode_f1']:.2f}"
            big = rows.get("20 or more events")
            if big:
                line += f", recall {big['episode_recall']:.2f} for episodes of 20+ events"
            quiet = next((r for g, r in rows.items() if g.startswith("no anomaly")), None)
            if quiet:
                line += f", {int(quiet['false_periods'])} false periods in the quiet catalogs"
            parts.append(line)
        assisted = next((r for r in summary if r.get("method") == f"{method} + assist"
                         and r.get("group") == "overall"), None)
        if assisted:  # what a scan with the default baseline assistance scores
            parts.append(f"with baseline assistance: recall {assisted['episode_recall']:.2f}"
                         f", period precision {assisted['period_precision']:.2f}")
        return " · ".join(parts)

    def summary(self) -> dict:
        """What run.json records about the model."""
        return {"architecture": self.architecture, "sha256": self.sha256,
                "weights_file": self.weights_file, "threshold": self.threshold,
                "final_validation_loss": self.final_validation_loss, "quick": self.quick}
