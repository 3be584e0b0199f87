"""seisviz.workdir: the dashboard's one server folder. Names inside it resolve; anything
that leads out (an absolute path elsewhere, `..`, a link pointing outside) is a one-line
SeisvizError."""

import json
import os

import pytest

from seisviz.errors import SeisvizError
from seisviz.settings import cache_dir
from seisviz.workdir import (model_files, output_folder, scan_folders, work_dir, work_name,
                             work_path)


@pytest.fixture
def work(tmp_path, monkeypatch):
    root = tmp_path / "work"
    root.mkdir()
    monkeypatch.setenv("SEISVIZ_WORK_DIR", str(root))
    return root.resolve()


def test_the_default_work_folder_is_scans_in_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SEISVIZ_WORK_DIR", raising=False)
    monkeypatch.setenv("SEISVIZ_CACHE_DIR", str(tmp_path / "cache"))
    assert cache_dir() == str(tmp_path / "cache")
    assert work_dir() == (tmp_path / "cache" / "scans").resolve()
    monkeypatch.delenv("SEISVIZ_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert work_dir() == (tmp_path / "xdg" / "seisviz" / "scans").resolve()


def test_names_inside_the_work_folder_resolve(work):
    (work / "runs").mkdir()
    assert work_path("national") == work / "national"  # need not exist yet
    assert work_path(" runs/2024 ") == work / "runs" / "2024"
    assert work_path(str(work / "runs")) == work / "runs"  # absolute, inside
    assert work_path("./runs") == work / "runs"
    os.symlink(work / "runs", work / "alias")  # a link that stays inside
    assert work_path("alias/x") == work / "runs" / "x"
    assert work_name(work / "runs" / "x") == os.path.join("runs", "x")
    assert work_name(work) == "."


@pytest.mark.parametrize("name", ["..", "../elsewhere", "runs/../../elsewhere", "runs/../x",
                                  "/etc", "~", "~/runs"])
def test_names_leading_out_are_refused(work, name):
    with pytest.raises(SeisvizError, match="not inside the work folder") as info:
        work_path(name)
    assert "\n" not in str(info.value)


def test_absolute_paths_and_links_out_are_refused(work, tmp_path):
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    for name in (str(outside), str(outside / "deep"), str(tmp_path)):
        with pytest.raises(SeisvizError, match="not inside the work folder"):
            work_path(name)
    os.symlink(outside, work / "link")
    for name in ("link", "link/deep", str(work / "link")):
        with pytest.raises(SeisvizError, match="not inside the work folder"):
            work_path(name)
    with pytest.raises(SeisvizError, match="no folder name"):
        work_path("  ")


def _run_json(folder, **fields):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run.json").write_text(json.dumps(fields))


def test_scan_folders_lists_tiled_and_plain_scans_not_links_out(work, tmp_path):
    _run_json(work / "national", tiles_format=1, written_at="2026-01-02T00:00:00Z",
              n_episodes=3, catalog="national.csv")
    _run_json(work / "national" / "tiles" / "r000c000", scan_format=2)  # inside a scan: not listed
    _run_json(work / "runs" / "weiyuan", scan_format=2, written_at="2026-01-03T00:00:00Z")
    _run_json(tmp_path / "outside" / "secret", tiles_format=1)
    os.symlink(tmp_path / "outside", work / "link")
    (work / "empty").mkdir()
    found = scan_folders()
    assert [(f.name, f.kind) for f in found] == [
        (os.path.join("runs", "weiyuan"), "scan"), ("national", "scan-tiles")]
    assert "3 episodes" in found[1].describe()


def test_model_files_are_weights_with_their_card_in_the_work_folder(work):
    (work / "models").mkdir()
    for name in ("models/a.pt", "models/a.json", "b.pt", "c.json"):
        (work / name).write_text("x")
    assert model_files() == [os.path.join("models", "a.pt")]


def test_output_folder_new_or_an_earlier_tiled_scan(work):
    assert output_folder("new") == work / "new"
    _run_json(work / "earlier", tiles_format=1)
    assert output_folder("earlier") == work / "earlier"
    (work / "interrupted" / "tiles").mkdir(parents=True)
    assert output_folder("interrupted") == work / "interrupted"
    _run_json(work / "plain", scan_format=2)
    with pytest.raises(SeisvizError, match="holds other files"):
        output_folder("plain")
    (work / "file").write_text("x")
    with pytest.raises(SeisvizError, match="is a file"):
        output_folder("file")
    with pytest.raises(SeisvizError, match="new folder"):
        output_folder(".")
    with pytest.raises(SeisvizError, match="not inside the work folder"):
        output_folder("../x")
