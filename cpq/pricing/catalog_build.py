"""A ``PricingCatalog`` from catalog records, wherever they were read (database or export).

Each record is a plain mapping keyed by its entity's field names (``cpq.catalog.entities``), with
values as stored: ``Decimal``, ``date``, ``None`` for empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from cpq.pricing.snapshot import (
    Customer,
    ExchangeRate,
    Item,
    PriceEntry,
    PriceList,
    PricingCatalog,
)

Row = Mapping[str, Any]

_BASE_FACTOR = Decimal(1)


def group_path(code: str | None, parents: Mapping[str, str | None]) -> tuple[str, ...]:
    """The group and its ancestors, top level first; a group not in ``parents`` ends the walk,
    and so does a group met twice (a cycle the back office let through)."""
    path: list[str] = []
    node = code
    while node is not None and node in parents and node not in path:
        path.append(node)
        node = parents[node]
    return tuple(reversed(path))


def _item(row: Row, parents: Mapping[str, str | None]) -> Item:
    return Item(
        sku=row["sku"],
        name=row["name"],
        base_unit=row["base_unit"],
        groups=group_path(row["product_group"], parents),
        brand=row["brand"],
        unit_cost=row["unit_cost"],
        cost_currency=row["cost_currency"],
        active=bool(row["active"]),
    )


def _price_list(row: Row) -> PriceList:
    return PriceList(
        code=row["code"],
        name=row["name"],
        currency=row["currency"],
        kind=row["kind"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        active=bool(row["active"]),
    )


def _customer(row: Row) -> Customer:
    return Customer(
        external_id=row["external_id"],
        name=row["name"],
        segment=row["segment"],
        territory=row["territory"],
        default_currency=row["default_currency"],
        contract_price_list=row["contract_price_list"],
        active=bool(row["active"]),
    )


def _entry(row: Row, base_unit: str) -> PriceEntry:
    return PriceEntry(
        price_list=row["price_list"],
        sku=row["sku"],
        unit=row["unit"] or base_unit,
        min_quantity=row["min_quantity"],
        unit_price=row["unit_price"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        customer=row["customer"],
    )


def _entry_order(entry: PriceEntry) -> tuple[str, str, Decimal, date]:
    return (entry.unit, entry.customer or "", entry.min_quantity, entry.valid_from or date.min)


def _rate(row: Row) -> ExchangeRate:
    return ExchangeRate(
        from_currency=row["from_currency"],
        to_currency=row["to_currency"],
        valid_date=row["valid_date"],
        rate=row["rate"],
    )


def build_catalog(
    version: int | None,
    *,
    items: Iterable[Row],
    groups: Iterable[Row],
    units: Iterable[Row],
    price_lists: Iterable[Row],
    entries: Iterable[Row],
    customers: Iterable[Row],
    rates: Iterable[Row],
) -> PricingCatalog:
    """The pricing catalog of these records; inactive items, lists and customers stay, inactive.

    A price whose SKU is not among ``items`` is left out (it could not be priced: no base unit).
    Every mapping is in key order and every tuple in a fixed order, whatever the input order.
    """
    parents = {g["code"]: g["parent"] for g in groups}
    by_sku = {i.sku: i for i in sorted((_item(r, parents) for r in items), key=lambda i: i.sku)}

    factors: dict[tuple[str, str], Decimal] = {(u["sku"], u["unit"]): u["factor"] for u in units}
    factors.update(((sku, item.base_unit), _BASE_FACTOR) for sku, item in by_sku.items())

    prices: dict[tuple[str, str], list[PriceEntry]] = {}
    for row in entries:
        item = by_sku.get(row["sku"])
        if item is not None:
            entry = _entry(row, item.base_unit)
            prices.setdefault((entry.price_list, entry.sku), []).append(entry)

    by_pair: dict[tuple[str, str], list[ExchangeRate]] = {}
    for row in rates:
        rate = _rate(row)
        by_pair.setdefault((rate.from_currency, rate.to_currency), []).append(rate)

    lists = (_price_list(r) for r in price_lists)
    buyers = (_customer(r) for r in customers)
    return PricingCatalog(
        version=version,
        items=by_sku,
        price_lists={p.code: p for p in sorted(lists, key=lambda p: p.code)},
        entries={key: tuple(sorted(prices[key], key=_entry_order)) for key in sorted(prices)},
        units=dict(sorted(factors.items())),
        customers={c.external_id: c for c in sorted(buyers, key=lambda c: c.external_id)},
        rates={
            pair: tuple(sorted(by_pair[pair], key=lambda r: r.valid_date))
            for pair in sorted(by_pair)
        },
    )
