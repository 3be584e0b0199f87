"""Scans kept for reuse: the network runs once per catalog, raster settings and model;
moving a threshold, the gap or the minimum period only re-flags a kept scan.

Pages keep one `ScanCache` in their session state; the command line has no use for it.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict

import pandas as pd

from seisviz.detect.result import ScanResult
from seisviz.settings import ScanSettings

CATALOG_KEY_COLUMNS = ("time", "latitude", "longitude", "depth", "magnitude")


def catalog_fingerprint(catalog: pd.DataFrame) -> str:
    """sha256 of a catalog's times, places, depths and magnitudes (not of its order in
    memory or its extra columns): equal catalogs give equal fingerprints."""
    cols = [c for c in CATALOG_KEY_COLUMNS if c in catalog]
    hashed = pd.util.hash_pandas_object(catalog[cols], index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


class ScanCache:
    """The last `max_scans` network runs and `max_results` re-flagged results.

    State (two bounded, ordered dicts) is why this is a class. The catalog's
    fingerprint is memoised per catalog object, compared by identity: a bare id() may be
    reused by the next catalog once this one is freed."""

    def __init__(self, max_scans: int = 3, max_results: int = 3) -> None:
        self.max_scans, self.max_results = max_scans, max_results
        self._scans: OrderedDict = OrderedDict()
        self._results: OrderedDict = OrderedDict()
        self._memo: tuple | None = None

    def fingerprint(self, catalog: pd.DataFrame) -> str:
        if self._memo and self._memo[0] is catalog and self._memo[1] == len(catalog):
            return self._memo[2]
        digest = catalog_fingerprint(catalog)
        self._memo = (catalog, len(catalog), digest)
        return digest

    def scan_key(self, catalog: pd.DataFrame, settings: ScanSettings, sha256: str) -> tuple:
        """What decides the network's output: catalog, raster settings, weights."""
        return (self.fingerprint(catalog), json.dumps(settings.raster_part(), sort_keys=True),
                sha256)

    def has_scan(self, key: tuple) -> bool:
        return key in self._scans

    def put_scan(self, key: tuple, result: ScanResult) -> None:
        self._scans[key] = result
        while len(self._scans) > self.max_scans:
            self._scans.popitem(last=False)

    def result(self, catalog: pd.DataFrame, settings: ScanSettings,
               sha256: str) -> ScanResult | None:
        """The kept scan for these settings, re-flagged with their thresholds; None when
        the network has not run for them."""
        from seisviz.detect.region import reflag_region

        key = self.scan_key(catalog, settings, sha256)
        if key not in self._scans:
            return None
        full = key + (json.dumps(settings.flag_part(), sort_keys=True),)
        if full not in self._results:
            self._results[full] = reflag_region(self._scans[key], catalog,
                                                **settings.flag_part())
            while len(self._results) > self.max_results:
                self._results.popitem(last=False)
        return self._results[full]

    def __len__(self) -> int:
        return len(self._scans)
