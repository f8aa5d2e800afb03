"""The public event types a subscription can ask for, and which outbox event is which."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EVENT_TYPES = (
    "quote.created",
    "quote.updated",
    "quote.submitted",
    "quote.approved",
    "quote.rejected",
    "quote.sent",
    "quote.accepted",
    "quote.declined",
    "quote.expired",
    "approval.requested",
    "approval.decided",
    "sync.completed",
)

# Outbox event types (what the quote services write) under their public names.
_PUBLIC = {
    "quote.created": "quote.created",
    "quote.updated": "quote.updated",
    "quote.draft": "quote.updated",  # back to draft: edited after a submission or a rejection
    "quote.pending_approval": "quote.submitted",
    "quote.approved": "quote.approved",
    "quote.rejected": "quote.rejected",
    "quote.sent": "quote.sent",
    "quote.accepted": "quote.accepted",
    "quote.declined": "quote.declined",
    "quote.expired": "quote.expired",
    "approval.escalated": "approval.requested",  # asked of the next approver up the line
    "approval.requested": "approval.requested",
    "approval.approved": "approval.decided",
    "approval.rejected": "approval.decided",
    "sync.completed": "sync.completed",
}


def public_type(outbox_type: str) -> str | None:
    """The public name of an outbox event; None for one that is not announced."""
    return _PUBLIC.get(outbox_type)


def message_body(
    event_id: str, public: str, outbox_type: str, payload: Mapping[str, Any], at: str
) -> dict[str, Any]:
    """The JSON a subscriber receives (the Standard Webhooks shape: type, timestamp, data); the
    same bytes on every retry. ``data`` holds the event id, the quote id and version."""
    data = {"event_id": event_id, **dict(payload)}
    if public == "approval.decided":
        data.setdefault("decision", outbox_type.removeprefix("approval."))
    return {"type": public, "timestamp": at, "data": data}
