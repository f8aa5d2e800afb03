"""Webhook subscriptions and deliveries on a real database (SQLite and PostgreSQL) to a real HTTP
receiver: signed messages, retries with backoff, the delivery log, redelivery, no event for a
rolled-back change, and several workers never sending one delivery twice at once."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from quotes.quotes_world import World, act, create, decide, lines, ok, problem, to_decide
from receiver import Receiver, receiving
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from cpq.repositories.audit import publish
from cpq.repositories.webhooks import DELIVERIES, OUTBOX
from cpq.services import webhooks

ALL = ["quote.created", "quote.updated", "quote.submitted", "quote.approved",
       "approval.requested", "approval.decided"]  # fmt: skip


def subscribe(world: World, url: str, event_types: list[str] = ALL) -> dict[str, Any]:
    answer = world.client("ada").post("/v1/webhooks", json={"url": url, "event_types": event_types})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def deliver(world: World, at: datetime | None = None) -> tuple[int, int]:
    with httpx.Client(timeout=5) as client:
        return webhooks.run_once(world.engine, client, (lambda: at) if at else webhooks._now)


def types(receiver: Receiver) -> list[str]:
    return [json.loads(b)["type"] for b in receiver.bodies()]


def test_the_quote_cycle_arrives_signed_in_order(world: World) -> None:
    with receiving() as receiver:
        sub = subscribe(world, receiver.url)
        rita, maria = world.client("rita"), world.client("maria")
        quote = create(rita, lines=lines(15), crm_opportunity_id="OPP-9")
        ok(act(rita, quote, "submit"))
        ok(decide(maria, to_decide(maria, quote)[0]))

        events, attempts = deliver(world)

        assert types(receiver) == [
            "quote.created",
            "quote.submitted",
            "approval.requested",
            "approval.decided",
            "quote.approved",
        ]
        assert attempts == 5 and events == 6  # and the world's catalog sync, not subscribed
        for got in receiver.received:
            data = Webhook(sub["secret"]).verify(got.body, got.headers)["data"]
            assert data["quote_id"] == quote["id"] and data["version"] == 1
            assert got.headers["webhook-id"] == data["event_id"]
        decided = json.loads(receiver.bodies()[3])["data"]
        assert decided["decision"] == "approved"
        assert json.loads(receiver.bodies()[0])["data"]["crm_opportunity_id"] == "OPP-9"
        assert deliver(world) == (0, 0)  # nothing twice


def test_a_subscription_gets_only_the_types_it_asked_for(world: World) -> None:
    with receiving() as everything, receiving() as approvals:
        subscribe(world, everything.url)
        subscribe(world, approvals.url, ["quote.approved"])
        rita = world.client("rita")
        quote = create(rita, lines=lines())
        ok(act(rita, quote, "submit"))  # within policy: approved at once

        deliver(world)

        assert types(everything) == ["quote.created", "quote.approved"]
        assert types(approvals) == ["quote.approved"]


def test_a_failed_delivery_is_retried_with_backoff_and_logged(world: World) -> None:
    with receiving(answers=[500, 503]) as receiver:
        sub = subscribe(world, receiver.url, ["quote.created"])
        create(world.client("rita"), lines=lines())
        start = datetime.now(UTC)

        deliver(world, start)  # 500
        deliver(world, start + timedelta(seconds=5))  # not due yet
        assert len(receiver.received) == 1
        deliver(world, start + timedelta(seconds=11))  # 503
        deliver(world, start + timedelta(seconds=32))  # 204

        assert len(receiver.received) == 3
        assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # one message
        assert len(set(receiver.bodies())) == 1  # the same bytes each time
        log = world.client("ada").get(f"/v1/webhooks/{sub['id']}/deliveries").json()
        (delivery,) = log
        assert delivery["status"] == "succeeded" and delivery["attempts"] == 3
        assert [a["status_code"] for a in delivery["attempts_log"]] == [500, 503, 204]


def test_a_delivery_gives_up_after_three_days_and_can_be_redelivered(world: World) -> None:
    with receiving(answers=[500] * 40) as receiver:
        sub = subscribe(world, receiver.url, ["quote.created"])
        create(world.client("rita"), lines=lines())
        at = datetime.now(UTC)
        for _ in range(40):
            deliver(world, at)
            at += timedelta(hours=7)
        ada = world.client("ada")
        (delivery,) = ada.get(f"/v1/webhooks/{sub['id']}/deliveries").json()
        assert delivery["status"] == "failed" and delivery["next_attempt_at"] is None
        tried = delivery["attempts"]
        assert 10 < tried < 40  # tried for three days, then stopped

        receiver.answers.clear()
        path = f"/v1/webhooks/{sub['id']}/deliveries/{delivery['id']}/redeliver"
        assert ada.post(path).status_code == 202
        deliver(world)

        (again,) = ada.get(f"/v1/webhooks/{sub['id']}/deliveries").json()
        assert again["status"] == "succeeded" and again["attempts"] == tried + 1


def test_an_unreachable_subscriber_is_a_failed_attempt_not_an_error(world: World) -> None:
    sub = subscribe(world, "http://127.0.0.1:9/nothing-listens", ["quote.created"])
    create(world.client("rita"), lines=lines())

    deliver(world)

    (delivery,) = world.client("ada").get(f"/v1/webhooks/{sub['id']}/deliveries").json()
    assert delivery["status"] == "pending" and delivery["last_status_code"] is None
    assert "ConnectError" in delivery["last_error"]


def test_no_event_is_sent_for_a_change_that_rolled_back(world: World) -> None:
    with receiving() as receiver:
        subscribe(world, receiver.url, ["quote.created"])
        quote = create(world.client("rita"), lines=lines())
        try:
            with world.engine.begin() as conn:
                publish(conn, {"event_type": "quote.created", "quote_id": quote["id"],
                               "payload": {"quote_id": quote["id"]},
                               "created_at": datetime.now(UTC)})  # fmt: skip
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
        problem(act(world.client("rita"), quote, "submit", etag='"99"'), 412)

        deliver(world)

        assert types(receiver) == ["quote.created"]  # the committed one only


def test_several_workers_never_send_one_delivery_twice(world: World) -> None:
    if world.engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL (on SQLite the server delivers, alone)")
    with receiving(delay_seconds=0.02) as receiver:
        subscribe(world, receiver.url, ["quote.created"])
        subscribe(world, receiver.url, ["quote.created"])
        rita = world.client("rita")
        for _ in range(6):
            create(rita, lines=lines())
        webhooks.dispatch(world.engine, datetime.now(UTC))

        def work() -> None:
            with httpx.Client(timeout=5) as client:
                webhooks.deliver_due(world.engine, client)

        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        sent = Counter(
            (r.headers["webhook-id"], r.headers["webhook-signature"]) for r in receiver.received
        )
        assert len(receiver.received) == 12  # 6 events x 2 subscriptions
        assert max(Counter(r.headers["webhook-id"] for r in receiver.received).values()) == 2
        assert len(sent) == 12
        with world.engine.connect() as conn:
            left = conn.execute(
                select(func.count())
                .select_from(DELIVERIES)
                .where(DELIVERIES.c.status != "succeeded")
            ).scalar_one()
            undispatched = conn.execute(
                select(func.count()).select_from(OUTBOX).where(OUTBOX.c.delivered_at.is_(None))
            ).scalar_one()
        assert (left, undispatched) == (0, 0)


def test_only_admins_manage_subscriptions_and_bad_input_is_named(world: World) -> None:
    body = {"url": "https://crm.example/hooks", "event_types": ["quote.created"]}

    problem(world.client("rita").post("/v1/webhooks", json=body), 403)
    problem(world.client("maria").get("/v1/webhooks"), 403)
    bad_url = problem(
        world.client("ada").post("/v1/webhooks", json={**body, "url": "ftp://x"}), 422
    )
    assert [e["field"] for e in bad_url["errors"]] == ["body.url"]
    bad_type = world.client("ada").post("/v1/webhooks", json={**body, "event_types": ["quote.x"]})
    assert [e["field"] for e in problem(bad_type, 422)["errors"]] == ["body.event_types"]
    assert world.client("ada").get("/v1/webhooks").json() == []


def test_an_admin_lists_changes_rotates_and_deletes_a_subscription(world: World) -> None:
    ada = world.client("ada")
    sub = subscribe(world, "https://crm.example/hooks", ["quote.created"])

    listed = ada.get("/v1/webhooks").json()
    changed = ok(
        ada.patch(f"/v1/webhooks/{sub['id']}", json={"active": False, "rotate_secret": True})
    )
    gone = ada.delete(f"/v1/webhooks/{sub['id']}")

    assert [s["id"] for s in listed] == [sub["id"]] and "secret" not in listed[0]
    assert changed["active"] is False and changed["secret"] != sub["secret"]
    assert gone.status_code == 204
    problem(ada.get(f"/v1/webhooks/{sub['id']}"), 404)


def test_a_catalog_sync_reaches_its_subscribers(world: World) -> None:
    with receiving() as receiver:
        sub = subscribe(world, receiver.url, ["sync.completed"])

        deliver(world)  # the world's demo catalog was synced once

        (got,) = receiver.received
        message = Webhook(sub["secret"]).verify(got.body, got.headers)
        assert message["type"] == "sync.completed"
        assert message["data"]["catalog_version"] == 1
