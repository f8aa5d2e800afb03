"""Catalog sync benchmark: 100,000 items x 3 price lists (300,000 price rows).

Measured on SQLite and PostgreSQL, each figure in its own process (so peak memory is that
step's own): the floor (the same rows bulk-inserted by the driver alone: sqlite3 executemany,
psycopg COPY), a full sync into an empty catalog, and a re-sync with 1% of the price rows changed.
Targets: full sync <= 2x the floor; 1% re-sync <= 10% of the full sync; peak memory <= 500 MB.
Each figure is the median of --repeat runs (default 3); peak memory is the largest seen.

    python bench/sync_bench.py [--items 100000] [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.table import Table

LISTS = (("STD-EUR", "EUR"), ("STD-USD", "USD"), ("STD-GBP", "GBP"))


def generate(folder: Path, items: int, changed_share: float = 0.0, seed: int = 7) -> None:
    """Write a canonical export; with ``changed_share``, that share of price rows is repriced."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "price_lists.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "currency", "kind"])
        for code, currency in LISTS:
            w.writerow([code, f"Standard {currency}", currency, "standard"])
    with (folder / "items.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["sku", "name", "description", "base_unit", "brand", "unit_cost", "cost_currency"]
        )
        for n in range(items):
            w.writerow(
                [
                    f"SKU-{n:07d}",
                    f"Item {n}",
                    f"Benchmark item number {n}",
                    "each",
                    f"Brand {n % 17}",
                    f"{rng.randint(100, 99999) / 100:.2f}",
                    "EUR",
                ]
            )
    change = random.Random(seed + 1)
    with (folder / "price_list_entries.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["price_list", "sku", "unit_price"])
        for n in range(items):
            for code, _ in LISTS:
                price = Decimal(100 + (n * 7 + len(code)) % 9000) / 100
                if changed_share and change.random() < changed_share:
                    price += Decimal("1.00")
                w.writerow([code, f"SKU-{n:07d}", f"{price:.2f}"])


def _rows(
    folder: Path,
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The rows as the floor inserts them: already typed, nothing validated or diffed."""
    with (folder / "items.csv").open(newline="") as f:
        r = csv.reader(f)
        next(r)
        items = [
            (s, n, d, u, None, b, Decimal(c), cc, True, 1, "0" * 32) for s, n, d, u, b, c, cc in r
        ]
    with (folder / "price_list_entries.csv").open(newline="") as f:
        r = csv.reader(f)
        next(r)
        entries = [
            (pl, s, "each", Decimal(0), None, None, None, Decimal(p), None, 1, "0" * 32)
            for pl, s, p in r
        ]
    lists = [
        (code, f"Standard {cur}", cur, "standard", None, None, True, 1, "0" * 32)
        for code, cur in LISTS
    ]
    return items, entries, lists


ITEM_COLS = "sku, name, description, base_unit, product_group, brand, unit_cost, cost_currency, active, version_from, row_hash"
ENTRY_COLS = "price_list, sku, unit, min_quantity, valid_from, valid_to, customer, unit_price, currency, version_from, row_hash"
LIST_COLS = "code, name, currency, kind, valid_from, valid_to, active, version_from, row_hash"


def floor(url: str, folder: Path) -> None:
    items, entries, lists = _rows(folder)
    from cpq.db.engine import make_engine

    engine = make_engine(url)
    start = time.perf_counter()
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            with raw.cursor() as cur:  # type: ignore[union-attr]
                for table, cols, rows in (
                    ("items", ITEM_COLS, items),
                    ("price_list_entries", ENTRY_COLS, entries),
                    ("price_lists", LIST_COLS, lists),
                ):
                    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
        else:
            cur = raw.cursor()  # type: ignore[union-attr]

            def plain(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
                return [tuple(str(v) if isinstance(v, Decimal) else v for v in row) for row in rows]

            for table, cols, rows in (
                ("items", ITEM_COLS, plain(items)),
                ("price_list_entries", ENTRY_COLS, plain(entries)),
                ("price_lists", LIST_COLS, lists),
            ):
                marks = ", ".join("?" for _ in cols.split(","))
                cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
    report(time.perf_counter() - start)


def sync(url: str, folder: Path) -> None:
    from cpq.db.engine import make_engine
    from cpq.services.catalog_sync import run_sync
    from cpq.sync.mapping import load_profile
    from cpq.sync.sources.files import FolderSource

    engine = make_engine(url)
    start = time.perf_counter()
    outcome = run_sync(engine, FolderSource(folder), load_profile("canonical"), models_dir=None)
    elapsed = time.perf_counter() - start
    assert outcome.status == "succeeded", outcome.status
    report(
        elapsed,
        timings=outcome.timings,
        diff={
            k: {c: v[c] for c in ("added", "changed", "deactivated")}
            for k, v in outcome.diff.items()
        },
    )


def report(seconds: float, **extra: object) -> None:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, **extra}))


def settle(url: str) -> None:
    """Flush PostgreSQL's dirty pages first, so no step pays for the previous step's writes."""
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        from cpq.db.engine import normalise_url

        with create_engine(normalise_url(url), isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("CHECKPOINT"))


def step(kind: str, url: str, folder: Path) -> dict[str, object]:
    settle(url)
    done = subprocess.run(
        [sys.executable, __file__, "--step", kind, "--url", url, "--folder", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{kind} on {url} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


CREATED: list[str] = []


def drop_databases(pg: str) -> None:
    from sqlalchemy import create_engine, text

    from cpq.db.engine import normalise_url

    admin = create_engine(normalise_url(pg), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in CREATED:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def fresh_database(backend: str, pg: str, tmp: Path) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from cpq.db.engine import make_engine, normalise_url
    from cpq.db.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'{uuid.uuid4().hex}.sqlite3'}"
    else:
        name = f"cpq_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(normalise_url(pg), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        CREATED.append(name)
        url = make_url(normalise_url(pg)).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per figure; the median is shown"
    )
    parser.add_argument("--step")
    parser.add_argument("--url")
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.step:
        {"floor": floor, "sync": sync}[args.step](args.url, Path(args.folder))
        return

    console = Console(width=130)
    table = Table(
        title=f"Catalog sync: {args.items:,} items x {len(LISTS)} price lists ({args.items * len(LISTS):,} price rows), median of {args.repeat} runs"
    )
    for column in (
        "engine",
        "floor s",
        "full sync s",
        "full / floor",
        "1% re-sync s",
        "re-sync / full",
        "peak MB",
        "verdict",
    ):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory(prefix="cpq-bench-") as tmp_name:
        tmp = Path(tmp_name)
        console.log("generating exports")
        generate(tmp / "full", args.items)
        generate(tmp / "changed", args.items, changed_share=0.01)
        for backend in args.backends.split(","):
            floors, fulls, resyncs = [], [], []
            for _ in range(args.repeat):  # medians: this machine's timings wander by 20-30%
                console.log(f"{backend}: floor")
                floors.append(step("floor", fresh_database(backend, args.pg, tmp), tmp / "full"))
                url = fresh_database(backend, args.pg, tmp)
                console.log(f"{backend}: full sync, then the 1% re-sync")
                fulls.append(step("sync", url, tmp / "full"))
                resyncs.append(step("sync", url, tmp / "changed"))
            f, full, re = (
                statistics.median(float(r["seconds"]) for r in runs)
                for runs in (floors, fulls, resyncs)
            )  # type: ignore[arg-type]
            console.log(
                f"{backend}: full {fulls[-1]['timings']}, re-sync {resyncs[-1]['timings']} {resyncs[-1]['diff']}"
            )
            ratio, share = full / f, re / full
            peak = max(float(r["peak_mb"]) for r in fulls + resyncs)  # type: ignore[arg-type]
            ok = ratio <= 2 and share <= 0.10 and peak <= 500
            table.add_row(
                backend,
                f"{f:.2f}",
                f"{full:.2f}",
                f"{ratio:.2f}x",
                f"{re:.2f}",
                f"{share:.1%}",
                f"{peak:.0f}",
                "meets targets" if ok else "MISSES",
            )
    console.print(table)
    if CREATED:
        drop_databases(args.pg)


if __name__ == "__main__":
    main()
