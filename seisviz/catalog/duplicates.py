"""Near-duplicate events: one earthquake located twice (or more) by different agencies.

A merged multi-agency catalog holds the same earthquake once per agency that located it,
with origin times a second or so apart and epicentres a few km apart. Counted twice, one
event looks like a tiny burst to the detector. Two events are near-duplicates when their
origin times are within ``seconds``, their epicentres within ``km`` and their magnitudes
within ``magnitude`` (agencies' magnitude scales differ by up to about a unit; a larger
difference is a mainshock and an aftershock, not one event). Depth is not compared:
agencies fix depths (10 km, 33 km) differently. Near-duplicates chain: three agencies'
copies at 0.0, 1.5 and 3.0 s are one event, although the first and the last are 3 s apart.

Of each group one event is kept: the one whose row in the file is the most complete (most
non-blank fields: errors, phase counts, agency), else the larger magnitude, else the first
in the file. The search is vectorised: events sorted by time are compared with their k-th
neighbours only while the k-th neighbour is within the time tolerance (no n² pairs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from seisviz.catalog.report import NEAR_DUPLICATE
from seisviz.catalog.values import blank_mask
from seisviz.settings import DUPLICATE_KM, DUPLICATE_MAGNITUDE, DUPLICATE_SECONDS

KM_PER_DEGREE = 111.195  # a degree of latitude (mean Earth radius 6371 km)
__all__ = ["NEAR_DUPLICATE", "near_duplicate_groups", "near_duplicate_pairs",
           "near_duplicates_in_table", "groups_of"]


def near_duplicate_pairs(time_us: np.ndarray, latitude: np.ndarray, longitude: np.ndarray,
                         magnitude: np.ndarray, seconds: float = DUPLICATE_SECONDS,
                         km: float = DUPLICATE_KM,
                         magnitude_diff: float = DUPLICATE_MAGNITUDE) -> tuple[np.ndarray,
                                                                               np.ndarray]:
    """(i, j) positions of every near-duplicate pair, i < j in time order of the inputs.

    time_us: origin times as int64 microseconds; the other arrays in the same order. Cost:
    O(n log n) for the sort plus O(n k), k the most events within `seconds` of each other."""
    order = np.argsort(time_us, kind="stable")
    t = np.asarray(time_us, np.int64)[order]
    lat = np.asarray(latitude, float)[order]
    lon = np.asarray(longitude, float)[order]
    mag = np.asarray(magnitude, float)[order]
    tol = int(round(seconds * 1e6))
    firsts, seconds_of_pair = [], []
    active = np.arange(len(t) - 1)
    k = 1
    while len(active):
        # events sorted by time: once the k-th neighbour is too late, every later one is too
        active = active[active + k < len(t)]
        active = active[t[active + k] - t[active] <= tol]
        if not len(active):
            break
        j = active + k
        dlon = (lon[j] - lon[active] + 180.0) % 360.0 - 180.0  # across the date line too
        dx = dlon * np.cos(np.radians((lat[j] + lat[active]) / 2))
        dist = KM_PER_DEGREE * np.hypot(dx, lat[j] - lat[active])
        near = (dist <= km) & (np.abs(mag[j] - mag[active]) <= magnitude_diff + 1e-9)
        firsts.append(active[near])
        seconds_of_pair.append(j[near])
        k += 1
    if not firsts:
        return np.array([], np.int64), np.array([], np.int64)
    return order[np.concatenate(firsts)], order[np.concatenate(seconds_of_pair)]


def near_duplicate_groups(catalog: pd.DataFrame, seconds: float = DUPLICATE_SECONDS,
                          km: float = DUPLICATE_KM,
                          magnitude_diff: float = DUPLICATE_MAGNITUDE) -> np.ndarray:
    """Group number of each event of `catalog` (time, latitude, longitude, magnitude), -1
    for an event with no near-duplicate; the events of a group share a number."""
    n = len(catalog)
    time_us = pd.to_datetime(catalog["time"], utc=True).dt.as_unit("us").astype("int64")
    i, j = near_duplicate_pairs(time_us.to_numpy(), catalog["latitude"].to_numpy(),
                                catalog["longitude"].to_numpy(),
                                catalog["magnitude"].to_numpy(), seconds, km, magnitude_diff)
    group = np.full(n, -1, np.int64)
    if not len(i):
        return group
    members = np.unique(np.concatenate([i, j]))
    local = np.searchsorted(members, np.concatenate([i, j]))
    m = len(members)
    graph = coo_matrix((np.ones(len(i)), (local[:len(i)], local[len(i):])), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    group[members] = labels
    return group


def choose_kept(group: np.ndarray, completeness: np.ndarray,
                magnitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dropped, kept_for_each): positions of the events to drop and, for each, the position
    of the event kept in its place. Kept: the most complete, else the larger magnitude, else
    the first position (the first in the file)."""
    members = np.flatnonzero(group >= 0)
    if not len(members):
        return np.array([], np.int64), np.array([], np.int64)
    g = group[members]
    # lexsort: the last key sorts first
    rank = np.lexsort((members, -np.asarray(magnitude, float)[members],
                       -np.asarray(completeness)[members], g))
    members, g = members[rank], g[rank]
    first = np.r_[True, g[1:] != g[:-1]]
    starts = np.flatnonzero(first)
    keeper = np.repeat(members[starts], np.diff(np.r_[starts, len(g)]))  # per member
    return members[~first], keeper[~first]


def filled_fields(table: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """Non-blank cells of each of the table's rows at `positions` (how complete the row is)."""
    part = table.iloc[positions]
    filled = np.zeros(len(positions), np.int64)
    for c in range(part.shape[1]):
        filled += ~blank_mask(part.iloc[:, c].reset_index(drop=True))
    return filled


def near_duplicates_in_table(table: pd.DataFrame, catalog: pd.DataFrame,
                             valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dropped, kept_for_each): positions in `table` (and in `catalog`, row for row) of the
    near-duplicates to drop and of the event kept in each one's place; only `valid` rows
    take part."""
    where = np.flatnonzero(valid)
    group = np.full(len(catalog), -1, np.int64)
    if len(where) > 1:
        group[where] = near_duplicate_groups(catalog.iloc[where])
    members = np.flatnonzero(group >= 0)
    completeness = np.zeros(len(catalog), np.int64)
    if len(members):
        completeness[members] = filled_fields(table, members)
    return choose_kept(group, completeness, catalog["magnitude"].to_numpy(float))


def groups_of(dropped_rows: np.ndarray, kept_rows: np.ndarray) -> list[list[int]]:
    """[[rows of one event, in file order], ...] from the rows of the copies that would be
    dropped and of the copy kept in each one's place."""
    groups: dict[int, list[int]] = {}
    for d, k in zip(np.asarray(dropped_rows).tolist(), np.asarray(kept_rows).tolist()):
        groups.setdefault(int(k), [int(k)]).append(int(d))
    return sorted(sorted(g) for g in groups.values())
