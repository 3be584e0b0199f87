"""seisviz.plots.subregions: the Figures S4/S5 panels hold exactly the right events and
daily counts (a hand-made catalog whose answer is worked out by hand)."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from seisviz.plots.subregions import daily_counts, panel_data, subregion_figure, view_box

T = lambda s: pd.Timestamp(s, tz="UTC")  # noqa: E731
POLY = shapely.box(104.0, 30.0, 104.1, 30.1)
START, END = T("2020-01-10"), T("2020-01-13")

# (time, lon, lat, magnitude); comments: in map panel (a)? in series panel (c)?
EVENTS = [
    ("2020-01-11 12:00", 104.05, 30.05, 2.0),   # 0: inside, in period         a, c
    ("2020-01-10 00:00", 104.01, 30.01, 1.0),   # 1: at the period's start      a, c
    ("2020-01-13 00:00", 104.02, 30.02, 1.2),   # 2: at its end (closed)        a, c
    ("2020-01-09 06:00", 104.03, 30.03, 0.8),   # 3: in the margin before       -, c
    ("2020-01-15 00:00", 104.04, 30.04, 0.9),   # 4: at the margin's end        -, -
    ("2020-01-07 23:59", 104.05, 30.05, 1.1),   # 5: before the margin          -, -
    ("2020-01-12 00:00", 104.12, 30.05, 1.5),   # 6: outside, within 5 km       a, -
    ("2020-01-12 00:00", 104.30, 30.05, 1.5),   # 7: outside the view           -, -
    ("2020-01-11 23:00", 104.09, 30.09, 3.5),   # 8: inside, in period          a, c
    ("2020-01-11 01:00", 104.06, 30.02, 0.5),   # 9: inside, in period          a, c
]
MAP = {0, 1, 2, 6, 8, 9}
SERIES = [3, 1, 9, 0, 8, 2]  # in time order
DAILY = [0, 1, 1, 3, 0, 1, 0]  # 2020-01-08 .. 2020-01-14


@pytest.fixture
def catalog():
    return pd.DataFrame({
        "time": [T(e[0]) for e in EVENTS], "longitude": [e[1] for e in EVENTS],
        "latitude": [e[2] for e in EVENTS], "depth": 5.0, "magnitude": [e[3] for e in EVENTS]})


def trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, name
    return found[0]


def test_panel_data_selects_the_right_events(catalog):
    d = panel_data(catalog, POLY, START, END, margin_days=2, surround_km=5)
    assert set(d["map_events"].index) == MAP
    assert list(d["series_events"].sort_values("time").index) == SERIES
    assert list(d["daily"]["count"]) == DAILY
    assert d["t0"] == T("2020-01-08") and d["t1"] == T("2020-01-15")
    assert d["map_events"].loc[1, "days"] == 0.0 and d["map_events"].loc[0, "days"] == 1.5


def test_figure_panels_hold_exactly_those_events_and_counts(catalog):
    fig = subregion_figure(catalog, POLY, START, END, margin_days=2, surround_km=5)
    events = trace(fig, "events")
    assert set(events.customdata) == MAP
    # coloured by days since the start, sized by magnitude (bigger for bigger events)
    days = dict(zip(events.customdata, events.marker.color))
    assert days[1] == 0.0 and days[0] == 1.5 and days[8] == pytest.approx(47 / 24)
    size = dict(zip(events.customdata, events.marker.size))
    assert size[8] > size[0] > size[1] > size[9]
    # the colour bar reads dates, not days since the start
    bar = events.marker.colorbar
    assert list(bar.ticktext) == ["2020-01-10", "2020-01-11", "2020-01-12", "2020-01-13"]
    assert list(bar.tickvals) == [0.0, 1.0, 2.0, 3.0]
    mags = trace(fig, "magnitude")
    assert list(mags.customdata) == SERIES
    assert list(mags.y) == [EVENTS[i][3] for i in SERIES]
    bars = trace(fig, "events per day")
    assert list(bars.y) == DAILY
    assert list(pd.to_datetime(bars.x, utc=True)) == list(
        pd.date_range("2020-01-08 12:00", periods=7, freq="D", tz="UTC"))
    # the period is shaded, the span has the margins
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 2  # in panels (b) and (c)
    assert all(pd.Timestamp(r.x0) == START and pd.Timestamp(r.x1) == END for r in rects)
    assert [pd.Timestamp(x) for x in fig.layout.xaxis2.range] == [T("2020-01-08"),
                                                                T("2020-01-15")]
    # the outline is the polygon, and the map shows the area around it
    outline = trace(fig, "subregion")
    ring = [(x, y) for x, y in zip(outline.x, outline.y) if x is not None]
    assert shapely.Polygon(ring).equals(POLY)
    box = view_box(POLY, 5)
    assert list(fig.layout.xaxis.range) == [box[0], box[1]]
    assert box[0] < 104.0 - 0.05 and box[3] > 30.1 + 0.04


def test_daily_counts_cover_every_day_of_the_span(catalog):
    d = daily_counts(catalog, T("2020-01-10 12:00"), T("2020-01-12"))
    # the day of the start counts whole; a span ending at midnight stops the day before
    assert list(d["day"]) == [T("2020-01-10"), T("2020-01-11")]
    assert list(d["count"]) == [1, 3] and d["count"].dtype == np.int64
    d = daily_counts(catalog, T("2020-01-12"), T("2020-01-13 00:00:01"))
    assert list(d["day"]) == [T("2020-01-12"), T("2020-01-13")]
    assert list(d["count"]) == [2, 1]
    empty = daily_counts(catalog.iloc[:0], T("2020-01-01"), T("2020-01-04"))
    assert list(empty["count"]) == [0, 0, 0]


def test_a_subregion_row_gives_the_period_and_its_title(catalog):
    row = gpd.GeoDataFrame({"period_id": [3], "subregion_id": [2], "start": [START],
                            "end": [END]}, geometry=[POLY], crs="EPSG:4326").iloc[0]
    fig = subregion_figure(catalog, row, margin_days=2, surround_km=5)
    assert "Period 3 · subregion 2" in fig.layout.title.text
    # a subregion of a raw period spans its windows, [start, end), as find_subregions counts
    assert "4 events inside" in fig.layout.title.text  # 1, 9, 0, 8
    assert set(trace(fig, "events").customdata) == MAP - {2}
    # an episode (it has an onset) is [onset, end], closed as the episodes table counts:
    # its last event, at the end, is in
    episode = gpd.GeoDataFrame({"period_id": [3], "subregion_id": [2], "start": [START],
                                "onset": [START], "end": [END]}, geometry=[POLY],
                               crs="EPSG:4326").iloc[0]
    fig = subregion_figure(catalog, episode, margin_days=2, surround_km=5)
    assert "5 events inside" in fig.layout.title.text  # and 2, at the end
    assert set(trace(fig, "events").customdata) == MAP


def test_multipolygon_outline_and_empty_panels(catalog):
    two = shapely.MultiPolygon([POLY, shapely.box(104.2, 30.0, 104.25, 30.05)])
    fig = subregion_figure(catalog, two, T("2021-01-01"), T("2021-01-02"), margin_days=1)
    outline = trace(fig, "subregion")
    assert list(outline.x).count(None) == 2
    assert len(trace(fig, "events").x) == 0 and len(trace(fig, "magnitude").x) == 0
    assert list(trace(fig, "events per day").y) == [0, 0, 0]
