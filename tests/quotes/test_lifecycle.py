"""Every status, every action through the API: the legal ones move the quote exactly as
cpq/quotes/lifecycle.TRANSITIONS says, every other one is 409 invalid_transition and changes
nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from quotes_world import World, act, create, decide, get, lines, ok, patch, problem, to_decide

from cpq.quotes.lifecycle import TRANSITIONS, QuoteAction, QuoteStatus
from cpq.services.approval_jobs import run_jobs

S = QuoteStatus
# The API calls a rep makes, and the lifecycle action each one is.
CALLS: dict[str, QuoteAction] = {
    "edit": QuoteAction.EDIT,
    "reprice": QuoteAction.EDIT,
    "submit": QuoteAction.SUBMIT,
    "recall": QuoteAction.RECALL,
    "send": QuoteAction.SEND,
    "accept": QuoteAction.ACCEPT,
    "decline": QuoteAction.DECLINE,
    "cancel": QuoteAction.CANCEL,
    "revise": QuoteAction.REVISE,
}


def call(world: World, quote: dict[str, Any], name: str) -> Any:
    rita = world.client("rita")
    if name == "edit":
        return patch(rita, quote, notes=f"edit at {quote['etag']}")
    if name == "reprice":
        return rita.post(f"/v1/quotes/{quote['id']}/reprice", headers={"If-Match": quote["etag"]})
    return act(rita, quote, name, {"comment": f"{name} please"})


def later(days: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def reach(world: World, status: QuoteStatus) -> dict[str, Any]:
    """A quote of rita's in ``status``, the shortest way there."""
    rita, maria = world.client("rita"), world.client("maria")
    needs_approval = status in (S.DRAFT, S.PENDING_APPROVAL, S.REJECTED)
    quote = create(rita, lines=lines(15 if needs_approval else None))
    steps: dict[QuoteStatus, list[Callable[[dict[str, Any]], Any]]] = {
        S.DRAFT: [],
        S.PENDING_APPROVAL: [lambda q: act(rita, q, "submit")],
        S.APPROVED: [lambda q: act(rita, q, "submit")],
        S.REJECTED: [
            lambda q: act(rita, q, "submit"),
            lambda q: decide(maria, to_decide(maria, q)[0], approve=False, comment="too much"),
        ],
        S.SENT: [lambda q: act(rita, q, "submit"), lambda q: act(rita, q, "send")],
        S.ACCEPTED: [
            lambda q: act(rita, q, "submit"),
            lambda q: act(rita, q, "send"),
            lambda q: act(rita, q, "accept"),
        ],
        S.DECLINED: [
            lambda q: act(rita, q, "submit"),
            lambda q: act(rita, q, "send"),
            lambda q: act(rita, q, "decline"),
        ],
        S.EXPIRED: [lambda q: run_jobs(world.engine, world.settings.rules_dir, later(40))],
        S.CANCELLED: [lambda q: act(rita, q, "cancel")],
    }
    for step in steps[status]:
        answer = step(quote)
        if hasattr(answer, "status_code"):
            ok(answer)
        quote = get(rita, quote)
    assert quote["status"] == status.value, quote
    return quote


@pytest.mark.parametrize("status", list(QuoteStatus))
def test_every_action_in_every_status(world: World, status: QuoteStatus) -> None:
    rita = world.client("rita")
    legal = {name for name, action in CALLS.items() if (status, action) in TRANSITIONS}
    before = reach(world, status)

    for name in sorted(set(CALLS) - legal):
        found = problem(call(world, before, name), 409, "invalid_transition")
        assert status.value in found["detail"], found
        after = get(rita, before)
        assert (after["status"], after["etag"]) == (status.value, before["etag"]), name

    for name in sorted(legal):
        quote = reach(world, status)
        answer = call(world, quote, name)
        moved = ok(answer, 201 if name == "revise" else 200)
        body = moved.get("quote", moved)  # a reprice answers the diff with the quote
        assert body["status"] == TRANSITIONS[status, CALLS[name]].value, name
        assert body["etag"] != quote["etag"]
        assert body["etag"] == answer.headers["ETag"]


def test_actions_offered_are_the_legal_ones(world: World) -> None:
    draft = reach(world, S.DRAFT)
    approved = reach(world, S.APPROVED)
    sent = reach(world, S.SENT)

    assert draft["actions"] == ["edit", "submit", "cancel"]
    assert approved["actions"] == ["send", "cancel", "revise"]
    assert sent["actions"] == ["accept", "decline", "cancel", "revise"]
    assert get(world.client("maria"), sent)["actions"] == []  # not hers to move


def test_a_quote_past_its_validity_cannot_be_sent_or_accepted(world: World) -> None:
    rita = world.client("rita")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    quote = create(rita, lines=lines(), valid_until=yesterday)
    approved = ok(act(rita, quote, "submit"))
    assert approved["status"] == "approved"

    found = problem(act(rita, approved, "send"), 409, "invalid_transition")

    assert yesterday in found["detail"]
    assert get(rita, quote)["status"] == "approved"
    revised = ok(act(rita, approved, "revise"), 201)
    assert date.fromisoformat(revised["valid_until"]) > date.today()


def test_the_expiry_job_expires_open_quotes_only(world: World) -> None:
    rita = world.client("rita")
    draft = create(rita, lines=lines())
    pending = create(rita, lines=lines(15))
    ok(act(rita, pending, "submit"))
    accepted = reach(world, S.ACCEPTED)
    fresh = create(rita, lines=lines(), valid_until=(date.today() + timedelta(days=90)).isoformat())

    report = run_jobs(world.engine, world.settings.rules_dir, later(31))

    assert report.expired == 2
    assert [get(rita, q)["status"] for q in (draft, pending, accepted, fresh)] == [
        "expired",
        "expired",
        "accepted",
        "draft",
    ]
    # The job escalated the overdue manager approval on its way; expiry voided them all.
    approvals = get(rita, pending)["approvals"]
    assert {a["status"] for a in approvals} <= {"void", "escalated"}
    assert all(a["voided_at"] is not None for a in approvals)
    assert run_jobs(world.engine, world.settings.rules_dir, later(31)).expired == 0


def test_a_cancelled_quote_is_final(world: World) -> None:
    rita = world.client("rita")
    pending = create(rita, lines=lines(15))
    ok(act(rita, pending, "submit"))

    cancelled = ok(act(rita, get(rita, pending), "cancel", {"comment": "lost the deal"}))

    assert cancelled["status"] == "cancelled"
    assert cancelled["read_only"] is True
    assert [a["status"] for a in cancelled["approvals"]] == ["void"]
    assert to_decide(world.client("maria")) == []
    for name in CALLS:
        problem(call(world, cancelled, name), 409, "invalid_transition")
