"""One progress bar for the command line: tqdm on a terminal, silence when piped.

Library functions report progress through a plain callable ``progress(done, total)``
(the pages pass one that moves a Streamlit bar); this module makes the terminal one.
"""

from __future__ import annotations

import sys
from typing import Callable

Progress = Callable[..., None]


def terminal_progress(desc: str, unit: str = "it") -> Progress | None:
    """A callable ``update(done, total, desc=None)`` drawing a tqdm bar on stderr, or None
    when stderr is no terminal (logs stay readable). A new `desc` starts a new bar;
    ``update(None, None)`` closes it."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    state = {"bar": None, "desc": None}

    def update(done, total, label=None):
        label = label or desc
        if done is None or (state["bar"] is not None and label != state["desc"]):
            if state["bar"] is not None:
                state["bar"].close()
            state["bar"] = None
            if done is None:
                return
        if state["bar"] is None:
            state["bar"] = tqdm(total=total, desc=label, unit=unit, leave=False)
            state["desc"] = label
        state["bar"].total = total
        state["bar"].n = done
        state["bar"].refresh()

    return update
