"""Bad input: every file of tests/catalog/fuzz_corpus/, a 2 GB file, and damaged or hostile weights.

Each corpus file either loads, with exactly the kept events and the dropped rows (line
number and reason) written down by hand in tests/catalog/make_fuzz_corpus.py, or is refused with a
CatalogError: one line, naming the file. The same files go through `python -m seisviz info`
(exit 0, or exit 2 with one line on stderr; never a traceback).
"""

import io
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from seisviz.catalog import load_catalog
from seisviz.errors import CatalogError, ModelError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "catalog", "fuzz_corpus")
with open(os.path.join(CORPUS, "expected.json"), encoding="utf-8") as _f:
    EXPECTED = json.load(_f)
LOADS = sorted(n for n, e in EXPECTED.items() if e["expect"] == "load")
FAILS = sorted(n for n, e in EXPECTED.items() if e["expect"] == "error")


def seisviz(*args, timeout=180):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("SEISVIZ_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "seisviz", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def in_parallel(fn, items, workers=3):
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def test_corpus_is_complete_and_small():
    on_disk = sorted(f for f in os.listdir(CORPUS) if f != "expected.json")
    assert on_disk == sorted(EXPECTED), "run tests/catalog/make_fuzz_corpus.py"
    assert len(LOADS) >= 15 and len(FAILS) >= 15
    for name in on_disk:
        assert os.path.getsize(os.path.join(CORPUS, name)) <= 8192, name


def _kept_as_lists(catalog):
    return [[t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), la, lo, d, m] for t, la, lo, d, m in
            catalog[["time", "latitude", "longitude", "depth", "magnitude"]]
            .itertuples(index=False)]


@pytest.mark.parametrize("name", LOADS)
def test_corpus_file_loads_with_exact_dropped_report(name):
    exp = EXPECTED[name]
    path = os.path.join(CORPUS, name)
    catalog, report = load_catalog(path)
    # nothing lost silently: every data row is kept or dropped with a reason
    assert report.n_rows == exp["n_rows"]
    assert report.n_kept == len(catalog) == len(exp["kept"])
    assert len(report.dropped) == report.n_rows - report.n_kept
    # exactly the valid rows come out, in time order, times in UTC
    want = [[pd.Timestamp(k[0]).strftime("%Y-%m-%dT%H:%M:%S.%fZ")] + k[1:] for k in exp["kept"]]
    assert _kept_as_lists(catalog) == want
    # each dropped row: its line/record number and why
    got = {str(r): why for r, why in zip(report.dropped["row"], report.dropped["reason"])}
    assert got == exp["dropped"]
    counts = {}
    for why in exp["dropped"].values():
        counts[why] = counts.get(why, 0) + 1
    assert report.reason_counts() == counts
    # the dropped rows are downloadable with row and reason (as the Catalog page offers them)
    back = pd.read_csv(io.StringIO(report.dropped.to_csv(index=False)), dtype=str)
    assert list(back["row"]) == [str(r) for r in report.dropped["row"]]
    assert list(back["reason"]) == list(report.dropped["reason"])


@pytest.mark.parametrize("name", FAILS)
def test_corpus_file_refused_with_one_line(name):
    path = os.path.join(CORPUS, name)
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(path + ": ")
    assert EXPECTED[name]["message"] in message
    # the explanation stays short; the path's length depends on where the checkout lives
    assert len(message) - len(path) < 360


def test_corpus_through_the_cli():
    """`python -m seisviz info FILE`: exit 0 with the report, or 2 with one stderr line."""
    names = sorted(EXPECTED)
    results = in_parallel(lambda n: seisviz("info", os.path.join("tests", "catalog", "fuzz_corpus", n)),
                          names)
    problems = []
    for name, r in zip(names, results):
        exp = EXPECTED[name]
        rel = os.path.join("tests", "catalog", "fuzz_corpus", name)
        err_lines = r.stderr.splitlines()
        if "Traceback" in r.stderr + r.stdout:
            problems.append(f"{name}: traceback")
        elif exp["expect"] == "load":
            n_kept = len(exp["kept"])
            if r.returncode != 0 or r.stderr:
                problems.append(f"{name}: exit {r.returncode}, stderr {r.stderr!r}")
            elif f"kept {n_kept:,} of {exp['n_rows']:,} rows" not in r.stdout:
                problems.append(f"{name}: no 'kept {n_kept} of {exp['n_rows']}' in {r.stdout!r}")
            else:
                for why in set(exp["dropped"].values()):
                    n = sum(v == why for v in exp["dropped"].values())
                    if f"{n:,}  {why}" not in r.stdout:
                        problems.append(f"{name}: reason '{n}  {why}' not printed")
        else:
            if r.returncode != 2 or len(err_lines) != 1:
                problems.append(f"{name}: exit {r.returncode}, stderr {r.stderr!r}")
            elif not err_lines[0].startswith(f"error: {rel}: ") or \
                    exp["message"] not in err_lines[0]:
                problems.append(f"{name}: stderr {err_lines[0]!r}")
    assert not problems, "\n".join(problems)


def test_two_gigabyte_file_refused_before_reading(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as f:
        f.write(b"time,latitude,longitude,depth,magnitude\n")
        f.truncate(2 * 1024**3 + 1)  # sparse: takes no disk
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    for source in (path, str(path)):
        t = time.perf_counter()
        with pytest.raises(CatalogError) as info:
            load_catalog(source)
        assert time.perf_counter() - t < 1.0
        assert str(info.value) == (f"{path}: file is 2.0 GB, larger than the 2.0 GB limit "
                                   "(max_bytes)")
    with open(path, "rb") as stream:  # an open file (as an upload is) is sized, not read
        t = time.perf_counter()
        with pytest.raises(CatalogError, match="larger than the 2.0 GB limit"):
            load_catalog(stream)
        assert time.perf_counter() - t < 1.0
        assert stream.tell() == 0
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mib < 200, f"peak memory grew by {grown_mib:.0f} MiB: the file was read"
    r = seisviz("info", path, timeout=60)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.splitlines() == [f"error: {path}: file is 2.0 GB, larger than the 2.0 GB "
                                     "limit (max_bytes)"]


def test_a_smaller_limit_is_honoured(tmp_path):
    path = tmp_path / "small.csv"
    path.write_bytes(open(os.path.join(CORPUS, "out_of_order.csv"), "rb").read())
    with pytest.raises(CatalogError, match=r"small.csv: file is 551 bytes, larger than the "
                                           r"100 bytes limit"):
        load_catalog(path, max_bytes=100)
    catalog, _ = load_catalog(path, max_bytes=551)
    assert len(catalog) == 12


# ---- weights files --------------------------------------------------------------------------

class _RunsCode:
    """A pickle that would run a shell command when unpickled without weights_only."""

    def __init__(self, flag):
        self.flag = flag

    def __reduce__(self):
        return (os.system, (f"touch {self.flag}",))


@pytest.fixture(scope="module")
def bad_models(tmp_path_factory):
    """Model folders whose card is fine but whose weights must be refused (one random
    resnet18 is made and saved; the bad ones are derived from it)."""
    import shutil

    import torch

    from seisviz.detect.models import build_model, save_model, sha256_of

    base = tmp_path_factory.mktemp("models")
    card = {"architecture": "resnet18", "in_channels": 2, "grid": 16, "window_days": 30.0,
            "background_days": 180.0, "threshold": 0.5,
            "normalization": {"transform": "log1p", "mean": [0.0, 0.0], "std": [1.0, 1.0]}}
    torch.manual_seed(0)
    good_path, good_card = save_model(build_model("resnet18", 2), card, base / "good")
    state = torch.load(good_path, weights_only=True)

    def folder(case, write):
        """base/case/resnet18.pt written by `write(path)`, with a card signing it."""
        d = base / case
        d.mkdir()
        path = d / "resnet18.pt"
        write(path)
        with open(d / "resnet18.json", "w") as f:
            json.dump(dict(good_card.to_dict(), sha256=sha256_of(path)), f)
        return str(path)

    made = {"good": good_path}
    # tampered: one byte changed after the card was written (card not re-signed)
    tampered = base / "tampered"
    shutil.copytree(base / "good", tampered)
    data = bytearray((tampered / "resnet18.pt").read_bytes())
    data[len(data) // 2] ^= 0x01
    (tampered / "resnet18.pt").write_bytes(bytes(data))
    made["tampered"] = str(tampered / "resnet18.pt")
    # wrong shapes, card re-signed: 3 input channels where the card says 2; a 2-class head
    made["channels"] = folder("channels", lambda p: torch.save(
        dict(state, **{"conv1.weight": torch.zeros(64, 3, 7, 7, dtype=torch.float16)}), p))
    made["arch"] = folder("arch", lambda p: torch.save(
        dict(state, **{"fc.weight": torch.zeros(2, 512, dtype=torch.float16),
                       "fc.bias": torch.zeros(2, dtype=torch.float16)}), p))
    # truncated, card re-signed: only the content is wrong
    made["truncated"] = folder("truncated", lambda p: p.write_bytes(
        open(good_path, "rb").read(4096)))
    # a pickle that runs a command, with a matching card (a hostile download)
    flag = base / "code_ran"
    made["hostile"] = folder("hostile", lambda p: torch.save(
        {"conv1.weight": _RunsCode(flag)}, p))
    return made, flag


WEIGHT_CASES = {
    "tampered": r"sha256 [0-9a-f]{12}… does not match its card \([0-9a-f]{12}…\): the file was "
                r"changed or damaged",
    "channels": r"weights take 3 input channels, its card says 2",
    "arch": r"weights do not fit a resnet18 \(.*fc\.weight.*\)",
    "truncated": r"not a loadable weights file \(.*\)",
    "hostile": r"not a loadable weights file \(.*GLOBAL (posix|os)\.system.*\)",
}


def test_bad_weights_refused_in_process(bad_models):
    import re

    from seisviz.detect.loading import load_model

    made, flag = bad_models
    net, card = load_model(made["good"])  # the control: the same recipe, untouched, loads
    assert card.in_channels == 2
    for case, pattern in WEIGHT_CASES.items():
        with pytest.raises(ModelError) as info:
            load_model(made[case])
        message = str(info.value)
        assert "\n" not in message, (case, message)
        assert message.startswith(os.path.join(os.path.dirname(made[case]), "resnet18.pt"))
        assert re.search(pattern, message), (case, message)
    assert not flag.exists(), "unpickling the hostile weights ran its command"


def test_bad_weights_refused_by_scan_cli(bad_models, tmp_path):
    """`python -m seisviz scan --model PATH`: exit 2, one 'error:' line, no traceback."""
    import re

    made, flag = bad_models
    catalog = os.path.join("tests", "catalog", "fuzz_corpus", "out_of_order.csv")
    cases = ["tampered", "channels", "hostile"]
    results = in_parallel(
        lambda c: seisviz("scan", catalog, "--out", tmp_path / c, "--model", made[c],
                          "--device", "cpu"), cases, workers=3)
    for case, r in zip(cases, results):
        assert "Traceback" not in r.stderr, (case, r.stderr)
        assert r.returncode == 2, (case, r.returncode, r.stderr)
        errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and errors[0] == r.stderr.splitlines()[-1], (case, r.stderr)
        assert errors[0].startswith(f"error: {made[case]}: "), (case, errors[0])
        assert re.search(WEIGHT_CASES[case], errors[0]), (case, errors[0])
        assert not (tmp_path / case / "periods.csv").exists()
    assert not flag.exists()
