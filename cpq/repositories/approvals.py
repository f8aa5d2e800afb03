"""SQL of approvals: the chain's rows, guarded decisions, voiding, escalation candidates."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from cpq.db.quote_tables import ApprovalRow

APPROVALS: Table = ApprovalRow.__table__  # type: ignore[attr-defined]

OPEN = ("waiting", "pending")


def add(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert approvals in one statement (rows may leave out different nullable columns)."""
    if rows:
        columns = {name for row in rows for name in row}
        conn.execute(insert(APPROVALS), [{c: row.get(c) for c in columns} for row in rows])


def of_quote(conn: Connection, quote_id: str, version: int | None = None) -> list[dict[str, Any]]:
    query = select(APPROVALS).where(APPROVALS.c.quote_id == quote_id)
    if version is not None:
        query = query.where(APPROVALS.c.version == version)
    return [dict(r) for r in conn.execute(query.order_by(APPROVALS.c.id)).mappings()]


def get(conn: Connection, approval_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(APPROVALS).where(APPROVALS.c.id == approval_id)).mappings().first()
    return dict(row) if row is not None else None


def decide(
    conn: Connection,
    approval_id: int,
    status: str,
    *,
    by: int | None,
    comment: str | None,
    at: datetime,
) -> bool:
    """Record a decision on a pending approval; False when it was not pending any more (someone
    decided first, it was voided or escalated): exactly one concurrent decision wins."""
    result = conn.execute(
        update(APPROVALS)
        .where(
            APPROVALS.c.id == approval_id,
            APPROVALS.c.status == "pending",
            APPROVALS.c.voided_at.is_(None),
        )
        .values(status=status, decided_by_id=by, decided_at=at, comment=comment)
    )
    return result.rowcount == 1


def void_open(conn: Connection, quote_id: str, version: int, at: datetime) -> None:
    """Every approval of the version stops applying: open ones become void, decisions stay as
    they were but are marked void (an approval is for the exact content it saw)."""
    base = (APPROVALS.c.quote_id == quote_id, APPROVALS.c.version == version)
    conn.execute(
        update(APPROVALS)
        .where(*base, APPROVALS.c.status.in_(OPEN))
        .values(status="void", voided_at=at)
    )
    conn.execute(
        update(APPROVALS).where(*base, APPROVALS.c.voided_at.is_(None)).values(voided_at=at)
    )


def void_rows(conn: Connection, ids: Collection[int], at: datetime) -> None:
    if ids:
        conn.execute(
            update(APPROVALS)
            .where(APPROVALS.c.id.in_(list(ids)), APPROVALS.c.status.in_(OPEN))
            .values(status="void", voided_at=at)
        )


def open_level(conn: Connection, ids: Collection[int], due_at: datetime | None) -> None:
    if ids:
        conn.execute(
            update(APPROVALS)
            .where(APPROVALS.c.id.in_(list(ids)), APPROVALS.c.status == "waiting")
            .values(status="pending", due_at=due_at)
        )


def escalate(conn: Connection, approval_id: int, at: datetime) -> bool:
    result = conn.execute(
        update(APPROVALS)
        .where(
            APPROVALS.c.id == approval_id,
            APPROVALS.c.status == "pending",
            APPROVALS.c.voided_at.is_(None),
        )
        .values(status="escalated", decided_at=at)
    )
    return result.rowcount == 1


def clear_due(conn: Connection, approval_id: int) -> None:
    conn.execute(update(APPROVALS).where(APPROVALS.c.id == approval_id).values(due_at=None))


def overdue(conn: Connection, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
    query = (
        select(APPROVALS)
        .where(
            APPROVALS.c.status == "pending",
            APPROVALS.c.voided_at.is_(None),
            APPROVALS.c.due_at.is_not(None),
            APPROVALS.c.due_at < now,
        )
        .order_by(APPROVALS.c.due_at)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def for_approvers(
    conn: Connection,
    approver_ids: Collection[int],
    statuses: Collection[str],
    limit: int,
    *,
    oldest_first: bool = False,
) -> list[dict[str, Any]]:
    order = APPROVALS.c.id.asc() if oldest_first else APPROVALS.c.id.desc()
    query = (
        select(APPROVALS)
        .where(
            APPROVALS.c.approver_id.in_(list(approver_ids)),
            APPROVALS.c.status.in_(list(statuses)),
        )
        .order_by(order)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def latest_approved(conn: Connection, quote_id: str) -> dict[str, dict[str, Any]]:
    """Per level, the latest approval given on this quote (any version), for smart
    re-approval: it may still stand for changed content that makes nothing worse. A level whose
    latest decision was a rejection has none: a rejection revokes what came before it."""
    query = (
        select(APPROVALS)
        .where(
            APPROVALS.c.quote_id == quote_id,
            APPROVALS.c.status.in_(["approved", "rejected"]),
        )
        .order_by(APPROVALS.c.decided_at, APPROVALS.c.id)
    )
    latest: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        latest[row["level"]] = dict(row)
    return {level: row for level, row in latest.items() if row["status"] == "approved"}
