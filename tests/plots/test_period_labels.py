"""The period labels P1, P2 ... of the Detect page's probability plot never pile up."""

import numpy as np
import pandas as pd

from seisviz.plots.detection import (LABEL_FONT, WIDE_PX, period_label_boxes,
                                     place_period_labels, probability_timeseries)
from seisviz.plots.labels import text_size

T0 = pd.Timestamp("2016-01-01", tz="UTC")


def overlapping(boxes):
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]]


def scan(days=3 * 365, starts=(), length_days=2):
    """Windows of a 3-year scan and periods starting on `starts` (days from T0)."""
    ws = T0 + pd.to_timedelta(np.arange(days), "D")
    windows = pd.DataFrame({"window_start": ws, "window_end": ws + pd.Timedelta(30, "D"),
                            "probability": np.random.default_rng(0).uniform(0, 1, days)})
    start = T0 + pd.to_timedelta(list(starts), "D")
    periods = pd.DataFrame({"period_id": np.arange(1, len(start) + 1), "start": start,
                            "end": start + pd.Timedelta(length_days, "D"),
                            "window_start": start - pd.Timedelta(28, "D"),
                            "window_end": start + pd.Timedelta(32, "D")})
    return windows, periods


def test_twelve_close_periods_get_labels_that_do_not_overlap():
    # 12 periods a few days apart (three bunches) over three years
    starts = [100, 103, 106, 110, 400, 404, 407, 700, 702, 705, 709, 1000]
    windows, periods = scan(starts=starts)
    fig = probability_timeseries(windows, periods, 0.5)
    boxes = period_label_boxes(fig)
    assert len(boxes) >= 7  # at least one label for each bunch, most of them drawn
    assert overlapping(boxes) == []
    # boxes as the text would really take: 0.6 em a character, 1.25 em high
    labels = [a for a in fig.layout.annotations if a.name == "period label"]
    assert len(labels) == len(boxes)
    for a, (x0, x1, y0, y1) in zip(labels, boxes):
        w, h = text_size(a.text, LABEL_FONT)
        assert x1 - x0 == w and y1 - y0 == h
        assert 0 <= x0 and x1 <= WIDE_PX - 120  # inside the frame's width
    # every period, labelled or not, is in the hover along the top
    hover = [t for t in fig.data if t.name == "flagged periods"][0]
    assert [h.split(":")[0] for h in hover.customdata] == [f"P{i}" for i in range(1, 13)]
    # the top margin leaves room for the rows of labels above the frame
    rows = {b[2] for b in boxes}
    assert fig.layout.margin.t >= 60 + 14 * len(rows) - 1


def test_far_apart_periods_are_all_labelled_in_one_row():
    windows, periods = scan(starts=[100, 300, 500, 700, 900])
    fig = probability_timeseries(windows, periods, 0.5)
    boxes = period_label_boxes(fig)
    assert len(boxes) == 5 and {b[2] for b in boxes} == {2}
    assert fig.layout.meta["period_labels_left_out"] == []


def test_place_period_labels_stacks_then_leaves_out():
    texts = [f"P{i}" for i in range(1, 6)]
    placed = place_period_labels([10, 11, 12, 13, 200], texts, 400, max_rows=3)
    assert [p[0] if p else None for p in placed] == [0, 1, 2, None, 0]
    # a label at the right edge is moved left, not cut
    (row, x0, x1), = place_period_labels([399], ["P10"], 400)
    assert x1 <= 400 and row == 0


def test_no_periods_no_labels():
    windows, periods = scan(starts=[])
    fig = probability_timeseries(windows, periods, 0.5)
    assert period_label_boxes(fig) == [] and fig.layout.margin.t == 60
