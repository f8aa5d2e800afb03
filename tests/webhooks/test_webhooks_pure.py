"""Webhooks, the pure part: public event names, the message, backoff, signatures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from cpq.webhooks.events import EVENT_TYPES, message_body, public_type
from cpq.webhooks.schedule import next_attempt
from cpq.webhooks.signing import body_text, new_secret, signed_headers

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("outbox", "public"),
    [
        ("quote.created", "quote.created"),
        ("quote.updated", "quote.updated"),
        ("quote.draft", "quote.updated"),
        ("quote.pending_approval", "quote.submitted"),
        ("quote.approved", "quote.approved"),
        ("quote.expired", "quote.expired"),
        ("approval.requested", "approval.requested"),
        ("approval.escalated", "approval.requested"),
        ("approval.approved", "approval.decided"),
        ("approval.rejected", "approval.decided"),
        ("quote.cancelled", None),
    ],
)
def test_outbox_events_have_public_names(outbox: str, public: str | None) -> None:
    assert public_type(outbox) == public
    assert public is None or public in EVENT_TYPES


def test_a_message_carries_its_type_and_the_event_id_and_says_the_decision() -> None:
    body = message_body("evt_7", "approval.decided", "approval.rejected", {"quote_id": "q"}, "t")

    assert body == {
        "type": "approval.decided",
        "timestamp": "t",
        "data": {"event_id": "evt_7", "quote_id": "q", "decision": "rejected"},
    }


def test_retries_back_off_exponentially_up_to_six_hours() -> None:
    waits = [next_attempt(T0, n, T0) for n in (1, 2, 3, 4)]
    assert [w - T0 for w in waits if w] == [timedelta(seconds=s) for s in (10, 20, 40, 80)]
    assert next_attempt(T0, 30, T0) == T0 + timedelta(hours=6)


def test_retries_stop_three_days_after_the_event() -> None:
    late = T0 + timedelta(days=3) - timedelta(minutes=1)

    assert next_attempt(T0, 40, late) is None
    assert next_attempt(T0, 1, late) == late + timedelta(seconds=10)


def test_messages_are_signed_per_standard_webhooks() -> None:
    secret = new_secret()
    body = body_text({"type": "quote.created", "data": {"quote_id": "q"}})
    now = datetime.now(UTC)

    headers = signed_headers(secret, "evt_1", now, body)

    assert secret.startswith("whsec_")
    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("q", "x"), headers)
