"""Small builders for pricing tests: a catalog in a few lines, a rule set from YAML text."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from cpq.pricing.engine import PricingEngine
from cpq.pricing.inputs import LineInput, ManualDiscount, PricingContext, PricingRequest
from cpq.pricing.rules.files import rule_set_from_texts
from cpq.pricing.rules.model import RuleSet
from cpq.pricing.snapshot import (
    Customer,
    ExchangeRate,
    Item,
    PriceEntry,
    PriceList,
    PricingCatalog,
)
from cpq.pricing.waterfall import PricedQuote

D = Decimal
DAY = date(2026, 3, 2)


def item(
    sku: str,
    *,
    groups: tuple[str, ...] = ("HW", "HW-SENS"),
    brand: str | None = "Veritrace",
    cost: str | None = "60",
    base_unit: str = "each",
) -> Item:
    return Item(sku, f"Item {sku}", base_unit, groups, brand, D(cost) if cost else None, "EUR")


def entry(
    sku: str, price: str, *, price_list: str = "STD-EUR", unit: str = "each", **kw: object
) -> PriceEntry:
    min_quantity = D(str(kw.pop("min_quantity", "0")))
    return PriceEntry(price_list, sku, unit, min_quantity, D(price), **kw)  # type: ignore[arg-type]


def catalog(
    items: Iterable[Item],
    entries: Iterable[PriceEntry],
    *,
    lists: Iterable[PriceList] = (),
    units: dict[tuple[str, str], Decimal] | None = None,
    customers: Iterable[Customer] = (),
    rates: Iterable[ExchangeRate] = (),
) -> PricingCatalog:
    items = list(items)
    all_lists = {
        "STD-EUR": PriceList("STD-EUR", "Standard EUR", "EUR", "standard"),
        **{pl.code: pl for pl in lists},
    }
    by_key: dict[tuple[str, str], list[PriceEntry]] = {}
    for e in entries:
        by_key.setdefault((e.price_list, e.sku), []).append(e)
    all_units = {(i.sku, i.base_unit): D(1) for i in items}
    all_units.update(units or {})
    by_pair: dict[tuple[str, str], list[ExchangeRate]] = {}
    for r in rates:
        by_pair.setdefault((r.from_currency, r.to_currency), []).append(r)
    return PricingCatalog(
        version=1,
        items={i.sku: i for i in items},
        price_lists=all_lists,
        entries={k: tuple(v) for k, v in by_key.items()},
        units=all_units,
        customers={c.external_id: c for c in customers},
        rates={k: tuple(sorted(v, key=lambda r: r.valid_date)) for k, v in by_pair.items()},
    )


SETTINGS = "settings: {name: test, rounding: per_line}\n"


def rules(text: str, settings: str = SETTINGS) -> RuleSet:
    loaded, issues = rule_set_from_texts(
        {"settings.yaml": settings.encode(), "rules.yaml": textwrap.dedent(text).encode()}
    )
    assert loaded is not None, [str(i) for i in issues]
    return loaded.rule_set


def line(line_id: str, sku: str, quantity: str | int, **kw: object) -> LineInput:
    return LineInput(line_id, sku, D(str(quantity)), **kw)  # type: ignore[arg-type]


def price(
    rule_set: RuleSet,
    cat: PricingCatalog,
    *lines: LineInput,
    currency: str = "EUR",
    day: date = DAY,
    quote_discount: ManualDiscount | None = None,
    **context: object,
) -> PricedQuote:
    ctx = PricingContext(currency, day, quote_discount=quote_discount, **context)  # type: ignore[arg-type]
    return PricingEngine(rule_set).price(PricingRequest(ctx, tuple(lines)), cat)
