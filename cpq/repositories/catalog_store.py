"""Writing catalog versions: what is current, and applying a diff as one new version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Table,
    Text,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from cpq.catalog import entities as E
from cpq.catalog.diff import CurrentRow, EntityChanges, deactivated, field_changes
from cpq.catalog.parse import Record
from cpq.catalog.values import Key, hashes_of
from cpq.db.models import ENTITY_TABLES, CatalogVersion
from cpq.repositories.copy_text import copy_lines

_ID_CHUNK = 5000
_ANALYZE_AFTER = 10_000
_COPY_BLOCK = 20_000  # lines per write


def one_of(conn: Connection, column: Any, values: list[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL one array parameter rather than thousands."""
    if conn.dialect.name == "postgresql":
        item_type = Integer() if values and isinstance(values[0], int) else Text()
        return column == any_(bindparam(None, values, type_=ARRAY(item_type)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]


def table_of(entity: E.Entity) -> Table:
    return ENTITY_TABLES[entity.name].__table__  # type: ignore[attr-defined,no-any-return]


def head_version(conn: Connection) -> int | None:
    return conn.execute(select(func.max(CatalogVersion.__table__.c.id))).scalar()  # type: ignore[attr-defined]


def current_rows(conn: Connection, entity: E.Entity) -> dict[Key, CurrentRow]:
    t = table_of(entity)
    columns = [t.c.id, t.c.row_hash, *(t.c[k] for k in entity.key)]
    if entity.deactivates:
        columns.append(t.c.active)
    n = len(entity.key)
    rows: dict[Key, CurrentRow] = {}
    for row in conn.execute(select(*columns).where(t.c.version_to.is_(None))):
        active = bool(row[2 + n]) if entity.deactivates else True
        rows[tuple(row[2 : 2 + n])] = CurrentRow(row[0], row[1], active)
    return rows


class StoredCatalog:
    """The current version's reference data, for checking a sync that leaves an entity out."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _current(self, entity: E.Entity, *fields: str) -> list[Any]:
        t = table_of(entity)
        query = select(*(t.c[f] for f in fields)).where(t.c.version_to.is_(None))
        return list(self.conn.execute(query))

    def group_parents(self) -> Mapping[str, str | None]:
        return {code: parent for code, parent in self._current(E.PRODUCT_GROUPS, "code", "parent")}

    def items(self) -> Mapping[str, tuple[str, bool]]:
        rows = self._current(E.ITEMS, "sku", "base_unit", "active")
        return {sku: (unit, bool(active)) for sku, unit, active in rows}

    def units(self) -> Mapping[tuple[str, str], Decimal]:
        rows = self._current(E.ITEM_UNITS, "sku", "unit", "factor")
        return {(sku, unit): factor for sku, unit, factor in rows}

    def price_lists(self) -> Mapping[str, str]:
        return {code: cur for code, cur in self._current(E.PRICE_LISTS, "code", "currency")}

    def customers(self) -> frozenset[str]:
        return frozenset(r[0] for r in self._current(E.CUSTOMERS, "external_id"))

    def priced_skus(self) -> frozenset[str]:
        return frozenset(r[0] for r in self._current(E.PRICE_LIST_ENTRIES, "sku"))


def _rows_by_id(conn: Connection, entity: E.Entity, ids: list[int]) -> dict[int, Record]:
    t = table_of(entity)
    found: dict[int, Record] = {}
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start : start + _ID_CHUNK]
        query = select(t.c.id, *(t.c[f] for f in entity.field_names)).where(
            one_of(conn, t.c.id, chunk)
        )
        for row in conn.execute(query):
            found[row[0]] = tuple(row[1:])
    return found


def _bulk_insert(conn: Connection, entity: E.Entity, version: int, records: list[Record]) -> None:
    """Insert ``records`` as rows of ``version``, with their hashes."""
    columns = [*entity.field_names, "version_from", "row_hash"]
    hashes = hashes_of(entity, records)
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        # COPY is PostgreSQL's bulk path, fed text built column by column (copy_text).
        statement = f"COPY {entity.name} ({', '.join(columns)}) FROM STDIN"
        lines = copy_lines(entity, records, version, hashes)
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            while block := "\n".join(islice(lines, _COPY_BLOCK)):
                copy.write(block + "\n")
        return
    rows = map(lambda record, digest: (*record, version, digest), records, hashes)
    # SQLite: the driver's executemany (decimals and dates adapted by cpq.db.engine).
    marks = ", ".join("?" for _ in columns)
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(
            f"INSERT INTO {entity.name} ({', '.join(columns)}) VALUES ({marks})", rows
        )
    finally:
        cursor.close()


def _close(conn: Connection, entity: E.Entity, version: int, ids: Iterable[int]) -> None:
    t = table_of(entity)
    id_list = list(ids)
    for start in range(0, len(id_list), _ID_CHUNK):
        chunk = id_list[start : start + _ID_CHUNK]
        conn.execute(update(t).where(one_of(conn, t.c.id, chunk)).values(version_to=version))


def create_version(conn: Connection, sync_run_id: int) -> int:
    table = CatalogVersion.__table__  # type: ignore[attr-defined]
    result = conn.execute(
        insert(table)
        .values(created_at=datetime.now(UTC), sync_run_id=sync_run_id)
        .returning(table.c.id)
    )
    return int(result.scalar_one())


def changed_fields(
    conn: Connection, changes: EntityChanges, sample: int
) -> dict[int, dict[str, Any]]:
    """For the first few changed records, which fields moved and from what to what."""
    wanted = changes.changed[:sample]
    old = _rows_by_id(conn, changes.entity, [old_id for old_id, _ in wanted])
    return {
        old_id: field_changes(changes.entity, old[old_id], record)
        for old_id, record in wanted
        if old_id in old
    }


def apply(conn: Connection, version: int, changes: EntityChanges) -> None:
    """Write one entity's changes as part of ``version``: end old rows, insert new ones."""
    entity = changes.entity
    vanished_ids = [row_id for row_id, _ in changes.vanished]
    kept: list[Record] = []
    if entity.deactivates and vanished_ids:
        # Quotes keep referring to what the back office dropped: keep it, inactive.
        kept = [deactivated(entity, r) for r in _rows_by_id(conn, entity, vanished_ids).values()]
    # End rows first: the unique index on current keys must never see two current rows.
    _close(conn, entity, version, [old_id for old_id, _ in changes.changed])
    _close(conn, entity, version, vanished_ids)
    new_rows = [*changes.added, *(record for _, record in changes.changed), *kept]
    _bulk_insert(conn, entity, version, new_rows)
    if (
        conn.dialect.name == "postgresql"
        and len(changes.added) + len(changes.changed) >= _ANALYZE_AFTER
    ):
        # Fresh statistics now, not at autovacuum's next round: the very next queries (a
        # re-sync, the catalog API) would otherwise be planned for an empty table.
        conn.exec_driver_sql(f"ANALYZE {entity.name}")


def current_records(
    conn: Connection, entity: E.Entity, field: str, values: Iterable[object]
) -> list[tuple[int, str, Record]]:
    """Current rows whose ``field`` is one of ``values``: (id, row hash, record)."""
    t = table_of(entity)
    wanted = sorted({str(v) for v in values})
    found: list[tuple[int, str, Record]] = []
    for start in range(0, len(wanted), _ID_CHUNK):
        chunk = wanted[start : start + _ID_CHUNK]
        query = select(t.c.id, t.c.row_hash, *(t.c[f] for f in entity.field_names)).where(
            t.c.version_to.is_(None), one_of(conn, t.c[field], chunk)
        )
        found.extend((row[0], row[1], tuple(row[2:])) for row in conn.execute(query))
    return found


def active_items(conn: Connection, skus: Iterable[str]) -> list[str]:
    """Those of ``skus`` that are active items."""
    return [
        str(r[0])
        for _, _, r in current_records(conn, E.ITEMS, "sku", skus)
        if r[E.ITEMS.index("active")]
    ]
