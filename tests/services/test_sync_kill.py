"""A sync process killed in the middle of writing leaves the previous catalog version intact."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from e2e_env import cpq_env
from exports import small_export, write_csv, write_export
from sqlalchemy import Engine, func, select

from cpq.db.models import CatalogVersion, ItemRow, PriceListEntryRow, SyncRun
from cpq.services.catalog_sync import run_sync
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

ITEMS = 80_000


def big_export(folder: Path) -> Path:
    export = small_export()
    write_export(folder, export)
    items = export["items"] + [
        {"sku": f"BULK-{n:06d}", "name": f"Bulk item {n}", "base_unit": "each"}
        for n in range(ITEMS)
    ]
    write_csv(folder / "items.csv", items)
    prices = export["price_list_entries"] + [
        {"price_list": "STD-EUR", "sku": f"BULK-{n:06d}", "unit_price": f"{n % 997}.50"}
        for n in range(ITEMS)
    ]
    write_csv(folder / "price_list_entries.csv", prices)
    return folder


def snapshot(engine: Engine) -> tuple[int | None, int, int]:
    with engine.connect() as conn:
        version = conn.execute(select(func.max(CatalogVersion.id))).scalar()
        items = conn.execute(select(func.count()).select_from(ItemRow)).scalar_one()
        prices = conn.execute(select(func.count()).select_from(PriceListEntryRow)).scalar_one()
    return version, items, prices


def test_kill_during_apply_keeps_the_previous_version(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    run_sync(
        engine,
        FolderSource(write_export(tmp_path / "v1", small_export())),
        load_profile("canonical"),
        models_dir=None,
    )
    before = snapshot(engine)
    folder = big_export(tmp_path / "big")

    process = subprocess.Popen(
        [sys.executable, "-m", "cpq", "sync", str(folder), "--no-models"],
        env=cpq_env(database_url=db_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 120
    seen = []
    for line in process.stderr:  # the sync logs each phase as it starts
        seen.append(line)
        if "Applying changes" in line or time.monotonic() > deadline:
            break
    process.kill()
    process.wait()

    assert any("Applying changes" in line for line in seen), "".join(seen)
    assert process.returncode == -9  # killed, not finished
    assert snapshot(engine) == before
    with engine.connect() as conn:
        statuses = [s for (s,) in conn.execute(select(SyncRun.status).order_by(SyncRun.id))]
    assert statuses == ["succeeded", "running"]

    outcome = run_sync(engine, FolderSource(folder), load_profile("canonical"), models_dir=None)

    assert (outcome.status, outcome.interrupted_runs) == ("succeeded", 1)
    assert outcome.version is not None and before[0] is not None and outcome.version > before[0]
    # (on PostgreSQL the killed transaction used up a sequence number: versions may skip one)
    assert outcome.diff["items"]["added"] == ITEMS
    with engine.connect() as conn:
        statuses = [s for (s,) in conn.execute(select(SyncRun.status).order_by(SyncRun.id))]
    assert statuses == ["succeeded", "interrupted", "succeeded"]
