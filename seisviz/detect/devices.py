"""Which device runs the network, decided from what the machine has.

`choose_device` reads a hardware summary (`seisviz.detect.models.hardware_summary`: CUDA
GPUs, Apple MPS, CPU threads), so that a page which caches that summary decides without
importing torch again on every rerun.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seisviz.errors import ModelError
from seisviz.settings import DEFAULT_DEVICE

DEVICES = ("auto", "cpu", "cuda", "mps")  # what a user may ask for


def choose_device(requested: str | None, hardware: Mapping[str, Any]) -> str:
    """The device to run on: "auto" -> cuda, else mps, else cpu. Asking for a GPU that
    `hardware` lacks, or for an unknown device, is a one-line ModelError saying what to
    choose instead."""
    requested = (requested or DEFAULT_DEVICE).lower()
    if requested == "auto":
        return "cuda" if hardware["cuda"] else "mps" if hardware["mps"] else "cpu"
    if requested == "cuda" and not hardware["cuda"]:
        raise ModelError("A CUDA GPU was asked for, but this machine has none: choose auto "
                         "or cpu.")
    if requested == "mps" and not hardware["mps"]:
        raise ModelError("Apple MPS was asked for, but it is not available here: choose auto "
                         "or cpu.")
    if requested not in DEVICES:
        raise ModelError(f"unknown device {requested!r}: use {', '.join(DEVICES)}")
    return requested
