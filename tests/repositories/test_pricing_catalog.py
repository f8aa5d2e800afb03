"""Loading the pricing catalog of a pinned catalog version from the database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from exports import small_export, write_export
from sqlalchemy import Engine
from statements import statements

from cpq.pricing.snapshot import (
    Customer,
    ExchangeRate,
    Item,
    PriceEntry,
    PriceList,
    PricingCatalog,
)
from cpq.repositories.pricing_catalog import load_full_pricing_catalog, load_pricing_catalog
from cpq.services.catalog_sync import SyncOutcome, run_sync
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

DEMO_EXPORT = Path(__file__).resolve().parents[2] / "catalog" / "demo-export"


def sync(engine: Engine, folder: Path) -> SyncOutcome:
    return run_sync(engine, FolderSource(folder), load_profile("canonical"), models_dir=None)


def load(
    engine: Engine, version: int, skus: list[str], customer: str | None = None
) -> PricingCatalog:
    with engine.connect() as conn:
        return load_pricing_catalog(conn, version, skus, customer)


def test_a_sku_is_loaded_with_its_groups_units_prices_lists_and_rates(
    engine: Engine, tmp_path: Path
) -> None:
    sync(engine, write_export(tmp_path / "x", small_export()))

    catalog = load(engine, 1, ["S-100"])

    assert catalog.version == 1
    assert catalog.items == {
        "S-100": Item(
            sku="S-100",
            name="Temperature sensor",
            base_unit="each",
            groups=("HW", "SENS"),
            brand="Acme",
            unit_cost=Decimal("40.00"),
            cost_currency="EUR",
        )
    }
    assert catalog.units == {("S-100", "each"): Decimal(1)}
    assert catalog.entries == {
        ("STD-EUR", "S-100"): (
            PriceEntry("STD-EUR", "S-100", "each", Decimal("0"), Decimal("79.00")),
            PriceEntry("STD-EUR", "S-100", "each", Decimal("10"), Decimal("72.00")),
        ),
        ("STD-USD", "S-100"): (
            PriceEntry("STD-USD", "S-100", "each", Decimal("0"), Decimal("86.00")),
        ),
    }
    assert catalog.price_lists == {
        "STD-EUR": PriceList("STD-EUR", "Standard EUR", "EUR", "standard"),
        "STD-USD": PriceList("STD-USD", "Standard USD", "USD", "standard"),
    }
    assert catalog.customers == {}
    assert catalog.rates == {
        ("EUR", "USD"): (ExchangeRate("EUR", "USD", date(2026, 1, 1), Decimal("1.0850")),)
    }


def test_units_in_the_box_and_the_one_customer_asked_for(engine: Engine, tmp_path: Path) -> None:
    sync(engine, write_export(tmp_path / "x", small_export()))

    catalog = load(engine, 1, ["C-10", "NO-SUCH-SKU"], customer="CUST-1")

    assert list(catalog.items) == ["C-10"]
    assert catalog.items["C-10"].groups == ("HW",)
    assert catalog.units == {("C-10", "box"): Decimal(100), ("C-10", "each"): Decimal(1)}
    assert catalog.entries == {
        ("STD-EUR", "C-10"): (PriceEntry("STD-EUR", "C-10", "box", Decimal("0"), Decimal("4.50")),)
    }
    assert catalog.customers == {
        "CUST-1": Customer("CUST-1", "Globex", "enterprise", "DACH", "EUR", None)
    }


def test_a_pinned_version_is_read_after_a_later_sync_changed_a_price(
    engine: Engine, tmp_path: Path
) -> None:
    export = small_export()
    sync(engine, write_export(tmp_path / "v1", export))
    export["price_list_entries"][0]["unit_price"] = "81.00"
    export["items"][0]["unit_cost"] = "42.00"
    assert sync(engine, write_export(tmp_path / "v2", export)).version == 2

    then, now = load(engine, 1, ["S-100"]), load(engine, 2, ["S-100"])

    def eur_prices(catalog: PricingCatalog) -> list[tuple[Decimal, Decimal]]:
        return [(e.min_quantity, e.unit_price) for e in catalog.entries[("STD-EUR", "S-100")]]

    assert (then.version, now.version) == (1, 2)
    assert eur_prices(then) == [(Decimal("0"), Decimal("79.00")), (Decimal("10"), Decimal("72.00"))]
    assert eur_prices(now) == [(Decimal("0"), Decimal("81.00")), (Decimal("10"), Decimal("72.00"))]
    assert (then.items["S-100"].unit_cost, now.items["S-100"].unit_cost) == (
        Decimal("40.00"),
        Decimal("42.00"),
    )


def test_items_that_vanished_are_loaded_inactive(engine: Engine, tmp_path: Path) -> None:
    export = small_export()
    sync(engine, write_export(tmp_path / "v1", export))
    export["items"] = [i for i in export["items"] if i["sku"] != "S-200"]
    export["price_list_entries"] = [p for p in export["price_list_entries"] if p["sku"] != "S-200"]
    sync(engine, write_export(tmp_path / "v2", export))

    assert load(engine, 1, ["S-200"]).items["S-200"].active is True
    assert load(engine, 2, ["S-200"]).items["S-200"].active is False
    assert load(engine, 2, ["S-200"]).entries == {}


def test_the_number_of_statements_does_not_grow_with_the_number_of_skus(engine: Engine) -> None:
    sync(engine, DEMO_EXPORT)
    with engine.connect() as conn:
        full = load_full_pricing_catalog(conn, 1)
        many = sorted(full.items)[:200]
        with statements(engine) as one_sku:
            one = load_pricing_catalog(conn, 1, many[:1], "C-10001")
        with statements(engine) as two_hundred_skus:
            loaded = load_pricing_catalog(conn, 1, many, "C-10001")

    assert len(one.items) == 1
    assert len(loaded.items) == 200
    assert len(one_sku) == len(two_hundred_skus) == 7
    assert loaded.items == {sku: full.items[sku] for sku in many}
    assert loaded.entries == {k: v for k, v in full.entries.items() if k[1] in many}
    assert loaded.units == {k: v for k, v in full.units.items() if k[0] in many}
    assert loaded.customers == {"C-10001": full.customers["C-10001"]}


def test_the_full_catalog_holds_every_item_price_and_customer(engine: Engine) -> None:
    sync(engine, DEMO_EXPORT)

    with engine.connect() as conn, statements(engine) as run:
        catalog = load_full_pricing_catalog(conn, 1)

    assert len(run) == 7
    assert (len(catalog.items), len(catalog.customers), len(catalog.price_lists)) == (367, 20, 6)
    assert sum(len(prices) for prices in catalog.entries.values()) == 2011
    assert all(sku in catalog.items for _, sku in catalog.entries)
