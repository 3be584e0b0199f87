"""Which runtime runs the network on the CPU: torch (the default) or ONNX Runtime.

`for_runtime(net, card, "onnx", "cpu")` exports a loaded (net, card) to ONNX once, into
the cache folder (``$SEISVIZ_CACHE_DIR/onnx``, else ``~/.cache/seisviz/onnx``), and gives
back a torch module without parameters whose forward runs an ONNX Runtime session: the
same (net, card) pair for `window_probabilities`, which runs it unchanged (its log1p and
normalisation stay in torch). It works for a single ResNet and for the ensemble's module
(seisviz.detect.ensemble). ONNX Runtime runs on the CPU only: on a GPU the scan keeps
torch and says so in its device info.

A cached file is named by the card's sha256 and a digest of the net's buffers (batch-norm
statistics and, for an ensemble, its members' normalisations, which the ensemble card's
sha256 does not cover), so changed weights or cards are exported anew. Files are written
atomically (a temporary file renamed into place): two processes exporting the same model
at once (e.g. Dask workers) each write a whole file.

torch and onnxruntime are imported inside the functions only.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import warnings
from collections import OrderedDict
from typing import Any

from seisviz.errors import ModelError
from seisviz.settings import GRID_PIXELS, runtime_name

RUNTIME_LABELS = {"torch": "torch", "onnx": "ONNX Runtime"}
OPSET = 17
EXPORT_VERSION = 1  # part of every cached file's name: bump when the export changes
_SESSIONS: OrderedDict = OrderedDict()  # (file, threads) -> InferenceSession, a few kept
_MAX_SESSIONS = 4


def check_runtime(runtime: str | None) -> str:
    """`runtime` normalised (seisviz.settings.runtime_name: "torch" or "onnx"); for "onnx", ONNX Runtime must import.
    One-line SeisvizError otherwise (commands call it before reading a catalog)."""
    name = runtime_name(runtime)
    if name == "onnx":
        _onnxruntime()
    return name


def _onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError:
        raise ModelError("the onnx runtime needs the onnxruntime package, which is not "
                         "installed: pip install onnxruntime (or use the torch runtime)"
                         ) from None
    return onnxruntime


def onnx_cache_dir() -> str:
    """The folder of exported models (not created here)."""
    from seisviz.settings import cache_dir

    return os.path.join(cache_dir(), "onnx")


def _digest(tensors: Any) -> str:
    h = hashlib.sha256()
    for name, t in tensors:
        h.update(name.encode())
        h.update(t.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def onnx_path(net: Any, card: Any) -> str:
    """Where the export of (net, card) is cached: <card sha256>-<digest>.onnx."""
    weights = card.sha256 or _digest(net.state_dict().items())  # unsigned: the weights
    key = json.dumps([EXPORT_VERSION, OPSET, card.architecture, card.in_channels, weights,
                      _digest(net.named_buffers())])
    extra = hashlib.sha256(key.encode()).hexdigest()[:16]
    return os.path.join(onnx_cache_dir(), f"{card.sha256 or 'unsigned'}-{extra}.onnx")


def export_onnx(net: Any, card: Any, path: str | None = None) -> tuple[str, bool]:
    """(file, exported now): the cached export of (net, card), made when missing.

    Input "x": [n, channels, h, w] float32, already log1p'd and normalised as the card
    says (what `window_probabilities` feeds the net); output "y": [n, 1] logits."""
    import torch

    path = path or onnx_path(net, card)
    if os.path.exists(path):
        return path, False
    folder = os.path.dirname(path) or "."
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".onnx", dir=folder)
        os.close(fd)
    except OSError as exc:
        raise ModelError(f"{folder}: cannot write the ONNX export ({exc.strerror or exc}); "
                         "set SEISVIZ_CACHE_DIR to a writable folder") from None
    grid = int(card.grid or GRID_PIXELS)
    x = torch.zeros(2, card.in_channels, grid, grid)
    net = net.to("cpu").float().eval()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notes
            torch.onnx.export(net, (x,), tmp, input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "n", 2: "h", 3: "w"}, "y": {0: "n"}},
                              opset_version=OPSET, dynamo=False)
        os.replace(tmp, path)
    except Exception as exc:  # the exporter's errors run over many lines
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        hint = (" (pip install onnx)" if isinstance(exc, ImportError) or
                "onnx is not installed" in str(exc).lower() else "")
        raise ModelError(f"{card.architecture}: export to ONNX failed: "
                         f"{lines[0] if lines else type(exc).__name__}{hint}") from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path, True


def _session(path: str, threads: int) -> Any:
    ort = _onnxruntime()
    key = (path, os.path.getmtime(path), threads)
    if key in _SESSIONS:
        _SESSIONS.move_to_end(key)
        return _SESSIONS[key]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3  # errors only
    session = ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
    _SESSIONS[key] = session
    while len(_SESSIONS) > _MAX_SESSIONS:
        _SESSIONS.popitem(last=False)
    return session


def onnx_module(net: Any, card: Any, threads: int | None = None) -> tuple[Any, dict]:
    """(module, info): a parameter-free torch module running the ONNX export of (net,
    card) on the CPU with `threads` intra-op threads (default: torch's), and what was done
    (the file, whether it was exported now, seconds)."""
    import numpy as np
    import torch

    _onnxruntime()  # before an export that could not be run
    t0 = time.perf_counter()
    threads = int(threads or torch.get_num_threads())
    path, exported = export_onnx(net, card)
    try:
        session = _session(path, threads)
    except ModelError:
        raise
    except Exception:  # a damaged cache file: export once more
        os.remove(path)
        path, exported = export_onnx(net, card)
        session = _session(path, threads)

    class OnnxNet(torch.nn.Module):
        runtime = "onnx"

        def forward(self, x):
            arr = np.ascontiguousarray(x.detach().cpu().numpy(), dtype=np.float32)
            return torch.from_numpy(session.run(["y"], {"x": arr})[0])

    info = {"runtime": "onnx", "onnx_file": path, "onnx_exported": exported,
            "onnx_threads": threads, "onnx_prepare_s": time.perf_counter() - t0}
    return OnnxNet().eval(), info


def for_runtime(net: Any, card: Any, runtime: str | None, device: str) -> tuple[Any, dict]:
    """(net to run, info): `net` itself for torch, its ONNX Runtime module for "onnx" on
    the CPU; on another device torch runs, and info says why."""
    name = runtime_name(runtime)
    if name == "torch":
        return net, {"runtime": "torch"}
    if device != "cpu":
        return net, {"runtime": "torch",
                     "runtime_note": f"ONNX Runtime runs on the CPU only: torch ran on {device}"}
    return onnx_module(net, card)
