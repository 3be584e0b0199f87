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
