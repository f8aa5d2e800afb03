"""Reading the catalog as of one catalog version (the head, or one a quote or cursor pinned)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, and_, or_, select

from cpq.catalog import entities as E
from cpq.repositories.catalog_store import head_version, table_of


def as_of(table: Table, version: int) -> ColumnElement[bool]:
    """Rows that belong to catalog ``version``."""
    return and_(
        table.c.version_from <= version,
        or_(table.c.version_to.is_(None), table.c.version_to > version),
    )


def _fields(entity: E.Entity, table: Table) -> list[Any]:
    return [table.c[name] for name in entity.field_names]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def resolve_version(conn: Connection, requested: int | None) -> int | None:
    """The head version, or ``requested`` if it exists; None when nothing was ever synced."""
    head = head_version(conn)
    if requested is None or head is None:
        return head
    return requested if 0 < requested <= head else None


def group_descendants(conn: Connection, version: int, code: str) -> set[str]:
    t = table_of(E.PRODUCT_GROUPS)
    children: dict[str | None, list[str]] = {}
    for child, parent in conn.execute(select(t.c.code, t.c.parent).where(as_of(t, version))):
        children.setdefault(parent, []).append(child)
    found, todo = {code}, [code]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def products(
    conn: Connection,
    version: int,
    *,
    text: str | None,
    groups: set[str] | None,
    brand: str | None,
    include_inactive: bool,
    after: str | None,
    limit: int,
) -> Sequence[dict[str, Any]]:
    t = table_of(E.ITEMS)
    query: Select[Any] = select(*_fields(E.ITEMS, t)).where(as_of(t, version))
    if not include_inactive:
        query = query.where(t.c.active.is_(True))
    if text:
        pattern = f"%{_escape_like(text.strip())}%"
        query = query.where(
            or_(
                t.c.sku.ilike(pattern, escape="\\"),
                t.c.name.ilike(pattern, escape="\\"),
                t.c.description.ilike(pattern, escape="\\"),
            )
        )
    if groups is not None:
        query = query.where(t.c.product_group.in_(sorted(groups)))
    if brand:
        query = query.where(t.c.brand == brand)
    if after is not None:
        query = query.where(t.c.sku > after)
    query = query.order_by(t.c.sku).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def _rows(
    conn: Connection,
    entity: E.Entity,
    version: int,
    *where: ColumnElement[bool],
    order: Sequence[str],
) -> list[dict[str, Any]]:
    t = table_of(entity)
    query = select(*_fields(entity, t)).where(as_of(t, version), *where)
    query = query.order_by(*(t.c[o] for o in order))
    return [dict(r) for r in conn.execute(query).mappings()]


def product(conn: Connection, version: int, sku: str) -> dict[str, Any] | None:
    t = table_of(E.ITEMS)
    found = _rows(conn, E.ITEMS, version, t.c.sku == sku, order=["sku"])
    return found[0] if found else None


def units(conn: Connection, version: int, sku: str) -> list[dict[str, Any]]:
    t = table_of(E.ITEM_UNITS)
    return _rows(conn, E.ITEM_UNITS, version, t.c.sku == sku, order=["unit"])


def prices(conn: Connection, version: int, sku: str) -> list[dict[str, Any]]:
    """A SKU's prices by list, unit, customer, then price break and validity.

    Sorted here rather than in SQL: SQLite stores decimals as text, where "10" sorts before "5".
    """
    t = table_of(E.PRICE_LIST_ENTRIES)
    rows = _rows(conn, E.PRICE_LIST_ENTRIES, version, t.c.sku == sku, order=["price_list"])
    return sorted(
        rows,
        key=lambda p: (
            p["price_list"],
            p["unit"],
            p["customer"] or "",
            p["min_quantity"],
            p["valid_from"] or date.min,
        ),
    )


def group_path(conn: Connection, version: int, code: str | None) -> list[dict[str, Any]]:
    """The group and its ancestors, top-level first."""
    if code is None:
        return []
    groups = {g["code"]: g for g in _rows(conn, E.PRODUCT_GROUPS, version, order=["code"])}
    path: list[dict[str, Any]] = []
    node: str | None = code
    while node is not None and node in groups and all(p["code"] != node for p in path):
        path.append(groups[node])
        node = groups[node]["parent"]
    return path[::-1]


def price_lists(
    conn: Connection, version: int, *, after: str | None, limit: int
) -> list[dict[str, Any]]:
    t = table_of(E.PRICE_LISTS)
    where = [t.c.code > after] if after is not None else []
    query = select(*_fields(E.PRICE_LISTS, t)).where(as_of(t, version), *where)
    return [dict(r) for r in conn.execute(query.order_by(t.c.code).limit(limit)).mappings()]


def customers(
    conn: Connection, version: int, *, text: str | None, after: str | None, limit: int
) -> list[dict[str, Any]]:
    t = table_of(E.CUSTOMERS)
    where: list[ColumnElement[bool]] = []
    if after is not None:
        where.append(t.c.external_id > after)
    if text:
        pattern = f"%{_escape_like(text.strip())}%"
        where.append(
            or_(t.c.external_id.ilike(pattern, escape="\\"), t.c.name.ilike(pattern, escape="\\"))
        )
    query = (
        select(*_fields(E.CUSTOMERS, t))
        .where(as_of(t, version), *where)
        .order_by(t.c.external_id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def price_list(conn: Connection, version: int, code: str) -> dict[str, Any] | None:
    t = table_of(E.PRICE_LISTS)
    found = _rows(conn, E.PRICE_LISTS, version, t.c.code == code, order=["code"])
    return found[0] if found else None


def customer(conn: Connection, version: int, external_id: str) -> dict[str, Any] | None:
    t = table_of(E.CUSTOMERS)
    found = _rows(conn, E.CUSTOMERS, version, t.c.external_id == external_id, order=["external_id"])
    return found[0] if found else None


def currencies(conn: Connection, version: int, codes: set[str]) -> dict[str, str]:
    """Price list code -> currency, for the given lists."""
    if not codes:
        return {}
    t = table_of(E.PRICE_LISTS)
    query = select(t.c.code, t.c.currency).where(as_of(t, version), t.c.code.in_(sorted(codes)))
    return {code: currency for code, currency in conn.execute(query)}


def product_models(conn: Connection, version: int, code: str | None = None) -> list[dict[str, Any]]:
    t = table_of(E.PRODUCT_MODELS)
    where = [t.c.code == code] if code is not None else []
    return _rows(conn, E.PRODUCT_MODELS, version, *where, order=["code"])


def item_names(conn: Connection, version: int, skus: set[str]) -> dict[str, str]:
    t = table_of(E.ITEMS)
    query = select(t.c.sku, t.c.name).where(as_of(t, version), t.c.sku.in_(sorted(skus)))
    return {sku: name for sku, name in conn.execute(query)}
