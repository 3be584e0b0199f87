"""`load_model`: a model by name or path, one network or an ensemble of them.

It sits above both loaders: `seisviz.detect.models.load_network` loads one network, and
`seisviz.detect.ensemble.load_ensemble` builds on it for each member, so neither needs
the other's dispatch.
"""

from __future__ import annotations

from typing import Any

from seisviz.detect.card import ModelCard
from seisviz.detect.ensemble import load_ensemble
from seisviz.detect.models import ENSEMBLE, load_network, read_card, resolve_model_path
from seisviz.settings import DEFAULT_MODEL


def load_model(model: str = DEFAULT_MODEL, device: str = "cpu") -> tuple[Any, ModelCard]:
    """Load weights + card, checking the sha256 and the channel count. -> (model, card).

    `model` is a name (`resnet18`, `ensemble`, …) or a path to a .pt/.json; an
    ensemble's card loads each of its members (seisviz.detect.ensemble)."""
    card_path = resolve_model_path(model)
    card = read_card(card_path)
    if card.architecture == ENSEMBLE:
        return load_ensemble(card, device)
    return load_network(card_path, device)
