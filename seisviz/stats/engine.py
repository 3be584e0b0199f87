"""SeismoStats, imported when first needed.

Importing SeismoStats brings matplotlib and Cartopy (its package imports its plotting
and catalog classes), about a second or more: `import seisviz` must stay light, so every
estimator imports it here, inside a function, and only once it has enough events to use it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType


def seismostats_analysis() -> ModuleType:
    """The `seismostats.analysis` module (estimators of b, Mc, declustering)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import seismostats.analysis as analysis
    return analysis


@contextmanager
def quiet() -> Iterator[None]:
    """SeismoStats' warnings (an empty lowest bin, dmc below delta_m) silenced: the
    callers check counts and bins themselves and say what they found in their results."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
