"""Syncing the catalog: all-or-nothing validation, versions, idempotency, deactivation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from exports import small_export, write_csv, write_export
from sqlalchemy import Engine, func, select

from cpq.db.models import CatalogVersion, ItemRow, PriceListEntryRow, SyncRun
from cpq.errors import InvalidInput, SyncInProgress
from cpq.repositories import catalog_read
from cpq.services.catalog_sync import SyncOutcome, run_sync
from cpq.sync.lock import sync_lock
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource


def sync(engine: Engine, folder: Path, models: Path | None = None) -> SyncOutcome:
    return run_sync(engine, FolderSource(folder), load_profile("canonical"), models_dir=models)


def count(engine: Engine, model: type, *where: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one())  # type: ignore[arg-type]


def current_items(engine: Engine) -> dict[str, dict[str, object]]:
    with engine.connect() as conn:
        version = catalog_read.resolve_version(conn, None)
        assert version is not None
        rows = catalog_read.products(
            conn,
            version,
            text=None,
            groups=None,
            brand=None,
            include_inactive=True,
            after=None,
            limit=1000,
        )
    return {r["sku"]: r for r in rows}


def test_a_first_sync_creates_version_one_with_every_entity(engine: Engine, tmp_path: Path) -> None:
    outcome = sync(engine, write_export(tmp_path / "x", small_export()))

    assert (outcome.status, outcome.version) == ("succeeded", 1)
    assert {k: v["added"] for k, v in outcome.diff.items()} == {
        "product_groups": 2,
        "items": 3,
        "item_units": 1,
        "price_lists": 2,
        "price_list_entries": 5,
        "customers": 1,
        "exchange_rates": 1,
    }
    assert count(engine, ItemRow) == 3
    with engine.connect() as conn:
        prices = catalog_read.prices(conn, 1, "S-100")
    assert [(p["price_list"], p["unit"], p["min_quantity"], p["unit_price"]) for p in prices] == [
        ("STD-EUR", "each", Decimal("0"), Decimal("79.00")),
        ("STD-EUR", "each", Decimal("10"), Decimal("72.00")),
        ("STD-USD", "each", Decimal("0"), Decimal("86.00")),
    ]


def test_the_same_export_twice_creates_no_new_version(engine: Engine, tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x", small_export())
    sync(engine, folder)

    again = sync(engine, folder)

    assert (again.status, again.version) == ("unchanged", 1)
    assert count(engine, CatalogVersion) == 1
    assert count(engine, ItemRow) == 3
    assert all(v["added"] == v["changed"] == v["deactivated"] == 0 for v in again.diff.values())


def test_a_changed_price_is_a_new_row_version_and_the_old_version_still_reads(
    engine: Engine, tmp_path: Path
) -> None:
    export = small_export()
    sync(engine, write_export(tmp_path / "v1", export))
    export["price_list_entries"][0]["unit_price"] = "81.00"

    outcome = sync(engine, write_export(tmp_path / "v2", export))

    assert outcome.version == 2
    assert outcome.diff["price_list_entries"]["changed"] == 1
    assert outcome.diff["price_list_entries"]["samples"]["changed"] == [
        {"key": "STD-EUR / S-100 / each / 0", "fields": {"unit_price": ["79", "81"]}}
    ]
    with engine.connect() as conn:
        now = {
            p["min_quantity"]: p["unit_price"]
            for p in catalog_read.prices(conn, 2, "S-100")
            if p["price_list"] == "STD-EUR"
        }
        then = {
            p["min_quantity"]: p["unit_price"]
            for p in catalog_read.prices(conn, 1, "S-100")
            if p["price_list"] == "STD-EUR"
        }
    assert now == {Decimal("0"): Decimal("81.00"), Decimal("10"): Decimal("72.00")}
    assert then == {Decimal("0"): Decimal("79.00"), Decimal("10"): Decimal("72.00")}
    assert count(engine, PriceListEntryRow) == 6  # one closed, one new, four untouched


def test_items_that_disappear_are_deactivated_never_deleted(engine: Engine, tmp_path: Path) -> None:
    export = small_export()
    sync(engine, write_export(tmp_path / "v1", export))
    export["items"] = [i for i in export["items"] if i["sku"] != "S-200"]
    export["price_list_entries"] = [p for p in export["price_list_entries"] if p["sku"] != "S-200"]

    outcome = sync(engine, write_export(tmp_path / "v2", export))

    assert outcome.diff["items"]["deactivated"] == 1
    assert outcome.diff["items"]["samples"]["deactivated"] == ["S-200"]
    assert current_items(engine)["S-200"]["active"] is False
    assert (
        count(engine, ItemRow, ItemRow.sku == "S-200") == 2
    )  # the active row of v1, the inactive of v2

    unchanged = sync(engine, write_export(tmp_path / "v3", export))
    assert unchanged.status == "unchanged"


def test_an_entity_left_out_of_the_export_stays_as_it_is(engine: Engine, tmp_path: Path) -> None:
    sync(engine, write_export(tmp_path / "v1", small_export()))
    rates_only = tmp_path / "rates"
    write_export(
        rates_only,
        {
            "exchange_rates": [
                {
                    "from_currency": "EUR",
                    "to_currency": "USD",
                    "valid_date": "2026-02-01",
                    "rate": "1.09",
                }
            ]
        },
    )

    outcome = sync(engine, rates_only)

    assert list(outcome.diff) == ["exchange_rates"]
    assert outcome.diff["exchange_rates"]["added"] == 1
    assert outcome.diff["exchange_rates"]["deactivated"] == 1
    assert len(current_items(engine)) == 3


def test_prices_alone_are_checked_against_stored_items(engine: Engine, tmp_path: Path) -> None:
    sync(engine, write_export(tmp_path / "v1", small_export()))
    prices = tmp_path / "prices"
    write_export(
        prices,
        {
            "price_list_entries": [
                {"price_list": "STD-EUR", "sku": "S-100", "unit_price": "1"},
                {"price_list": "STD-EUR", "sku": "GHOST", "unit_price": "1"},
            ]
        },
    )

    with pytest.raises(InvalidInput) as failure:
        sync(engine, prices)

    assert [(i.row, i.code) for i in failure.value.extensions["issues"] if i.is_error] == [
        (3, "unknown_sku")
    ]


def test_every_validation_error_at_once_and_nothing_applied(engine: Engine, tmp_path: Path) -> None:
    sync(engine, write_export(tmp_path / "v1", small_export()))
    bad = small_export()
    bad["items"].append({"sku": "S-100", "name": "again", "base_unit": "each"})  # duplicate SKU
    bad["price_list_entries"] += [
        {
            "price_list": "STD-EUR",
            "sku": "S-200",
            "unit_price": "99.90",
        },  # duplicate in a price list
        {"price_list": "STD-EUR", "sku": "C-10", "unit_price": "-1"},  # negative
        {"price_list": "STD-USD", "sku": "S-200", "unit_price": "abc"},  # not a number
        {"price_list": "STD-USD", "sku": "NOPE", "unit_price": "1"},  # unknown SKU
        {"price_list": "STD-USD", "sku": "C-10", "unit_price": "1", "valid_from": "2026-01-01"},
        {
            "price_list": "STD-USD",
            "sku": "C-10",
            "unit_price": "2",
            "valid_from": "2026-03-01",
        },  # overlap
    ]
    bad["price_lists"].append(
        {"code": "STD-XYZ", "name": "?", "currency": "XYZ"}
    )  # unknown currency
    bad["exchange_rates"].append(
        {"from_currency": "EUR", "to_currency": "GBP", "valid_date": "2026-01-01", "rate": "0"}
    )
    folder = write_export(tmp_path / "bad", bad)

    with pytest.raises(InvalidInput) as failure:
        sync(engine, folder)

    errors = [
        (i.file, i.row, i.column, i.code) for i in failure.value.extensions["issues"] if i.is_error
    ]
    assert sorted(errors, key=str) == sorted(
        [
            ("items.csv", 5, "sku", "duplicate_key"),
            ("price_list_entries.csv", 7, "sku", "duplicate_key"),
            ("price_list_entries.csv", 8, "unit_price", "negative"),
            ("price_list_entries.csv", 9, "unit_price", "not_a_number"),
            ("price_list_entries.csv", 10, "sku", "unknown_sku"),
            ("price_list_entries.csv", 12, "valid_from", "overlapping_validity"),
            ("price_lists.csv", 4, "currency", "unknown_currency"),
            ("exchange_rates.csv", 3, "rate", "not_positive"),
        ],
        key=str,
    )
    assert count(engine, CatalogVersion) == 1
    assert count(engine, ItemRow) == 3
    with engine.connect() as conn:
        last = conn.execute(
            select(SyncRun.status, SyncRun.error_count).order_by(SyncRun.id.desc())
        ).first()  # type: ignore[union-attr]
    assert last is not None and tuple(last) == ("failed", 8)


def test_bad_encoding_and_missing_columns_fail_the_sync(engine: Engine, tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x", small_export())
    (folder / "customers.csv").write_bytes(
        "external_id,name\nC-1,M\xfcller GmbH\n".encode("cp1252")
    )
    write_csv(folder / "items.csv", [{"sku": "S-100", "name": "no unit column"}])

    with pytest.raises(InvalidInput) as failure:
        sync(engine, folder)

    codes = {(i.file, i.code) for i in failure.value.extensions["issues"] if i.is_error}
    assert ("customers.csv", "bad_encoding") in codes
    assert ("items.csv", "missing_column") in codes
    assert count(engine, CatalogVersion) == 0


def test_warnings_do_not_block(engine: Engine, tmp_path: Path) -> None:
    export = small_export()
    export["items"].append({"sku": "NEW-1", "name": "Unpriced", "base_unit": "each"})

    outcome = sync(engine, write_export(tmp_path / "x", export))

    assert outcome.status == "succeeded"
    assert [(i.code, i.row) for i in outcome.issues] == [("no_price", 5)]


def test_a_second_sync_while_one_runs_is_refused(engine: Engine, tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x", small_export())

    with sync_lock(engine), pytest.raises(SyncInProgress):
        sync(engine, folder)

    assert sync(engine, folder).status == "succeeded"


def test_awkward_text_and_numbers_round_trip_exactly(engine: Engine, tmp_path: Path) -> None:
    export = small_export()
    awkward = [
        "tab\there",
        "line\nbreak",
        "back\\slash",
        "\\N",
        "a\r\nb",
        "Grüße, 東京 — ✓",
        '"quoted"',
    ]
    for item, name in zip(export["items"], awkward, strict=False):
        item["name"] = name
        item["description"] = name + " (description)"
    export["items"][0]["unit_cost"] = "1E+2"
    export["items"].append(
        {
            "sku": "Z-9",
            "name": awkward[3],
            "base_unit": "each",
            "unit_cost": "0.000001",
            "cost_currency": "EUR",
        }
    )
    export["price_list_entries"].append(
        {"price_list": "STD-EUR", "sku": "Z-9", "unit_price": "12.50", "valid_from": "2026-02-28"}
    )

    sync(engine, write_export(tmp_path / "x", export))

    stored = current_items(engine)
    for item in export["items"]:
        assert stored[str(item["sku"])]["name"] == item["name"]
    assert stored["S-100"]["description"] == "tab\there (description)"
    with engine.connect() as conn:
        (price,) = catalog_read.prices(conn, 1, "Z-9")
    assert (str(price["unit_price"]), price["valid_from"].isoformat()) == ("12.50", "2026-02-28")
    assert sync(engine, tmp_path / "x").status == "unchanged"
