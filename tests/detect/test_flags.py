"""Baseline assistance (seisviz.detect.flags): the regional beta and the assisted flags."""

import numpy as np
import pandas as pd
import pytest

from seisviz.detect import beta_scores, flagged_periods
from seisviz.detect.flags import assisted_flags, regional_beta_scores
from seisviz.detect.result import ScanResult
from seisviz.detect.scan import reflag
from seisviz.maps import make_grid, rasterize
from seisviz.settings import ASSIST_BETA, ASSIST_THRESHOLD, ScanSettings
from seisviz.training.synthetic import (EPOCH, completeness_change, diffuse_background,
                                        finish_catalog, persistent_spot, swarm)

BBOX = (104.0, 104.5, 30.0, 30.5)
PAD = (104.2, 30.2)
NEW_SWARM_DAY = 250.0


def _maps(parts):
    catalog = finish_catalog(parts, EPOCH)
    dmaps = rasterize(catalog, make_grid(BBOX, 64), 30.0, 1.0, 180.0, start=EPOCH,
                      end=EPOCH + pd.Timedelta(days=330))
    return catalog, dmaps


def _background(rng):
    return [diffuse_background(rng, BBOX, 0, 330, 5.0),
            persistent_spot(rng, PAD, 0, 330, 5.0, 1.0)]


def _start_day(dmaps):
    return (dmaps.window_start.astype("int64") - EPOCH.value) / 86400e9


def _over_swarm(dmaps):
    start = _start_day(dmaps)
    return (start > NEW_SWARM_DAY - 25) & (start < NEW_SWARM_DAY) & dmaps.has_history


def test_regional_beta_finds_a_new_swarm_next_to_a_busy_pad():
    """A pad busy for 250 days (5 events a day), then 80 events 3 km from it: the
    windows over the new swarm score far above every window before it."""
    rng = np.random.default_rng(0)
    _, dmaps = _maps(_background(rng) + [swarm(rng, (104.23, 30.21), NEW_SWARM_DAY, 5.0, 80,
                                              0.8, 0)])
    score = regional_beta_scores(dmaps)
    over = _over_swarm(dmaps)
    before = dmaps.has_history & (_start_day(dmaps) < 200)
    assert np.nanmax(score[over]) >= 3 * ASSIST_BETA
    assert np.nanmax(score[before]) < ASSIST_BETA
    assert np.isnan(score[~dmaps.has_history]).all()


def test_a_completeness_change_lifts_the_beta_but_not_the_regional_beta():
    """From day 220 the catalog holds three times more small events everywhere: the
    plain beta of the busy pad's cells soars, the regional beta (scaled by the map's own
    change) stays at under half of it (what is left: the new small events are scattered
    a kilometre about the old ones, so the pad's rim grows more than the map). Before
    the change, the regional beta of the steady pad stays under the assistance
    threshold, where the plain beta does not."""
    rng = np.random.default_rng(1)
    background = pd.concat(_background(rng), ignore_index=True)
    _, dmaps = _maps([background, completeness_change(rng, background, 220.0, 330, 3.0)])
    after = dmaps.has_history & (_start_day(dmaps) > 225)
    before = dmaps.has_history & (_start_day(dmaps) < 200)
    plain, regional = beta_scores(dmaps), regional_beta_scores(dmaps)
    assert np.nanmax(plain[after]) >= 2.5 * ASSIST_BETA
    assert np.nanmax(regional[after]) <= 0.5 * np.nanmax(plain[after])
    assert np.nanmax(plain[before]) > ASSIST_BETA > np.nanmax(regional[before])


def test_assisted_flags_need_both_the_lower_probability_and_the_regional_beta():
    p = np.array([0.9, 0.5, 0.5, 0.2, np.nan, 0.5])
    beta = np.array([0.0, 9.0, 1.0, 9.0, 9.0, np.nan])
    got = assisted_flags(p, beta, threshold=0.6, assist_threshold=0.4, assist_beta=5.0)
    assert got.tolist() == [True, True, False, False, False, False]
    off = assisted_flags(p, beta, threshold=0.6, assist_threshold=0.6, assist_beta=5.0)
    assert off.tolist() == [True, False, False, False, False, False]


def test_reflag_flags_an_unsure_network_where_the_regional_beta_agrees():
    """The network at 0.5 over the new swarm (under the card's 0.6): flagged by default
    (assistance on), not with the assistance off; the table keeps the regional beta."""
    rng = np.random.default_rng(0)
    catalog, dmaps = _maps(_background(rng) + [swarm(rng, (104.23, 30.21), NEW_SWARM_DAY,
                                                     5.0, 80, 0.8, 0)])
    windows = dmaps.window_table()
    over = _over_swarm(dmaps)
    windows["probability"] = np.where(over, 0.5, 0.05)
    windows["baseline_beta"] = beta_scores(dmaps)
    windows["has_history"] = dmaps.has_history
    windows["flagged"] = False
    windows["baseline_flagged"] = False
    settings = ScanSettings(bbox=BBOX, threshold=0.6)
    assert settings.assist_threshold == ASSIST_THRESHOLD < 0.5
    result = ScanResult(windows=windows, periods=flagged_periods(windows, windows["flagged"]),
                        dmaps=dmaps, settings=settings, model={})
    assisted = reflag(result, catalog)
    assert assisted.windows["flagged"].to_numpy().sum() >= over.sum() - 2
    assert not assisted.windows.loc[~over, "flagged"].any()
    assert len(assisted.periods) == 1
    assert "regional_beta" in assisted.windows
    alone = reflag(assisted, catalog, assist_threshold=1.0)
    assert not alone.windows["flagged"].any() and len(alone.periods) == 0
    assert alone.settings.assist_threshold == 1.0


def test_a_threshold_that_is_not_a_number_is_a_one_line_error():
    """--threshold nan / --assist-threshold nan would flag nothing, silently."""
    from seisviz.errors import SeisvizError
    from seisviz.settings import ScanSettings

    for name in ("threshold", "assist_threshold", "assist_beta", "baseline_threshold"):
        with pytest.raises(SeisvizError, match="must be a number") as err:
            ScanSettings(**{name: float("nan")})
        assert "\n" not in str(err.value)
    assert ScanSettings(assist_threshold=1.0).assist_threshold == 1.0


def test_the_dashboards_command_line_keeps_baseline_assistance():
    """The Detect page's assistance (off: ASSIST_OFF, or another floor) is in the
    `seisviz scan` command line of its run.json, which parses back to the same setting;
    at the default the command leaves it out."""
    import argparse
    import shlex

    from seisviz.commands.scan import add_arguments
    from seisviz.settings import ASSIST_OFF
    from seisviz.workstate import Work, scan_command

    parser = argparse.ArgumentParser()
    add_arguments(parser)

    def parsed(settings):
        return parser.parse_args(shlex.split(scan_command(Work(), settings, "c.csv"))[2:])

    assert parsed(ScanSettings()).assist_threshold is None  # the library's default
    assert parsed(ScanSettings(assist_threshold=0.3)).assist_threshold == 0.3
    off = ScanSettings(threshold=0.6, assist_threshold=ASSIST_OFF)
    assert parsed(off).assist_threshold == ASSIST_OFF and not off.assisted()
    assert ScanSettings(threshold=0.6).assisted()
    # a floor at the threshold adds no flag
    assert not ScanSettings(threshold=ASSIST_THRESHOLD).assisted()
