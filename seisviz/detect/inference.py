"""Inference: a probability of 'anomalous' per distribution map.

torch is imported inside `window_probabilities` only, so importing seisviz stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
import time

import numpy as np

from seisviz.errors import Cancelled, SeisvizError
from seisviz.settings import auto_batch_size, check_batch_size

if TYPE_CHECKING:
    from seisviz.detect.card import ModelCard
    from seisviz.progress import Progress


def window_probabilities(maps: np.ndarray, model: Any, card: ModelCard, device: str = "cpu",
                         batch_size: int | None = None, progress: Progress | None = None,
                         should_stop: Callable[[], bool] | None = None,
                         windows: np.ndarray | None = None
                         ) -> tuple[np.ndarray, dict[str, Any]]:
    """Probability of 'anomalous' per map. `maps` is [N, C, ny, nx] (numpy).

    `windows`: indices of the maps to score (sorted), one probability each; None: all. Only
    a batch of them is copied at a time, so scoring a few windows of a long scan costs
    no more memory than its batch.

    Inference mode and channels-last everywhere, the input normalisation on the device,
    fp16 autocast on a GPU. Returns (probs, info)
    where info says which device ran, the batch size and the throughput in maps/s.

    `should_stop()` is asked before every batch: when it says True, `Cancelled` is raised
    (its `done` and `total` count maps) and no probabilities come back."""
    import torch

    if maps.shape[1] != card.in_channels:
        raise SeisvizError(f"maps have {maps.shape[1]} channels, the model takes "
                           f"{card.in_channels}")
    gpu = device.startswith("cuda")
    batch_size = check_batch_size(batch_size) or auto_batch_size(device)
    # channels-last is faster on the CPU too (oneDNN convolutions), not only on a GPU
    memory_format = torch.channels_last
    model = model.to(device=device, memory_format=memory_format).eval()
    # The normalisation of `prepare_input` (log1p, then per-channel mean/std), done by torch
    # on the device: numpy on one CPU core would cap a GPU at a few thousand maps/s.
    norm = card.normalization
    mean = torch.tensor(norm["mean"], dtype=torch.float32, device=device).view(1, -1, 1, 1)
    std = torch.tensor(norm["std"], dtype=torch.float32, device=device).view(1, -1, 1, 1)
    windows = np.arange(len(maps)) if windows is None else np.asarray(windows, np.int64)
    n = len(windows)
    probs = np.empty(n, np.float32)
    t0 = time.perf_counter()
    with torch.inference_mode(), torch.autocast(device_type="cuda", dtype=torch.float16,
                                                enabled=gpu):
        for lo in range(0, n, batch_size):
            if should_stop is not None and should_stop():
                raise Cancelled(f"cancelled after {lo:,} of {n:,} windows", lo, n)
            batch = windows[lo:lo + batch_size]
            # a slice when the batch is contiguous: no gather copy of a memmap's rows
            rows = (maps[batch[0]:batch[-1] + 1] if batch[-1] - batch[0] == len(batch) - 1
                    else maps[batch])
            x = torch.from_numpy(np.ascontiguousarray(rows, np.float32))
            x = x.to(device, non_blocking=True)
            x = ((torch.log1p(x.clamp_min(0)) - mean) / std).contiguous(
                memory_format=memory_format)
            probs[lo:lo + len(x)] = torch.sigmoid(model(x).float()).squeeze(1).cpu().numpy()
            if progress:
                progress(min(lo + batch_size, n), n)
    if gpu:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    return probs, {"device": device, "batch_size": batch_size, "seconds": seconds, "maps": n,
                   "maps_per_second": n / seconds if seconds > 0 else float("inf")}
