"""A finished catalog sync announced by webhook (``sync.completed``), in the sync's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from cpq.quotes.snapshot import to_json
from cpq.repositories.audit import publish


def announce_sync(conn: Connection, run_id: int, catalog_version: int, summary: Any) -> None:
    """An outbox event for a sync that made a new catalog version (an unchanged one makes none)."""
    at = datetime.now(UTC)
    payload = {"run_id": run_id, "catalog_version": catalog_version, "diff": summary, "at": at}
    publish(
        conn,
        {
            "event_type": "sync.completed",
            "quote_id": None,
            "payload": to_json(payload),
            "created_at": at,
        },
    )
