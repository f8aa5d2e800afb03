"""Parsing canonical tables into typed records: every bad cell reported with its place."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cpq.catalog.parse import parse
from cpq.catalog.tables import CanonicalRead, CanonicalTable


def table(
    entity: str, fields: tuple[str, ...], *rows: tuple[object, ...], decimal_comma: bool = False
) -> CanonicalTable:
    return CanonicalTable(
        entity=entity,
        origin=f"{entity}.csv",
        fields=fields,
        labels=tuple(f.title() for f in fields),
        rows=[(n + 2, r) for n, r in enumerate(rows)],
        decimal_comma=decimal_comma,
    )


ENTRY_FIELDS = ("price_list", "sku", "unit_price", "min_quantity", "valid_from")


def test_valid_rows_become_typed_records_with_defaults() -> None:
    read = CanonicalRead(
        [table("price_list_entries", ENTRY_FIELDS, ("STD", "A-1", "12.50", None, "2026-01-31"))]
    )

    parsed = parse(read)

    assert parsed.issues == []
    (record,) = parsed.records["price_list_entries"]
    # price_list, sku, unit, min_quantity, valid_from, valid_to, customer, unit_price, currency
    assert record == (
        "STD",
        "A-1",
        None,
        Decimal("0"),
        date(2026, 1, 31),
        None,
        None,
        Decimal("12.50"),
        None,
    )
    assert parsed.where["price_list_entries"] == [("price_list_entries.csv", 2)]


def test_every_bad_cell_is_reported_with_file_row_and_source_column() -> None:
    read = CanonicalRead(
        [
            table(
                "price_list_entries",
                ENTRY_FIELDS,
                ("STD", "A-1", "twelve", "-1", "31/01/2026"),
                ("STD", None, "-5", "1", None),
                ("STD", "A-3", "1.1234567", "1", "2026-02-30"),
            )
        ]
    )

    parsed = parse(read)

    found = [(i.row, i.column, i.code) for i in parsed.issues]
    assert found == [
        (2, "Min_Quantity", "negative"),
        (2, "Valid_From", "bad_date"),
        (2, "Unit_Price", "not_a_number"),
        (3, "Sku", "required"),
        (3, "Unit_Price", "negative"),
        (4, "Valid_From", "bad_date"),
        (4, "Unit_Price", "too_precise"),
    ]
    assert all(i.file == "price_list_entries.csv" and i.is_error for i in parsed.issues)
    assert parsed.records["price_list_entries"] == []


def test_trailing_zeros_beyond_the_scale_are_not_an_error() -> None:
    read = CanonicalRead(
        [table("item_units", ("sku", "unit", "factor"), ("A", "box", "12.000000000"))]
    )

    parsed = parse(read)

    assert parsed.issues == []
    assert parsed.records["item_units"][0][2] == Decimal("12")


def test_a_semicolon_file_may_use_a_decimal_comma() -> None:
    read = CanonicalRead(
        [table("item_units", ("sku", "unit", "factor"), ("A", "box", "12,5"), decimal_comma=True)]
    )

    assert parse(read).records["item_units"][0][2] == Decimal("12.5")


def test_a_comma_file_does_not_accept_a_decimal_comma() -> None:
    read = CanonicalRead([table("item_units", ("sku", "unit", "factor"), ("A", "box", "12,5"))])

    assert [i.code for i in parse(read).issues] == ["not_a_number"]


def test_currencies_are_iso_4217_and_case_insensitive() -> None:
    fields = ("code", "name", "currency")
    read = CanonicalRead(
        [table("price_lists", fields, ("A", "A", "eur"), ("B", "B", "EURO"), ("C", "C", "XTS"))]
    )

    parsed = parse(read)

    assert parsed.records["price_lists"][0][2] == "EUR"
    assert [(i.row, i.code) for i in parsed.issues] == [
        (3, "unknown_currency"),
        (4, "unknown_currency"),
    ]


def test_rate_must_be_positive() -> None:
    fields = ("from_currency", "to_currency", "valid_date", "rate")
    read = CanonicalRead(
        [
            table(
                "exchange_rates",
                fields,
                ("EUR", "USD", "2026-01-01", "0"),
                ("EUR", "GBP", "2026-01-01", "-0.8"),
            )
        ]
    )

    assert [(i.row, i.code) for i in parse(read).issues] == [
        (2, "not_positive"),
        (3, "not_positive"),
    ]


def test_more_significant_digits_than_decimals_keep_is_refused() -> None:
    rows = (
        ("A", "box", "1.0000000000000000000000000001"),
        ("B", "box", "12345678901234567890123456789"),
    )
    read = CanonicalRead([table("item_units", ("sku", "unit", "factor"), *rows)])

    assert [(i.row, i.code) for i in parse(read).issues] == [(2, "too_precise"), (3, "too_precise")]


def test_a_missing_required_column_is_one_error_for_the_file() -> None:
    read = CanonicalRead([table("items", ("sku", "name"), ("A", "a"), ("B", "b"))])

    issues = parse(read).issues

    assert [(i.file, i.row, i.column, i.code) for i in issues] == [
        ("items.csv", None, "base_unit", "missing_column")
    ]


def test_booleans_and_exact_numbers_from_json_and_xlsx_sources() -> None:
    fields = ("sku", "name", "base_unit", "unit_cost", "cost_currency", "active")
    read = CanonicalRead(
        [
            table(
                "items",
                fields,
                ("A", "a", "each", Decimal("1.10"), "EUR", "No"),
                ("B", "b", "each", 3, "EUR", 1),
                ("C", "c", "each", None, None, "maybe"),
            )
        ]
    )

    parsed = parse(read)

    assert [r[-1] for r in parsed.records["items"]] == [False, True]
    assert parsed.records["items"][0][6] == Decimal("1.10")
    assert [(i.row, i.code) for i in parsed.issues] == [(4, "bad_boolean")]


def test_text_longer_than_its_column_or_with_a_nul_is_refused() -> None:
    fields = ("sku", "name", "base_unit", "brand")
    read = CanonicalRead(
        [
            table(
                "items",
                fields,
                ("S" * 201, "ok", "each", None),
                ("B", "n\x00ul", "each", None),
                ("U", "u\x1fs", "each", None),
                ("C", "c", "u" * 51, "b" * 201),
                ("D", "d" * 5000, "each", None),
            )
        ]
    )

    parsed = parse(read)

    assert [(i.row, i.column, i.code) for i in parsed.issues] == [
        (2, "Sku", "too_long"),
        (3, "Name", "bad_character"),
        (4, "Name", "bad_character"),
        (5, "Base_Unit", "too_long"),
        (5, "Brand", "too_long"),
    ]
    assert [r[0] for r in parsed.records["items"]] == ["D"]  # a long name is fine: names are text
