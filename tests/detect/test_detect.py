"""Flagged periods, period comparison, picks files and the detection figures, on tables
made by hand (every expected value below is worked out in the comments)."""

import io
import os
import warnings

import numpy as np
import pandas as pd
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from seisviz.detect import ModelCard, compare_periods, flagged_periods, read_picks
from seisviz.settings import ScanSettings
from seisviz.errors import SeisvizError
from seisviz.plots.detection import (GREEN, ORANGE, RED, picks_comparison,
                                     probability_timeseries)

T0 = pd.Timestamp("2020-01-01", tz="UTC")
DAY = pd.Timedelta(days=1)


def merge(*args, **kwargs):
    """flagged_periods without the minimum period length (tested on its own below)."""
    return flagged_periods(*args, min_period_days=0, **kwargs)


def windows(n, length_days=1, step_days=1):
    """n windows starting at T0 + k*step, each length_days long."""
    start = T0 + np.arange(n) * step_days * DAY
    return pd.DataFrame({"window_start": start, "window_end": start + length_days * DAY})


def day(k):
    return T0 + k * DAY


def spans(periods):
    """[(start day, end day, n_windows)] of a periods table."""
    return [((s - T0) / DAY, (e - T0) / DAY, int(n))
            for s, e, n in zip(periods["start"], periods["end"], periods["n_windows"])]


# ------------------------------------------------------------------ flagged_periods

def test_consecutive_windows_make_one_period():
    # 1-day windows every day: windows 1, 2, 3 flagged = days [1, 2), [2, 3), [3, 4)
    w = windows(5)
    prob = [0.1, 0.6, 0.9, 0.7, 0.2]
    p = merge(w, [False, True, True, True, False], probability=prob)
    assert list(p.columns) == ["period_id", "start", "end", "peak_probability", "n_windows"]
    # from window 1's start (day 1) to window 3's end (day 4); peak = max(0.6, 0.9, 0.7)
    assert spans(p) == [(1, 4, 3)]
    assert p["period_id"].tolist() == [1]
    assert p["peak_probability"].tolist() == pytest.approx([0.9])


def test_a_gap_splits_periods():
    # windows 0 and 3 flagged: window 3 starts on day 3, two days after period 1 ends (day 1)
    w = windows(5)
    p = merge(w, [True, False, False, True, False], probability=[0.8, 0, 0, 0.6, 0])
    assert spans(p) == [(0, 1, 1), (3, 4, 1)]
    assert p["period_id"].tolist() == [1, 2]
    assert p["peak_probability"].tolist() == pytest.approx([0.8, 0.6])


def test_max_gap_joins_periods_up_to_the_gap():
    # same flags: windows 1 and 2 (two days of unflagged windows) lie between the flagged
    # windows 0 and 3, whose starts are 3 days = one step + 2 days apart
    w = windows(5)
    flags = [True, False, False, True, False]
    # gap 2: bridges the two unflagged days -> one period [0, 4) of 2 windows
    assert spans(merge(w, flags, max_gap_days=2)) == [(0, 4, 2)]
    # gap 1.9: does not -> still two periods
    assert spans(merge(w, flags, max_gap_days=1.9)) == [(0, 1, 1), (3, 4, 1)]


def test_single_flagged_window():
    w = windows(4, length_days=30, step_days=5)
    p = merge(w, [False, False, True, False], probability=[0.1, 0.2, 0.55, 0.3])
    # window 2 = [day 10, day 40)
    assert spans(p) == [(10, 40, 1)]
    assert p["peak_probability"].tolist() == pytest.approx([0.55])


def test_nothing_flagged_gives_an_empty_typed_table():
    w = windows(4)
    p = merge(w, [False] * 4, probability=[0.1] * 4)
    assert len(p) == 0
    assert list(p.columns) == ["period_id", "start", "end", "peak_probability", "n_windows"]
    assert isinstance(p["start"].dtype, pd.DatetimeTZDtype)
    assert p["n_windows"].dtype == np.int64


def test_episodes_with_overlapping_windows_stay_separate_periods():
    # 10-day windows every day. Windows 0 = [0, 10) and 5 = [5, 15) overlap in time, but
    # windows 1-4 between them are not flagged: two episodes, two (overlapping) periods
    w = windows(20, length_days=10)
    flags = np.zeros(20, bool)
    flags[[0, 5]] = True
    assert spans(merge(w, flags)) == [(0, 10, 1), (5, 15, 1)]
    # a run of flagged windows 2..6 is one period [2, 16)
    flags = np.zeros(20, bool)
    flags[2:7] = True
    assert spans(merge(w, flags)) == [(2, 16, 5)]
    # max gap 4 bridges the four unflagged windows 1-4 between windows 0 and 5
    flags = np.zeros(20, bool)
    flags[[0, 5]] = True
    assert spans(merge(w, flags, max_gap_days=4)) == [(0, 15, 2)]


def test_runs_shorter_than_the_minimum_period_are_flicker():
    # 30-day windows every day: a run of 3 flagged windows (starts span 3 days with the
    # step) is dropped at the default 5 days; a run of 5 is kept; so is any run at 0
    w = windows(40, length_days=30)
    flags = np.zeros(40, bool)
    flags[2:5] = True      # 3 windows: flicker
    flags[20:25] = True    # 5 windows: a period [20, 54)
    assert spans(flagged_periods(w, flags)) == [(20, 54, 5)]
    assert spans(flagged_periods(w, flags, min_period_days=0)) == [(2, 34, 3), (20, 54, 5)]
    # at a 5-day step one window already spans 5 days
    w5 = windows(10, length_days=30, step_days=5)
    assert spans(flagged_periods(w5, [False, True] + [False] * 8)) == [(5, 35, 1)]


def test_fractional_steps_join_consecutive_windows():
    # 0.25-day steps: consecutive flagged windows are one period despite rounding
    w = windows(12, length_days=1, step_days=0.25)
    flags = np.zeros(12, bool)
    flags[3:9] = True
    assert spans(merge(w, flags)) == [(0.75, 3.0, 6)]


def test_without_probabilities_peak_is_nan_and_no_warning():
    w = windows(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # np.nanmax of two NaNs used to warn
        p = merge(w, [True, True, True])
    assert spans(p) == [(0, 3, 3)]
    assert np.isnan(p["peak_probability"].iloc[0])


def test_nan_probability_does_not_hide_the_peak():
    w = windows(3)
    p = merge(w, [True, True, True], probability=[np.nan, 0.7, np.nan])
    assert p["peak_probability"].tolist() == pytest.approx([0.7])


# ------------------------------------------------------------------ compare_periods

def periods(*pairs):
    return pd.DataFrame({"start": pd.to_datetime([a for a, _ in pairs], utc=True),
                         "end": pd.to_datetime([b for _, b in pairs], utc=True)})


TRUTH = periods(("2020-01-01", "2020-01-10"),   # A
                ("2020-02-01", "2020-02-05"),   # B
                ("2020-03-01", "2020-03-03"))   # C


def test_compare_periods_counts_overlaps():
    picked = periods(("2020-01-05", "2020-01-15"),  # P1 overlaps A
                     ("2020-01-20", "2020-01-25"),  # P2 overlaps nothing
                     ("2020-02-04", "2020-03-02"))  # P3 overlaps B and C
    s = compare_periods(picked, TRUTH)
    # precision: P1, P3 correct of 3 = 2/3; recall: A (P1), B and C (P3) found = 3/3
    # F1 = 2 * (2/3) * 1 / (2/3 + 1) = (4/3) / (5/3) = 0.8
    assert s["n_picked"] == 3 and s["n_true"] == 3
    assert s["n_picked_correct"] == 2 and s["n_true_found"] == 3
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(1.0)
    assert s["f1"] == pytest.approx(0.8)


def test_compare_periods_misses_and_touching_ends():
    picked = periods(("2020-01-10", "2020-01-12"),  # touches A's end (2020-01-10): counts
                     ("2020-02-06", "2020-02-20"))  # starts a day after B ends: no overlap
    s = compare_periods(picked, TRUTH)
    # precision 1/2; recall: only A found = 1/3; F1 = 2 * 1/2 * 1/3 / (1/2 + 1/3) = 0.4
    assert (s["n_picked_correct"], s["n_true_found"]) == (1, 1)
    assert s["precision"] == pytest.approx(0.5)
    assert s["recall"] == pytest.approx(1 / 3)
    assert s["f1"] == pytest.approx(0.4)


def test_one_long_period_covering_every_pick():
    # one period over the whole span: 1/1 correct, 3/3 found -> P = R = F1 = 1
    s = compare_periods(periods(("2019-12-01", "2020-04-01")), TRUTH)
    assert (s["precision"], s["recall"], s["f1"]) == (1.0, 1.0, 1.0)


def test_compare_periods_with_nothing_picked_or_no_truth():
    none = periods()
    # nothing detected, 3 picks: no precision (0 by convention), recall 0/3, F1 0
    s = compare_periods(none, TRUTH)
    assert (s["precision"], s["recall"], s["f1"]) == (0.0, 0.0, 0.0)
    # 3 detected, no picks: 0/3 correct, nothing to find (recall 1), F1 = 2*0*1/1 = 0
    s = compare_periods(TRUTH, none)
    assert (s["precision"], s["recall"], s["f1"]) == (0.0, 1.0, 0.0)


def test_compare_periods_reads_naive_times_as_utc():
    naive = pd.DataFrame({"start": pd.to_datetime(["2020-01-09 23:00"]),
                          "end": pd.to_datetime(["2020-01-09 23:30"])})
    assert compare_periods(naive, TRUTH)["n_true_found"] == 1


# ------------------------------------------------------------------ read_picks

def picks_csv(text):
    return io.StringIO(text)


def assert_one_line_error(text, *fragments):
    with pytest.raises(SeisvizError) as info:
        read_picks(picks_csv(text), name="picks.csv")
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith("picks.csv: ")
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_read_picks_missing_columns():
    assert_one_line_error("begin,end\n2020-01-01,2020-01-02\n", "missing start")
    assert_one_line_error("from,to\n2020-01-01,2020-01-02\n", "missing start, end")


def test_read_picks_reversed_dates_name_the_line():
    # header = line 1, first pick = line 2, the reversed pick = line 3
    assert_one_line_error("start,end\n2020-01-01,2020-01-05\n2020-02-10,2020-02-01\n",
                          "1 pick(s)", "reversed", "line 3")


def test_read_picks_unreadable_dates_and_ragged_rows():
    assert_one_line_error("start,end\nsoon,2020-01-05\n", "unreadable", "line 2")
    # pandas says "Expected 2 fields in line 3, saw 3\n": still one line for the user
    assert_one_line_error("start,end\n2020-01-01,2020-01-02\n2020-01-03,2020-01-04,x\n",
                          "not a readable CSV")


def test_read_picks_accepts_loose_headers_and_reads_utc():
    p = read_picks(picks_csv(" Start , END ,note\n2020-01-01T12:00:00Z,2020-01-02,a\n"
                             "2020-03-01 00:00,2020-03-01 00:00,instant\n"), name="p.csv")
    assert len(p) == 2
    assert p["start"].iloc[0] == pd.Timestamp("2020-01-01 12:00", tz="UTC")
    assert p["end"].iloc[0] == pd.Timestamp("2020-01-02", tz="UTC")
    assert p["note"].tolist() == ["a", "instant"]


def test_read_picks_of_the_demo_file():
    path = "data/changning_demo_periods.csv"
    p = read_picks(path)
    raw = pd.read_csv(path)
    assert len(p) == len(raw)
    assert (p["end"] >= p["start"]).all()
    assert p["start"].iloc[0] == pd.Timestamp(raw["start"].iloc[0])


# ------------------------------------------------------------------ figures

def test_figure_s3_has_red_picks_green_detections_and_scores_in_title():
    picked = periods(("2020-01-05", "2020-01-15"), ("2020-01-20", "2020-01-25"),
                     ("2020-02-04", "2020-03-02"))
    fig = picks_comparison(TRUTH, picked, "Test")
    manual, network = fig.data
    assert manual.marker.color == RED and len(manual.x) == 3
    assert network.marker.color == GREEN and len(network.x) == 3
    assert set(manual.y) == {"manual picks"} and set(network.y) == {"network"}
    # bars: base = start, length = end - start in ms (A: 9 days)
    assert manual.base[0] == "2020-01-01T00:00:00"
    assert manual.x[0] == pytest.approx(9 * 86_400_000)
    # P2 overlaps no pick: drawn paler
    assert list(network.marker.opacity) == [1.0, 0.4, 1.0]
    # 2/3, 3/3, 0.8 as worked out in test_compare_periods_counts_overlaps
    assert "precision 0.67, recall 1.00, F1 0.80" in fig.layout.title.text
    assert fig.layout.xaxis.type == "date"


def test_figure_s3_with_no_detections():
    fig = picks_comparison(TRUTH, periods(), "Nothing found")
    assert len(fig.data[1].x) == 0
    assert "precision 0.00, recall 0.00, F1 0.00" in fig.layout.title.text


def test_probability_timeseries_shades_each_period():
    w = windows(20, length_days=10)
    w["probability"] = np.where(np.isin(np.arange(20), [3, 4, 15]), 0.9, 0.1)
    flags = w["probability"] >= 0.5
    p = merge(w, flags, probability=w["probability"])
    assert len(p) == 2  # windows 3-4 = [3, 14) join; window 15 starts after day 14
    beta = np.linspace(0, 10, 20)
    base = merge(w, beta >= 9, probability=beta)
    fig = probability_timeseries(w, p, 0.5,
                                 baseline={"beta": beta, "threshold": 9, "periods": base},
                                 true_periods=TRUTH)
    traces = {t.name: t for t in fig.data}
    prob, beta_trace = traces["network probability"], traces["baseline beta"]
    # x = window centre: window 0 = [day 0, day 10) -> day 5
    assert pd.Timestamp(prob.x[0]) == pd.Timestamp("2020-01-06")
    assert beta_trace.yaxis == "y2"
    # the thresholds are lines in the legend, on their own axes
    assert set(traces["threshold 0.50"].y) == {0.5}
    assert set(traces["beta threshold 9"].y) == {9} and traces["beta threshold 9"].yaxis == "y2"
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    full = [s for s in rects if (s.y0, s.y1) == (0, 1)]      # full height: network periods
    bands = [s for s in rects if (s.y0, s.y1) != (0, 1)]     # thin: baseline and truth
    assert [(s.x0, s.x1) for s in full] == [(a.tz_convert(None), b.tz_convert(None))
                                          for a, b in zip(p["start"], p["end"])]
    assert len(bands) == len(base) + len(TRUTH)
    assert {s.fillcolor for s in bands} == {GREEN, ORANGE}


# ------------------------------------------------------------------ window_probabilities

def test_window_probabilities_match_the_models_own_normalisation():
    torch = pytest.importorskip("torch")
    from seisviz.detect import window_probabilities
    from seisviz.detect.models import build_model, input_statistics, prepare_input

    rng = np.random.default_rng(3)
    maps = rng.poisson(0.5, (10, 2, 16, 16)).astype(np.float32)
    card = ModelCard(architecture="resnet18", in_channels=2,
                     normalization=input_statistics(maps))
    torch.manual_seed(0)
    net = build_model("resnet18", 2).eval()
    with torch.no_grad():  # the reference: numpy normalisation, one batch, fp32
        ref = torch.sigmoid(net(torch.from_numpy(prepare_input(maps, card.normalization))))
    calls = []
    probs, info = window_probabilities(maps, net, card, "cpu", batch_size=4,
                                       progress=lambda done, total: calls.append((done, total)))
    np.testing.assert_allclose(probs, ref.squeeze(1).numpy(), atol=1e-5)
    assert calls == [(4, 10), (8, 10), (10, 10)]  # batches of 4: 4, 8, then the last 2
    assert info["device"] == "cpu" and info["batch_size"] == 4 and info["maps_per_second"] > 0
    with pytest.raises(SeisvizError, match="3 channels"):
        window_probabilities(np.zeros((1, 3, 16, 16), np.float32), net, card, "cpu")


def test_window_probabilities_refuses_a_negative_batch_size():
    """A negative batch made range() empty: every probability was uninitialised memory."""
    pytest.importorskip("torch")
    from seisviz.detect import window_probabilities

    card = ModelCard(architecture="resnet18", in_channels=2,
                     normalization={"mean": [0, 0], "std": [1, 1]})
    with pytest.raises(SeisvizError, match="batch size"):
        window_probabilities(np.zeros((3, 2, 16, 16), np.float32), None, card, "cpu",
                             batch_size=-4)


# ------------------------------------------------------------------ events of a scan

def test_period_events_count_only_what_the_scan_looked_at():
    from seisviz.maps import make_grid
    from seisviz.detect.scan import count_events, scanned_events

    # 6 events, one a day; #2 is outside the grid, #4 below the min magnitude
    catalog = pd.DataFrame({
        "time": [day(k) for k in range(6)],
        "longitude": [105.1, 105.2, 106.5, 105.3, 105.4, 105.5],
        "latitude": [28.1, 28.2, 28.3, 28.4, 28.5, 28.6],
        "magnitude": [1.0, 2.0, 3.0, 1.5, 0.2, 1.1],
    })
    grid = make_grid((105.0, 106.0, 28.0, 29.0), 8)
    kept = scanned_events(catalog, ScanSettings(min_magnitude=0.5), grid)
    assert kept.index.tolist() == [0, 1, 3, 5]
    # [day 0, day 4) holds events 0-3, of which 0, 1, 3 were scanned; [day 4, day 6): 5
    p = periods(("2020-01-01", "2020-01-05"), ("2020-01-05", "2020-01-07"))
    assert count_events(kept, p).tolist() == [3, 1]
    assert scanned_events(catalog, ScanSettings(), grid).index.tolist() == [0, 1, 3, 4, 5]


def test_reflag_equals_a_fresh_scan_at_the_new_threshold(quick_model_dir):
    """Moving the threshold re-derives flags and periods without rerunning the network."""
    from seisviz.catalog import load_catalog
    from seisviz.detect.scan import reflag, scan_catalog

    catalog, _ = load_catalog(os.path.join(ROOT, "data", "weiyuan_demo.csv"))
    model = os.path.join(quick_model_dir, "resnet18.pt")
    first = scan_catalog(catalog, model=model, device="cpu", step_days=5, threshold=0.9)
    prob = first.windows["probability"].dropna()
    new_threshold = float(prob.quantile(0.7))  # some windows flagged, some not
    moved = reflag(first, catalog, threshold=new_threshold, max_gap_days=10)
    fresh = scan_catalog(catalog, model=model, device="cpu", step_days=5,
                         threshold=new_threshold, max_gap_days=10)
    assert 0 < moved.windows["flagged"].sum() < len(moved.windows)
    pd.testing.assert_frame_equal(moved.windows, fresh.windows, check_exact=False, atol=1e-5)
    pd.testing.assert_frame_equal(moved.periods, fresh.periods, check_exact=False, atol=1e-5)
    assert moved.settings == fresh.settings
    assert moved.dmaps is first.dmaps  # nothing was rasterized or detected again


def test_refined_periods_are_shaded_strongly_and_their_window_span_faintly():
    from seisviz.plots.detection import FLAG_FILL, WINDOW_FILL

    w = windows(20, length_days=10)
    w["probability"] = np.where(np.isin(np.arange(20), [3, 4, 5]), 0.9, 0.1)
    raw = merge(w, w["probability"] >= 0.5, probability=w["probability"])
    # a period refined to the day inside its flagged windows' span
    periods = raw.assign(window_start=raw["start"], window_end=raw["end"],
                         start=raw["start"] + pd.Timedelta(days=9, hours=3),
                         end=raw["start"] + pd.Timedelta(days=12))
    fig = probability_timeseries(w, periods, 0.5)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    strong = [(s.x0, s.x1) for s in rects if s.fillcolor == FLAG_FILL]
    faint = [(s.x0, s.x1) for s in rects if s.fillcolor == WINDOW_FILL]
    naive = lambda t: pd.Timestamp(t).tz_convert(None)  # noqa: E731
    assert strong == [(naive(periods["start"][0]), naive(periods["end"][0]))]
    assert faint == [(naive(raw["start"][0]), naive(raw["end"][0]))]
