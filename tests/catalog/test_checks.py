"""Cross-entity checks: duplicates, references, periods, overlaps; against this sync or the store."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cpq.catalog.checks as checks_module
from cpq.catalog.checks import check
from cpq.catalog.parse import Parsed, parse
from cpq.catalog.tables import CanonicalRead, CanonicalTable


class Stored:
    """A fake current catalog: what is already synced."""

    def __init__(
        self,
        items: Mapping[str, tuple[str, bool]] | None = None,
        price_lists: Mapping[str, str] | None = None,
    ) -> None:
        self._items = dict(items or {})
        self._lists = dict(price_lists or {})

    def group_parents(self) -> Mapping[str, str | None]:
        return {}

    def items(self) -> Mapping[str, tuple[str, bool]]:
        return self._items

    def units(self) -> Mapping[tuple[str, str], Decimal]:
        return {}

    def price_lists(self) -> Mapping[str, str]:
        return self._lists

    def customers(self) -> frozenset[str]:
        return frozenset()

    def priced_skus(self) -> frozenset[str]:
        return frozenset()


def tables(**entities: list[dict[str, object]]) -> Parsed:
    out = []
    for entity, rows in entities.items():
        fields = tuple(dict.fromkeys(k for r in rows for k in r))
        out.append(
            CanonicalTable(
                entity,
                f"{entity}.csv",
                fields,
                fields,
                [(n + 2, tuple(r.get(f) for f in fields)) for n, r in enumerate(rows)],
            )
        )
    parsed = parse(CanonicalRead(out))
    assert parsed.issues == [], parsed.issues
    return parsed


def item(sku: str, **extra: object) -> dict[str, object]:
    return {"sku": sku, "name": sku, "base_unit": "each", **extra}


LISTS = [{"code": "STD", "name": "Std", "currency": "EUR"}]


def codes(issues: list) -> list[tuple[str, int | None, str | None, str]]:  # type: ignore[type-arg]
    return [(i.file, i.row, i.column, i.code) for i in issues]


def test_a_clean_snapshot_has_no_issues() -> None:
    parsed = tables(
        items=[item("A")],
        price_lists=LISTS,
        price_list_entries=[{"price_list": "STD", "sku": "A", "unit_price": "1"}],
    )

    assert check(parsed, Stored()) == []


def test_duplicate_sku_within_a_price_list_names_both_rows() -> None:
    parsed = tables(
        items=[item("A")],
        price_lists=LISTS,
        price_list_entries=[
            {"price_list": "STD", "sku": "A", "unit_price": "1"},
            {"price_list": "STD", "sku": "A", "unit_price": "2"},
        ],
    )

    issues = check(parsed, Stored())

    assert [i.code for i in issues] == ["duplicate_key"]
    assert issues[0].row == 3
    assert "first at price_list_entries.csv row 2" in issues[0].message


def test_price_for_an_unknown_sku_list_unit_and_customer() -> None:
    parsed = tables(
        items=[item("A")],
        price_lists=LISTS,
        price_list_entries=[
            {"price_list": "STD", "sku": "NOPE", "unit_price": "1"},
            {"price_list": "OTHER", "sku": "A", "unit_price": "1"},
            {"price_list": "STD", "sku": "A", "unit": "box", "unit_price": "1"},
            {"price_list": "STD", "sku": "A", "customer": "C-9", "unit_price": "1"},
        ],
    )

    assert codes(check(parsed, Stored())) == [
        ("price_list_entries.csv", 2, "sku", "unknown_sku"),
        ("price_list_entries.csv", 3, "price_list", "unknown_price_list"),
        ("price_list_entries.csv", 4, "unit", "unknown_unit"),
        ("price_list_entries.csv", 5, "customer", "unknown_customer"),
    ]


def test_overlapping_validity_for_the_same_sku_and_list_is_an_error_inclusive_of_end_dates() -> (
    None
):
    parsed = tables(
        items=[item("A"), item("B")],
        price_lists=LISTS,
        price_list_entries=[
            {
                "price_list": "STD",
                "sku": "A",
                "unit_price": "1",
                "valid_from": "2026-01-01",
                "valid_to": "2026-06-30",
            },
            {
                "price_list": "STD",
                "sku": "A",
                "unit_price": "2",
                "valid_from": "2026-06-30",
            },  # shares 30 June
            {"price_list": "STD", "sku": "B", "unit_price": "1", "valid_to": "2026-06-29"},
            {
                "price_list": "STD",
                "sku": "B",
                "unit_price": "2",
                "valid_from": "2026-06-30",
            },  # adjacent: fine
            {
                "price_list": "STD",
                "sku": "B",
                "unit_price": "3",
                "valid_from": "2026-03-01",
                "min_quantity": "10",
            },  # a price break
        ],
    )

    issues = check(parsed, Stored())

    assert codes(issues) == [("price_list_entries.csv", 3, "valid_from", "overlapping_validity")]
    assert "row 2" in issues[0].message


def test_an_open_ended_price_overlaps_every_later_one() -> None:
    parsed = tables(
        items=[item("A")],
        price_lists=LISTS,
        price_list_entries=[
            {"price_list": "STD", "sku": "A", "unit_price": "1"},
            {"price_list": "STD", "sku": "A", "unit_price": "2", "valid_from": "2027-01-01"},
        ],
    )

    assert [i.code for i in check(parsed, Stored())] == ["overlapping_validity"]


def test_an_empty_unit_is_the_base_unit_so_both_forms_collide() -> None:
    parsed = tables(
        items=[item("A")],
        price_lists=LISTS,
        price_list_entries=[
            {"price_list": "STD", "sku": "A", "unit_price": "1"},
            {
                "price_list": "STD",
                "sku": "A",
                "unit": "each",
                "unit_price": "1",
                "valid_from": "2026-01-01",
            },
        ],
    )

    assert [i.code for i in check(parsed, Stored())] == ["overlapping_validity"]
    assert {r[2] for r in parsed.records["price_list_entries"]} == {"each"}


def test_prices_alone_are_checked_against_the_stored_items_and_lists() -> None:
    parsed = tables(
        price_list_entries=[
            {"price_list": "STD", "sku": "A", "unit_price": "1"},
            {"price_list": "STD", "sku": "Z", "unit_price": "1"},
        ]
    )

    issues = check(parsed, Stored(items={"A": ("each", True)}, price_lists={"STD": "EUR"}))

    assert codes(issues) == [("price_list_entries.csv", 3, "sku", "unknown_sku")]


def test_group_references_and_cycles() -> None:
    parsed = tables(
        product_groups=[
            {"code": "A", "name": "A", "parent": "B"},
            {"code": "B", "name": "B", "parent": "A"},
            {"code": "C", "name": "C", "parent": "MISSING"},
        ],
        items=[item("X", product_group="NOPE")],
        price_lists=LISTS,
        price_list_entries=[{"price_list": "STD", "sku": "X", "unit_price": "1"}],
    )

    assert sorted(codes(check(parsed, Stored()))) == [
        ("items.csv", 2, "product_group", "unknown_group"),
        ("product_groups.csv", 2, "parent", "group_cycle"),
        ("product_groups.csv", 3, "parent", "group_cycle"),
        ("product_groups.csv", 4, "parent", "unknown_group"),
    ]


def test_item_with_no_price_is_a_warning_not_an_error() -> None:
    parsed = tables(items=[item("A"), item("B", active="false")], price_lists=LISTS)

    issues = check(parsed, Stored())

    assert [(i.code, i.is_error, i.row) for i in issues] == [("no_price", False, 2)]


def test_other_reference_and_period_errors() -> None:
    parsed = tables(
        items=[item("A", unit_cost="1")],
        item_units=[
            {"sku": "A", "unit": "each", "factor": "2"},
            {"sku": "Q", "unit": "box", "factor": "2"},
        ],
        price_lists=[
            {
                "code": "STD",
                "name": "Std",
                "currency": "EUR",
                "valid_from": "2026-02-01",
                "valid_to": "2026-01-01",
            }
        ],
        price_list_entries=[
            {"price_list": "STD", "sku": "A", "unit_price": "1", "currency": "USD"}
        ],
        customers=[{"external_id": "C", "name": "C", "contract_price_list": "GONE"}],
        exchange_rates=[
            {"from_currency": "EUR", "to_currency": "EUR", "valid_date": "2026-01-01", "rate": "1"}
        ],
    )

    assert codes(check(parsed, Stored())) == [
        ("items.csv", 2, "cost_currency", "missing_cost_currency"),
        ("item_units.csv", 2, "factor", "bad_factor"),
        ("item_units.csv", 3, "sku", "unknown_sku"),
        ("price_lists.csv", 2, "valid_to", "bad_period"),
        ("price_list_entries.csv", 2, "currency", "currency_mismatch"),
        ("customers.csv", 2, "contract_price_list", "unknown_price_list"),
        ("exchange_rates.csv", 2, "to_currency", "same_currency"),
    ]


def test_a_row_rejected_for_a_bad_cell_is_not_echoed_as_unknown_elsewhere() -> None:
    read = CanonicalRead(
        [
            CanonicalTable(
                "items",
                "items.csv",
                ("sku", "name", "base_unit", "unit_cost", "cost_currency"),
                ("sku", "name", "base_unit", "unit_cost", "cost_currency"),
                [(2, ("A", "a", "each", "abc", "EUR"))],
            ),
            CanonicalTable(
                "price_lists",
                "pl.csv",
                ("code", "name", "currency"),
                ("code", "name", "currency"),
                [(2, ("STD", "s", "EUR"))],
            ),
            CanonicalTable(
                "price_list_entries",
                "pe.csv",
                ("price_list", "sku", "unit_price"),
                ("price_list", "sku", "unit_price"),
                [(2, ("STD", "A", "1"))],
            ),
        ]
    )
    parsed = parse(read)

    assert [i.code for i in parsed.issues] == ["not_a_number"]
    assert check(parsed, Stored()) == []


def test_one_file_feeding_two_entities_keeps_each_entitys_column_labels() -> None:
    items = CanonicalTable(
        "items",
        "Item.csv",
        ("sku", "name", "base_unit", "product_group"),
        ("Item Code", "Item Name", "Stock UOM", "Item Group"),
        [(2, ("A", "a", "Nos", "Missing"))],
    )
    units = CanonicalTable(
        "item_units",
        "Item.csv",
        ("sku", "unit", "factor"),
        ("Item Code", "UOM (UOMs)", "Conversion Factor (UOMs)"),
        [(2, ("Z", "Box", "10"))],
    )
    parsed = parse(CanonicalRead([items, units]))

    assert codes(check(parsed, Stored())) == [
        ("Item.csv", 2, "Item Group", "unknown_group"),
        ("Item.csv", 2, "Item Code", "unknown_sku"),
        ("Item.csv", 2, None, "no_price"),
    ]


price_rows = st.lists(
    st.fixed_dictionaries(
        {
            "price_list": st.sampled_from(["STD", "STD", "GONE"]),
            "sku": st.sampled_from(["A", "B", "A", "NOPE"]),
            "unit_price": st.sampled_from(["1", "2.50"]),
        },
        optional={
            "unit": st.sampled_from(["each", "box", "pallet"]),
            "currency": st.sampled_from(["EUR", "USD"]),
            "customer": st.sampled_from(["C-1", "C-9"]),
            "valid_from": st.sampled_from(["2026-01-01", "2026-06-01"]),
            "valid_to": st.sampled_from(["2026-03-31", "2026-12-31"]),
            "min_quantity": st.sampled_from(["0", "10"]),
        },
    ),
    max_size=6,
)


@given(price_rows)
def test_the_whole_column_look_and_the_row_by_row_check_agree(
    rows: list[dict[str, object]],
) -> None:
    stored = Stored(items={"A": ("each", True), "B": ("each", False)}, price_lists={"STD": "EUR"})
    stored.units = lambda: {("A", "box"): Decimal("10")}  # type: ignore[method-assign]
    stored.customers = lambda: frozenset({"C-1"})  # type: ignore[method-assign]

    def checked(fast: bool) -> tuple[list[object], list[object]]:
        fields = tuple(dict.fromkeys(k for r in rows for k in r)) or (
            "price_list",
            "sku",
            "unit_price",
        )
        table = CanonicalTable(
            "price_list_entries",
            "p.csv",
            fields,
            fields,
            [(n + 2, tuple(r.get(f) for f in fields)) for n, r in enumerate(rows)],
        )
        parsed = parse(CanonicalRead([table]))
        with pytest.MonkeyPatch.context() as m:
            if not fast:
                m.setattr(checks_module, "_entries_without_problems", lambda *args: None)
            issues = check(parsed, stored)
        return list(parsed.records["price_list_entries"]), issues

    assert checked(True) == checked(False)
