"""The Subregions page's "Events in the episode" and its figure's title count the same
events: one function (`seisviz.subregions.episodes.events_in_episode`), one closed interval
[onset, end]. Checked on the Changning-like demo's episodes (its labelled periods as the
flagged windows, no network needed)."""

import numpy as np
import pandas as pd
import pytest

from seisviz.catalog import load_catalog
from seisviz.detect import flagged_periods
from seisviz.maps import rasterize
from seisviz.plots.subregions import panel_data, subregion_figure
from seisviz.resources import data_dir
from seisviz.subregions.episodes import events_in_episode, in_episode
from seisviz.subregions.refine import refine_periods


@pytest.fixture(scope="module")
def demo():
    """(catalog, episodes) of the demo, the windows holding each labelled onset flagged."""
    catalog, _ = load_catalog(str(data_dir() / "changning_demo.csv"))
    labelled = pd.read_csv(data_dir() / "changning_demo_periods.csv")
    dmaps = rasterize(catalog, step_days=3.0)
    w = dmaps.window_table()
    ws = pd.to_datetime(w["window_start"], utc=True)
    we = pd.to_datetime(w["window_end"], utc=True)
    flag = np.zeros(len(w), bool)
    for s in pd.to_datetime(labelled["start"], utc=True):
        flag |= ((ws <= s) & (we > s)).to_numpy()
    flag &= dmaps.has_history
    raw = flagged_periods(w, flag, 0.0, np.ones(len(w)))
    _, episodes = refine_periods(catalog, dmaps, raw, flagged=flag)
    assert len(episodes) >= 10
    return catalog, episodes


def test_in_episode_is_closed_at_both_ends():
    t = np.array([0, 5, 10, 11], np.int64)
    assert list(in_episode(t, 5, 10)) == [False, True, True, False]


def test_the_page_box_and_the_figure_title_agree_on_every_demo_episode(demo):
    catalog, episodes = demo
    for _, row in episodes.iterrows():
        n = int(row["n_events"])  # what the page's box shows
        assert len(events_in_episode(catalog, row.geometry, row["start"], row["end"])) == n
        d = panel_data(catalog, row)
        assert d["n_events"] == n
        # the episode's last event is at its end: it is on the map, not cut off
        assert d["map_events"]["time"].max() == row["end"]
    row = episodes.iloc[1]
    title = subregion_figure(catalog, row, tiles=False).layout.title.text
    assert f"{int(row['n_events']):,} events inside" in title
