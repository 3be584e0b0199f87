"""Seismicity statistics: b-value, Mc, magnitude types, declustering, and what an episode is.

One module per method, each behind one function (SeismoStats' layout; docs/statistics.md):

>>> from seisviz.stats import b_value, decluster, characterise_episode
>>> b_value(catalog["magnitude"])                 # Aki-Utsu above Mc by maximum curvature
>>> declustered, share, details = decluster(catalog, method="zaliapin")
>>> characterise_episode(events)                  # mc, b, Omori p/c/K, D, depth, kind

The b-value, Mc and Gardner-Knopoff windows come from SeismoStats, imported only inside
the functions that use it (`import seisviz` stays light).
"""

from seisviz.stats.bvalue import (B_METHODS, MIN_DIFFERENCES_POSITIVE, MIN_EVENTS_CLASSIC,
                                  BValue, b_value)
from seisviz.stats.completeness import MIN_EVENTS_MC, magnitude_of_completeness
from seisviz.stats.decluster import DECLUSTER_METHODS, decluster
from seisviz.stats.diffusion import MIN_EVENTS_DIFFUSIVITY, diffusivity
from seisviz.stats.episode import (EPISODE_KINDS, EPISODE_STAT_COLUMNS, MIN_EVENTS_KIND,
                                   characterise_episode, depth_median_km, episode_kind)
from seisviz.stats.gardner_knopoff import gardner_knopoff
from seisviz.stats.magnitudes import MagnitudeTypes, magnitude_resolution, magnitude_types
from seisviz.stats.omori import MIN_AFTERSHOCKS_OMORI, OmoriFit, fit_omori, omori_fit
from seisviz.stats.timeseries import MC_B_COLUMNS, mc_b_over_time
from seisviz.stats.zaliapin import zaliapin

__all__ = [
    "BValue", "B_METHODS", "DECLUSTER_METHODS", "EPISODE_KINDS", "EPISODE_STAT_COLUMNS",
    "MC_B_COLUMNS", "MIN_AFTERSHOCKS_OMORI", "MIN_DIFFERENCES_POSITIVE", "MIN_EVENTS_CLASSIC",
    "MIN_EVENTS_DIFFUSIVITY", "MIN_EVENTS_KIND", "MIN_EVENTS_MC", "MagnitudeTypes",
    "OmoriFit", "b_value", "characterise_episode", "decluster", "depth_median_km",
    "diffusivity", "episode_kind", "fit_omori", "gardner_knopoff", "magnitude_of_completeness",
    "magnitude_resolution", "magnitude_types", "mc_b_over_time", "omori_fit", "zaliapin",
]
