"""Re-sync by lines: when a few lines of the price or rate export changed, read just those.

It gives exactly the outcome of a full sync, or none at all, and then the caller runs the full
sync. It goes ahead only when:
- the export is canonical CSV in a folder, and every entity in it has a clean stored snapshot
  (the text its current rows came from, written by a run without warnings, still valid);
- only price list entries or exchange rates changed (nothing refers to them), line by line;
- the changed rows, checked together with every stored row they could clash with, raise no
  issue at all, refer only to active records, and leave no active item without a price.
Anything else (errors, warnings, other changes) is the full sync's to find and report.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from cpq.catalog import entities as E
from cpq.catalog.checks import check
from cpq.catalog.delta import LineDelta, line_delta
from cpq.catalog.diff import CurrentRow, EntityChanges, diff, report
from cpq.catalog.parse import Parsed, Record, parse
from cpq.catalog.values import key_function
from cpq.repositories import catalog_store, raw_snapshots, sync_runs
from cpq.services.sync_events import announce_sync
from cpq.services.sync_parts import (
    Clock,
    Progress,
    SyncOutcome,
    add_product_models,
    apply_changes,
)
from cpq.sync.mapping import Profile, load_profile
from cpq.sync.sources.files import FolderSource

# Entities nothing refers to: changing one of their rows cannot invalidate another record.
BY_LINES = (E.PRICE_LIST_ENTRIES.name, E.EXCHANGE_RATES.name)
# A changed row can clash (duplicate key, overlapping validity) only with rows sharing this field.
NEIGHBOURS = {E.PRICE_LIST_ENTRIES.name: "sku", E.EXCHANGE_RATES.name: "from_currency"}


def export_texts(source: object, profile: Profile) -> dict[str, str] | None:
    """Each entity's export text, when the source is a folder of canonical UTF-8 CSV files."""
    if profile.name != "canonical" or not isinstance(source, FolderSource):
        return None
    if not source.path.is_dir() or source.encoding != "utf-8":
        return None
    texts: dict[str, str] = {}
    for entry in sorted(source.path.iterdir()):
        if entry.is_dir() or entry.name.startswith("."):
            continue
        name = entry.stem.lower()
        if (
            entry.suffix.lower() != ".csv"
            or name not in E.BY_NAME
            or name == E.PRODUCT_MODELS.name
            or name in texts
        ):
            return None
        try:
            texts[name] = entry.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            return None
    return texts or None


class _Around:
    """The stored reference data the given price rows refer to, and nothing more: loading all
    100,000 items to check 1,000 changed prices would cost more than the prices. A check with
    ``complete=False`` of price rows looks up nothing else."""

    def __init__(self, conn: Connection, records: list[Record]) -> None:
        pe = E.PRICE_LIST_ENTRIES
        self.conn = conn
        self.skus = {r[pe.index("sku")] for r in records}
        self.lists = {r[pe.index("price_list")] for r in records}
        self.customer_ids = {r[pe.index("customer")] for r in records} - {None}
        self.memo: dict[str, Any] = {}

    def _rows(self, entity: E.Entity, field: str, values: set[object]) -> list[Record]:
        if entity.name not in self.memo:
            found = (
                catalog_store.current_records(self.conn, entity, field, values) if values else []
            )
            self.memo[entity.name] = [record for _, _, record in found]
        return list(self.memo[entity.name])

    def group_parents(self) -> dict[str, str | None]:
        return dict(catalog_store.StoredCatalog(self.conn).group_parents())

    def items(self) -> dict[str, tuple[str, bool]]:
        i = E.ITEMS
        return {
            str(r[0]): (str(r[i.index("base_unit")]), bool(r[i.index("active")]))
            for r in self._rows(i, "sku", self.skus)
        }

    def units(self) -> dict[tuple[str, str], Any]:
        return {(str(r[0]), str(r[1])): r[2] for r in self._rows(E.ITEM_UNITS, "sku", self.skus)}

    def price_lists(self) -> dict[str, str]:
        pl = E.PRICE_LISTS
        return {str(r[0]): str(r[pl.index("currency")]) for r in self._rows(pl, "code", self.lists)}

    def active_price_lists(self) -> set[str]:
        return {
            str(r[0])
            for r in self._rows(E.PRICE_LISTS, "code", self.lists)
            if r[E.PRICE_LISTS.index("active")]
        }

    def customers(self) -> frozenset[str]:
        return frozenset(
            str(r[0]) for r in self._rows(E.CUSTOMERS, "external_id", self.customer_ids)
        )

    def active_customers(self) -> set[str]:
        return {
            str(r[0])
            for r in self._rows(E.CUSTOMERS, "external_id", self.customer_ids)
            if r[E.CUSTOMERS.index("active")]
        }

    def priced_skus(self) -> frozenset[str]:
        raise AssertionError("a partial check never judges coverage")


class _ItemsOnDemand(Mapping[str, bool]):
    """SKU -> active, looked up one SKU at a time (the product models name a few dozen)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.known: dict[str, bool | None] = {}

    def __getitem__(self, sku: str) -> bool:
        if sku not in self.known:
            rows = catalog_store.current_records(self.conn, E.ITEMS, "sku", [sku])
            self.known[sku] = bool(rows[0][2][E.ITEMS.index("active")]) if rows else None
        active = self.known[sku]
        if active is None:
            raise KeyError(sku)
        return active

    def __iter__(self) -> Iterator[str]:
        return iter(catalog_store.StoredCatalog(self.conn).items())

    def __len__(self) -> int:
        return len(catalog_store.StoredCatalog(self.conn).items())


def _parse_lines(entity: str, header: str, lines: list[tuple[int, str]]) -> Parsed | None:
    """Parse some lines of an export as the full sync would, keeping their row numbers."""
    with tempfile.TemporaryDirectory(prefix="cpq-lines-") as tmp:
        path = Path(tmp) / f"{entity}.csv"
        path.write_text(header + "\n" + "".join(line + "\n" for _, line in lines), encoding="utf-8")
        read = FolderSource(path).read()
    numbers = [n for n, _ in lines]
    for table in read.tables:
        table.rows = [(numbers[row - 2], cells) for row, cells in table.rows]
    parsed = parse(load_profile("canonical").apply(read))
    parsed.records.setdefault(entity, [])
    parsed.where.setdefault(entity, [])
    return None if parsed.issues else parsed


def _with_base_units(
    records: list[Record], items: dict[str, tuple[str, bool]]
) -> list[Record] | None:
    i_sku, i_unit = E.PRICE_LIST_ENTRIES.index("sku"), E.PRICE_LIST_ENTRIES.index("unit")
    out = []
    for record in records:
        if record[i_unit] is None:
            item = items.get(str(record[i_sku]))
            if item is None:
                return None
            record = (*record[:i_unit], item[0], *record[i_unit + 1 :])
        out.append(record)
    return out


def _refers_to_active_only(records: list[Record], around: _Around) -> bool:
    """A full sync checks references against the export, which lacks records that vanished
    (kept inactive); the stored catalog still has them. Only active targets are certain."""
    pe = E.PRICE_LIST_ENTRIES
    items, lists, customers = around.items(), around.active_price_lists(), around.active_customers()
    for record in records:
        customer = record[pe.index("customer")]
        if (
            not items[str(record[pe.index("sku")])][1]
            or record[pe.index("price_list")] not in lists
        ):
            return False
        if customer is not None and customer not in customers:
            return False
    return True


def _changes(conn: Connection, entity: E.Entity, delta: LineDelta) -> EntityChanges | None:
    name = entity.name
    added = _parse_lines(name, delta.header, delta.added)
    removed = _parse_lines(name, delta.header, [(2, line) for line in delta.removed])
    if added is None or removed is None:
        return None
    new, old = added.records[name], removed.records[name]
    near = entity.index(NEIGHBOURS[name])
    related = catalog_store.current_records(
        conn, entity, NEIGHBOURS[name], {r[near] for r in new + old}
    )
    around = _Around(
        conn,
        [record for _, _, record in related] + new + old if entity is E.PRICE_LIST_ENTRIES else [],
    )
    if entity is E.PRICE_LIST_ENTRIES:
        resolved = _with_base_units(old, around.items())
        if resolved is None:
            return None
        old = resolved
    key = key_function(entity)
    stored_keys = {key(record): (row_id, digest) for row_id, digest, record in related}
    old_keys = {key(record) for record in old}
    if not old_keys <= stored_keys.keys():
        return None  # the snapshot does not match the rows: only the full sync can tell
    kept = [record for _, _, record in related if key(record) not in old_keys]
    together = Parsed(
        records={name: kept + new},
        where={name: [("(stored)", 0)] * len(kept) + added.where[name]},
        labels=added.labels,
    )
    if check(together, around, complete=False):
        return None
    new, new_keys = together.records[name][len(kept) :], together.keys[name][len(kept) :]
    if entity is E.PRICE_LIST_ENTRIES and not _refers_to_active_only(new, around):
        return None
    current = {k: CurrentRow(i, h, True) for k, (i, h) in stored_keys.items() if k in old_keys}
    changes = diff(entity, current, new, new_keys)
    changes.unchanged += delta.rows - len(new)
    return changes


def _model_changes(conn: Connection, models_dir: Path | None) -> EntityChanges | bool | None:
    """The product models' changes (None: no models folder); False when they have any issue."""
    parsed = Parsed()
    add_product_models(parsed, models_dir, lambda: _ItemsOnDemand(conn))
    if parsed.issues:
        return False
    records = parsed.records.get(E.PRODUCT_MODELS.name)
    if records is None:
        return None
    return diff(E.PRODUCT_MODELS, catalog_store.current_rows(conn, E.PRODUCT_MODELS), records)


def try_resync(
    engine: Engine,
    run_id: int,
    texts: dict[str, str],
    models_dir: Path | None,
    clock: Clock,
    progress: Progress,
) -> SyncOutcome | None:
    with clock.phase("read"), engine.connect() as conn:
        stamps = raw_snapshots.stamps(conn)
        if any(name not in stamps or not stamps[name].clean for name in texts):
            return None
        progress.phase("Comparing the export with the last one, line by line")
        deltas: dict[str, LineDelta] = {}
        for name, text in texts.items():
            stamp = stamps[name]
            if stamp.digest == raw_snapshots.digest_of(text):
                continue
            delta = line_delta(raw_snapshots.text(conn, name), text) if name in BY_LINES else None
            if delta is None:
                return None
            deltas[name] = delta
    progress.phase("Validating the changed lines")
    with clock.phase("validate"), engine.connect() as conn:
        changes: list[EntityChanges] = []
        for name, delta in deltas.items():
            entity_changes = _changes(conn, E.BY_NAME[name], delta)
            if entity_changes is None:
                return None
            changes.append(entity_changes)
        models = _model_changes(conn, models_dir)
        if models is False:
            return None
        if isinstance(models, EntityChanges):
            changes.append(models)
        if _leaves_unpriced(conn, changes):
            return None
    return _apply(engine, run_id, texts, deltas, changes, clock, progress)


def _leaves_unpriced(conn: Connection, changes: list[EntityChanges]) -> bool:
    """Whether these changes would leave an active item without any price.

    The snapshot being clean, no item lacked a price before; only items whose prices went can
    lack one now. (A full sync would warn about it, so the full sync must run.)"""
    pe = E.PRICE_LIST_ENTRIES
    for c in changes:
        if c.entity is pe and c.vanished:
            gone = {row_id for row_id, _ in c.vanished}
            skus = {str(key[1]) for _, key in c.vanished}
            priced = {str(r[pe.index("sku")]) for r in [*c.added, *(r for _, r in c.changed)]}
            for row_id, _, record in catalog_store.current_records(conn, pe, "sku", skus):
                if row_id not in gone:
                    priced.add(str(record[pe.index("sku")]))
            return bool(catalog_store.active_items(conn, skus - priced))
    return False


def _summary(
    texts: dict[str, str], changes: list[EntityChanges], details: dict[str, Any]
) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    by_name = {c.entity.name: c for c in changes}
    for name in [e.name for e in E.ENTITIES if e.name in texts or e.name in by_name]:
        if name in details:
            summary[name] = details[name]
        elif name in by_name:
            summary[name] = report(by_name[name], {})
        else:  # untouched: every line as it was
            rows = max(len(texts[name].splitlines()) - 1, 0)
            summary[name] = {
                "added": 0,
                "changed": 0,
                "deactivated": 0,
                "unchanged": rows,
                "samples": {"added": [], "changed": [], "deactivated": []},
            }
    return summary


def _apply(
    engine: Engine,
    run_id: int,
    texts: dict[str, str],
    deltas: dict[str, LineDelta],
    changes: list[EntityChanges],
    clock: Clock,
    progress: Progress,
) -> SyncOutcome:
    real = [c for c in changes if not c.empty]
    with engine.begin() as conn:
        head = catalog_store.head_version(conn)
        if not real:
            summary = _summary(texts, changes, {})
            if head is not None:
                for name in deltas:  # only the formatting moved: keep the new text
                    raw_snapshots.save(conn, name, head, True, texts[name])
            sync_runs.finish(
                conn,
                run_id,
                "unchanged",
                catalog_version_id=head,
                diff=summary,
                timings=clock.timings,
                mode="lines",
            )
            return SyncOutcome(run_id, "unchanged", head, summary, [], clock.timings, mode="lines")
        progress.phase(
            "Applying changes",
            total=sum(c.size for c in real),
        )
        with clock.phase("apply"):
            version, details = apply_changes(conn, run_id, real, progress)
            for name in deltas:  # nothing refers to these entities: no other snapshot goes stale
                raw_snapshots.save(conn, name, version, True, texts[name])
        summary = _summary(texts, changes, details)
        sync_runs.finish(
            conn,
            run_id,
            "succeeded",
            catalog_version_id=version,
            diff=summary,
            timings=clock.timings,
            mode="lines",
        )
        announce_sync(conn, run_id, version, summary)
    return SyncOutcome(run_id, "succeeded", version, summary, [], clock.timings, mode="lines")
