"""Writing the audit trail and the outbox: every transition and decision gets an event row, and
every state change an outbox row for the webhooks, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from cpq.auth.principal import Principal
from cpq.quotes.snapshot import to_json
from cpq.repositories import audit


def record(
    conn: Connection,
    quote: Mapping[str, Any],
    version: int,
    who: Principal | None,
    action: str,
    at: datetime,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    comment: str | None = None,
    snapshot_hash: str | None = None,
    data: Mapping[str, Any] | None = None,
    event: str | None = None,
) -> None:
    """One audit event; an outbox event too: ``event`` when it names one (``approval.approved``
    ...), else ``quote.<status>`` when the status changed, ``quote.updated`` when the quote
    changed within its status."""
    audit.append(
        conn,
        {
            "quote_id": quote["id"],
            "version": version,
            "at": at,
            "actor_id": who.user_id if who is not None else None,
            "token_id": who.token_id if who is not None else None,
            "action": action,
            "from_status": from_status,
            "to_status": to_status,
            "comment": comment,
            "snapshot_hash": snapshot_hash,
            "data": to_json(dict(data or {})),
        },
    )
    changed = to_status is not None and to_status != from_status
    if event is not None:
        event_type: str | None = event
    elif changed:
        event_type = f"quote.{to_status}"
    else:  # a change within the same status: an edit, a reprice
        event_type = "quote.updated" if to_status is not None else None
    if event_type is not None:
        audit.publish(
            conn,
            {
                "event_type": event_type,
                "quote_id": quote["id"],
                "payload": to_json(
                    {
                        "quote_id": quote["id"],
                        "number": quote["number"],
                        "version": version,
                        "action": action,
                        "status": to_status,
                        "previous_status": from_status,
                        "crm_opportunity_id": quote.get("crm_opportunity_id"),
                        "snapshot_hash": snapshot_hash,
                        "at": at,
                        **dict(data or {}),
                    }
                ),
                "created_at": at,
            },
        )
