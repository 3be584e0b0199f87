"""The Subregions and Export pages (streamlit AppTest), on a scan made with conftest's
quick model (never the shipped weights)."""

import os
from dataclasses import replace

import numpy as np
import pytest
import shapely

from seisviz.detect import flagged_periods
from seisviz.detect.scan import count_events, scan_catalog
from seisviz.training.synthetic import (EPOCH, diffuse_background, finish_catalog, swarm, window_labels)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BBOX = (104.0, 104.5, 30.0, 30.45)
A, B = (104.12, 30.10), (104.38, 30.33)
DOWNLOADS = ["Periods (CSV)", "Subregions (GeoJSON)", "Subregions (GeoPackage)",
             "Condensed catalog (CSV)", "Condensed catalog (QuakeML)", "Settings (run.json)",
             "This figure (HTML)", "Download the zip"]

pytestmark = pytest.mark.slow


def make_catalog():
    """Swarms at A (day 120), at A and B (day 240): the same place in two periods."""
    rng = np.random.default_rng(11)
    parts = [diffuse_background(rng, BBOX, 0, 330, 4.0),
             swarm(rng, A, 120.0, 4.0, 90, 0.5, 0),
             swarm(rng, A, 240.0, 4.0, 70, 0.5, 1),
             swarm(rng, B, 241.0, 4.0, 40, 0.5, 2)]
    return finish_catalog(parts, EPOCH)


@pytest.fixture(scope="module")
def scanned(quick_model_dir):
    """(catalog, ScanResult of the quick model, the same with the label rule's flags)."""
    catalog = make_catalog()
    result = scan_catalog(catalog.drop(columns="episode"),
                          model=str(quick_model_dir / "resnet18.pt"), device="cpu",
                          step_days=3.0, bbox=BBOX)
    # The label rule's flags on the same maps, so that the walk below does not depend on
    # what a 3-epoch smoke-test model happens to flag.
    labels, _ = window_labels(catalog, result.dmaps)
    w = result.windows.copy()
    w["flagged"] = labels & result.dmaps.has_history
    periods = flagged_periods(w, w["flagged"], 0.0, w["probability"].to_numpy())
    periods["n_events"] = count_events(catalog, periods)
    # episodes=None: the labelled periods' own subregions, not the quick model's episodes
    labelled = replace(result, windows=w, periods=periods, episodes=None)
    assert len(periods) == 2
    return catalog.drop(columns="episode"), result, labelled


def open_page(page, catalog, **state):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    at.session_state["catalog"] = catalog
    at.session_state["catalog_name"] = "synthetic test catalog"
    at.session_state["is_demo"] = False
    for k, v in state.items():
        at.session_state[k] = v
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def downloads(at):
    return [b.label for b in at.get("download_button")]


@pytest.mark.parametrize("page", ["pages/5_subregions.py", "pages/6_export.py"])
def test_without_a_detection_the_pages_point_to_detect(scanned, page):
    catalog, _, _ = scanned
    at = open_page(page, catalog)
    assert any("No detection yet" in i.value for i in at.info)
    links = [e for e in at.get("page_link")]
    assert any(e.proto.page == "detect" for e in links)
    assert downloads(at) == []


def test_pages_run_on_the_quick_models_scan(scanned):
    catalog, result, _ = scanned
    at = open_page("pages/5_subregions.py", catalog, detection=result)
    if len(at.selectbox):  # the model flagged something with a subregion
        at.button(key="subregions_next").click().run()
        assert not at.exception, at.exception
        at.button(key="subregions_prev").click().run()
        assert not at.exception, at.exception
    else:
        assert at.info, "no subregion and no message saying so"
    at.switch_page("pages/6_export.py").run()
    assert not at.exception, at.exception
    assert {"Periods (CSV)", "Condensed catalog (CSV)", "Settings (run.json)",
            "Download the zip"} <= set(downloads(at))


def test_walk_through_every_subregion_and_compare_periods(scanned):
    catalog, _, labelled = scanned
    from seisviz.subregions import find_subregions

    subs = find_subregions(labelled, catalog=catalog)
    pairs = list(zip(subs["period_id"], subs["subregion_id"]))
    assert len(pairs) >= 3 and set(subs["period_id"]) == {1, 2}
    # opens on the period selected on the Detect page
    at = open_page("pages/5_subregions.py", catalog, detection=labelled,
                   selected_period={"period_id": 2})
    pick = at.selectbox(key="subregions_pick")
    assert pairs[pick.value] == (2, 1)
    start = pick.value
    seen = []
    for _ in range(len(pairs)):
        i = at.selectbox(key="subregions_pick").value
        seen.append(pairs[i])
        sel = at.session_state["selected_subregion"]
        assert (sel["period_id"], sel["subregion_id"]) == pairs[i]
        assert at.session_state["selected_period"]["period_id"] == pairs[i][0]
        at.button(key="subregions_next").click().run()
        assert not at.exception, at.exception
    assert sorted(seen) == sorted(pairs)  # every subregion once, then round again
    assert at.selectbox(key="subregions_pick").value == start
    at.button(key="subregions_prev").click().run()
    assert at.selectbox(key="subregions_pick").value == (start - 1) % len(pairs)
    # the swarm place A is flagged in both periods: the page shows the two side by side
    at_a = [k for k, r in enumerate(subs.itertuples())
            if r.geometry.contains(shapely.Point(*A))]
    assert len(at_a) == 2
    at.selectbox(key="subregions_pick").set_value(at_a[0]).run()
    assert not at.exception, at.exception
    charts = at.get("plotly_chart")
    # the S4/S5 figure, the episode's four (statistics), then the two periods side by side
    assert len(charts) == 7
    # the condensed catalog and how much it shrank
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Events kept"].endswith(f"of {len(catalog):,}")
    assert metrics["Share of the catalog"].endswith("%")


def test_export_page_offers_every_download(scanned, monkeypatch):
    catalog, _, labelled = scanned
    at = open_page("pages/6_export.py", catalog, detection=labelled)
    labels = downloads(at)
    assert set(DOWNLOADS) <= set(labels)
    assert any(lbl.startswith("All ") and "HTML" in lbl for lbl in labels)
    # without a browser, PNG is not offered and the page says why in one line
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    at.run()
    assert not at.exception, at.exception
    assert "This figure (PNG)" not in downloads(at)
    assert any("Chrome" in w.value and "\n" not in w.value for w in at.warning)
    assert "png" not in at.multiselect(key="export_formats").options


def test_onset_and_end_are_not_cut_and_the_count_is_the_figures(scanned):
    """The episode's onset and end show the date as the value and the time beneath it
    (a date and time on one line was cut off in a quarter-width column), and "Events in
    the episode" is the count in the figure's title (one function, [onset, end])."""
    import json

    from seisviz.detect.scan import derive_periods

    catalog, _, labelled = scanned
    result = derive_periods(labelled, catalog)  # the labelled flags, refined to episodes
    assert result.episodes is not None and len(result.episodes)
    at = open_page("pages/5_subregions.py", catalog, detection=result)
    for _ in range(len(result.episodes)):
        metrics = {m.label: m for m in at.metric}
        for label in ("Onset (UTC)", "End (UTC)"):
            value, delta = metrics[label].value, metrics[label].proto.delta
            assert len(value) == 10 and value[4] == value[7] == "-", value  # 2016-12-10
            assert len(delta) == 8 and delta[2] == delta[5] == ":", delta  # 00:38:32
        n = metrics["Events in the episode"].value
        title = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
        assert f"{n} events inside" in title
        at.button(key="subregions_next").click().run()
        assert not at.exception, at.exception


def test_each_episode_shows_what_it_is(scanned):
    """The episode's statistics (the episodes table's columns) as metrics, and its four
    figures: distance-time, frequency-magnitude, depth-time, cross-section."""
    import json

    from seisviz.detect.scan import derive_periods

    catalog, _, labelled = scanned
    result = derive_periods(labelled, catalog)
    episodes = result.episodes
    at = open_page("pages/5_subregions.py", catalog, detection=result)
    for _ in range(len(episodes)):
        sel = at.session_state["selected_subregion"]
        row = episodes[(episodes["period_id"] == sel["period_id"])
                       & (episodes["subregion_id"] == sel["subregion_id"])].iloc[0]
        metrics = {m.label: m.value for m in at.metric}
        for label in ("Kind", "b-value", "Omori p", "Diffusivity", "Median depth"):
            assert metrics[label], label
        assert metrics["Kind"] == (row["kind"] or "–")
        if np.isfinite(row["b_value"]):
            assert metrics["b-value"].startswith(f"{row['b_value']:.2f} ± ")
        assert metrics["Median depth"] == f"{row['depth_median_km']:.1f} km"
        titles = [json.loads(c.proto.spec)["layout"]["title"]["text"]
                  for c in at.get("plotly_chart")[1:5]]
        assert [t.split(" along")[0] for t in titles] == [
            "Distance–time", "Frequency–magnitude", "Depth–time", "Cross-section"]
        at.button(key="subregions_next").click().run()
        assert not at.exception, at.exception


def test_sequences_are_listed_first_with_their_episodes(scanned, quick_model_dir):
    """The Detect and Subregions pages list the sequences before the periods and the
    episodes, and show the episodes of the sequence chosen; on the Subregions page a
    button opens that sequence's first episode."""
    from seisviz.detect.scan import derive_periods

    catalog, _, labelled = scanned
    result = derive_periods(labelled, catalog)
    seqs, eps = result.sequences, result.episodes
    # the swarm at A on day 120, A again 120 days later, B 35 km off: three sequences
    assert len(seqs) >= 2 and len(seqs) <= len(eps)

    def check(at, key, heads_before):
        heads = [h.value for h in at.subheader]
        first = next(i for i, h in enumerate(heads) if h.startswith("Sequences:"))
        assert heads[first] == f"Sequences: {len(seqs)} (of {len(eps)} episodes)"
        assert all(not h.startswith(heads_before) for h in heads[:first])
        assert any(h.startswith(heads_before) for h in heads[first:])
        listed = table_with(at, "sequence")
        assert listed["sequence"].tolist() == [f"S{i}" for i in seqs["sequence_id"]]
        assert listed["episodes"].sum() == len(eps)
        last = len(seqs) - 1
        at.selectbox(key=f"{key}_sequence_pick").set_value(last).run()
        assert not at.exception, at.exception
        inside = table_with(at, "quiet days before")
        mine = eps[eps["sequence_id"] == seqs["sequence_id"].iloc[last]]
        assert sorted(inside["episode"]) == sorted(mine["episode_id"])
        return mine

    at = open_detect_with(quick_model_dir, catalog, result)
    check(at, "detect", "Network:")
    at = open_page("pages/5_subregions.py", catalog, detection=result)
    mine = check(at, "subregions", "What the episode is")
    at.button(key="subregions_open_sequence").click().run()
    assert not at.exception, at.exception
    first = mine.sort_values("onset").iloc[0]
    sel = at.session_state["selected_subregion"]
    assert (sel["period_id"], sel["subregion_id"]) == (first["period_id"],
                                                        first["subregion_id"])
    pick = at.selectbox(key="subregions_pick")
    assert pick.options[pick.index].startswith(
        f"Sequence {first['sequence_id']} · period {first['period_id']}")


def table_with(at, column):
    """The one dataframe on the page with `column` (plain tables have no key in AppTest)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def open_detect_with(quick_model_dir, catalog, result):
    """The Detect page with the quick model chosen and `result` as the last detection."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=180).run()
    at.session_state["catalog"] = catalog
    at.session_state["catalog_name"] = "synthetic test catalog"
    at.session_state["is_demo"] = False
    at.session_state["detection"] = result
    at.switch_page("pages/4_detect.py").run()
    at.selectbox(key="detect_model_choice").set_value("custom weights file (.pt)…").run()
    at.text_input(key="detect_model_path").set_value(str(quick_model_dir / "resnet18.pt")).run()
    assert not at.exception, at.exception
    return at
