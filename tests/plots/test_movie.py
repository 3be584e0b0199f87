"""Movie S3 (seisviz.plots.movie, movie_files, `seisviz movie`): two episodes at different
places and times, built by hand; each frame shows exactly the episodes' events up to its
time, a polygon is lit only while its episode is active and faded after."""

import io
import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import box as rect

from seisviz.cli import main
from seisviz.errors import SeisvizError
from seisviz.plots.movie import FADED, HIDDEN, LIT, anomaly_movie, frame_times, movie_plan
from seisviz.plots.movie_files import write_movie
from seisviz.settings import MAX_MOVIE_FRAMES, MOVIE_FRAMES
from seisviz.subregions.episodes import events_in_episode
from seisviz.timeutil import DAY_NS, to_ns

T0 = pd.Timestamp("2020-01-01", tz="UTC")
DAYS = 200
POLYGONS = [rect(104.85, 28.25, 104.95, 28.35), rect(105.05, 28.35, 105.15, 28.45)]
SPANS = [(20.0, 40.0), (120.0, 150.5)]


def day(d):
    return T0 + pd.Timedelta(days=d)


@pytest.fixture(scope="module")
def catalog():
    """Diffuse events, a burst inside each polygon during its episode, and events at each
    episode's very onset and end (the interval is closed) and just after its end."""
    rng = np.random.default_rng(1)
    n = 800
    parts = [(rng.uniform(0, DAYS, n), rng.uniform(104.8, 105.2, n),
              rng.uniform(28.2, 28.5, n))]
    for poly, (a, b) in zip(POLYGONS, SPANS):
        x0, y0, x1, y1 = poly.bounds
        m = 60
        t = np.concatenate([rng.uniform(a, b, m), [a, b, b + 0.5]])
        parts.append((t, rng.uniform(x0 + 0.01, x1 - 0.01, m + 3),
                      rng.uniform(y0 + 0.01, y1 - 0.01, m + 3)))
    t, lon, lat = (np.concatenate(c) for c in zip(*parts))
    order = np.argsort(t, kind="stable")
    return pd.DataFrame({"time": T0 + pd.to_timedelta(t[order], unit="D"),
                         "latitude": lat[order], "longitude": lon[order], "depth": 5.0,
                         "magnitude": np.round(rng.exponential(0.5, len(t)), 1)})


@pytest.fixture(scope="module")
def episodes():
    frame = gpd.GeoDataFrame({
        "period_id": [1, 2], "subregion_id": [1, 1], "episode_id": [1, 2],
        "start": [day(a) for a, _ in SPANS], "end": [day(b) for _, b in SPANS]},
        geometry=POLYGONS, crs="EPSG:4326")
    frame["onset"] = frame["start"]
    return frame


def expected_events(catalog, episodes, until_ns):
    """(lon, lat) pairs of the episodes' events at or before `until_ns`."""
    t = to_ns(catalog["time"])
    out = []
    for row in episodes.itertuples():
        for i in events_in_episode(catalog, row.geometry, row.onset, row.end):
            if t[i] <= until_ns:
                out.append((np.float32(catalog["longitude"].iat[i]),
                            np.float32(catalog["latitude"].iat[i])))
    return sorted(out)


def shown_events(fig, frame):
    """(lon, lat) pairs drawn in a frame: the event traces it switches on."""
    visible = {}
    for i, d in zip(frame.traces, frame.data):
        if (fig.data[i].name or "").startswith("events of frame"):
            visible[i] = d.visible
    out = []
    for i, on in visible.items():
        if on:
            out += list(zip(np.asarray(fig.data[i].x, np.float32),
                            np.asarray(fig.data[i].y, np.float32)))
    return sorted(out)


def test_each_frame_shows_exactly_the_episodes_events_up_to_its_time(catalog, episodes):
    fig = anomaly_movie(episodes, catalog, step_days=5)
    plan = movie_plan(episodes, catalog, step_days=5)
    assert len(fig.frames) == len(plan.times)
    for k, frame in enumerate(fig.frames):
        assert shown_events(fig, frame) == expected_events(catalog, episodes, plan.times[k])
    # the last frame holds every episode event, the ones at an onset and at an end too,
    # and none of those half a day after an end (inside the polygon, outside the episode)
    last = set(shown_events(fig, fig.frames[-1]))
    total = sum(len(events_in_episode(catalog, r.geometry, r.onset, r.end))
                for r in episodes.itertuples())
    assert len(last) == total >= 2 * 62
    t = catalog["time"]
    for a, b in SPANS:
        for when, inside in ((a, True), (b, True), (b + 0.5, False)):
            hit = catalog[t == day(when)]
            hit = hit[hit["longitude"].between(*[POLYGONS[SPANS.index((a, b))].bounds[i]
                                                 for i in (0, 2)])]
            assert len(hit) == 1
            point = (np.float32(hit["longitude"].iat[0]), np.float32(hit["latitude"].iat[0]))
            assert (point in last) is inside


def test_polygons_are_hidden_before_lit_during_and_faded_after(catalog, episodes):
    fig = anomaly_movie(episodes, catalog, step_days=3)
    plan = movie_plan(episodes, catalog, step_days=3)
    polys = {fig.data[i].meta["episode"]: i for i in range(len(fig.data))
             if isinstance(fig.data[i].meta, dict) and "episode" in fig.data[i].meta}
    assert sorted(polys) == [0, 1]
    states = {0: set(), 1: set()}
    for k, frame in enumerate(fig.frames):
        now = int(plan.times[k])
        data = dict(zip(frame.traces, frame.data))
        for e, row in enumerate(episodes.itertuples()):
            d = data[polys[e]]
            onset, end = to_ns(row.onset), to_ns(row.end)
            want = HIDDEN if now < onset else LIT if now <= end else FADED
            assert d.visible == want["visible"]
            if want is not HIDDEN:
                assert d.opacity == want["opacity"]
                assert d.line.color == want["line"]["color"]
            states[e].add("hidden" if want is HIDDEN else "lit" if want is LIT else "faded")
    assert states == {0: {"hidden", "lit", "faded"}, 1: {"hidden", "lit", "faded"}}
    # the time strip: both periods shaded, a cursor at each frame's time
    assert len([s for s in fig.layout.shapes if s.name == "period"]) == 2
    assert fig.layout.xaxis2.type == "date" and fig.layout.xaxis2.tickvals is None
    cursor = [i for i, t in enumerate(fig.data) if t.name == "now"][0]
    for k, frame in enumerate(fig.frames[:5]):
        x = dict(zip(frame.traces, frame.data))[cursor].x
        assert pd.Timestamp(x[0], tz="UTC") == pd.Timestamp(int(plan.times[k]), tz="UTC").floor("s")


def test_frame_count_follows_the_step(catalog, episodes):
    span = DAYS  # the catalog's span, about 200 days
    for step in (1, 7, 30):
        plan = movie_plan(episodes, catalog, step_days=step)
        days = (plan.times[-1] - plan.times[0]) / DAY_NS
        assert len(plan.times) == int(np.ceil(days / step)) + 1
        assert np.all(np.diff(plan.times)[:-1] == step * DAY_NS)
        assert abs(days - span) < 1
    default = movie_plan(episodes, catalog)
    assert default.step_days == 2.0 and len(default.times) <= MOVIE_FRAMES
    start = int(to_ns(T0))
    times, step = frame_times(start, start + 3000 * DAY_NS)
    assert step == 21 and len(times) <= MOVIE_FRAMES
    with pytest.raises(SeisvizError, match=f"more than {MAX_MOVIE_FRAMES:,}"):
        frame_times(start, start + 3000 * DAY_NS, 1)
    with pytest.raises(SeisvizError, match="positive"):
        frame_times(start, start + DAY_NS, 0)


def test_no_episodes_is_one_line(catalog, episodes):
    with pytest.raises(SeisvizError, match="no episodes"):
        anomaly_movie(episodes.iloc[:0], catalog)


def test_gif_and_html_files(catalog, episodes, tmp_path):
    n = write_movie(episodes, catalog, str(tmp_path / "m.gif"), step_days=10, width=300)
    with Image.open(tmp_path / "m.gif") as im:
        assert im.n_frames == n == 21
    assert os.path.getsize(tmp_path / "m.gif") < 1_000_000
    write_movie(episodes, catalog, str(tmp_path / "m.html"), step_days=10)
    text = (tmp_path / "m.html").read_text()
    assert "<script src=\"http" not in text and len(text) > 1_000_000  # plotly.js inline
    with pytest.raises(SeisvizError, match="unknown movie format"):
        write_movie(episodes, catalog, str(tmp_path / "m.avi"))


def test_mp4_without_ffmpeg_says_so(catalog, episodes, tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(SeisvizError, match="needs ffmpeg.*gif or .html"):
        write_movie(episodes, catalog, str(tmp_path / "m.mp4"))


def test_events_fade_once_their_episode_has_ended(catalog, episodes):
    fig = anomaly_movie(episodes, catalog, step_days=5)
    plan = movie_plan(episodes, catalog, step_days=5)
    traces = {i: t for i, t in enumerate(fig.data) if (t.name or "").startswith("events of")}
    first = {}
    for i, t in traces.items():
        ids = {int(c[0]) for c in t.customdata}
        assert len(ids) == 1  # one episode a trace
        first[i] = ids.pop()
    ends = dict(zip(episodes["episode_id"], to_ns(episodes["end"])))
    for k, frame in enumerate(fig.frames):
        for i, d in zip(frame.traces, frame.data):
            if i in traces and d.visible:
                ended = plan.times[k] > ends[first[i]]
                assert d.opacity == (0.3 if ended else 1.0)
