"""An export rewritten while a sync reads it never leaves a snapshot that differs from the rows."""

from __future__ import annotations

from pathlib import Path

from exports import small_export, write_export
from sqlalchemy import Engine

from cpq.catalog.tables import SourceRead
from cpq.repositories import catalog_read
from cpq.services.catalog_sync import run_sync
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource


class LandingExport(FolderSource):
    """Reads the folder, but the back office rewrites a price just before the read."""

    def read(self) -> SourceRead:
        prices = self.path / "price_list_entries.csv"
        prices.write_text(prices.read_text().replace("79.00", "999.00"))
        return super().read()


def test_a_file_rewritten_during_the_sync_is_not_trusted_as_the_next_baseline(
    engine: Engine, tmp_path: Path
) -> None:
    export = small_export()
    export["items"] += [
        {"sku": f"X-{n}", "name": f"Item {n}", "base_unit": "each"} for n in range(20)
    ]
    export["price_list_entries"] += [
        {"price_list": "STD-EUR", "sku": f"X-{n}", "unit_price": "5.00"} for n in range(20)
    ]
    run_sync(
        engine,
        FolderSource(write_export(tmp_path / "v1", export)),
        load_profile("canonical"),
        models_dir=None,
    )
    export["items"][0]["name"] = "Renamed"  # items changed: a full sync
    raced = write_export(tmp_path / "v2", export)
    run_sync(engine, LandingExport(raced), load_profile("canonical"), models_dir=None)
    export["price_list_entries"][2]["unit_price"] = "101.00"  # then one price line changes

    outcome = run_sync(
        engine,
        FolderSource(write_export(tmp_path / "v3", export)),
        load_profile("canonical"),
        models_dir=None,
    )

    with engine.connect() as conn:
        prices = {
            (p["price_list"], p["min_quantity"]): p["unit_price"]
            for p in catalog_read.prices(conn, outcome.version or 0, "S-100")
        }
    assert (
        str(prices[("STD-EUR", 0)]) == "79.00"
    )  # the export says 79.00, whatever the raced read saw
    assert outcome.mode == "full"
