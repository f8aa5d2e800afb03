"""A pricing catalog straight from an export folder: the same catalog a sync would store."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

from exports import small_export, write_export
from sqlalchemy import Engine

from cpq.repositories.pricing_catalog import load_full_pricing_catalog
from cpq.services.catalog_sync import run_sync
from cpq.services.export_catalog import catalog_from_export
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

ROOT = Path(__file__).resolve().parents[2]
DEMO_EXPORT = ROOT / "catalog" / "demo-export"
ERPNEXT_EXPORT = ROOT / "tests" / "fixtures" / "erpnext"


def test_the_demo_export_loads_without_issues() -> None:
    catalog, issues = catalog_from_export(DEMO_EXPORT)

    assert issues == []
    assert catalog is not None
    assert catalog.version is None
    assert (len(catalog.items), len(catalog.customers), len(catalog.price_lists)) == (367, 20, 6)
    assert sum(len(prices) for prices in catalog.entries.values()) == 2011


def test_the_export_gives_the_catalog_the_database_gives_after_syncing_it(engine: Engine) -> None:
    from_export, _ = catalog_from_export(DEMO_EXPORT)
    run_sync(engine, FolderSource(DEMO_EXPORT), load_profile("canonical"), models_dir=None)

    with engine.connect() as conn:
        from_database = load_full_pricing_catalog(conn, 1)

    assert from_export is not None
    assert len(from_export.items) == len(from_database.items)
    assert sum(map(len, from_export.entries.values())) == sum(
        map(len, from_database.entries.values())
    )
    assert dataclasses.replace(from_database, version=None) == from_export


def test_prices_without_a_unit_are_in_the_base_unit(tmp_path: Path) -> None:
    catalog, issues = catalog_from_export(write_export(tmp_path / "x", small_export()))

    assert issues == []
    assert catalog is not None
    assert catalog.items["S-100"].groups == ("HW", "SENS")
    assert [(e.unit, e.min_quantity) for e in catalog.entries[("STD-EUR", "S-100")]] == [
        ("each", Decimal("0")),
        ("each", Decimal("10")),
    ]
    assert catalog.units[("C-10", "box")] == Decimal(100)


def test_a_broken_export_gives_no_catalog_and_every_error(tmp_path: Path) -> None:
    export = small_export()
    export["price_list_entries"].append({"price_list": "STD-EUR", "sku": "NOPE", "unit_price": "1"})
    export["items"][0]["unit_cost"] = "cheap"

    catalog, issues = catalog_from_export(write_export(tmp_path / "x", export))

    assert catalog is None
    assert sorted((i.code, i.file, i.row) for i in issues if i.is_error) == [
        ("not_a_number", "items.csv", 2),
        ("unknown_sku", "price_list_entries.csv", 7),
    ]


def test_an_export_is_checked_on_its_own_not_against_a_stored_catalog(tmp_path: Path) -> None:
    export = small_export()
    del export["items"]  # a sync would check the prices against the items already stored

    catalog, issues = catalog_from_export(write_export(tmp_path / "x", export))

    assert catalog is None
    assert {i.code for i in issues if i.is_error} == {"unknown_sku"}


def test_an_erpnext_export_is_read_with_its_profile(tmp_path: Path) -> None:
    profile = tmp_path / "acme-erpnext.yaml"
    profile.write_text("extends: erpnext\nparameters:\n  company_currency: EUR\n", encoding="utf-8")

    catalog, issues = catalog_from_export(ERPNEXT_EXPORT, str(profile))

    assert [i.code for i in issues] == ["skipped_rows"] * 3  # buying rates, prices and lists
    assert catalog is not None
    assert len(catalog.items) == 7
    assert catalog.items["CHAIR-ERGO"].groups == ("All Item Groups", "Furniture", "Chairs")
    assert catalog.units[("CABLE-M", "Roll")] == Decimal(50)
    assert [
        (e.unit, e.unit_price) for e in catalog.entries[("Standard Selling", "CHAIR-ERGO")]
    ] == [
        ("Box", Decimal("1099.0")),
        ("Nos", Decimal("289.0")),
    ]
