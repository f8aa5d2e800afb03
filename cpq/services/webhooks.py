"""Webhooks: subscriptions (admins), and the delivery of outbox events to them.

Two steps, each in its own transactions:

1. **dispatch**: outbox events not yet dispatched become one delivery per active subscription
   that asked for the event's type (the message, its id and bytes fixed now), and the events are
   marked dispatched, all in one transaction: an event is dispatched exactly once, and only
   events of committed transactions exist in the outbox at all.
2. **deliver**: each due delivery is claimed (locked), POSTed with Standard Webhooks signature
   headers, and its attempt recorded in the same transaction. A 2xx ends it; anything else is
   tried again with exponential backoff for up to three days. A worker killed mid-send rolls
   back its claim, so the delivery is sent again: at least once, never lost.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine

from cpq.errors import InvalidInput, NotFound
from cpq.repositories import webhooks as rows
from cpq.webhooks.events import EVENT_TYPES, message_body, public_type
from cpq.webhooks.schedule import next_attempt
from cpq.webhooks.signing import body_text, new_secret, signed_headers

log = logging.getLogger("cpq.webhooks")
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


# --- subscriptions -----------------------------------------------------------------------------


def _checked(url: str | None, event_types: Sequence[str] | None) -> None:
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput(
                "a webhook URL must be an absolute http or https URL",
                errors=[{"field": "body.url", "message": f"not an http(s) URL: {url!r}"}],
            )
    if event_types is not None:
        unknown = sorted(set(event_types) - set(EVENT_TYPES))
        if unknown or not event_types:
            raise InvalidInput(
                "unknown or no event types",
                errors=[
                    {
                        "field": "body.event_types",
                        "message": f"unknown: {unknown}; known: {list(EVENT_TYPES)}",
                    }
                ],
            )


def create_subscription(
    engine: Engine,
    url: str,
    event_types: Sequence[str],
    description: str | None,
    created_by: int | None,
    now: datetime,
) -> dict[str, Any]:
    """A new subscription with a new signing secret (returned here, and by ``subscription``)."""
    _checked(url, event_types)
    values = {
        "id": str(uuid.uuid4()),
        "url": url,
        "event_types": sorted(set(event_types)),
        "secret": new_secret(),
        "description": description,
        "active": True,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
    }
    with engine.begin() as conn:
        rows.add_subscription(conn, values)
    return values


def subscription(engine: Engine, subscription_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        found = rows.subscription(conn, subscription_id)
    if found is None:
        raise NotFound(f"no webhook subscription {subscription_id}")
    return found


def subscriptions(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return rows.subscriptions(conn)


def change_subscription(
    engine: Engine, subscription_id: str, changes: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """Change the URL, event types, description or whether it is active; ``rotate_secret``
    makes a new signing secret."""
    _checked(changes.get("url"), changes.get("event_types"))
    values = {k: v for k, v in changes.items() if k in ("url", "description", "active")}
    if changes.get("event_types") is not None:
        values["event_types"] = sorted(set(changes["event_types"]))
    if changes.get("rotate_secret"):
        values["secret"] = new_secret()
    with engine.begin() as conn:
        if rows.subscription(conn, subscription_id) is None:
            raise NotFound(f"no webhook subscription {subscription_id}")
        rows.update_subscription(conn, subscription_id, {**values, "updated_at": now})
    return subscription(engine, subscription_id)


def delete_subscription(engine: Engine, subscription_id: str) -> None:
    with engine.begin() as conn:
        if rows.subscription(conn, subscription_id) is None:
            raise NotFound(f"no webhook subscription {subscription_id}")
        rows.delete_subscription(conn, subscription_id)


def delivery_log(engine: Engine, subscription_id: str, limit: int) -> list[dict[str, Any]]:
    """The subscription's latest deliveries, newest first, each with its attempts."""
    subscription(engine, subscription_id)
    with engine.connect() as conn:
        found = rows.deliveries(conn, subscription_id, limit)
        attempts = rows.attempts_of(conn, [d["id"] for d in found])
    for item in found:
        item["attempts_log"] = [a for a in attempts if a["delivery_id"] == item["id"]]
    return found


def redeliver(engine: Engine, subscription_id: str, delivery_id: int, now: datetime) -> None:
    """Send a delivery again now (a manual redelivery: whatever its state)."""
    with engine.begin() as conn:
        found = rows.delivery(conn, delivery_id)
        if found is None or found["subscription_id"] != subscription_id:
            raise NotFound(f"no delivery {delivery_id} of webhook subscription {subscription_id}")
        rows.redeliver(conn, delivery_id, now)


# --- dispatch and delivery ---------------------------------------------------------------------


def dispatch(engine: Engine, now: datetime, limit: int = 200) -> int:
    """Turn up to ``limit`` outbox events into deliveries; how many events were dispatched."""
    with engine.begin() as conn:
        events = rows.claim_undispatched(conn, limit)
        if not events:
            return 0
        active = [s for s in rows.subscriptions(conn) if s["active"]]
        new = []
        for event in events:
            public = public_type(event["event_type"])
            if public is None:
                continue
            message_id = f"evt_{event['id']}"
            body = body_text(
                message_body(
                    message_id,
                    public,
                    event["event_type"],
                    event["payload"],
                    event["created_at"].isoformat(),
                )
            )
            for sub in active:
                if public in sub["event_types"]:
                    new.append(
                        {
                            "subscription_id": sub["id"],
                            "outbox_event_id": event["id"],
                            "message_id": message_id,
                            "event_type": public,
                            "body": body,
                            "status": "pending",
                            "attempts": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                        }
                    )
        rows.add_deliveries(conn, new)
        rows.mark_dispatched(conn, [e["id"] for e in events], now)
    return len(events)


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def send(client: httpx.Client, url: str, headers: Mapping[str, str], body: str) -> Outcome:
    """POST one message; any answer but a 2xx, or no answer, is a failure to retry."""
    started = time.monotonic()
    try:
        answer = client.post(url, content=body.encode(), headers=dict(headers))
        code: int | None = answer.status_code
        error = None if 200 <= answer.status_code < 300 else answer.text[:500]
    except httpx.HTTPError as exc:
        code, error = None, f"{type(exc).__name__}: {exc}"[:500]
    return Outcome(code, error, int((time.monotonic() - started) * 1000))


def deliver_due(engine: Engine, client: httpx.Client, clock: Clock = _now, limit: int = 100) -> int:
    """Send up to ``limit`` due deliveries, one transaction each; how many were attempted."""
    done = 0
    while done < limit:
        with engine.begin() as conn:
            due = rows.claim_due(conn, clock())
            if due is None:
                return done
            at = clock()
            headers = signed_headers(due["secret"], due["message_id"], at, due["body"])
            outcome = send(client, due["url"], headers, due["body"])
            attempts = due["attempts"] + 1
            changes: dict[str, Any] = {
                "attempts": attempts,
                "last_status_code": outcome.status_code,
                "last_error": outcome.error,
            }
            if outcome.ok:
                changes |= {"status": "succeeded", "delivered_at": at, "next_attempt_at": None}
            else:
                retry = next_attempt(due["created_at"], attempts, at)
                status = "pending" if retry is not None else "failed"
                changes |= {"status": status, "next_attempt_at": retry}
            attempt = {
                "at": at,
                "status_code": outcome.status_code,
                "error": outcome.error,
                "duration_ms": outcome.duration_ms,
            }
            rows.record_attempt(conn, due["id"], attempt, changes)
        done += 1
    return done


def run_once(engine: Engine, client: httpx.Client, clock: Clock = _now) -> tuple[int, int]:
    """Dispatch what the outbox holds, then send what is due: (events, attempts)."""
    events = 0
    while True:
        n = dispatch(engine, clock())
        events += n
        if n == 0:
            break
    return events, deliver_due(engine, client, clock)


def http_client(timeout_seconds: float) -> httpx.Client:
    """For deliveries: no redirects followed (a subscriber's URL is the one configured)."""
    return httpx.Client(timeout=timeout_seconds, follow_redirects=False)
