"""SQL of stored quote documents: find one by its key, store a new one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from cpq.db.document_tables import QuoteDocumentRow

DOCUMENTS: Table = QuoteDocumentRow.__table__  # type: ignore[attr-defined]


def by_key(conn: Connection, document_key: str) -> dict[str, Any] | None:
    row = (
        conn.execute(select(DOCUMENTS).where(DOCUMENTS.c.document_key == document_key))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def insert_document(conn: Connection, values: Mapping[str, Any]) -> dict[str, Any]:
    """Store a document; when a concurrent request stored the same key first (same key, same
    bytes), the row it stored. Runs in a savepoint so the caller's transaction survives."""
    try:
        with conn.begin_nested():
            conn.execute(insert(DOCUMENTS).values(**values))
    except IntegrityError:
        found = by_key(conn, values["document_key"])
        if found is None:  # another constraint failed (an unknown quote): not a race
            raise
        return found
    return dict(values)


def count_of(conn: Connection, quote_id: str) -> int:
    """How many documents of the quote are stored (every version, language and variant)."""
    query = select(func.count()).select_from(DOCUMENTS).where(DOCUMENTS.c.quote_id == quote_id)
    return int(conn.execute(query).scalar_one())
