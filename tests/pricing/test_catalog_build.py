"""Building the pricing catalog from plain records: group paths, units, price order, rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from cpq.pricing.catalog_build import build_catalog, group_path
from cpq.pricing.snapshot import PriceEntry, PricingCatalog

Row = dict[str, Any]


def group(code: str, parent: str | None = None) -> Row:
    return {"code": code, "name": code.title(), "parent": parent, "active": True}


def item(sku: str, group: str | None = None, base_unit: str = "each", **more: Any) -> Row:
    row = {
        "sku": sku,
        "name": f"Item {sku}",
        "description": None,
        "base_unit": base_unit,
        "product_group": group,
        "brand": None,
        "unit_cost": None,
        "cost_currency": None,
        "active": True,
    }
    return row | more


def unit(sku: str, unit: str, factor: str) -> Row:
    return {"sku": sku, "unit": unit, "factor": Decimal(factor)}


def price(sku: str, unit_price: str, price_list: str = "STD-EUR", **more: Any) -> Row:
    row = {
        "price_list": price_list,
        "sku": sku,
        "unit": None,
        "min_quantity": Decimal("0"),
        "valid_from": None,
        "valid_to": None,
        "customer": None,
        "unit_price": Decimal(unit_price),
        "currency": None,
    }
    return row | more


def price_list(code: str, **more: Any) -> Row:
    row = {
        "code": code,
        "name": f"List {code}",
        "currency": "EUR",
        "kind": "standard",
        "valid_from": None,
        "valid_to": None,
        "active": True,
    }
    return row | more


def customer(external_id: str, **more: Any) -> Row:
    row = {
        "external_id": external_id,
        "name": f"Customer {external_id}",
        "segment": None,
        "territory": None,
        "default_currency": None,
        "contract_price_list": None,
        "active": True,
    }
    return row | more


def rate(valid_date: date, value: str, pair: tuple[str, str] = ("EUR", "USD")) -> Row:
    return {
        "from_currency": pair[0],
        "to_currency": pair[1],
        "valid_date": valid_date,
        "rate": Decimal(value),
    }


def build(**records: list[Row]) -> PricingCatalog:
    empty: dict[str, list[Row]] = {
        name: []
        for name in ("items", "groups", "units", "price_lists", "entries", "customers", "rates")
    }
    return build_catalog(7, **(empty | records))


def test_an_items_groups_are_its_group_and_ancestors_top_level_first() -> None:
    groups = [group("TEMP", "SENS"), group("HW"), group("SENS", "HW")]

    catalog = build(items=[item("T-1", "TEMP"), item("H-1", "HW"), item("X-1")], groups=groups)

    assert catalog.items["T-1"].groups == ("HW", "SENS", "TEMP")
    assert catalog.items["T-1"].group == "TEMP"
    assert catalog.items["H-1"].groups == ("HW",)
    assert catalog.items["X-1"].groups == ()
    assert catalog.items["X-1"].group is None


def test_a_group_missing_from_the_groups_ends_the_path() -> None:
    catalog = build(
        items=[item("A-1", "LEAF"), item("B-1", "GONE")], groups=[group("LEAF", "GONE")]
    )

    assert catalog.items["A-1"].groups == ("LEAF",)
    assert catalog.items["B-1"].groups == ()


def test_a_cycle_in_the_groups_ends_the_path_instead_of_looping() -> None:
    groups = [group("A", "B"), group("B", "C"), group("C", "A"), group("SELF", "SELF")]

    catalog = build(items=[item("A-1", "A"), item("S-1", "SELF")], groups=groups)

    assert catalog.items["A-1"].groups == ("C", "B", "A")
    assert catalog.items["S-1"].groups == ("SELF",)
    assert group_path("B", {"A": "B", "B": "A"}) == ("A", "B")


def test_an_item_keeps_its_fields_and_an_inactive_one_is_kept_inactive() -> None:
    catalog = build(
        items=[
            item("S-1", brand="Acme", unit_cost=Decimal("40.00"), cost_currency="EUR"),
            item("OLD", active=False),
        ]
    )

    s1 = catalog.items["S-1"]
    assert (s1.sku, s1.name, s1.base_unit, s1.brand, s1.unit_cost, s1.cost_currency) == (
        "S-1",
        "Item S-1",
        "each",
        "Acme",
        Decimal("40.00"),
        "EUR",
    )
    assert (s1.active, catalog.items["OLD"].active) == (True, False)
    assert catalog.version == 7


def test_a_price_without_unit_is_in_the_items_base_unit() -> None:
    catalog = build(
        items=[item("C-10", base_unit="m")],
        entries=[price("C-10", "0.90"), price("C-10", "80.00", unit="reel")],
    )

    assert [e.unit for e in catalog.entries[("STD-EUR", "C-10")]] == ["m", "reel"]


def test_a_price_of_an_unknown_item_is_left_out() -> None:
    catalog = build(items=[item("S-1")], entries=[price("S-1", "10"), price("GONE", "5")])

    assert list(catalog.entries) == [("STD-EUR", "S-1")]


def test_units_carry_their_factor_and_every_base_unit_is_one() -> None:
    catalog = build(
        items=[item("C-10", base_unit="m"), item("S-1")],
        units=[unit("C-10", "reel", "500"), unit("C-10", "m", "1")],
    )

    assert catalog.units == {
        ("C-10", "m"): Decimal(1),
        ("C-10", "reel"): Decimal(500),
        ("S-1", "each"): Decimal(1),
    }


def test_prices_are_keyed_by_list_and_sku_and_sorted_by_unit_customer_break_and_start() -> None:
    entries = [
        price("S-1", "70", min_quantity=Decimal("10"), valid_from=date(2026, 7, 1)),
        price("S-1", "60", customer="C-1"),
        price("S-1", "500", unit="box"),
        price("S-1", "72", min_quantity=Decimal("10")),
        price("S-1", "79", valid_from=date(2026, 7, 1)),
        price("S-1", "78"),
        price("S-1", "75", min_quantity=Decimal("5")),
        price("S-1", "86", price_list="STD-USD"),
    ]

    catalog = build(items=[item("S-1")], units=[unit("S-1", "box", "10")], entries=entries)

    assert list(catalog.entries) == [("STD-EUR", "S-1"), ("STD-USD", "S-1")]
    assert [
        (e.unit, e.customer, e.min_quantity, e.valid_from, e.unit_price)
        for e in catalog.entries[("STD-EUR", "S-1")]
    ] == [
        ("box", None, Decimal(0), None, Decimal(500)),
        ("each", None, Decimal(0), None, Decimal(78)),
        ("each", None, Decimal(0), date(2026, 7, 1), Decimal(79)),
        ("each", None, Decimal(5), None, Decimal(75)),
        ("each", None, Decimal(10), None, Decimal(72)),
        ("each", None, Decimal(10), date(2026, 7, 1), Decimal(70)),
        ("each", "C-1", Decimal(0), None, Decimal(60)),
    ]
    assert catalog.entries[("STD-USD", "S-1")] == (
        PriceEntry("STD-USD", "S-1", "each", Decimal(0), Decimal(86)),
    )


def test_the_order_of_the_records_does_not_matter() -> None:
    items = [item("B"), item("A"), item("C")]
    entries = [price("A", "1"), price("A", "2", min_quantity=Decimal("3")), price("B", "4")]
    rates = [rate(date(2026, 2, 1), "1.1"), rate(date(2026, 1, 1), "1.2")]

    forward = build(items=items, entries=entries, rates=rates)
    backward = build(items=items[::-1], entries=entries[::-1], rates=rates[::-1])

    assert forward == backward
    assert list(forward.items) == list(backward.items) == ["A", "B", "C"]


def test_rates_are_keyed_by_currency_pair_and_sorted_by_date() -> None:
    rates = [
        rate(date(2026, 3, 1), "1.09"),
        rate(date(2026, 1, 1), "1.08"),
        rate(date(2026, 1, 1), "0.84", pair=("EUR", "GBP")),
        rate(date(2026, 2, 1), "1.10"),
    ]

    catalog = build(rates=rates)

    assert sorted(catalog.rates) == [("EUR", "GBP"), ("EUR", "USD")]
    assert [(r.valid_date, r.rate) for r in catalog.rates[("EUR", "USD")]] == [
        (date(2026, 1, 1), Decimal("1.08")),
        (date(2026, 2, 1), Decimal("1.10")),
        (date(2026, 3, 1), Decimal("1.09")),
    ]


def test_price_lists_and_customers_are_keyed_by_code_and_inactive_ones_kept() -> None:
    catalog = build(
        price_lists=[
            price_list("STD-EUR", valid_from=date(2026, 1, 1)),
            price_list("CTR-1", kind="contract", active=False),
        ],
        customers=[
            customer("C-1", segment="enterprise", contract_price_list="CTR-1"),
            customer("C-2", active=False),
        ],
    )

    std = catalog.price_lists["STD-EUR"]
    assert (std.name, std.currency, std.kind, std.valid_from, std.valid_to, std.active) == (
        "List STD-EUR",
        "EUR",
        "standard",
        date(2026, 1, 1),
        None,
        True,
    )
    assert (catalog.price_lists["CTR-1"].kind, catalog.price_lists["CTR-1"].active) == (
        "contract",
        False,
    )
    c1 = catalog.customers["C-1"]
    assert (c1.name, c1.segment, c1.contract_price_list, c1.active) == (
        "Customer C-1",
        "enterprise",
        "CTR-1",
        True,
    )
    assert catalog.customers["C-2"].active is False
