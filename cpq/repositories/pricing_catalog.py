"""Reading what pricing needs of one catalog version, in a fixed number of statements.

The rows go to ``cpq.pricing.catalog_build`` as they are; all mapping happens there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, select

from cpq.catalog import entities as E
from cpq.pricing.catalog_build import build_catalog
from cpq.pricing.snapshot import PricingCatalog
from cpq.repositories.catalog_read import as_of
from cpq.repositories.catalog_store import one_of, table_of


def _rows(
    conn: Connection, entity: E.Entity, version: int, *where: ColumnElement[bool]
) -> list[dict[str, Any]]:
    """One statement: the entity's records in ``version`` that match ``where``."""
    t = table_of(entity)
    query = select(*(t.c[name] for name in entity.field_names)).where(as_of(t, version), *where)
    return [dict(r) for r in conn.execute(query).mappings()]


def static_rows(conn: Connection, version: int) -> dict[str, list[dict[str, Any]]]:
    """What pricing reads whole: every product group, price list and exchange rate."""
    return {
        "groups": _rows(conn, E.PRODUCT_GROUPS, version),
        "price_lists": _rows(conn, E.PRICE_LISTS, version),
        "rates": _rows(conn, E.EXCHANGE_RATES, version),
    }


def sku_rows(
    conn: Connection, version: int, skus: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    """Items, units and price entries of these SKUs (three statements, any number of SKUs)."""
    wanted = sorted(set(skus))

    def of_skus(entity: E.Entity) -> list[dict[str, Any]]:
        return _rows(conn, entity, version, one_of(conn, table_of(entity).c.sku, wanted))

    return {
        "items": of_skus(E.ITEMS),
        "units": of_skus(E.ITEM_UNITS),
        "entries": of_skus(E.PRICE_LIST_ENTRIES),
    }


def customer_rows(conn: Connection, version: int, customer: str) -> list[dict[str, Any]]:
    c = table_of(E.CUSTOMERS)
    return _rows(conn, E.CUSTOMERS, version, c.c.external_id == customer)


def load_pricing_catalog(
    conn: Connection, version: int, skus: Iterable[str], customer: str | None
) -> PricingCatalog:
    """The catalog of ``version`` that pricing these SKUs for ``customer`` reads.

    Items, units and prices of the SKUs only; every product group (for the ancestor paths), price
    list and exchange rate; the one customer, if any. Six statements, seven with a customer, for
    any number of SKUs.
    """
    buyers = customer_rows(conn, version, customer) if customer is not None else []
    return build_catalog(
        version,
        **sku_rows(conn, version, skus),
        **static_rows(conn, version),
        customers=buyers,
    )


def load_full_pricing_catalog(conn: Connection, version: int) -> PricingCatalog:
    """All of ``version`` that pricing reads: every item, price and customer (seven statements)."""
    return build_catalog(
        version,
        items=_rows(conn, E.ITEMS, version),
        groups=_rows(conn, E.PRODUCT_GROUPS, version),
        units=_rows(conn, E.ITEM_UNITS, version),
        price_lists=_rows(conn, E.PRICE_LISTS, version),
        entries=_rows(conn, E.PRICE_LIST_ENTRIES, version),
        customers=_rows(conn, E.CUSTOMERS, version),
        rates=_rows(conn, E.EXCHANGE_RATES, version),
    )
