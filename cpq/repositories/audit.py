"""The audit trail (append-only: there is deliberately no update or delete here, and database
triggers refuse them) and the outbox of events for webhooks, written in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from cpq.db.quote_tables import OutboxEventRow, QuoteEventRow

EVENTS: Table = QuoteEventRow.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxEventRow.__table__  # type: ignore[attr-defined]


def append(conn: Connection, event: Mapping[str, Any]) -> int:
    return int(conn.execute(insert(EVENTS).values(**event).returning(EVENTS.c.id)).scalar_one())


def events(conn: Connection, quote_id: str) -> list[dict[str, Any]]:
    query = select(EVENTS).where(EVENTS.c.quote_id == quote_id).order_by(EVENTS.c.id)
    return [dict(r) for r in conn.execute(query).mappings()]


def publish(conn: Connection, event: Mapping[str, Any]) -> None:
    conn.execute(insert(OUTBOX).values(**event))
