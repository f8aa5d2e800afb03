"""Raw export snapshots: the text each entity's current rows were synced from."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from cpq.db.models import RawSnapshot

_t = RawSnapshot.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Stamp:
    digest: str
    clean: bool


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def stamps(conn: Connection) -> dict[str, Stamp]:
    """Each stored snapshot's digest and cleanliness, without its (large) text."""
    rows = conn.execute(select(_t.c.entity, _t.c.digest, _t.c.clean))
    return {entity: Stamp(digest, bool(clean)) for entity, digest, clean in rows}


def text(conn: Connection, entity: str) -> str:
    content = conn.execute(select(_t.c.content).where(_t.c.entity == entity)).scalar_one()
    return zlib.decompress(content).decode()


def save(conn: Connection, entity: str, version: int, clean: bool, text: str) -> None:
    conn.execute(delete(_t).where(_t.c.entity == entity))
    content = zlib.compress(text.encode(), 1)  # level 1: fast; the text compresses well anyway
    values = {
        "entity": entity,
        "catalog_version": version,
        "clean": clean,
        "digest": digest_of(text),
    }
    conn.execute(insert(_t).values(content=content, **values))


def drop(conn: Connection, entities: Iterable[str]) -> None:
    names = sorted(set(entities))
    if names:
        conn.execute(delete(_t).where(_t.c.entity.in_(names)))
