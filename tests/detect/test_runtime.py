"""ONNX Runtime on the CPU (seisviz.detect.runtime): the same probabilities as torch, one
export per model, the ensemble, `seisviz scan --runtime onnx`, and a one-line error when
onnxruntime is missing. The quick model of conftest.quick_model_dir, never the shipped
weights; exports go to a temporary SEISVIZ_CACHE_DIR."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from seisviz.errors import ModelError, SeisvizError
from seisviz.settings import FLAG_SETTINGS, ScanSettings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "data", "changning_demo.csv")

pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def maps():
    from seisviz.training.synthetic import make_dataset

    x, _, _ = make_dataset(300, seed=4242, data_version=2)
    return x[:300]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("SEISVIZ_CACHE_DIR", str(folder))
    return folder


def test_settings_carry_the_runtime():
    assert ScanSettings().runtime == "torch"
    assert ScanSettings(runtime=" ONNX ").runtime == "onnx"
    assert "runtime" not in FLAG_SETTINGS and "runtime" in ScanSettings().raster_part()
    old = ScanSettings().to_dict()
    del old["runtime"]  # a run.json written before the field existed
    assert ScanSettings.from_dict(old) == ScanSettings()
    assert ScanSettings(runtime="onnx") != ScanSettings()
    with pytest.raises(SeisvizError, match="unknown runtime"):
        ScanSettings(runtime="tensorrt")


def test_onnx_gives_torch_probabilities_and_exports_once(quick_model_dir, maps, cache,
                                                          monkeypatch):
    import torch

    from seisviz.detect import load_model, window_probabilities
    from seisviz.detect.runtime import for_runtime

    net, card = load_model(str(quick_model_dir / "resnet18.pt"))
    want, info_t = window_probabilities(maps, net, card)
    onet, info = for_runtime(net, card, "onnx", "cpu")
    assert info["runtime"] == "onnx" and info["onnx_exported"]
    path = info["onnx_file"]
    assert os.path.dirname(path) == str(cache / "onnx")
    assert os.path.basename(path).startswith(card.sha256)
    got, _ = window_probabilities(maps, onet, card)
    assert got.shape == want.shape == (300,)
    assert np.abs(got - want).max() < 1e-4
    # a second load uses the cached file: no export, the file untouched
    exports = []  # calls of the exporter from here on: there must be none
    monkeypatch.setattr(torch.onnx, "export", lambda *args, **kw: exports.append(args))
    mtime = os.path.getmtime(path)
    net2, card2 = load_model(str(quick_model_dir / "resnet18.pt"))
    onet2, info2 = for_runtime(net2, card2, "onnx", "cpu")
    assert not info2["onnx_exported"] and info2["onnx_file"] == path
    assert exports == [] and os.path.getmtime(path) == mtime
    assert [f for f in os.listdir(cache / "onnx") if not f.endswith(".onnx")] == []
    # another grid than the export's (the spatial axes are dynamic)
    small = maps[:8, :, :32, :32]
    assert np.abs(window_probabilities(small, onet2, card)[0]
                  - window_probabilities(small, net, card)[0]).max() < 1e-4
    # on a GPU, torch runs and says why (nothing is moved to the device here)
    same, note = for_runtime(net, card, "onnx", "cuda")
    assert same is net and note["runtime"] == "torch" and "CPU only" in note["runtime_note"]
    assert for_runtime(net, card, "torch", "cpu") == (net, {"runtime": "torch"})


def _two_members(quick_model_dir, folder):
    """The quick model twice, the second with a shifted normalisation (so they differ)."""
    os.makedirs(folder, exist_ok=True)
    for name in ("resnet18.pt", "resnet18.json"):
        shutil.copy(os.path.join(quick_model_dir, name), os.path.join(folder, name))
    shutil.copy(os.path.join(quick_model_dir, "resnet18.pt"), os.path.join(folder, "other.pt"))
    with open(os.path.join(folder, "resnet18.json")) as f:
        card = json.load(f)
    card["weights_file"] = "other.pt"
    card["normalization"]["mean"] = [m + 0.3 for m in card["normalization"]["mean"]]
    with open(os.path.join(folder, "other.json"), "w") as f:
        json.dump(card, f)
    return [os.path.join(folder, "resnet18.json"), os.path.join(folder, "other.json")]


def test_an_ensemble_runs_on_onnx(quick_model_dir, maps, cache, tmp_path):
    from seisviz.detect import ensemble_card, load_model, read_card, window_probabilities
    from seisviz.detect.runtime import for_runtime

    paths = _two_members(quick_model_dir, tmp_path / "models")
    ens = ensemble_card([read_card(p) for p in paths], threshold=0.4)
    ens.write(str(tmp_path / "models" / "ensemble.json"))
    net, card = load_model(str(tmp_path / "models" / "ensemble.json"))
    want, _ = window_probabilities(maps, net, card)
    onet, info = for_runtime(net, card, "onnx", "cpu")
    got, _ = window_probabilities(maps, onet, card)
    assert np.abs(got - want).max() < 1e-4
    # the members' normalisations are part of the file's key, not only the card's sha256
    with open(paths[1]) as f:
        other = json.load(f)
    other["normalization"]["mean"] = [m + 0.5 for m in other["normalization"]["mean"]]
    with open(paths[1], "w") as f:
        json.dump(other, f)
    net2, card2 = load_model(str(tmp_path / "models" / "ensemble.json"))
    assert card2.sha256 == card.sha256
    _, info2 = for_runtime(net2, card2, "onnx", "cpu")
    assert info2["onnx_file"] != info["onnx_file"] and info2["onnx_exported"]


def seisviz(*args, env_extra=None):
    env = dict(os.environ, PYTHONPATH=ROOT, **(env_extra or {}))
    env.pop("SEISVIZ_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "seisviz", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_scan_with_onnx_finds_the_periods_of_torch(quick_model_dir, tmp_path):
    model = quick_model_dir / "resnet18.pt"
    env = {"SEISVIZ_CACHE_DIR": str(tmp_path / "cache")}
    outs = {}
    for runtime in ("torch", "onnx"):
        outs[runtime] = tmp_path / runtime
        r = seisviz("scan", DEMO, "--out", outs[runtime], "--model", model, "--device", "cpu",
                    "--step", 5, "--runtime", runtime, env_extra=env)
        assert r.returncode == 0, r.stderr
    assert "with ONNX Runtime" in r.stdout
    run = json.loads((outs["onnx"] / "run.json").read_text())
    assert run["settings"]["runtime"] == "onnx" and run["device"]["runtime"] == "onnx"
    assert json.loads((outs["torch"] / "run.json").read_text())["device"]["runtime"] == "torch"
    a, b = (pd.read_csv(outs[k] / "periods.csv") for k in ("torch", "onnx"))
    assert len(a) > 0
    cols = ["period_id", "start", "end", "window_start", "window_end", "n_windows", "n_events"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    wa, wb = (pd.read_csv(outs[k] / "windows.csv") for k in ("torch", "onnx"))
    assert (wa["flagged"] == wb["flagged"]).all()
    assert np.nanmax(np.abs(wa["probability"] - wb["probability"])) < 1e-4


def test_missing_onnxruntime_is_one_line(quick_model_dir, monkeypatch, tmp_path):
    from seisviz.detect import load_model
    from seisviz.detect.runtime import check_runtime, for_runtime

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` fails
    with pytest.raises(ModelError) as info:
        check_runtime("onnx")
    msg = str(info.value)
    assert "\n" not in msg and "onnxruntime" in msg and "pip install onnxruntime" in msg
    assert check_runtime("torch") == "torch"
    net, card = load_model(str(quick_model_dir / "resnet18.pt"))
    monkeypatch.setenv("SEISVIZ_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ModelError, match="pip install onnxruntime"):
        for_runtime(net, card, "onnx", "cpu")
    assert not (tmp_path / "cache").exists()  # refused before exporting anything
    # the command line: one line on stderr, before the catalog is read
    fake = tmp_path / "fake"
    (fake / "onnxruntime").mkdir(parents=True)
    (fake / "onnxruntime" / "__init__.py").write_text(
        "raise ImportError('No module named onnxruntime')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake), ROOT]))
    env.pop("SEISVIZ_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "seisviz", "scan", DEMO, "--out",
                        str(tmp_path / "out"), "--model", str(quick_model_dir / "resnet18.pt"),
                        "--device", "cpu", "--runtime", "onnx"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install onnxruntime" in lines[0], r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "out").exists()
