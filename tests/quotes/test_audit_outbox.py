"""The audit trail (every transition and decision: who, when, comment, snapshot hash; readable by
whoever sees the quote; append-only in the database) and the outbox (one event per state
change, written with it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from quotes_world import (
    World,
    act,
    audit,
    create,
    decide,
    get,
    lines,
    ok,
    problem,
    put_line,
    to_decide,
)
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from cpq.repositories.audit import EVENTS, OUTBOX


def _cycle(world: World) -> dict[str, Any]:
    """Created, edited, submitted, approved by maria, sent, accepted: rita's quote."""
    rita, maria = world.client("rita"), world.client("maria")
    quote = create(rita, lines=lines(), crm_opportunity_id="OPP-1")
    edited = ok(put_line(rita, quote, "1", lines(15)[0]))
    ok(act(rita, edited, "submit", {"comment": "needs 15%"}))
    ok(decide(maria, to_decide(maria, quote)[0], comment="fine"))
    sent = ok(act(rita, get(rita, quote), "send", {"comment": "emailed"}))
    accepted: dict[str, Any] = ok(act(rita, sent, "accept", {"comment": "signed"}))
    return accepted


def test_every_transition_and_decision_is_in_the_audit(world: World) -> None:
    rita = world.client("rita")
    started = datetime.now().astimezone()
    quote = _cycle(world)

    events = audit(rita, quote)

    assert [
        (e["action"], e["actor"] and e["actor"]["username"], e["from_status"], e["to_status"])
        for e in events
    ] == [
        ("created", "rita", None, "draft"),
        ("edited", "rita", "draft", "draft"),
        ("submitted", "rita", "draft", "pending_approval"),
        ("approval_approved", "maria", None, None),
        ("approved", "maria", "pending_approval", "approved"),
        ("sent", "rita", "approved", "sent"),
        ("accepted", "rita", "sent", "accepted"),
    ]
    assert [e["comment"] for e in events] == [
        None,
        None,
        "needs 15%",
        "fine",
        None,
        "emailed",
        "signed",
    ]
    times = [datetime.fromisoformat(e["at"]) for e in events]
    assert times == sorted(times)
    assert started - timedelta(seconds=1) <= times[0] <= times[-1] <= datetime.now().astimezone()
    assert all(e["snapshot_hash"] == quote["snapshot_hash"] for e in events[2:])
    assert events[0]["snapshot_hash"] != quote["snapshot_hash"]  # created before the discount
    assert all(e["version"] == 1 and e["token_id"] is not None for e in events)
    assert events[3]["data"]["level"] == "manager"


def test_the_audit_is_readable_by_whoever_sees_the_quote(world: World) -> None:
    quote = create(world.client("rita"), lines=lines())

    for user in ("rita", "maria", "dan", "fiona", "ada"):
        events = ok(world.client(user).get(f"/v1/quotes/{quote['id']}/audit"))
        assert [e["action"] for e in events] == ["created"], user
    problem(world.client("raj").get(f"/v1/quotes/{quote['id']}/audit"), 404, "not_found")


def _count(world: World, table: Any) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


TAMPERING = [
    "UPDATE quote_events SET comment = 'rewritten'",
    "UPDATE quote_events SET actor_id = NULL WHERE action = 'approval_approved'",
    "DELETE FROM quote_events",
    "DELETE FROM quote_events WHERE action = 'approval_approved'",
]


def test_the_audit_cannot_be_changed_in_the_database(world: World) -> None:
    quote = _cycle(world)
    before = audit(world.client("rita"), quote)

    for statement in TAMPERING:
        with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
            conn.execute(text(statement))

    assert audit(world.client("rita"), quote) == before
    assert _count(world, EVENTS) == len(before)


def test_the_audit_cannot_be_truncated_on_postgresql(world: World) -> None:
    if world.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite has none")
    _cycle(world)
    with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
        conn.execute(text("TRUNCATE quote_events"))
    assert _count(world, EVENTS) == 7


def test_the_outbox_has_one_event_per_change(world: World) -> None:
    quote = _cycle(world)

    with world.engine.connect() as conn:
        query = select(OUTBOX).where(OUTBOX.c.quote_id.is_not(None)).order_by(OUTBOX.c.id)
        rows = conn.execute(query).mappings().all()

    assert [r["event_type"] for r in rows] == [
        "quote.created",
        "quote.updated",  # the line edited
        "quote.pending_approval",
        "approval.requested",  # maria asked
        "approval.approved",
        "quote.approved",
        "quote.sent",
        "quote.accepted",
    ]
    assert {r["quote_id"] for r in rows} == {quote["id"]}
    assert all(r["delivered_at"] is None and r["attempts"] == 0 for r in rows)
    assert rows[3]["payload"]["level"] == "manager"
    changed = [r for r in rows if r["event_type"].startswith("quote.")]
    assert [(r["payload"]["previous_status"], r["payload"]["status"]) for r in changed] == [
        (None, "draft"),
        ("draft", "draft"),
        ("draft", "pending_approval"),
        ("pending_approval", "approved"),
        ("approved", "sent"),
        ("sent", "accepted"),
    ]
    assert all(r["payload"]["crm_opportunity_id"] == "OPP-1" for r in rows)
    assert all(r["payload"]["number"] == quote["number"] for r in rows)


def test_a_catalog_sync_is_announced(world: World) -> None:
    with world.engine.connect() as conn:
        query = select(OUTBOX).where(OUTBOX.c.event_type == "sync.completed")
        (row,) = conn.execute(query).mappings().all()  # the world's demo catalog, synced once

    assert row["quote_id"] is None
    assert row["payload"]["catalog_version"] == 1 and row["payload"]["run_id"] >= 1


def test_a_refused_change_leaves_no_event(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())
    events, outbox = _count(world, EVENTS), _count(world, OUTBOX)

    problem(act(rita, quote, "send"), 409)
    problem(act(rita, quote, "submit", etag='"99"'), 412)
    problem(put_line(rita, quote, "1", {"sku": "NOPE", "quantity": 1}), 422)

    assert (_count(world, EVENTS), _count(world, OUTBOX)) == (events, outbox)
