"""Attempts to get round the approval workflow: setting what the service computes, approving
one's own quote (directly or through a delegation), changing approved content, deciding for
someone else."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from quotes_world import (
    World,
    act,
    create,
    decide,
    get,
    lines,
    ok,
    patch,
    problem,
    put_line,
    to_decide,
)

CONTROLLED = [
    ("status", "approved"),
    ("total", "1.00"),
    ("totals", {"total": "1.00"}),
    ("pricing", {"totals": {"total": "1.00"}}),
    ("figures", {"max_line_discount_percent": "0"}),
    ("approvals", [{"level": "manager", "status": "approved"}]),
    ("approved", True),
    ("approved_by", 2),
    ("number", "Q-999999"),
    ("id", "00000000-0000-0000-0000-000000000000"),
    ("snapshot_hash", "0" * 64),
    ("owner_id", 2),
    ("owner", "maria"),
    ("catalog_version", 1),
    ("rule_set", "demo"),
    ("version", 7),
    ("etag", '"9"'),
    ("margin_percent", "90"),
    ("created_at", "2020-01-01T00:00:00Z"),
]
LINE_CONTROLLED = [
    ("net_unit_price", "1.00"),
    ("list_price", "1.00"),
    ("net_total", "1.00"),
    ("final_amount", "1.00"),
    ("margin", "1.00"),
    ("total", "1.00"),
    ("pricing", {}),
]


def _names_field(found: dict[str, Any], name: str) -> None:
    assert f"{name} (" in found["detail"] or any(
        f"{name} (" in e["message"] or e["field"].endswith(name) for e in found["errors"]
    ), found


def test_creating_a_quote_with_a_computed_field_is_refused(world: World) -> None:
    rita = world.client("rita")

    for name, value in CONTROLLED:
        body = {"customer": "C-10001", "lines": lines(), name: value}
        _names_field(problem(rita.post("/v1/quotes", json=body), 422), name)

    assert ok(rita.get("/v1/quotes"))["items"] == []
    assert create(rita, lines=lines())["number"] == "Q-000001"  # no number was used up


def test_changing_a_computed_field_is_refused_and_changes_nothing(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(15))

    for name, value in CONTROLLED:
        _names_field(problem(patch(rita, quote, notes="sneaky", **{name: value}), 422), name)

    assert get(rita, quote) == quote


def test_a_line_cannot_carry_a_computed_price(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())
    headers = {"If-Match": quote["etag"]}
    base = f"/v1/quotes/{quote['id']}"

    for name, value in LINE_CONTROLLED:
        line = {"sku": "TS-PT100-100-M", "quantity": 4, name: value}
        answers = [
            rita.post("/v1/quotes", json={"customer": "C-10001", "lines": [line]}),
            rita.post(f"{base}/lines", json=line, headers=headers),
            rita.put(f"{base}/lines", json={"lines": [line]}, headers=headers),
            put_line(rita, quote, "1", line),
        ]
        for answer in answers:
            _names_field(problem(answer, 422), name)

    assert get(rita, quote) == quote
    assert len(ok(rita.get("/v1/quotes"))["items"]) == 1


def test_an_option_line_cannot_carry_a_computed_price(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())
    line = {
        "sku": "GW-E100",
        "quantity": 1,
        "options": [{"id": "a", "sku": "GW-E100", "quantity": 1, "net_unit_price": "0.01"}],
    }

    found = problem(put_line(rita, quote, "2", line), 422)

    assert "net_unit_price" in str(found["errors"])
    assert get(rita, quote)["etag"] == quote["etag"]


def test_an_action_body_cannot_set_the_status(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(15))

    for action in ("submit", "recall", "send", "accept", "decline", "cancel"):
        _names_field(problem(act(rita, quote, action, {"status": "approved"}), 422), "status")

    assert get(rita, quote) == quote


def test_a_decision_cannot_name_who_decided(world: World) -> None:
    rita, maria = world.client("rita"), world.client("maria")
    quote = create(rita, lines=lines(15))
    ok(act(rita, quote, "submit"))
    (approval,) = to_decide(maria, quote)

    for body in ({"approved_by": 1}, {"status": "approved"}, {"decided_by": "dan"}):
        problem(maria.post(f"/v1/approvals/{approval['id']}/approve", json=body), 422)

    assert get(rita, quote)["status"] == "pending_approval"


# --- nobody approves their own quote -----------------------------------------------------------


def _marias_pending_quote(world: World) -> dict[str, Any]:
    maria = world.client("maria")
    quote = create(maria, lines=lines(15))
    preview = ok(maria.get(f"/v1/quotes/{quote['id']}/approval-preview"))
    assert [(lv["level"], [a["id"] for a in lv["approvers"]]) for lv in preview["levels"]] == [
        ("manager", [world.user_id("dan")])
    ]
    assert ok(act(maria, quote, "submit"))["status"] == "pending_approval"
    return get(maria, quote)


def test_a_managers_own_quote_goes_up_the_reporting_line(world: World) -> None:
    quote = _marias_pending_quote(world)
    maria, dan = world.client("maria"), world.client("dan")

    assert [(a["level"], a["approver"]["username"]) for a in quote["approvals"]] == [
        ("manager", "dan")
    ]
    assert to_decide(maria) == []
    (approval,) = to_decide(dan, quote)
    problem(decide(maria, approval), 403, "forbidden")
    problem(decide(maria, approval, approve=False, comment="no"), 403, "forbidden")
    assert get(maria, quote)["status"] == "pending_approval"

    ok(decide(dan, approval))
    assert get(maria, quote)["status"] == "approved"


def test_a_delegation_does_not_let_a_manager_approve_her_own_quote(world: World) -> None:
    dan, maria = world.client("dan"), world.client("maria")
    today = date.today()
    ok(
        dan.post(
            "/v1/delegations",
            json={
                "delegate": "maria",
                "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=7)).isoformat(),
            },
        ),
        201,
    )
    quote = _marias_pending_quote(world)
    (approval,) = to_decide(dan, quote)

    assert to_decide(maria, quote) == []  # she decides dan's approvals, but not this one
    problem(decide(maria, approval), 403, "forbidden")
    problem(decide(maria, approval, approve=False, comment="no"), 403, "forbidden")
    after = get(maria, quote)
    assert after["status"] == "pending_approval"
    assert [a["status"] for a in after["approvals"]] == ["pending"]


def test_a_rep_cannot_decide_the_approval_of_their_own_quote(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(15))
    ok(act(rita, quote, "submit"))
    (approval,) = to_decide(world.client("maria"), quote)

    problem(decide(rita, approval), 403)
    assert to_decide(rita) == []
    assert get(rita, quote)["status"] == "pending_approval"


def test_only_the_asked_approver_decides(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(15))
    ok(act(rita, quote, "submit"))
    (approval,) = to_decide(world.client("maria"), quote)

    # raj cannot even see the quote; the others see it and are told it is not theirs.
    for user, status in (("raj", 404), ("fiona", 403), ("ada", 403), ("dan", 403)):
        problem(decide(world.client(user), approval), status)
        problem(decide(world.client(user), approval, approve=False, comment="no"), status)

    after = get(rita, quote)
    assert after["status"] == "pending_approval"
    assert [a["status"] for a in after["approvals"]] == ["pending"]


def test_a_director_without_anyone_above_cannot_submit_a_discounted_quote(world: World) -> None:
    dan = world.client("dan")
    quote = create(dan, lines=lines(15))

    found = problem(act(dan, quote, "submit"), 409, "no_approver")

    assert found["level"] == "manager"
    after = get(dan, quote)
    assert (after["status"], after["approvals"], after["etag"]) == ("draft", [], quote["etag"])


# --- approved content stays approved -----------------------------------------------------------


def _approved(world: World, discount: int = 15) -> dict[str, Any]:
    rita = world.client("rita")
    quote = create(rita, lines=lines(discount))
    ok(act(rita, quote, "submit"))
    for approval in to_decide(world.client("maria"), quote):
        ok(decide(world.client("maria"), approval))
    approved = get(rita, quote)
    assert approved["status"] == "approved"
    return approved


def test_approved_content_cannot_be_changed_in_place(world: World) -> None:
    rita = world.client("rita")
    quote = _approved(world)
    base = f"/v1/quotes/{quote['id']}"
    headers = {"If-Match": quote["etag"]}

    answers = [
        patch(rita, quote, quote_discount_percent="30"),
        put_line(rita, quote, "1", lines(40)[0]),
        rita.post(f"{base}/lines", json={"sku": "GW-E100", "quantity": 9}, headers=headers),
        rita.delete(f"{base}/lines/2", headers=headers),
        rita.put(f"{base}/lines", json={"lines": lines(40)}, headers=headers),
        rita.post(f"{base}/reprice", headers=headers),
        act(rita, quote, "submit"),
        act(rita, quote, "recall"),
    ]

    for answer in answers:
        problem(answer, 409, "invalid_transition")
    after = get(rita, quote)
    assert (after["etag"], after["snapshot_hash"]) == (quote["etag"], quote["snapshot_hash"])
    assert after["approvals"] == quote["approvals"]


def test_a_new_version_of_an_approved_quote_must_be_approved_again_to_be_sent(
    world: World,
) -> None:
    rita = world.client("rita")
    quote = _approved(world)
    revised = ok(act(rita, quote, "revise"), 201)
    raised = ok(put_line(rita, revised, "1", lines(18)[0]))

    problem(act(rita, raised, "send"), 409, "invalid_transition")
    assert ok(act(rita, raised, "submit"))["status"] == "pending_approval"
    problem(act(rita, get(rita, quote), "send"), 409, "invalid_transition")
