"""A fast scan (the default) gives the network only the windows where something can happen,
and finds the same periods and episodes as an exhaustive one (seisviz.detect.passes).

The network here is a small real one, built by hand so that its probability follows the
data: the largest 3x3 sum of log(1 + count) less that of the background channel, through a
sigmoid. It records every map it receives (the count channel comes back from the input
normalisation, log1p with mean 0 and std 1, as expm1), so the tests see what it saw."""

import numpy as np
import pandas as pd
import pytest

from seisviz.detect.card import ModelCard
from seisviz.settings import FINE_PASS_FLOOR, MIN_EVENTS, ScanSettings

T0 = pd.Timestamp("2020-01-01", tz="UTC")


def burst_net(seen):
    """A 3x3 burst detector that appends the event count of every map it gets to `seen`."""
    import torch

    class Counting(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(2, 1, 3, padding=1, bias=False)
            with torch.no_grad():
                self.conv.weight[:, 0] = 1.0   # the window's own events
                self.conv.weight[:, 1] = -1.0  # less the place's background
            self.pool = torch.nn.AdaptiveMaxPool2d(1)

        def forward(self, x):
            seen.extend(torch.expm1(x[:, 0].float()).sum(dim=(1, 2)).round().tolist())
            return self.pool(self.conv(x)).flatten(1) - 6.0
    return Counting()


def burst_card():
    return ModelCard.from_dict({
        "architecture": "resnet18", "in_channels": 2, "grid": 16, "sha256": "0" * 64,
        "weights_file": "", "threshold": 0.5,
        "normalization": {"transform": "log1p", "mean": [0.0, 0.0], "std": [1.0, 1.0]}})


def catalog_with_bursts(seed=3):
    """700 days on a 0.5-degree square: a thin background (0.4 events a day) with a silent
    stretch (days 150-330, where windows are sparse) and two bursts of 150 events in 8 days
    on a 0.03-degree spot (days 400 and 560)."""
    rng = np.random.default_rng(seed)
    days = rng.uniform(0, 700, 280)
    days = days[(days < 150) | (days > 330)]
    lon, lat = rng.uniform(104.5, 105.0, len(days)), rng.uniform(28.0, 28.5, len(days))
    parts = [(days, lon, lat)]
    for start, (x, y) in ((400, (104.62, 28.13)), (560, (104.85, 28.38))):
        parts.append((start + rng.uniform(0, 8, 150), x + rng.uniform(0, 0.03, 150),
                      y + rng.uniform(0, 0.03, 150)))
    d, x, y = (np.concatenate(v) for v in zip(*parts))
    order = np.argsort(d)
    n = len(d)
    return pd.DataFrame({"time": T0 + pd.to_timedelta(d[order], unit="D"),
                         "latitude": y[order], "longitude": x[order],
                         "depth": rng.uniform(1, 10, n), "magnitude": rng.uniform(0.5, 3, n)})


def scan(catalog, seen, **options):
    from seisviz.detect.scan import scan_catalog

    return scan_catalog(catalog, loaded=(burst_net(seen), burst_card()), grid=16,
                        bbox=(104.5, 105.0, 28.0, 28.5), device="cpu", batch_size=16,
                        **options)


@pytest.fixture(scope="module")
def both():
    catalog = catalog_with_bursts()
    seen_fast, seen_all = [], []
    fast = scan(catalog, seen_fast)
    full = scan(catalog, seen_all, exhaustive=True)
    return catalog, fast, seen_fast, full, seen_all


def test_a_sparse_window_never_reaches_the_network(both):
    _, fast, seen_fast, full, seen_all = both
    w = fast.windows
    sparse = w["network"] == "sparse"
    assert sparse.sum() > 50  # the silent stretch
    assert (w.loc[sparse, "n_events"] < MIN_EVENTS).all()
    assert w.loc[sparse, "probability"].isna().all()
    # what the network received: never a map with fewer than MIN_EVENTS events
    assert len(seen_fast) == (w["network"] == "seen").sum() == fast.device_info["maps"]
    assert min(seen_fast) >= MIN_EVENTS
    # the exhaustive scan sent it every window, the sparse ones too
    assert len(seen_all) == len(full.windows) and min(seen_all) < MIN_EVENTS
    assert set(full.windows["network"]) == {"seen", "no history"}


def test_the_coarse_pass_skips_quiet_windows_and_the_periods_stay(both):
    _, fast, _, full, _ = both
    w = fast.windows
    assert (w["network"] == "coarse pass").sum() > 100
    assert len(full.periods) == 2  # the two bursts
    pd.testing.assert_frame_equal(fast.periods, full.periods)
    pd.testing.assert_frame_equal(pd.DataFrame(fast.episodes.drop(columns="geometry")),
                                  pd.DataFrame(full.episodes.drop(columns="geometry")))
    assert fast.episodes.geometry.equals(full.episodes.geometry)
    assert (fast.windows["flagged"] == full.windows["flagged"]).all()
    # where the fast scan scored a window, the probability is the exhaustive one's
    scored = w["network"] == "seen"
    np.testing.assert_allclose(w.loc[scored, "probability"],
                               full.windows.loc[scored, "probability"], rtol=1e-5)
    # the baseline does not change either: a sparse window's beta is -inf either way
    np.testing.assert_array_equal(w["baseline_beta"], full.windows["baseline_beta"])


def test_event_counts_from_times_are_the_maps_counts(both):
    from seisviz.maps import events_per_window

    catalog, fast, *_ = both
    d = fast.dmaps
    counts = events_per_window(catalog, d.grid, d.window_start, d.window_end)
    np.testing.assert_array_equal(counts, fast.windows["n_events"])


def test_a_threshold_under_the_floor_says_a_rescan_is_needed(both):
    from seisviz.detect.scan import reflag

    catalog, fast, _, full, _ = both
    floor = fast.settings.fine_pass()["floor"]
    assert not reflag(fast, catalog, threshold=floor + 0.05).notes
    low = reflag(fast, catalog, threshold=floor / 2)
    assert any("--exhaustive" in n for n in low.notes)
    assert not reflag(low, catalog, threshold=0.5).notes  # back above: the note goes
    assert not reflag(full, catalog, threshold=0.01).notes  # an exhaustive scan has all
    assert any("minimum period" in n for n in reflag(fast, catalog, min_period_days=1).notes)
    # baseline assistance flags windows too: a floor under the fine pass's says so as well
    assisted = reflag(fast, catalog, assist_threshold=floor / 2)
    assert any("assisted probability floor" in n for n in assisted.notes)
    assert not reflag(assisted, catalog, assist_threshold=1.0).notes


def test_the_page_cache_reruns_only_when_the_fine_pass_would_change():
    s = ScanSettings(threshold=0.5)
    assert s.fine_pass() == {"coarse_stride": 5, "floor": FINE_PASS_FLOOR}
    assert s.raster_part() == s.replace(threshold=0.7, max_gap_days=3).raster_part()
    assert s.raster_part() != s.replace(threshold=0.1).raster_part()
    assert s.raster_part() != s.replace(min_period_days=2).raster_part()
    assert ScanSettings(min_period_days=2).fine_pass()["coarse_stride"] == 2
    assert ScanSettings(step_days=10).fine_pass() == {"coarse_stride": 1, "floor": 0.0}
    assert ScanSettings(exhaustive=True).fine_pass() == {}
    assert ScanSettings.from_dict(s.to_dict()) == s


def test_an_old_windows_table_reads_as_all_seen():
    from seisviz.detect.passes import with_network_state

    old = pd.DataFrame({"has_history": [False, True, True], "probability": [np.nan, .1, .9]})
    assert with_network_state(old)["network"].tolist() == ["no history", "seen", "seen"]


def test_the_chart_joins_the_coarse_windows_and_the_caption_counts_them(both):
    from seisviz.detect.passes import skipped_windows
    from seisviz.plots.detection import probability_timeseries

    _, fast, *_ = both
    w = fast.windows
    line = probability_timeseries(w, fast.periods, 0.5).data[0]
    assert len(line.y) == (w["network"] != "coarse pass").sum()
    n = w["network"].value_counts()
    text = skipped_windows(w)
    assert f"{n['seen']:,} scored by the network" in text
    assert f"{n['coarse pass']:,} skipped by the coarse pass" in text
    assert f"{n['sparse']:,} sparse" in text


def test_the_dashboards_command_line_keeps_exhaustive_and_the_coarse_step():
    import argparse
    import shlex

    from seisviz.commands.scan import add_arguments
    from seisviz.workstate import Work, scan_command

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    fast = parser.parse_args(shlex.split(scan_command(Work(), ScanSettings(), "c.csv"))[2:])
    assert not fast.exhaustive and fast.coarse_step == 5
    cmd = scan_command(Work(), ScanSettings(exhaustive=True, coarse_step_days=10), "c.csv")
    args = parser.parse_args(shlex.split(cmd)[2:])
    assert args.exhaustive and args.coarse_step == 10
