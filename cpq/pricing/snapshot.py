"""The part of one catalog version that pricing reads, as plain frozen data.

The shell loads it (from the database, or straight from an export folder); the core only reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    name: str
    base_unit: str
    groups: tuple[str, ...]  # the item's product group and its ancestors, top level first
    brand: str | None
    unit_cost: Decimal | None  # per base unit
    cost_currency: str | None
    active: bool = True

    @property
    def group(self) -> str | None:
        return self.groups[-1] if self.groups else None


@dataclass(frozen=True, slots=True)
class PriceList:
    code: str
    name: str
    currency: str
    kind: str  # standard | contract | partner
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool = True

    def valid_on(self, day: date) -> bool:
        return (
            self.active
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_to is None or day <= self.valid_to)
        )


@dataclass(frozen=True, slots=True)
class PriceEntry:
    price_list: str
    sku: str
    unit: str  # resolved: an empty unit in the export is the item's base unit
    min_quantity: Decimal  # a price break, in ``unit``
    unit_price: Decimal  # per ``unit``, in the list's currency
    valid_from: date | None = None
    valid_to: date | None = None
    customer: str | None = None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class Customer:
    external_id: str
    name: str
    segment: str | None = None
    territory: str | None = None
    default_currency: str | None = None
    contract_price_list: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    from_currency: str
    to_currency: str
    valid_date: date
    rate: Decimal  # 1 from_currency = rate to_currency


@dataclass(frozen=True, slots=True)
class PricingCatalog:
    """Items, units, lists and entries of the SKUs being priced (or all), customers and rates.

    ``entries`` is keyed by (price list, SKU); ``units`` by (SKU, unit) -> base units per unit;
    ``rates`` by (from, to), sorted by date.
    """

    version: int | None
    items: Mapping[str, Item]
    price_lists: Mapping[str, PriceList]
    entries: Mapping[tuple[str, str], tuple[PriceEntry, ...]]
    units: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    customers: Mapping[str, Customer] = field(default_factory=dict)
    rates: Mapping[tuple[str, str], tuple[ExchangeRate, ...]] = field(default_factory=dict)
