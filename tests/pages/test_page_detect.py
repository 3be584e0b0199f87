"""The Detect page in Streamlit's AppTest: choose the quick model, run on CPU, look at the
periods table, the Figure S3 comparison and what goes into session state."""

import base64
import json
import os

import numpy as np
import plotly.io
import pytest
from streamlit.testing.v1 import AppTest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CUSTOM = "custom weights file (.pt)…"


def array(values):
    """A plotly array: a list, or plotly's binary {"dtype", "bdata"} form."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values, float)


def plotly_figure(at, key):
    charts = [c for c in at.get("plotly_chart") if c.key == key]
    assert len(charts) == 1, f"no plotly chart {key!r}"
    return plotly.io.from_json(charts[0].proto.spec)  # decodes plotly's binary arrays


def open_detect_page(model_path):
    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=300).run()
    at.switch_page("pages/4_detect.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="detect_model_choice").set_value(CUSTOM).run()
    at.text_input(key="detect_model_path").set_value(str(model_path)).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def ran_page(quick_model_dir):
    """The Detect page after Run on CPU with the quick model (every 5 days: fewer windows)."""
    at = open_detect_page(quick_model_dir / "resnet18.pt")
    at.radio(key="detect_device").set_value("cpu")
    at.number_input(key="detect_step").set_value(5.0)
    at.run()
    threshold_before_run = at.slider(key="detect_threshold").value
    errors_before_run = [e.value for e in at.error]
    at.button(key="detect_run").click().run()
    return at, threshold_before_run, errors_before_run


def test_absent_gpu_is_an_error_not_a_crash(quick_model_dir):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    at = open_detect_page(quick_model_dir / "resnet18.pt")
    at.radio(key="detect_device").set_value("cuda").run()
    assert not at.exception, at.exception
    assert any("CUDA" in e.value for e in at.error)
    assert at.button(key="detect_run").disabled


def test_run_on_cpu_shows_periods_and_figure_s3(ran_page, quick_model_dir):
    at, threshold_before_run, errors_before_run = ran_page
    card = json.loads((quick_model_dir / "resnet18.json").read_text())
    # the threshold slider starts at the model card's threshold
    assert threshold_before_run == pytest.approx(card["threshold"])
    assert errors_before_run == []
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]

    result = at.session_state["detection"]
    assert result.settings.device == "cpu" and result.settings.step_days == 5
    assert result.card.sha256 == card["sha256"]
    tables = {d.key: d.value for d in at.dataframe if d.key}
    assert "detect_periods_table" in tables
    assert len(tables["detect_periods_table"]) == len(result.periods)
    # "P3" in the table is the period labelled "P3" on the plot's shading
    assert tables["detect_periods_table"]["period"].tolist() == [
        f"P{i}" for i in result.periods["period_id"]]
    assert any("maps/s" in c.value and "cpu" in c.value for c in at.caption)
    # the sequences are listed before the periods
    heads = [h.value for h in at.subheader]
    assert heads.index(f"Sequences: {len(result.sequences)} (of {len(result.episodes)} "
                       f"episode{'s' * (len(result.episodes) != 1)})") \
        < heads.index(f"Network: {len(result.periods)} periods")
    # the unlocated alarms, under the periods: a table with its line, or a line saying none
    assert result.unlocated is not None
    if len(result.unlocated):
        # (a table without selection has no key in AppTest: found by its columns)
        shown = [d.value for d in at.dataframe if "alarm" in d.value.columns]
        assert len(shown) == 1 and len(shown[0]) == len(result.unlocated)
        assert shown[0]["alarm"].tolist() == [f"U{i}" for i in result.unlocated["alarm_id"]]
        assert shown[0]["events there"].tolist() == \
            result.unlocated["n_events_at_center"].tolist()
        assert any("no place rose over its own rate" in c.value for c in at.caption)
    else:
        assert any("No unlocated alarms" in c.value for c in at.caption)

    # Figure S3: red manual picks (the demo's true periods) and green network periods
    fig = plotly_figure(at, "detect_figure_s3")
    manual, network = fig.data
    assert manual.marker.color == "#d62728" and network.marker.color == "#2ca02c"
    assert len(manual.y) == len(at.session_state["true_periods"])
    assert len(network.y) == len(result.periods)
    assert "precision" in fig.layout.title.text
    assert plotly_figure(at, "detect_figure_s3_baseline").data[1].name == "baseline"
    ts = plotly_figure(at, "detect_timeseries")
    prob = array(ts.data[0].y)
    expect = result.windows["probability"].to_numpy(float)
    assert len(prob) == len(expect)
    np.testing.assert_allclose(prob, expect, rtol=1e-6)  # NaN where no history, both sides


def test_the_page_says_how_the_region_was_cut_and_warns_for_a_hand_set_grid(ran_page):
    """The demo is one grid at its trained pixel size; a coarse grid set by hand is one
    grid with a warning line (docs/detection.md, "How a region is cut")."""
    at = ran_page[0]
    result = at.session_state["detection"]
    assert result.cut["kind"] == "grid" and not result.cut["by_hand"]
    lines = [m.value for m in at.markdown if m.value.startswith("**Region:**")]
    assert lines == [f"**Region:** {result.cut['description']}"]
    assert lines[0].startswith("**Region:** one 64x64 grid at 1.1 km a pixel")
    assert not at.warning
    at.number_input(key="detect_grid").set_value(24).run()
    at.button(key="detect_run").click().run()
    assert not at.exception, at.exception
    hand = at.session_state["detection"]
    assert hand.cut["by_hand"] and hand.settings.grid == 24
    assert [w.value for w in at.warning] == [hand.cut["warning"]]
    assert hand.cut["warning"].startswith("pixels of 3.0 km: the model was trained on")
    at.number_input(key="detect_grid").set_value(64).run()  # as the other tests expect it


def test_selecting_a_period_sets_session_state_and_links(ran_page):
    at = ran_page[0]
    result = at.session_state["detection"]
    if len(result.periods) == 0:
        pytest.skip("the quick model flagged nothing")
    row = len(result.periods) - 1
    at.session_state["detect_periods_table"] = {"selection": {"rows": [row], "columns": [],
                                                              "cells": []}}
    at.run()
    assert not at.exception, at.exception
    chosen = at.session_state["selected_period"]
    period = result.periods.iloc[row]
    assert chosen == {"period_id": int(period["period_id"]), "start": period["start"],
                      "end": period["end"]}
    links = [p.proto.page for p in at.get("page_link")]
    assert any("maps" in link.lower() for link in links)
    assert any("subregions" in link.lower() for link in links)


def test_a_catalog_beyond_the_memory_budget_scans_at_a_1_day_step(quick_model_dir,
                                                                  monkeypatch):
    """Maps larger than the map-memory budget (here 1 MiB) stream through a disk-backed
    array: the page scans at the default 1-day step, no refusal, and says so."""
    monkeypatch.setenv("SEISVIZ_MAP_MEMORY_MB", "1")
    at = open_detect_page(quick_model_dir / "resnet18.pt")
    at.radio(key="detect_device").set_value("cpu").run()
    assert at.number_input(key="detect_step").value == 1.0
    at.button(key="detect_run").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    result = at.session_state["detection"]
    assert result.dmaps.streamed and result.settings.step_days == 1.0
    assert result.dmaps.maps.nbytes > 2**20
    assert any("disk-backed" in c.value for c in at.caption)
    assert len(result.periods) > 0 and (result.periods["start"]
                                        >= result.periods["window_start"]).all()


def test_detect_offers_each_shipped_model_and_their_ensemble(quick_model_dir, tmp_path,
                                                             monkeypatch):
    """A weights folder with two models and an ensemble card: the page lists each and
    the ensemble, describes the chosen one, and scans with the ensemble."""
    import shutil

    from seisviz.detect import ensemble_card, read_card

    for name in ("resnet18.pt", "resnet18.json"):
        shutil.copy(quick_model_dir / name, tmp_path / name)
    shutil.copy(quick_model_dir / "resnet18.pt", tmp_path / "other.pt")
    card = json.loads((quick_model_dir / "resnet18.json").read_text())
    card["weights_file"] = "other.pt"
    (tmp_path / "other.json").write_text(json.dumps(card))
    members = [read_card(str(tmp_path / n)) for n in ("resnet18.json", "other.json")]
    ensemble_card(members, threshold=0.45).write(str(tmp_path / "ensemble.json"))
    monkeypatch.setenv("SEISVIZ_WEIGHTS_DIR", str(tmp_path))

    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=300).run()
    at.switch_page("pages/4_detect.py").run()
    assert not at.exception, at.exception
    choice = at.selectbox(key="detect_model_choice")
    assert choice.options == ["resnet18", "ensemble", CUSTOM]
    choice.set_value("ensemble").run()
    assert any(c.value.startswith("Ensemble of resnet18, resnet18") for c in at.caption)
    assert at.slider(key="detect_threshold").value == pytest.approx(0.45)
    at.radio(key="detect_device").set_value("cpu")
    at.number_input(key="detect_step").set_value(5.0)
    at.run()
    at.button(key="detect_run").click().run()
    assert not at.exception, at.exception
    result = at.session_state["detection"]
    assert result.card.architecture == "ensemble"
    assert result.model["architecture"] == "ensemble"
    assert len(result.periods) > 0


def test_onnx_runtime_on_the_cpu(ran_page, quick_model_dir, tmp_path, monkeypatch):
    """On the CPU a Runtime radio offers torch and ONNX Runtime; ONNX runs the network
    again (another scan key) with the same flags, and the page shows its maps/s."""
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("SEISVIZ_CACHE_DIR", str(tmp_path))
    at = ran_page[0]
    radio = at.radio(key="detect_runtime")
    assert list(radio.options) == ["torch", "ONNX Runtime"] and radio.value == "torch"
    torch_result = at.session_state["detection"]
    radio.set_value("onnx").run()
    at.button(key="detect_run").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    result = at.session_state["detection"]
    assert result is not torch_result and result.settings.runtime == "onnx"
    assert result.device_info["runtime"] == "onnx"
    assert (result.windows["flagged"] == torch_result.windows["flagged"]).all()
    assert any("with ONNX Runtime" in c.value and "maps/s" in c.value for c in at.caption)
    assert any(c.value.startswith("Measured here") and "ONNX Runtime" in c.value
               and "torch" in c.value for c in at.caption)
    at.radio(key="detect_runtime").set_value("torch").run()  # leave the module's page as found


def test_a_stopped_run_keeps_nothing_and_cancel_says_where_it_stopped(quick_model_dir,
                                                                      monkeypatch):
    """Streamlit stops a running script at its next st call when a click asks for a rerun
    (here the progress update, stopped by st.stop as a click would); the next run says how
    far it got and whether Cancel was pressed, and nothing of it is kept."""
    import streamlit as st

    from seisviz.detect import scan as scan_module

    real = scan_module.window_probabilities

    def stopped_after_two_batches(maps, net, card, device, batch_size, progress, *args):
        def progress_then_click(done, total):
            progress(done, total)
            if done >= 2 * batch_size:
                st.stop()  # what a click during the run does at the page's next st call
        return real(maps, net, card, device, batch_size, progress_then_click, *args)

    monkeypatch.setattr(scan_module, "window_probabilities", stopped_after_two_batches)
    at = open_detect_page(quick_model_dir / "resnet18.pt")
    at.radio(key="detect_device").set_value("cpu")
    at.number_input(key="detect_step").set_value(5.0)
    at.number_input(key="detect_batch").set_value(32)
    at.run()
    at.button(key="detect_run").click().run()
    assert not at.exception, at.exception
    assert at.button(key="detect_cancel")  # shown while it runs
    at.button(key="detect_cancel").click().run()
    assert not at.exception, at.exception
    assert "_detect_running" not in at.session_state  # said once, then forgotten
    said = [w.value for w in at.warning if "Cancelled" in w.value]
    assert len(said) == 1 and said[0].startswith("Cancelled after 64 of "), said
    assert "nothing of that run was kept" in said[0]
    assert "detection" not in at.session_state  # no result, not even a partial one
    assert not any("Ran on" in c.value for c in at.caption)
    assert not [b for b in at.button if b.key == "detect_cancel"]  # gone once stopped
    # without Cancel (another widget changed during the run) the page says so too
    at.button(key="detect_run").click().run()
    at.number_input(key="detect_max_gap").set_value(1.0).run()
    assert any(i.value.startswith("Detection stopped after 64 of ") for i in at.info)
    assert "detection" not in at.session_state


def test_baseline_assistance_flows_into_the_scan_and_reflags_without_a_new_scan(ran_page,
                                                                              tmp_path):
    """The "Baseline assistance" checkbox and its probability floor: on by default at the
    library's floor; another floor, or the box unticked, re-flags the kept scan (the same
    probabilities, no warning of an earlier run) with settings that say so, in run.json
    and in the equivalent command line too; both survive a page switch."""
    from seisviz.detect.flags import assisted_flags
    from seisviz.scanfolder import save_scan_folder
    from seisviz.settings import ASSIST_OFF, ASSIST_THRESHOLD
    from seisviz.workstate import Work, scan_command

    at = ran_page[0]
    assert at.checkbox(key="detect_assist").value is True
    assert at.number_input(key="detect_assist_threshold").value == pytest.approx(ASSIST_THRESHOLD)
    assert at.session_state["detection"].settings.assist_threshold == ASSIST_THRESHOLD
    # the quick model's card threshold (0.14) lies under any floor: one of a real model's
    card_threshold = at.slider(key="detect_threshold").value
    at.slider(key="detect_threshold").set_value(0.6).run()
    at.button(key="detect_run").click().run()  # the fine pass's floor moved: a new scan
    assert not at.exception, at.exception
    scanned = at.session_state["detection"]
    assert scanned.settings.threshold == 0.6 and scanned.settings.assisted()
    assert scanned.settings.assist_threshold == ASSIST_THRESHOLD
    assert any(f"or ≥ {ASSIST_THRESHOLD:.2f} where the regional beta ≥ 5" in c.value
               for c in at.caption)

    def shown(expect_assist):
        """The result shown now: a re-flag of `scanned`, with `expect_assist`."""
        assert not at.exception, at.exception
        assert not any("earlier run" in w.value for w in at.warning)
        result = at.session_state["detection"]
        assert result.settings.assist_threshold == pytest.approx(expect_assist)
        w = result.windows
        np.testing.assert_array_equal(w["probability"].to_numpy(float),
                                      scanned.windows["probability"].to_numpy(float))
        expect = assisted_flags(w["probability"], w["regional_beta"], result.settings.threshold,
                                expect_assist, result.settings.assist_beta)
        np.testing.assert_array_equal(w["flagged"].to_numpy(bool), expect)
        out = tmp_path / f"scan_{expect_assist:g}"
        save_scan_folder(result, str(out), at.session_state["catalog"])
        recorded = json.loads((out / "run.json").read_text())["settings"]
        assert recorded["assist_threshold"] == pytest.approx(expect_assist)
        assert f"--assist-threshold {expect_assist:g}" in scan_command(Work(), result.settings)
        return result

    at.number_input(key="detect_assist_threshold").set_value(0.3).run()
    higher = shown(0.3)
    assert higher.settings.assisted() and ASSIST_THRESHOLD < 0.3
    assert any("or ≥ 0.30 where the regional beta ≥ 5" in c.value for c in at.caption)
    # fewer windows can only be flagged with a higher floor
    assert higher.windows["flagged"].sum() <= scanned.windows["flagged"].sum()

    at.checkbox(key="detect_assist").uncheck().run()
    off = shown(ASSIST_OFF)
    assert not off.settings.assisted()
    w = off.windows
    np.testing.assert_array_equal(w["flagged"].to_numpy(bool), np.nan_to_num(
        w["probability"].to_numpy(float), nan=-1) >= off.settings.threshold)
    assert at.number_input(key="detect_assist_threshold").disabled
    assert any("baseline assistance off" in c.value for c in at.caption)

    # another page and back: the widgets keep their values (the work record), so does the scan
    model_path = at.text_input(key="detect_model_path").value
    at.switch_page("pages/1_catalog.py").run()
    at.switch_page("pages/4_detect.py").run()
    assert at.text_input(key="detect_model_path").value == model_path
    assert at.checkbox(key="detect_assist").value is False
    assert at.number_input(key="detect_assist_threshold").value == pytest.approx(0.3)
    assert at.session_state["detection"].settings.assist_threshold == ASSIST_OFF

    # back to the defaults, as the module's other tests expect the page
    at.checkbox(key="detect_assist").check().run()
    at.number_input(key="detect_assist_threshold").set_value(ASSIST_THRESHOLD)
    at.slider(key="detect_threshold").set_value(card_threshold).run()
    assert not at.exception, at.exception
