"""The Train page (streamlit AppTest): the paper's sweeps (Tables S1-S6) beside ours."""

import json
import os

import pytest
from streamlit.testing.v1 import AppTest

from seisviz.training.paper import PAPER, PAPER_TABLES, sweep_command

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def page():
    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=180).run()
    at.switch_page("pages/3_train.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_renders_with_one_tab_per_architecture(page):
    assert [t.label for t in page.tabs] == ["ResNet-18 (Tables S1–S2)",
                                            "ResNet-34 (Tables S3–S4)",
                                            "ResNet-101 (Tables S5–S6)"]
    assert page.title[0].value == "Train a detector"
    assert any("about 5 km a side" in m.value for m in page.markdown)
    assert any("Tables S1–S6" in h.value for h in page.subheader)


def test_resnet18_tab_shows_both_tables_from_the_docs_sweep(page):
    with open(os.path.join(ROOT, "docs", "sweep_resnet18.json")) as f:
        ours = json.load(f)
    tab = page.tabs[0]
    wd, lr = (d.value for d in tab.dataframe)
    assert list(wd.columns) == ["weight decay", "ours", PAPER]
    assert list(lr.columns) == ["learning rate", "ours", PAPER]
    assert len(wd) == len(PAPER_TABLES["resnet18"]["weight_decay"].values)
    assert len(lr) == len(PAPER_TABLES["resnet18"]["learning_rate"].values)
    assert list(wd["ours"].str.rstrip(" ★")) == [
        f"{r['final_validation_loss']:.3f}" for r in ours["weight_decay"]]
    assert list(lr["ours"].str.rstrip(" ★")) == [
        f"{r['final_validation_loss']:.3f}" for r in ours["learning_rate"]]
    assert "0.161 ★" in list(wd[PAPER]) and "0.128 ★" in list(lr[PAPER])
    text = " ".join(m.value for m in tab.markdown)
    assert "Weight decay:" in text and "Learning rate:" in text and "Spearman" in text
    # the paper's own S1/S2 mismatch is said where the tables are shown
    assert any("0.161" in w.value and "0.128" in w.value for w in tab.warning)


def test_a_missing_sweep_shows_the_paper_alone_and_the_command(page):
    for i, arch in enumerate(PAPER_TABLES):
        if os.path.exists(os.path.join(ROOT, "docs", f"sweep_{arch}.json")):
            continue
        tab = page.tabs[i]
        assert [c.value for c in tab.code] == [sweep_command(arch)]
        for d in tab.dataframe:
            assert "ours" not in d.value.columns and PAPER in d.value.columns


def test_cancelled_training_keeps_its_checkpoint_and_start_goes_on(monkeypatch):
    """A training stopped in epoch 2 (st.stop at the progress update, as a click during the
    run does) says so after Cancel, keeps epoch 1 in its checkpoint, and Start with the same
    settings resumes from it, then removes it once the model is saved."""
    import shutil

    import streamlit as st

    from seisviz.training import train as train_module

    real = train_module.train_model

    def stopped_in_epoch_two(*args, progress=None, **kwargs):
        def progress_then_click(epoch, epochs, step, steps):
            progress(epoch, epochs, step, steps)
            if epoch == 2:
                st.stop()  # what a click during the run does at the page's next st call
        return real(*args, progress=progress_then_click, **kwargs)

    monkeypatch.setattr(train_module, "train_model", stopped_in_epoch_two)
    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=300).run()
    at.switch_page("pages/3_train.py").run()
    inputs = {n.label: n for n in at.number_input}
    inputs["Training maps"].set_value(64)
    inputs["Validation maps"].set_value(32)
    inputs["Data seed"].set_value(12345)
    at.run()
    start = next(b for b in at.button if b.label == "Start")
    start.click().run()
    assert not at.exception, at.exception
    assert "train_result" not in at.session_state
    at.button(key="train_cancel").click().run()
    assert not at.exception, at.exception
    said = [w.value for w in at.warning if "cancelled" in w.value]
    assert said == ["Training cancelled in epoch 2 of 3; the checkpoint keeps epoch 1: press "
                    "**Start** with the same settings to go on from it."], said
    checkpoints = [f for f in os.listdir(os.path.join(ROOT, "runs", "checkpoints"))
                   if f.startswith("train-resnet18-")]
    assert checkpoints
    monkeypatch.setattr(train_module, "train_model", real)
    next(b for b in at.button if b.label == "Start").click().run()
    assert not at.exception, at.exception
    arch, history, path, card = at.session_state["train_result"]
    try:
        assert any(c.value.startswith("resuming from ") and "after epoch 1" in c.value
                   for c in at.code)
        assert [h["epoch"] for h in history][:1] == [1]
        assert not [f for f in os.listdir(os.path.join(ROOT, "runs", "checkpoints"))
                    if f in checkpoints]
    finally:
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)
