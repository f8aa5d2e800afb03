"""SQL of webhooks: subscriptions, the outbox events still to dispatch, deliveries due, attempts.

The claims lock their rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that several workers
never take the same event or delivery at once; SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from cpq.db.quote_tables import OutboxEventRow
from cpq.db.webhook_tables import WebhookAttemptRow, WebhookDeliveryRow, WebhookSubscriptionRow

SUBSCRIPTIONS: Table = WebhookSubscriptionRow.__table__  # type: ignore[attr-defined]
DELIVERIES: Table = WebhookDeliveryRow.__table__  # type: ignore[attr-defined]
ATTEMPTS: Table = WebhookAttemptRow.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxEventRow.__table__  # type: ignore[attr-defined]


def add_subscription(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(SUBSCRIPTIONS).values(**values))


def subscription(conn: Connection, subscription_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == subscription_id))
    found = row.mappings().first()
    return dict(found) if found is not None else None


def subscriptions(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(SUBSCRIPTIONS).order_by(SUBSCRIPTIONS.c.created_at))
    return [dict(r) for r in rows.mappings()]


def update_subscription(conn: Connection, subscription_id: str, values: Mapping[str, Any]) -> None:
    conn.execute(
        update(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == subscription_id).values(**values)
    )


def delete_subscription(conn: Connection, subscription_id: str) -> None:
    """The subscription, its deliveries and their attempts."""
    of_it = select(DELIVERIES.c.id).where(DELIVERIES.c.subscription_id == subscription_id)
    conn.execute(delete(ATTEMPTS).where(ATTEMPTS.c.delivery_id.in_(of_it)))
    conn.execute(delete(DELIVERIES).where(DELIVERIES.c.subscription_id == subscription_id))
    conn.execute(delete(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == subscription_id))


def claim_undispatched(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The oldest outbox events not yet turned into deliveries, locked for this transaction."""
    query = (
        select(OUTBOX)
        .where(OUTBOX.c.delivered_at.is_(None))
        .order_by(OUTBOX.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def mark_dispatched(conn: Connection, event_ids: Sequence[int], at: datetime) -> None:
    conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_(list(event_ids))).values(delivered_at=at))


def add_deliveries(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        conn.execute(insert(DELIVERIES), [dict(r) for r in rows])


def claim_due(conn: Connection, now: datetime) -> dict[str, Any] | None:
    """The delivery due longest, with its subscription's URL and secret, locked until this
    transaction ends (a worker killed mid-send leaves it due: delivered at least once)."""
    query = (
        select(DELIVERIES, SUBSCRIPTIONS.c.url, SUBSCRIPTIONS.c.secret)
        .join(SUBSCRIPTIONS, SUBSCRIPTIONS.c.id == DELIVERIES.c.subscription_id)
        .where(DELIVERIES.c.status == "pending", DELIVERIES.c.next_attempt_at <= now)
        .order_by(DELIVERIES.c.next_attempt_at, DELIVERIES.c.id)
        .limit(1)
        .with_for_update(of=DELIVERIES, skip_locked=True)
    )
    found = conn.execute(query).mappings().first()
    return dict(found) if found is not None else None


def record_attempt(
    conn: Connection, delivery_id: int, attempt: Mapping[str, Any], changes: Mapping[str, Any]
) -> None:
    conn.execute(insert(ATTEMPTS).values(delivery_id=delivery_id, **attempt))
    conn.execute(update(DELIVERIES).where(DELIVERIES.c.id == delivery_id).values(**changes))


def deliveries(conn: Connection, subscription_id: str, limit: int) -> list[dict[str, Any]]:
    query = (
        select(DELIVERIES)
        .where(DELIVERIES.c.subscription_id == subscription_id)
        .order_by(DELIVERIES.c.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def delivery(conn: Connection, delivery_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(DELIVERIES).where(DELIVERIES.c.id == delivery_id)).mappings().first()
    return dict(row) if row is not None else None


def attempts_of(conn: Connection, delivery_ids: Sequence[int]) -> list[dict[str, Any]]:
    query = (
        select(ATTEMPTS)
        .where(ATTEMPTS.c.delivery_id.in_(list(delivery_ids)))
        .order_by(ATTEMPTS.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def redeliver(conn: Connection, delivery_id: int, now: datetime) -> None:
    conn.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id == delivery_id)
        .values(status="pending", next_attempt_at=now)
    )
