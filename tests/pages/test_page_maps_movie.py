"""The Maps page's choice of animation: all events, or Movie S3 of the session's detection
(streamlit AppTest)."""

import json
import os

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box as rect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
T0 = pd.Timestamp("2020-01-01", tz="UTC")


def catalog_and_episodes():
    rng = np.random.default_rng(2)
    n = 400
    t = np.sort(rng.uniform(0, 120, n))
    catalog = pd.DataFrame({"time": T0 + pd.to_timedelta(t, unit="D"),
                            "latitude": rng.uniform(28.2, 28.5, n),
                            "longitude": rng.uniform(104.8, 105.2, n), "depth": 5.0,
                            "magnitude": np.round(rng.exponential(0.5, n), 1)})
    episodes = gpd.GeoDataFrame(
        {"episode_id": [1, 2], "start": [T0 + pd.Timedelta(days=10), T0 + pd.Timedelta(days=70)],
         "end": [T0 + pd.Timedelta(days=30), T0 + pd.Timedelta(days=90)]},
        geometry=[rect(104.8, 28.2, 105.0, 28.35), rect(105.0, 28.35, 105.2, 28.5)],
        crs="EPSG:4326")
    episodes["onset"] = episodes["start"]
    return catalog, episodes


def test_movie_of_the_detection_or_a_word_to_run_detect():
    from streamlit.testing.v1 import AppTest

    catalog, episodes = catalog_and_episodes()
    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=120)
    at.run()
    at.session_state["catalog"] = catalog
    at.session_state["catalog_name"] = "synthetic test catalog"
    at.session_state["is_demo"] = False
    at.switch_page("pages/2_maps.py")
    at.run()
    assert not at.exception, at.exception
    at.radio(key="maps_animation_kind").set_value("Anomalous seismicity (Movie S3)").run()
    assert not at.exception, at.exception
    assert any("Run **Detect** first" in i.value for i in at.info)
    at.session_state["detection"] = episodes
    at.run()
    assert not at.exception, at.exception
    at.number_input(key="maps_movie_step").set_value(10.0).run()
    assert not at.exception, at.exception
    spec = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    movie = [s for s in spec if any(t.get("name") == "now" for t in s["data"])]
    assert len(movie) == 1 and len(movie[0]["frames"]) == 13  # 120 days every 10 days
