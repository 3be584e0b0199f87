"""ResNet detectors: builders, input preparation, and weights with model cards.

torch is imported inside functions so that importing seisviz stays light.
A weights file `weights/<arch>.pt` holds an fp16 state dict; its model card
`weights/<arch>.json` (seisviz.detect.card.ModelCard) records how it was made and the
sha256 of the weights file. The shipped weights are found through the package
(seisviz.resources), not the working directory.

`load_network` loads one network and nothing else; the ensemble builds on it
(seisviz.detect.ensemble), and `seisviz.detect.loading.load_model` chooses between the two.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import numpy as np

from seisviz.detect.card import ModelCard
from seisviz.errors import ModelError
from seisviz.resources import weights_dir
from seisviz.settings import DEFAULT_MODEL

ARCHITECTURES = ("resnet18", "resnet34", "resnet101")
ENSEMBLE = "ensemble"  # the architecture of an ensemble's card (seisviz.detect.ensemble)
MODEL_NAMES = ARCHITECTURES + (ENSEMBLE,)  # what `--model` and the Detect page accept by name
# The paper's choices (Tables S1-S6): learning rate and weight decay per network.
PAPER_HYPERPARAMETERS = {
    "resnet18": {"lr": 0.005, "wd": 0.005},
    "resnet34": {"lr": 0.003, "wd": 0.005},
    "resnet101": {"lr": 0.0007, "wd": 0.005},
}


def build_model(arch: str, in_channels: int = 2) -> Any:
    """A torchvision ResNet taking `in_channels` maps and giving one logit per map."""
    import torch
    import torchvision

    if arch not in ARCHITECTURES:
        raise ModelError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    model = getattr(torchvision.models, arch)(weights=None, num_classes=1)
    model.conv1 = torch.nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return model


def input_statistics(maps: np.ndarray) -> dict:
    """Per-channel mean and std of log1p(maps): the input normalisation of a model."""
    x = np.log1p(np.maximum(maps, 0).astype(np.float32))
    return {"transform": "log1p",
            "mean": [float(v) for v in x.mean(axis=(0, 2, 3))],
            "std": [float(max(v, 1e-6)) for v in x.std(axis=(0, 2, 3))]}


def prepare_input(maps: np.ndarray, normalization: dict) -> np.ndarray:
    """Numpy maps [N, C, ny, nx] -> normalised float32 array, as the model was trained."""
    x = np.log1p(np.maximum(maps, 0).astype(np.float32))
    mean = np.asarray(normalization["mean"], np.float32)[None, :, None, None]
    std = np.asarray(normalization["std"], np.float32)[None, :, None, None]
    return (x - mean) / std


def sha256_of(path: str) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_model(model: Any, card: ModelCard | dict, directory: str,
               name: str | None = None) -> tuple[str, ModelCard]:
    """Write `<name>.pt` (fp16 state dict) and `<name>.json` (card with sha256).

    -> (weights path, the card as written)."""
    import torch

    if isinstance(card, dict):
        card = ModelCard.from_dict({"sha256": "", "weights_file": "", **card})
    name = name or card.architecture
    os.makedirs(directory, exist_ok=True)
    weights_path = os.path.join(directory, name + ".pt")
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    torch.save(state, weights_path)
    card.weights_file = name + ".pt"
    card.sha256 = sha256_of(weights_path)
    card.extra["weights_dtype"] = "float16"
    card.path = os.path.join(directory, name + ".json")
    card.write(card.path)
    return weights_path, card


def resolve_model_path(model: str) -> str:
    """`resnet18` (or `ensemble`) -> the shipped card's path; a .json or .pt path -> its
    card path."""
    if model in MODEL_NAMES:
        return str(weights_dir() / (model + ".json"))
    root, ext = os.path.splitext(model)
    if ext in (".pt", ".json"):
        return root + ".json"
    if os.path.isdir(model):
        cards = sorted(f for f in os.listdir(model) if f.endswith(".json"))
        if cards:
            return os.path.join(model, cards[0])
    raise ModelError(f"{model}: not a model name ({', '.join(MODEL_NAMES)}) nor a .pt/.json file")


def read_card(card_path: str) -> ModelCard:
    """The card at `card_path` (one-line ModelError when missing or incomplete)."""
    return ModelCard.read(card_path)


def available_models() -> list[str]:
    """Shipped models by name: architectures whose weights are present, then the ensemble
    when its card is."""
    return [a for a in MODEL_NAMES if (weights_dir() / (a + ".json")).exists()]


def load_network(model: str = DEFAULT_MODEL, device: str = "cpu") -> tuple[Any, ModelCard]:
    """Load one network's weights + card, checking the sha256 and the channel count.
    -> (net, card). An ensemble's card is refused (seisviz.detect.loading.load_model
    loads either)."""
    import torch

    card_path = resolve_model_path(model)
    card = read_card(card_path)
    if card.architecture == ENSEMBLE:
        raise ModelError(f"{card_path}: an ensemble's card, not a single network's")
    weights_path = os.path.join(os.path.dirname(card_path), card.weights_file)
    if not os.path.exists(weights_path):
        raise ModelError(f"{weights_path}: weights file named by {card_path} is missing")
    digest = sha256_of(weights_path)
    if digest != card.sha256:
        raise ModelError(f"{weights_path}: sha256 {digest[:12]}… does not match its card "
                         f"({card.sha256[:12]}…): the file was changed or damaged")
    try:
        state = torch.load(weights_path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, truncated zip, not a torch file
        # torch's messages run over several lines (and a refused pickle's suggests
        # weights_only=False): keep one line, the one naming what was refused
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        detail = next((line for line in lines if "GLOBAL" in line),
                      lines[0] if lines else type(exc).__name__)
        raise ModelError(f"{weights_path}: not a loadable weights file ({detail})") from None
    net = build_model(card.architecture, card.in_channels)
    conv1 = state.get("conv1.weight") if isinstance(state, dict) else None
    if conv1 is None or conv1.shape[1] != card.in_channels:
        got = "none" if conv1 is None else conv1.shape[1]
        raise ModelError(f"{weights_path}: weights take {got} input channels, its card says "
                         f"{card.in_channels}")
    try:
        net.load_state_dict({k: v.float() if v.is_floating_point() else v
                             for k, v in state.items()})
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        raise ModelError(f"{weights_path}: weights do not fit a {card.architecture} "
                         f"({first[1].strip() if len(first) > 1 else first[0]})") from None
    return net.to(device).eval(), card


def pick_device(requested: str = "auto") -> str:
    """'auto' -> cuda, else mps, else cpu. Asking for an absent GPU is a clear error."""
    import torch

    requested = (requested or "auto").lower()
    has_mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ModelError("device 'cuda' was asked for, but no CUDA GPU is available here "
                         "(use --device cpu or auto)")
    if requested == "mps" and not has_mps:
        raise ModelError("device 'mps' was asked for, but Apple MPS is not available here")
    if requested not in ("cpu", "cuda", "mps"):
        raise ModelError(f"unknown device {requested!r}: use auto, cpu, cuda or mps")
    return requested


def hardware_summary() -> dict:
    """What a user can run on: for the Detect page."""
    import torch

    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return {"cuda": gpus, "mps": bool(getattr(torch.backends, "mps", None)
                                     and torch.backends.mps.is_available()),
            "cpu_threads": torch.get_num_threads()}
