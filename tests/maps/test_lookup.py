"""The Maps page's policies, in the library: the grid size it animates and the window it
opens on a given day."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from seisviz.errors import SeisvizError
from seisviz.maps import (capped_grid, first_window_from, make_grid, window_on_or_before,
                          windows_between)

# windows starting every 2 days from 2020-01-01 (UTC), as DistributionMaps holds them
STARTS = (pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(10) * 2, "D")).to_numpy()


def test_capped_grid_refuses_a_grid_too_fine_to_animate():
    bbox = (104.0, 105.0, 28.0, 29.0)
    assert (capped_grid(bbox, 64).nx, capped_grid(bbox, 64).ny) == (64, 64)
    assert capped_grid(bbox, pixel_km=5.0) == make_grid(bbox, pixel_km=5.0)
    with pytest.raises(SeisvizError, match="too fine to animate: use pixels of at least"):
        capped_grid(bbox, pixel_km=0.1)
    with pytest.raises(SeisvizError, match="300x300 grid is too fine"):
        capped_grid(bbox, 300)
    assert capped_grid(bbox, 300, max_pixels=300 * 300).nx == 300


def test_windows_by_date():
    # the last window starting on or before a day; the first when all start later
    assert window_on_or_before(STARTS, dt.date(2020, 1, 4)) == 1
    assert window_on_or_before(STARTS, dt.date(2020, 1, 5)) == 2
    assert window_on_or_before(STARTS, dt.date(2019, 12, 1)) == 0
    assert window_on_or_before(STARTS, dt.date(2021, 1, 1)) == 9
    # the first window starting at or after an instant; the last when none does
    assert first_window_from(STARTS, pd.Timestamp("2020-01-02 06:00", tz="UTC")) == 1
    assert first_window_from(STARTS, pd.Timestamp("2020-01-03", tz="UTC")) == 1
    assert first_window_from(STARTS, pd.Timestamp("2021-01-01", tz="UTC")) == 9
    # windows starting on the days of a span, both ends included, at least one
    assert windows_between(STARTS, dt.date(2020, 1, 3), dt.date(2020, 1, 7)) == (1, 4)
    assert windows_between(STARTS, dt.date(2020, 1, 2), dt.date(2020, 1, 2)) == (1, 2)
