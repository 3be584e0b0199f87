"""An ensemble of detectors: the mean of their probabilities, one threshold of its own.

The ensemble's card (`weights/ensemble.json`) names its members by their cards and the
sha256 of their weights, and carries the threshold calibrated for the mean probability
(`seisviz evaluate --calibrate`). Loading it loads each member (each with its own sha256
check) and refuses a member that changed since the ensemble was calibrated.

`load_ensemble` gives a (net, card) pair that `window_probabilities` runs like any single
model: the card's normalisation is log1p alone (mean 0, std 1), and the net applies each
member's own normalisation before the member, so members trained on different data
statistics combine correctly. Each member is loaded with `seisviz.detect.models.load_network`
(one network, never an ensemble); `seisviz.detect.loading.load_model` is what chooses
between a single network and an ensemble.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from typing import Any

from seisviz.detect.card import ModelCard
from seisviz.detect.models import ENSEMBLE, load_network
from seisviz.errors import ModelError

# the card fields every member must share: the ensemble reads one set of maps
SHARED = ("in_channels", "grid", "window_days", "background_days")


def members_digest(shas: Sequence[str]) -> str:
    """The ensemble card's sha256: over its members' weights digests, in order."""
    return hashlib.sha256(json.dumps(list(shas)).encode()).hexdigest()


def ensemble_card(members: Sequence[ModelCard], threshold: float,
                  **extra: Any) -> ModelCard:
    """A card for the mean of `members` (cards read from their files) at `threshold`."""
    if len(members) < 2:
        raise ModelError("an ensemble needs at least two models")
    first = members[0]
    for card in members[1:]:
        for key in SHARED:
            if getattr(card, key) != getattr(first, key):
                raise ModelError(f"{card.path}: {key} {getattr(card, key)} differs from "
                                 f"{first.path} ({getattr(first, key)}); an ensemble reads "
                                 "one set of maps")
    return ModelCard.from_dict({
        "architecture": ENSEMBLE, "in_channels": first.in_channels,
        "normalization": {"transform": "log1p", "mean": [0.0] * first.in_channels,
                          "std": [1.0] * first.in_channels},
        "sha256": members_digest([c.sha256 for c in members]), "weights_file": "",
        "grid": first.grid, "min_pixel_km": first.min_pixel_km,
        "max_pixel_km": first.max_pixel_km, "pixel_km": first.pixel_km,
        "window_days": first.window_days,
        "background_days": first.background_days, "threshold": float(threshold),
        "baseline_threshold": first.baseline_threshold,
        "members": [{"card": os.path.basename(c.path or f"{c.architecture}.json"),
                     "architecture": c.architecture, "sha256": c.sha256} for c in members],
        "combination": "mean of the members' probabilities", **extra})


def load_ensemble(card: ModelCard, device: str = "cpu") -> tuple[Any, ModelCard]:
    """(net, card) for an ensemble card: each member loaded and checked. A member must be
    one network: an ensemble among the members is refused, not opened in turn."""
    where = card.path or "ensemble card"
    members = card.get("members") or []
    if len(members) < 2:
        raise ModelError(f"{where}: an ensemble card needs at least two members")
    nets, cards = [], []
    folder = os.path.dirname(card.path or "")
    for m in members:
        path = os.path.join(folder, m["card"])
        if not os.path.exists(path):
            raise ModelError(f"{where}: member {m['card']} is missing")
        net, member = load_network(path, device)
        if member.sha256 != m["sha256"]:
            raise ModelError(f"{where}: member {m['card']} changed since the ensemble was "
                             f"calibrated (sha256 {member.sha256[:12]}…, recorded "
                             f"{m['sha256'][:12]}…); recalibrate with `seisviz evaluate "
                             "--calibrate`")
        nets.append(net)
        cards.append(member)
    if members_digest([c.sha256 for c in cards]) != card.sha256:
        raise ModelError(f"{where}: sha256 does not match its members")
    return mean_probability_net(nets, cards).to(device).eval(), card


def mean_probability_net(nets: Sequence[Any], cards: Sequence[ModelCard]) -> Any:
    """A torch module: input log1p(maps), output the logit of the members' mean
    probability (so sigmoid of it is the mean)."""
    import torch

    class MeanProbability(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.members = torch.nn.ModuleList(nets)
            for i, c in enumerate(cards):
                n = c.normalization
                self.register_buffer(f"mean{i}", torch.tensor(n["mean"]).view(1, -1, 1, 1))
                self.register_buffer(f"std{i}", torch.tensor(n["std"]).view(1, -1, 1, 1))

        def forward(self, x):
            probs = [torch.sigmoid(net((x - getattr(self, f"mean{i}")) /
                                       getattr(self, f"std{i}")).float())
                     for i, net in enumerate(self.members)]
            p = torch.stack(probs).mean(0).clamp(1e-7, 1 - 1e-7)
            return torch.log(p) - torch.log1p(-p)

    return MeanProbability()
