"""What pricing reads of a catalog version, kept in memory between requests.

A synced catalog version never changes (a sync writes the next version), so rows read once for
(database, version) stay right for as long as the process lives: nothing to invalidate. Groups,
price lists and rates are kept whole per version; items, units and price entries per SKU and
customers per id, in bounded LRUs, so a catalog of a million prices costs only what is quoted.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection

from cpq.pricing.catalog_build import build_catalog
from cpq.pricing.snapshot import PricingCatalog
from cpq.repositories import pricing_catalog as rows

Rows = list[dict[str, Any]]
KEEP_VERSIONS = 4
KEEP_SKUS = 50_000
KEEP_CUSTOMERS = 20_000


K = TypeVar("K")
V = TypeVar("V")


class _Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self.data.get(key)
        if found is not None:
            self.data.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> None:
        self.data[key] = value
        self.data.move_to_end(key)
        while len(self.data) > self.size:
            self.data.popitem(last=False)


class CatalogCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._empty()

    def _empty(self) -> None:
        self._static: _Lru[tuple[str, int], dict[str, Rows]] = _Lru(KEEP_VERSIONS)
        self._skus: _Lru[tuple[str, int, str], dict[str, Rows]] = _Lru(KEEP_SKUS)
        self._customers: _Lru[tuple[str, int, str], Rows] = _Lru(KEEP_CUSTOMERS)

    def clear(self) -> None:
        with self._lock:
            self._empty()

    def catalog(
        self, conn: Connection, version: int, skus: Iterable[str], customer: str | None
    ) -> PricingCatalog:
        """As ``load_pricing_catalog``, with no statement for what an earlier request read."""
        db = conn.engine.url.render_as_string(hide_password=True)
        wanted = sorted(set(skus))
        with self._lock:
            static = self._static.get((db, version))
            per_sku = {sku: self._skus.get((db, version, sku)) for sku in wanted}
            buyers = self._customers.get((db, version, customer)) if customer else []
        missing = [sku for sku, found in per_sku.items() if found is None]
        if static is None:
            static = rows.static_rows(conn, version)
        if missing:
            fresh = _by_sku(rows.sku_rows(conn, version, missing), missing)
            per_sku.update(fresh)
        if buyers is None:
            assert customer is not None
            buyers = rows.customer_rows(conn, version, customer)
        with self._lock:
            self._static.put((db, version), static)
            for sku in missing:
                found = per_sku[sku]
                assert found is not None
                self._skus.put((db, version, sku), found)
            if customer:
                self._customers.put((db, version, customer), buyers)
        merged: dict[str, Rows] = {"items": [], "units": [], "entries": []}
        for found in per_sku.values():
            assert found is not None
            for name, part in found.items():
                merged[name] += part
        return build_catalog(version, **merged, **static, customers=buyers)


def _by_sku(found: dict[str, Rows], skus: Iterable[str]) -> dict[str, dict[str, Rows] | None]:
    out: dict[str, dict[str, Rows] | None] = {
        sku: {"items": [], "units": [], "entries": []} for sku in skus
    }
    for name, part in found.items():
        for row in part:
            slot = out[row["sku"]]
            assert slot is not None
            slot[name].append(row)
    return out


CACHE = CatalogCache()
