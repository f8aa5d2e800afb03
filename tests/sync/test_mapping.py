"""Mapping profiles: canonical, ERPNext and Odoo exports, user mapping files and their mistakes.

Expected canonical rows are tables of (row number, values); they are kept one row per line
(``fmt: off``) so a reader can compare them with the fixture files side by side.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from cpq.catalog.checks import check
from cpq.catalog.issues import error
from cpq.catalog.parse import parse
from cpq.catalog.tables import CanonicalRead, CanonicalTable, HttpResource, RawTable, SourceRead
from cpq.errors import InvalidInput
from cpq.sync.mapping import PROFILE_NAMES, load_profile
from cpq.sync.sources.files import FolderSource
from cpq.sync.transforms import html_to_text, inverted, odoo_reference, strip_currency_suffix

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "mapping-profiles.md"
Rows = list[tuple[int, list[object]]]
Issues = list[tuple[str, str, str | None, str | None, str]]


@pytest.fixture(autouse=True)
def _no_profile_parameters_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CPQ_PROFILE_COMPANY_CURRENCY", "CPQ_PROFILE_LIST_PRICE_LIST"):
        monkeypatch.delenv(name, raising=False)


def write_profile(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def raw(name: str, header: list[str], rows: list[list[object]], origin: str = "") -> RawTable:
    numbered: list[tuple[int, Sequence[object]]] = [(n, r) for n, r in enumerate(rows, start=2)]
    return RawTable(name, origin or f"{name}.csv", header, numbered)


def table(read: CanonicalRead, entity: str, origin: str) -> CanonicalTable:
    found = [t for t in read.tables if t.entity == entity and t.origin == origin]
    assert len(found) == 1, [(t.entity, t.origin) for t in read.tables]
    return found[0]


def rows_of(t: CanonicalTable) -> Rows:
    return [(n, list(values)) for n, values in t.rows]


def issues_of(read: CanonicalRead) -> Issues:
    return [(i.severity.value, i.code, i.file, i.column, i.message) for i in read.issues]


class _EmptyCatalog:
    """No current catalog version: the fixtures must be complete and consistent on their own."""

    def group_parents(self) -> dict[str, str | None]:
        return {}

    def items(self) -> dict[str, tuple[str, bool]]:
        return {}

    def units(self) -> dict[tuple[str, str], Decimal]:
        return {}

    def price_lists(self) -> dict[str, str]:
        return {}

    def customers(self) -> frozenset[str]:
        return frozenset()

    def priced_skus(self) -> frozenset[str]:
        return frozenset()


# -- canonical ------------------------------------------------------------------------------


def test_profile_names() -> None:
    assert PROFILE_NAMES == ("canonical", "erpnext", "odoo")


def test_canonical_matches_tables_and_columns_case_insensitively() -> None:
    # given two tables of one entity, one with differently cased names
    read = SourceRead(
        tables=[
            raw("Items", [" SKU ", "Name", "Base_Unit"], [["A-1", "Desk", "each"]]),
            raw(
                "items",
                ["sku", "name", "base_unit", "active"],
                [["A-2", "Chair", "each", "0"]],
                origin="items.jsonl",
            ),
        ]
    )

    # when
    result = load_profile("canonical").apply(read)

    # then: both are passed on, labels as the source wrote them
    first, second = result.tables
    assert (first.entity, first.origin, first.fields, first.labels) == (
        "items",
        "Items.csv",
        ("sku", "name", "base_unit"),
        (" SKU ", "Name", "Base_Unit"),
    )
    assert rows_of(first) == [(2, ["A-1", "Desk", "each"])]
    assert (second.origin, second.fields) == ("items.jsonl", ("sku", "name", "base_unit", "active"))
    assert rows_of(second) == [(2, ["A-2", "Chair", "each", "0"])]
    assert result.issues == []


def test_canonical_warns_once_per_file_about_unknown_columns_and_tables() -> None:
    # given
    read = SourceRead(
        tables=[
            raw(
                "items",
                ["sku", "name", "colour", "base_unit", "weight"],
                [["A-1", "Desk", "oak", "each", "30"], ["A-2", "Chair", "red", "each", "7"]],
            ),
            raw("suppliers", ["code"], [["S-1"]]),
            raw("product_models", ["code"], [["M-1"]]),
        ]
    )

    # when
    result = load_profile("canonical").apply(read)

    # then
    assert [(t.entity, t.fields) for t in result.tables] == [
        ("items", ("sku", "name", "base_unit"))
    ]
    entities = (
        "product_groups, items, item_units, price_lists, price_list_entries, customers, "
        "exchange_rates"
    )
    # fmt: off
    assert issues_of(result) == [
        ("warning", "ignored_column", "items.csv", None,
         "ignored column(s) 'colour', 'weight': not fields of items"),
        ("warning", "ignored_table", "suppliers.csv", None,
         f"ignored table: 'suppliers' is not a catalog entity ({entities})"),
        ("warning", "ignored_table", "product_models.csv", None,
         f"ignored table: 'product_models' is not a catalog entity ({entities})"),
    ]
    # fmt: on


def test_canonical_missing_required_column_is_an_error() -> None:
    # given
    read = SourceRead(tables=[raw("items", ["sku", "name"], [["A-1", "Desk"]])])

    # when
    result = load_profile("canonical").apply(read)

    # then: the entity is not read; one error names the file and the column
    assert result.tables == []
    assert issues_of(result) == [
        (
            "error",
            "missing_column",
            "items.csv",
            "base_unit",
            "required column 'base_unit' is missing",
        )
    ]


def test_source_issues_are_carried_through_first() -> None:
    # given
    bad_line = error("bad_json", "the line is not valid JSON", file="items.jsonl", row=3)
    read = SourceRead(tables=[raw("suppliers", ["code"], [["S-1"]])], issues=[bad_line])

    # when
    result = load_profile("canonical").apply(read)

    # then
    assert [i.code for i in result.issues] == ["bad_json", "ignored_table"]
    assert result.issues[0] is bad_line


def plain_copy(read: SourceRead) -> SourceRead:
    """The same tables with rows as plain lists, the way any source may hand them over."""
    tables = [
        RawTable(
            t.name, t.origin, list(t.header), [(n, list(c)) for n, c in t.rows], t.decimal_comma
        )
        for t in read.tables
    ]
    return SourceRead(tables=tables, issues=list(read.issues))


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_rows_from_files_map_as_the_same_rows_from_any_source(tmp_path: Path, profile: str) -> None:
    # given an export in every layout: columns in another order, unknown and blank ones, rows
    # of other widths and blank rows, and the ERP fixtures
    export = tmp_path / "export"
    export.mkdir()
    (export / "items.csv").write_text(
        "colour,base_unit,sku,name, brand \n"
        "oak,each,A-1,Desk,Acme\n"
        ",each,A-2,  ,\n"
        ",,,,\n"
        "red,box,A-3,Chair\n",
        encoding="utf-8",
    )
    (export / "price_list_entries.csv").write_text(
        "price_list;sku;unit_price\nSTD;A-1;12,50\nSTD;A-2;\n", encoding="utf-8"
    )
    (export / "item_units.jsonl").write_text(
        '{"sku": "A-1", "unit": "box", "factor": 4}\n{"unit": " ", "sku": "A-2"}\n',
        encoding="utf-8",
    )
    for fixture in (FIXTURES / "erpnext", FIXTURES / "odoo"):
        for file in fixture.iterdir():
            shutil.copy(file, export / file.name)
    read = FolderSource(export).read()
    if profile == "erpnext":
        profile = str(write_profile(tmp_path, ERPNEXT_EUR))
    mapping = load_profile(profile)

    # when
    from_files = mapping.apply(read)
    from_any = mapping.apply(plain_copy(read))

    # then: tables, fields, labels, values and issues are the same
    def content(result: CanonicalRead) -> list[object]:
        return [
            (t.entity, t.origin, t.fields, t.labels, t.decimal_comma, rows_of(t))
            for t in result.tables
        ]

    assert content(from_files) == content(from_any)
    assert from_files.issues == from_any.issues
    if profile == "canonical":
        items = table(from_files, "items", "items.csv")
        assert items.fields == ("sku", "name", "base_unit", "brand")
        assert rows_of(items) == [
            (2, ["A-1", "Desk", "each", "Acme"]),
            (3, ["A-2", None, "each", None]),
            (5, ["A-3", "Chair", "box", None]),
        ]


# -- ERPNext --------------------------------------------------------------------------------

ERPNEXT_EUR = "extends: erpnext\nparameters:\n  company_currency: EUR\n"
SELLING_WARNINGS: Issues = [
    ("warning", "skipped_rows", "Currency Exchange.csv", "For Selling",
     "1 row(s) not read as exchange_rates: a rate for buying only (For Selling is not checked)"),
    ("warning", "skipped_rows", "Item Price.csv", "Selling",
     "2 row(s) not read as price_list_entries: a buying price (Selling is not checked)"),
    ("warning", "skipped_rows", "Price List.csv", "Selling",
     "1 row(s) not read as price_lists: a buying price list (Selling is not checked)"),
]  # fmt: skip
MISSING_COMPANY_CURRENCY = (
    "items cannot be read: the profile parameter(s) company_currency are not set "
    "(see docs/mapping-profiles.md, 'Parameters')"
)


def erpnext_read(tmp_path: Path) -> CanonicalRead:
    profile = load_profile(str(write_profile(tmp_path, ERPNEXT_EUR, "acme-erpnext.yaml")))
    assert profile.name == "acme-erpnext"
    return profile.apply(FolderSource(FIXTURES / "erpnext").read())


def test_erpnext_item_export_gives_items_and_units_filled_down(tmp_path: Path) -> None:
    # when
    result = erpnext_read(tmp_path)

    # then: continuation rows are no items but carry the units of the item above them
    items = table(result, "items", "Item.csv")
    assert items.labels == (
        "Item Code",
        "Item Name",
        "Description",
        "Default Unit of Measure",
        "Item Group",
        "Brand",
        "Valuation Rate",
        "cost_currency (profile parameter company_currency)",
        "Disabled",
    )
    # fmt: off
    assert rows_of(items) == [
        (2, ["DESK-120", "Desk 120 x 80",
             "Height-adjustable desk, 120 x 80 cm.\nOak veneer top & steel frame.",
             "Nos", "Desks", "Acme", "212.5", "EUR", True]),
        (3, ["DESK-160", "Desk 160 x 80", "Height-adjustable desk, 160 x 80 cm",
             "Nos", "Desks", "Acme", "268.4", "EUR", True]),
        (4, ["CHAIR-ERGO", "Ergonomic Chair", "Mesh back\nAdjustable lumbar support",
             "Nos", "Chairs", "Sitwell", "96.75", "EUR", True]),
        (6, ["CABLE-TRAY", "Cable Tray", "Under-desk cable tray",
             "Nos", "Accessories", "Acme", "8.2", "EUR", True]),
        (9, ["MONITOR-ARM", "Monitor Arm (discontinued)", None,
             "Nos", "Accessories", "Acme", "31.0", "EUR", False]),
        (10, ["INSTALL-HR", "Installation (per hour)", "On-site assembly and installation",
              "Hour", "Services", None, None, "EUR", True]),
        (11, ["CABLE-M", "Power Cable", "3-core power cable, sold by the meter",
              "Meter", "Accessories", "Acme", "1.15", "EUR", True]),
    ]
    # fmt: on
    units = table(result, "item_units", "Item.csv")
    assert units.labels == ("Item Code", "UOM (UOMs)", "Conversion Factor (UOMs)")
    # fmt: off
    assert rows_of(units) == [
        (2, ["DESK-120", "Nos", "1.0"]),
        (3, ["DESK-160", "Nos", "1.0"]),
        (4, ["CHAIR-ERGO", "Nos", "1.0"]),
        (5, ["CHAIR-ERGO", "Box", "4.0"]),
        (6, ["CABLE-TRAY", "Nos", "1.0"]),
        (7, ["CABLE-TRAY", "Box", "10.0"]),
        (8, ["CABLE-TRAY", "Pallet", "200.0"]),
        (9, ["MONITOR-ARM", "Nos", "1.0"]),
        (10, ["INSTALL-HR", "Hour", "1.0"]),
        (11, ["CABLE-M", "Meter", "1.0"]),
        (12, ["CABLE-M", "Roll", "50.0"]),
    ]
    # fmt: on


def test_erpnext_groups_lists_customers_and_rates(tmp_path: Path) -> None:
    # when
    result = erpnext_read(tmp_path)

    # then
    # fmt: off
    assert rows_of(table(result, "product_groups", "Item Group.csv")) == [
        (2, ["All Item Groups", "All Item Groups", None]),
        (3, ["Furniture", "Furniture", "All Item Groups"]),
        (4, ["Desks", "Desks", "Furniture"]),
        (5, ["Chairs", "Chairs", "Furniture"]),
        (6, ["Accessories", "Accessories", "All Item Groups"]),
        (7, ["Services", "Services", "All Item Groups"]),
    ]
    price_lists = table(result, "price_lists", "Price List.csv")
    assert price_lists.fields == ("code", "name", "currency", "active")
    assert rows_of(price_lists) == [
        (2, ["Standard Selling", "Standard Selling", "EUR", "1"]),
        (4, ["Export USD", "Export USD", "USD", "1"]),
        (5, ["Contract Nordwind", "Contract Nordwind", "EUR", "1"]),
        (6, ["Summer Promo 2024", "Summer Promo 2024", "EUR", "0"]),
    ]
    customers = table(result, "customers", "Customer.csv")
    assert customers.labels == (
        "ID", "Customer Name", "Customer Group", "Territory", "Billing Currency",
        "Default Price List", "Disabled",
    )
    assert rows_of(customers) == [
        (2, ["CUST-00001", "Bürohaus Schmidt GmbH", "Commercial", "Germany", "EUR",
             "Standard Selling", True]),
        (3, ["CUST-00002", "Nordwind Logistik AG", "Commercial", "Germany", "EUR",
             "Contract Nordwind", True]),
        (4, ["CUST-00003", "Harbor & Finch LLC", "Commercial", "United States", "USD",
             "Export USD", True]),
        (5, ["CUST-00004", "Old Mill Interiors", "Individual", "Ireland", "EUR", None, False]),
    ]
    assert rows_of(table(result, "exchange_rates", "Currency Exchange.csv")) == [
        (2, ["EUR", "USD", "2025-01-01", "1.0389"]),
        (3, ["EUR", "USD", "2025-07-01", "1.1721"]),
        (5, ["EUR", "GBP", "2025-07-01", "0.8578"]),
    ]
    # fmt: on


def test_erpnext_item_prices_keep_selling_prices_and_count_the_rest(tmp_path: Path) -> None:
    # when
    result = erpnext_read(tmp_path)

    # then: rows 15 and 16 (Standard Buying) are left out, and said so once
    prices = table(result, "price_list_entries", "Item Price.csv")
    # fmt: off
    assert prices.fields == (
        "price_list", "sku", "unit", "valid_from", "valid_to", "customer", "unit_price", "currency",
    )
    assert prices.labels == (
        "Price List", "Item Code", "UOM", "Valid From", "Valid Upto", "Customer", "Rate", "Currency",
    )
    selling = "Standard Selling"
    assert rows_of(prices) == [
        (2, [selling, "DESK-120", "Nos", "2025-01-01", "2025-12-31", None, "449.0", "EUR"]),
        (3, [selling, "DESK-120", "Nos", "2026-01-01", None, None, "469.0", "EUR"]),
        (4, [selling, "DESK-160", "Nos", "2025-01-01", None, None, "549.0", "EUR"]),
        (5, [selling, "CHAIR-ERGO", "Nos", "2025-01-01", None, None, "289.0", "EUR"]),
        (6, [selling, "CHAIR-ERGO", "Box", "2025-01-01", None, None, "1099.0", "EUR"]),
        (7, [selling, "CABLE-TRAY", "Nos", "2025-01-01", None, None, "19.9", "EUR"]),
        (8, [selling, "CABLE-TRAY", "Box", "2025-01-01", None, None, "179.0", "EUR"]),
        (9, [selling, "INSTALL-HR", "Hour", "2025-01-01", None, None, "85.0", "EUR"]),
        (10, [selling, "CABLE-M", "Meter", "2025-01-01", None, None, "3.2", "EUR"]),
        (11, [selling, "MONITOR-ARM", "Nos", "2024-01-01", None, None, "59.0", "EUR"]),
        (12, ["Export USD", "DESK-120", "Nos", "2025-01-01", None, None, "519.0", "USD"]),
        (13, [selling, "DESK-120", "Nos", "2025-01-01", None, "CUST-00002", "419.0", "EUR"]),
        (14, ["Contract Nordwind", "CHAIR-ERGO", "Nos", "2025-01-01", None, None, "259.0", "EUR"]),
    ]
    # fmt: on
    assert issues_of(result) == SELLING_WARNINGS


def test_erpnext_fixtures_parse_and_check_without_errors(tmp_path: Path) -> None:
    # when
    parsed = parse(erpnext_read(tmp_path))
    problems = check(parsed, _EmptyCatalog())

    # then: only the three counted filter warnings
    assert [i.code for i in parsed.issues] == ["skipped_rows"] * 3
    assert problems == []
    assert {e: len(r) for e, r in parsed.records.items()} == {
        "exchange_rates": 3,
        "customers": 4,
        "product_groups": 6,
        "price_list_entries": 13,
        "items": 7,
        "item_units": 11,
        "price_lists": 4,
    }


def test_erpnext_without_company_currency_cannot_read_items() -> None:
    # when
    result = load_profile("erpnext").apply(FolderSource(FIXTURES / "erpnext").read())

    # then
    assert [t.entity for t in result.tables if t.origin == "Item.csv"] == ["item_units"]
    assert [i for i in issues_of(result) if i[0] == "error"] == [
        ("error", "missing_parameter", "Item.csv", None, MISSING_COMPANY_CURRENCY)
    ]


def test_erpnext_company_currency_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    monkeypatch.setenv("CPQ_PROFILE_COMPANY_CURRENCY", "CHF")

    # when
    result = load_profile("erpnext").apply(FolderSource(FIXTURES / "erpnext").read())

    # then
    items = table(result, "items", "Item.csv")
    assert {row[items.fields.index("cost_currency")] for _, row in items.rows} == {"CHF"}


def test_erpnext_rest_api_records_map_by_field_name() -> None:
    # given records as the HTTP source hands them over: API field names, JSON values
    # fmt: off
    prices = RawTable(
        "Item Price",
        "https://erp.example.com/api/resource/Item%20Price",
        ["name", "item_code", "price_list", "price_list_rate", "currency", "valid_from",
         "valid_upto", "uom", "customer", "selling", "buying"],
        [
            (1, ["a1", "DESK-120", "Standard Selling", Decimal("449.00"), "EUR", "2025-01-01",
                 None, "Nos", None, 1, 0]),
            (2, ["a2", "DESK-120", "Standard Buying", Decimal("212.50"), "EUR", "2025-01-01",
                 None, "Nos", None, 0, 1]),
        ],
    )
    items = RawTable(
        "Item",
        "https://erp.example.com/api/resource/Item",
        ["name", "item_code", "item_name", "stock_uom", "disabled"],
        [(1, ["DESK-120", "DESK-120", "Desk 120 x 80", "Nos", 0])],
    )
    # fmt: on

    # when
    result = load_profile("erpnext").apply(SourceRead(tables=[prices, items]))

    # then
    [canonical] = result.tables
    # fmt: off
    assert canonical.labels == (
        "price_list", "item_code", "uom", "valid_from", "valid_upto", "customer",
        "price_list_rate", "currency",
    )
    assert rows_of(canonical) == [
        (1, ["Standard Selling", "DESK-120", "Nos", "2025-01-01", None, None, Decimal("449.00"),
             "EUR"]),
    ]
    item_origin = "https://erp.example.com/api/resource/Item"
    assert issues_of(result) == [
        ("warning", "skipped_rows", prices.origin, "selling",
         "1 row(s) not read as price_list_entries: a buying price (Selling is not checked)"),
        ("error", "missing_parameter", item_origin, None, MISSING_COMPANY_CURRENCY),
        ("warning", "entity_not_in_table", item_origin, None,
         "no item_units read from this table: it has no column 'UOM (UOMs)' or 'uoms.uom'"),
    ]
    # fmt: on


def test_erpnext_http_resources() -> None:
    # fmt: off
    assert load_profile("erpnext").http_resources() == [
        HttpResource("Item Group", ("name", "item_group_name", "parent_item_group")),
        HttpResource("Item", ("name", "item_code", "item_name", "description", "item_group",
                              "brand", "stock_uom", "valuation_rate", "disabled")),
        HttpResource("Price List", ("name", "price_list_name", "currency", "enabled", "selling",
                                    "buying")),
        HttpResource("Item Price", ("name", "item_code", "price_list", "price_list_rate",
                                    "currency", "valid_from", "valid_upto", "uom", "customer",
                                    "selling", "buying")),
        HttpResource("Customer", ("name", "customer_name", "customer_group", "territory",
                                  "default_currency", "default_price_list", "disabled")),
        HttpResource("Currency Exchange", ("name", "date", "from_currency", "to_currency",
                                           "exchange_rate", "for_selling")),
    ]
    # fmt: on
    assert load_profile("odoo").http_resources() == []
    assert load_profile("canonical").http_resources() == []


def test_missing_required_column_names_the_alternatives_tried() -> None:
    # given an Item Price export without its Rate column
    read = SourceRead(tables=[raw("Item Price", ["Item Code", "Price List"], [["A", "B"]])])

    # when
    result = load_profile("erpnext").apply(read)

    # then
    assert result.tables == []
    # fmt: off
    assert issues_of(result) == [
        ("error", "missing_column", "Item Price.csv", "unit_price",
         "required column for price_list_entries.unit_price is missing "
         "(looked for 'Rate' or 'price_list_rate')"),
    ]
    # fmt: on


# -- Odoo -----------------------------------------------------------------------------------

ODOO_EUR = """\
extends: odoo
parameters:
  company_currency: EUR
  list_price_list: Public Pricelist
"""
PRODUCTS = "Product (product.template).csv"
RULES = "Pricelist Rule (product.pricelist.item).csv"
RATES = "Currency Rate (res.currency.rate).csv"


def odoo_read(tmp_path: Path, folder: Path = FIXTURES / "odoo") -> CanonicalRead:
    profile = load_profile(str(write_profile(tmp_path, ODOO_EUR, "odoo-eur.yaml")))
    return profile.apply(FolderSource(folder).read())


def test_odoo_product_export_gives_groups_items_and_list_prices(tmp_path: Path) -> None:
    # when
    result = odoo_read(tmp_path)

    # then: each level of the category paths is a group, listed at its first row
    groups = table(result, "product_groups", PRODUCTS)
    assert groups.labels == ("Product Category",) * 3
    furniture = "All / Saleable / Office Furniture"
    # fmt: off
    assert rows_of(groups) == [
        (2, ["All", "All", None]),
        (2, ["All / Saleable", "Saleable", "All"]),
        (2, [furniture, "Office Furniture", "All / Saleable"]),
        (4, [f"{furniture} / Seating", "Seating", furniture]),
        (5, ["All / Saleable / Lighting", "Lighting", "All / Saleable"]),
        (6, ["All / Saleable / Accessories", "Accessories", "All / Saleable"]),
        (7, ["All / Services", "Services", "All"]),
    ]
    items = table(result, "items", PRODUCTS)
    assert items.fields == (
        "sku", "name", "description", "base_unit", "product_group", "unit_cost", "cost_currency",
        "active",
    )
    assert rows_of(items) == [
        (2, ["OD-DESK-120", "Office Desk 120", "Height-adjustable desk, 120 x 80 cm", "Units",
             furniture, "212.5", "EUR", "True"]),
        (3, ["OD-DESK-160", "Office Desk 160", None, "Units", furniture, "268.4", "EUR", "True"]),
        (4, ["OD-CHAIR", "Ergonomic Chair", "Mesh back,\nadjustable lumbar support", "Units",
             f"{furniture} / Seating", "96.75", "EUR", "True"]),
        (5, ["OD-LAMP", "Desk Lamp", None, "Units", "All / Saleable / Lighting", "14.1", "EUR",
             "True"]),
        (6, ["OD-CABLE", "Power Cable", "Sold by the meter", "m", "All / Saleable / Accessories",
             "1.15", "EUR", "True"]),
        (7, ["OD-INSTALL", "Installation", "On-site installation, per hour", "Hours",
             "All / Services", "0.0", "EUR", "True"]),
        (8, ["OD-OLDLAMP", "Desk Lamp (old model)", None, "Units", "All / Saleable / Lighting",
             "12.0", "EUR", "False"]),
    ]
    list_prices = table(result, "price_list_entries", PRODUCTS)
    assert list_prices.labels == (
        "price_list (profile parameter list_price_list)", "Internal Reference", "Sales Price",
    )
    assert rows_of(list_prices) == [
        (2, ["Public Pricelist", "OD-DESK-120", "449.0"]),
        (3, ["Public Pricelist", "OD-DESK-160", "549.0"]),
        (4, ["Public Pricelist", "OD-CHAIR", "289.0"]),
        (5, ["Public Pricelist", "OD-LAMP", "39.9"]),
        (6, ["Public Pricelist", "OD-CABLE", "3.2"]),
        (7, ["Public Pricelist", "OD-INSTALL", "85.0"]),
        (8, ["Public Pricelist", "OD-OLDLAMP", "29.9"]),
    ]
    # fmt: on


def test_odoo_pricelist_rules_keep_fixed_product_prices_and_count_the_rest(
    tmp_path: Path,
) -> None:
    # when
    result = odoo_read(tmp_path)

    # then: rows 4 and 11 (category, all products) and 10 (formula) are left out
    rules = table(result, "price_list_entries", RULES)
    # fmt: off
    assert rules.labels == (
        "Pricelist", "Product", "Min. Quantity", "Start Date", "End Date", "Fixed Price",
        "Currency",
    )
    assert rows_of(rules) == [
        (2, ["Public Pricelist", "OD-CABLE", "100.0", None, None, "2.8", "EUR"]),
        (3, ["Public Pricelist", "OD-CHAIR", "10.0", None, None, "269.0", "EUR"]),
        (5, ["USD Export", "OD-DESK-120", "0.0", None, None, "519.0", "USD"]),
        (6, ["USD Export", "OD-DESK-160", "0.0", None, None, "629.0", "USD"]),
        (7, ["USD Export", "OD-CHAIR", "0.0", "2025-01-01 00:00:00", "2025-06-30 23:59:59",
             "329.0", "USD"]),
        (8, ["USD Export", "OD-CHAIR", "0.0", "2025-07-01 00:00:00", None, "339.0", "USD"]),
        (9, ["Reseller", "OD-DESK-120", "0.0", None, None, "399.0", "EUR"]),
        (12, ["Black Friday 2024", "OD-DESK-160", "0.0", "2024-11-29 00:00:00",
              "2024-12-02 23:59:59", "499.0", "EUR"]),
    ]
    assert issues_of(result) == [
        ("warning", "skipped_rows", RATES, "Currency",
         "1 row(s) not read as exchange_rates: the company currency's rate to itself"),
        ("warning", "skipped_rows", RULES, "Apply On",
         "2 row(s) not read as price_list_entries: a rule for a product category or for all "
         "products (a pricing rule, not a price)"),
        ("warning", "skipped_rows", RULES, "Computation",
         "1 row(s) not read as price_list_entries: a discount or formula rule "
         "(a pricing rule, not a fixed price)"),
    ]
    # fmt: on


def test_odoo_pricelists_contacts_and_rates(tmp_path: Path) -> None:
    # when
    result = odoo_read(tmp_path)

    # then: "Public Pricelist (EUR)" refers to the pricelist "Public Pricelist"
    # fmt: off
    assert rows_of(table(result, "price_lists", "Pricelist (product.pricelist).csv")) == [
        (2, ["Public Pricelist", "Public Pricelist", "EUR", "True"]),
        (3, ["USD Export", "USD Export", "USD", "True"]),
        (4, ["Reseller", "Reseller", "EUR", "True"]),
        (5, ["Black Friday 2024", "Black Friday 2024", "EUR", "False"]),
    ]
    customers = table(result, "customers", "Contact (res.partner).csv")
    assert customers.fields == (
        "external_id", "name", "segment", "territory", "contract_price_list", "active",
    )
    assert rows_of(customers) == [
        (2, ["__export__.res_partner_41_9b2f1c7e", "Bürohaus Schmidt GmbH", "Key Account",
             "Germany", "Public Pricelist", "True"]),
        (3, ["__export__.res_partner_42_5d0e8a31", "Nordwind Logistik AG", "Reseller",
             "Germany", "Reseller", "True"]),
        (4, ["__export__.res_partner_43_c4a7e912", "Harbor & Finch LLC", None,
             "United States", "USD Export", "True"]),
        (5, ["__export__.res_partner_44_0f3b6d58", "Old Mill Interiors", None,
             "Ireland", "Public Pricelist", "False"]),
    ]
    rates = table(result, "exchange_rates", RATES)
    # The label naming the company currency is found once the parameter is known.
    assert rates.labels == (
        "from_currency (profile parameter company_currency)", "Currency", "Date", "Unit per EUR",
    )
    assert rows_of(rates) == [
        (3, ["EUR", "USD", "2025-01-01", "1.0389"]),
        (4, ["EUR", "USD", "2025-07-01", "1.1721"]),
        (5, ["EUR", "GBP", "2025-07-01", "0.8578"]),
    ]
    # fmt: on


def test_odoo_product_export_as_xlsx(tmp_path: Path) -> None:
    # given the product export saved as XLSX (typed cells) next to the other CSV exports
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "odoo", folder)
    (folder / PRODUCTS).unlink()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    # fmt: off
    sheet.append(["Internal Reference", "Name", "Product Category", "Sales Description",
                  "Unit of Measure", "Cost", "Sales Price", "Active"])
    sheet.append(["OD-DESK-120", "Office Desk 120", "All / Saleable / Office Furniture",
                  "Height-adjustable desk, 120 x 80 cm", "Units", 212.5, 449, True])
    sheet.append(["OD-CHAIR", "Ergonomic Chair", "All / Saleable / Office Furniture / Seating",
                  "", "Units", 96.75, 289.9, True])
    sheet.append(["OD-OLDLAMP", "Desk Lamp (old model)", "All / Saleable / Lighting", None,
                  "Units", 12.1, 29.9, False])
    # fmt: on
    book.save(folder / "Product (product.template).xlsx")

    # when
    result = odoo_read(tmp_path, folder)

    # then: numbers arrive as the Decimal shown (never float), flags as booleans
    origin = "Product (product.template).xlsx"
    furniture = "All / Saleable / Office Furniture"
    # fmt: off
    assert rows_of(table(result, "items", origin)) == [
        (2, ["OD-DESK-120", "Office Desk 120", "Height-adjustable desk, 120 x 80 cm", "Units",
             furniture, Decimal("212.5"), "EUR", True]),
        (3, ["OD-CHAIR", "Ergonomic Chair", None, "Units", f"{furniture} / Seating",
             Decimal("96.75"), "EUR", True]),
        (4, ["OD-OLDLAMP", "Desk Lamp (old model)", None, "Units", "All / Saleable / Lighting",
             Decimal("12.1"), "EUR", False]),
    ]
    assert rows_of(table(result, "product_groups", origin)) == [
        (2, ["All", "All", None]),
        (2, ["All / Saleable", "Saleable", "All"]),
        (2, [furniture, "Office Furniture", "All / Saleable"]),
        (3, [f"{furniture} / Seating", "Seating", furniture]),
        (4, ["All / Saleable / Lighting", "Lighting", "All / Saleable"]),
    ]
    assert rows_of(table(result, "price_list_entries", origin)) == [
        (2, ["Public Pricelist", "OD-DESK-120", 449]),
        (3, ["Public Pricelist", "OD-CHAIR", Decimal("289.9")]),
        (4, ["Public Pricelist", "OD-OLDLAMP", Decimal("29.9")]),
    ]
    # fmt: on


def test_odoo_fixtures_parse_and_check_without_errors(tmp_path: Path) -> None:
    # when
    parsed = parse(odoo_read(tmp_path))
    problems = check(parsed, _EmptyCatalog())

    # then: only the three counted filter warnings
    assert [i.code for i in parsed.issues] == ["skipped_rows"] * 3
    assert problems == []
    assert {e: len(r) for e, r in parsed.records.items()} == {
        "customers": 4,
        "exchange_rates": 3,
        "price_lists": 4,
        "price_list_entries": 15,
        "product_groups": 7,
        "items": 7,
    }
    dated = [r for r in parsed.records["price_list_entries"] if r[1] == "OD-CHAIR" and r[4]]
    assert [(r[4], r[5]) for r in dated] == [
        (date(2025, 1, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), None),
    ]


def test_odoo_without_list_price_list_reads_no_sales_prices(tmp_path: Path) -> None:
    # given
    profile = load_profile(
        str(write_profile(tmp_path, "extends: odoo\nparameters:\n  company_currency: EUR\n"))
    )

    # when
    result = profile.apply(FolderSource(FIXTURES / "odoo").read())

    # then
    assert [t.origin for t in result.tables if t.entity == "price_list_entries"] == [RULES]
    assert [i.code for i in result.issues] == ["skipped_rows"] * 3


# -- user mapping files ---------------------------------------------------------------------

LEGACY_PROFILE = """\
name: legacy-erp
parameters:
  unit: each
entities:
  items:
    - tables: ["stock*"]
      skip_blank: [sku]
      keep_rows:
        - column: Status
          not_in: [obsolete, draft]
      fields:
        sku: [Article, ArtNr]
        name: Text
        base_unit: {value: "${unit}"}
        active: {column: Status, map: {released: true, blocked: false}}
  item_units:
    - tables: ["stock*"]
      fill_down: [sku]
      skip_blank: [unit]
      fields:
        sku: [Article, ArtNr]
        unit: Pack
        factor: Pack Qty
"""


def test_user_profile_with_constants_value_maps_fill_down_and_filters(tmp_path: Path) -> None:
    # given a home-grown ERP whose stock export lists further pack sizes on the rows below
    profile = load_profile(str(write_profile(tmp_path, LEGACY_PROFILE)))
    stock = raw(
        "Stock_Export 2026",
        ["ArtNr", "Text", "Status", "Pack", "Pack Qty"],
        [
            ["100", "Desk", "Released", "carton", "2"],
            [None, None, None, "pallet", "40"],
            ["101", "Chair", "BLOCKED", None, None],
            ["102", "Stool", "obsolete", None, None],
            ["103", "Bench", "draft", None, None],
            ["104", "Shelf", "in review", None, None],
        ],
    )

    # when
    result = profile.apply(SourceRead(tables=[stock]))

    # then
    assert profile.name == "legacy-erp"
    items, units = result.tables
    assert (items.fields, items.labels) == (
        ("sku", "name", "base_unit", "active"),
        ("ArtNr", "Text", "base_unit (profile parameter unit)", "Status"),
    )
    assert rows_of(items) == [
        (2, ["100", "Desk", "each", True]),
        (4, ["101", "Chair", "each", False]),
        (7, ["104", "Shelf", "each", "in review"]),  # unmapped: the parser will report it
    ]
    assert rows_of(units) == [(2, ["100", "carton", "2"]), (3, ["100", "pallet", "40"])]
    assert issues_of(result) == [
        (
            "warning",
            "skipped_rows",
            "Stock_Export 2026.csv",
            "Status",
            "2 row(s) not read as items: Status is one of obsolete, draft",
        ),
    ]


def test_extending_profile_replaces_one_entity_and_keeps_the_others(tmp_path: Path) -> None:
    # given a company whose ERPNext customers carry a custom "Market Segment" field
    path = write_profile(
        tmp_path,
        """\
extends: erpnext
parameters:
  company_currency: GBP
entities:
  customers:
    - tables: [Customer]
      fields:
        external_id: ID
        name: Customer Name
        segment: Market Segment
""",
    )
    customers = raw(
        "Customer",
        ["ID", "Customer Name", "Market Segment", "Territory"],
        [["C-1", "Acme", "Education", "UK"]],
    )
    items = raw("Item", ["Item Code", "Item Name", "Stock UOM"], [["A-1", "Desk", "Nos"]])

    # when
    profile = load_profile(str(path))
    result = profile.apply(SourceRead(tables=[customers, items]))

    # then
    assert profile.http_resources() == load_profile("erpnext").http_resources()
    assert [(t.entity, rows_of(t)) for t in result.tables] == [
        ("customers", [(2, ["C-1", "Acme", "Education"])]),
        ("items", [(2, ["A-1", "Desk", "Nos", "GBP"])]),
    ]


def test_the_documented_example_reads_the_documented_export(tmp_path: Path) -> None:
    # given the profile and the export exactly as docs/mapping-profiles.md shows them
    doc = DOCS.read_text(encoding="utf-8")
    profile_text = re.search(r"```yaml\n(# mapping/legacy-erp\.yaml\n.*?)```", doc, re.S)
    export_text = re.search(r"```\n(ArtNr;.*?)```", doc, re.S)
    assert profile_text is not None and export_text is not None
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "Artikel_Export.csv").write_text(export_text.group(1), encoding="utf-8")
    (folder / "price_lists.csv").write_text("code,name,currency\nVK-STANDARD,Standard,EUR\n")
    (folder / "product_groups.csv").write_text("code,name\nMöbel,Möbel\n", encoding="utf-8")
    profile = load_profile(str(write_profile(tmp_path, profile_text.group(1), "legacy-erp.yaml")))

    # when
    result = profile.apply(FolderSource(folder).read())

    # then: what the document says it gives
    export = "Artikel_Export.csv"
    assert rows_of(table(result, "items", export)) == [
        (2, ["100", "Schreibtisch 120", "Möbel", "Stk", True]),
        (4, ["101", "Bürostuhl", "Möbel", "Stk", False]),
    ]
    assert rows_of(table(result, "item_units", export)) == [
        (2, ["100", "Karton", "1"]),
        (3, ["100", "Palette", "20"]),
    ]
    assert rows_of(table(result, "price_list_entries", export)) == [
        (2, ["VK-STANDARD", "100", "449,00"]),
        (4, ["VK-STANDARD", "101", "289,00"]),
    ]
    assert [str(i) for i in result.issues] == [
        f"{export}, column 'Status': 1 row(s) not read as items: a discontinued article",
        f"{export}, column 'Status': 1 row(s) not read as price_list_entries: "
        "a discontinued article",
    ]
    parsed = parse(result)
    assert check(parsed, _EmptyCatalog()) == []
    assert parsed.records["price_list_entries"][0][7] == Decimal("449.00")


# fmt: off
INVALID_PROFILES = [
    pytest.param(
        "name: x\nentities:\n  items:\n    - tablez: [Items]\n",
        4,
        "unknown key 'tablez'; expected one of tables, fields, category_paths, fill_down, "
        "skip_blank, keep_rows, if_column, requires_parameter",
        id="unknown-key",
    ),
    pytest.param(
        "entities:\n  customers:\n    - tables: Customers\n      fields:\n"
        "        external_id: No\n        name: Name\n"
        "        active: {column: Disabled, transform: invert}\n",
        7,
        "unknown transform 'invert'; known: not, odoo_reference, strip_currency_suffix, "
        "html_to_text",
        id="unknown-transform",
    ),
    pytest.param(
        "entities:\n  items:\n    - tables: Items\n      fields:\n        sku: SKU\n"
        "        name: Name\n        base_unit: Unit\n        colour: Colour\n",
        8,
        "items has no field 'colour'; its fields: sku, name, description, base_unit, "
        "product_group, brand, unit_cost, cost_currency, active",
        id="unknown-field",
    ),
    pytest.param(
        "entities:\n  items:\n    - tables: Items\n      fields:\n        sku: SKU\n",
        4,
        "items needs a mapping for name, base_unit",
        id="required-field-unmapped",
    ),
    pytest.param(
        "entities:\n  exchange_rates:\n    - tables: Rates\n      fields:\n"
        "        from_currency: {value: '${house_currency}'}\n        to_currency: To\n"
        "        valid_date: Date\n        rate: Rate\n",
        5,
        "unknown parameter ${house_currency} (parameters: none declared)",
        id="unknown-parameter",
    ),
    pytest.param(
        "entities:\n  items:\n    - tables: [Items\n      fields: {}\n",
        4,
        "not valid YAML: expected ',' or ']', but got ':'",
        id="yaml-syntax",
    ),
    pytest.param(
        "extends: sap\n", 1, "'extends' names a built-in profile (erpnext, odoo)", id="bad-base"
    ),
    pytest.param(
        "entities:\n  suppliers:\n    - tables: Suppliers\n",
        2,
        "unknown entity 'suppliers'; expected one of product_groups, items, item_units, "
        "price_lists, price_list_entries, customers, exchange_rates",
        id="unknown-entity",
    ),
]
# fmt: on


@pytest.mark.parametrize(("text", "line", "message"), INVALID_PROFILES)
def test_invalid_mapping_file_names_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    # given
    path = write_profile(tmp_path, text)

    # when
    with pytest.raises(InvalidInput) as raised:
        load_profile(str(path))

    # then
    assert raised.value.detail == f"{path}:{line}: {message}"
    assert raised.value.extensions == {"file": str(path), "line": line}


def test_unknown_profile_name_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="unknown profile 'sap': expected canonical, erpnext"):
        load_profile("sap")


# -- transforms -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", True), (1, False), ("Yes", False), (False, True), ("maybe", "maybe")],
)
def test_inverted_flag(value: object, expected: object) -> None:
    assert inverted(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[OD-DESK-120] Office Desk 120", "OD-DESK-120"),
        ("[FURN_0001] Desk (Black, Steel)", "FURN_0001"),
        ("Office Desk", "Office Desk"),
    ],
)
def test_odoo_reference(value: str, expected: str) -> None:
    assert odoo_reference(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Public Pricelist (EUR)", "Public Pricelist"),
        ("Distributors (2025) (USD)", "Distributors (2025)"),
        ("Reseller (tier 2)", "Reseller (tier 2)"),
    ],
)
def test_strip_currency_suffix(value: str, expected: str) -> None:
    assert strip_currency_suffix(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '<div class="ql-editor"><p>Oak &amp; steel</p><p>120 x  80<br>cm</p></div>',
            "Oak & steel\n120 x 80\ncm",
        ),
        ("No markup < here", "No markup < here"),
        ("<p> </p>", None),
    ],
)
def test_html_to_text(value: str, expected: str | None) -> None:
    assert html_to_text(value) == expected
