"""Sync runs: the history of every sync with its status, timings, diff and issues."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from cpq.db.models import SyncRun

_runs = SyncRun.__table__  # type: ignore[attr-defined]


def start(conn: Connection, source: str, profile: str) -> int:
    result = conn.execute(
        insert(_runs)
        .values(
            status="running",
            source=source,
            profile=profile,
            started_at=datetime.now(UTC),
            timings={},
            diff={},
            issues=[],
        )
        .returning(_runs.c.id)
    )
    return int(result.scalar_one())


def finish(conn: Connection, run_id: int, status: str, **values: Any) -> None:
    conn.execute(
        update(_runs)
        .where(_runs.c.id == run_id)
        .values(status=status, finished_at=datetime.now(UTC), **values)
    )


def mark_interrupted(conn: Connection) -> int:
    """Runs still 'running' when a new sync holds the sync lock died before finishing."""
    result = conn.execute(
        update(_runs)
        .where(_runs.c.status == "running")
        .values(
            status="interrupted",
            finished_at=datetime.now(UTC),
            message="the sync process stopped before finishing; nothing it read was applied",
        )
    )
    return result.rowcount


def get(conn: Connection, run_id: int) -> SyncRun | None:
    row = conn.execute(select(_runs).where(_runs.c.id == run_id)).mappings().first()
    return SyncRun.model_validate(dict(row)) if row else None


def page(conn: Connection, *, before: int | None, limit: int) -> Sequence[SyncRun]:
    """Newest first; ``before`` is the id the previous page ended at."""
    query = select(_runs).order_by(_runs.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(_runs.c.id < before)
    return [SyncRun.model_validate(dict(r)) for r in conn.execute(query).mappings()]
