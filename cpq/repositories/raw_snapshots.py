"""Raw export snapshots: the text each entity's current rows were synced from."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from cpq.db.models import RawSnapshot

_t = RawSnapshot.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Snapshot:
    text: str
    clean: bool


def load(conn: Connection) -> dict[str, Snapshot]:
    rows = conn.execute(select(_t.c.entity, _t.c.clean, _t.c.content))
    return {
        entity: Snapshot(zlib.decompress(content).decode(), bool(clean))
        for entity, clean, content in rows
    }


def save(conn: Connection, entity: str, version: int, clean: bool, text: str) -> None:
    conn.execute(delete(_t).where(_t.c.entity == entity))
    content = zlib.compress(text.encode(), 1)  # level 1: fast; the text compresses well anyway
    conn.execute(
        insert(_t).values(entity=entity, catalog_version=version, clean=clean, content=content)
    )


def drop(conn: Connection, entities: Iterable[str]) -> None:
    names = sorted(set(entities))
    if names:
        conn.execute(delete(_t).where(_t.c.entity.in_(names)))
