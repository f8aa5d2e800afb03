"""The in-memory catalog of a version: read once, never mixed between databases or versions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from databases import fresh_database
from exports import small_export, write_export
from sqlalchemy import Engine
from statements import statements

from cpq.db.engine import make_engine
from cpq.services.catalog_cache import CACHE
from cpq.services.catalog_sync import run_sync
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource


def _sync(engine: Engine, folder: Path, price: str) -> None:
    export = small_export()
    export["price_list_entries"][0]["unit_price"] = price
    run_sync(
        engine,
        FolderSource(write_export(folder, export)),
        load_profile("canonical"),
        models_dir=None,
    )


def _price(engine: Engine, version: int) -> Decimal:
    with engine.connect() as conn:
        catalog = CACHE.catalog(conn, version, ["S-100"], "CUST-1")
    [entry] = [e for e in catalog.entries[("STD-EUR", "S-100")] if e.min_quantity == 0]
    return entry.unit_price


def test_each_database_and_version_keeps_its_own_prices(
    engine: Engine, template_url: str, tmp_path: Path
) -> None:
    _sync(engine, tmp_path / "a1", "79.00")
    _sync(engine, tmp_path / "a2", "81.00")  # version 2 of the same database
    (tmp_path / "other").mkdir()
    with fresh_database(template_url, tmp_path / "other") as other_url:
        other = make_engine(other_url)
        _sync(other, tmp_path / "b1", "55.00")  # version 1 of another database
        assert (_price(engine, 1), _price(engine, 2), _price(other, 1)) == (
            Decimal("79.00"),
            Decimal("81.00"),
            Decimal("55.00"),
        )
        with statements(engine) as seen:
            again = _price(engine, 1)
        other.dispose()
    assert again == Decimal("79.00") and seen == []
