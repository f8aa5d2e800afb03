"""The approval chain: levels in order (a later level waits for the earlier ones), rejection at
any level, and a level anyone of a role may decide (finance)."""

from __future__ import annotations

from typing import Any

from quotes_world import World, act, audit, create, decide, get, lines, ok, problem, to_decide

from cpq.auth.principal import Role


def _chain(quote: dict[str, Any]) -> list[tuple[int, str, str, str]]:
    return [
        (a["step"], a["level"], a["approver"]["username"], a["status"]) for a in quote["approvals"]
    ]


def _submitted(world: World, **body: Any) -> dict[str, Any]:
    rita = world.client("rita")
    quote = create(rita, **body)
    assert ok(act(rita, quote, "submit", {"comment": "please"}))["status"] == "pending_approval"
    return get(rita, quote)


def test_the_director_waits_for_the_manager(world: World) -> None:
    rita, maria, dan = world.client("rita"), world.client("maria"), world.client("dan")
    quote = _submitted(world, lines=lines(25))

    assert _chain(quote) == [(1, "manager", "maria", "pending"), (2, "director", "dan", "waiting")]
    manager, director = quote["approvals"]
    assert manager["due_at"] is not None and director["due_at"] is None
    assert {r["rule_id"] for r in director["reasons"]} == {
        "line-discount-over-20",
        "quote-discount-over-12",
    }
    assert director["figures"]["max_line_discount_percent"] == "25.0000"
    assert to_decide(dan) == []
    waiting = ok(dan.get("/v1/approvals", params={"status": "waiting"}))["items"]
    assert [a["id"] for a in waiting] == [director["id"]]
    problem(decide(dan, director), 409, "approval_not_pending")

    ok(decide(maria, manager, comment="fine by me"))

    after = get(rita, quote)
    assert after["status"] == "pending_approval"
    assert _chain(after) == [(1, "manager", "maria", "approved"), (2, "director", "dan", "pending")]
    assert after["approvals"][1]["due_at"] is not None
    (mine,) = to_decide(dan, quote)
    ok(decide(dan, mine, comment="go"))
    done = get(rita, quote)
    assert done["status"] == "approved"
    assert _chain(done) == [(1, "manager", "maria", "approved"), (2, "director", "dan", "approved")]
    assert done["approvals"][1]["decided_by"]["username"] == "dan"
    assert done["approvals"][1]["comment"] == "go"


def test_a_manager_rejection_stops_the_chain(world: World) -> None:
    rita, maria = world.client("rita"), world.client("maria")
    quote = _submitted(world, lines=lines(25))

    ok(decide(maria, quote["approvals"][0], approve=False, comment="25% is too much"))

    after = get(rita, quote)
    assert after["status"] == "rejected"
    assert _chain(after) == [(1, "manager", "maria", "rejected"), (2, "director", "dan", "void")]
    assert to_decide(world.client("dan")) == []
    events = audit(rita, quote)
    rejected = [e for e in events if e["action"] == "approval_rejected"]
    assert [(e["actor"]["username"], e["comment"]) for e in rejected] == [
        ("maria", "25% is too much")
    ]
    assert events[-1]["to_status"] == "rejected"


def test_a_director_rejection_after_the_manager_approved(world: World) -> None:
    rita, maria, dan = world.client("rita"), world.client("maria"), world.client("dan")
    quote = _submitted(world, lines=lines(25))
    ok(decide(maria, quote["approvals"][0]))

    ok(decide(dan, to_decide(dan, quote)[0], approve=False, comment="not at 25%"))

    after = get(rita, quote)
    assert after["status"] == "rejected"
    assert _chain(after) == [
        (1, "manager", "maria", "approved"),
        (2, "director", "dan", "rejected"),
    ]
    assert ("dan", "not at 25%") in [
        (e["actor"]["username"], e["comment"]) for e in audit(rita, quote) if e["actor"]
    ]
    # Rejected: the rep may change it (back to draft) or revise it, not send it.
    problem(act(rita, after, "send"), 409, "invalid_transition")


def test_a_rejection_must_say_why(world: World) -> None:
    maria = world.client("maria")
    quote = _submitted(world, lines=lines(15))
    approval = quote["approvals"][0]

    for body in ({}, {"comment": ""}, {"comment": "   "}):
        problem(maria.post(f"/v1/approvals/{approval['id']}/reject", json=body), 422)

    assert get(maria, quote)["status"] == "pending_approval"


def test_an_approval_is_decided_once(world: World) -> None:
    maria = world.client("maria")
    quote = _submitted(world, lines=lines(15))
    approval = quote["approvals"][0]

    ok(decide(maria, approval))

    problem(decide(maria, approval), 409, "approval_not_pending")
    problem(decide(maria, approval, approve=False, comment="changed my mind"), 409)
    assert get(maria, quote)["status"] == "approved"


def test_payment_terms_beyond_net30_go_to_finance(world: World) -> None:
    rita, fiona = world.client("rita"), world.client("fiona")
    quote = _submitted(world, lines=lines(), payment_terms="NET60")

    assert _chain(quote) == [(1, "finance", "fiona", "pending")]
    (reason,) = quote["approvals"][0]["reasons"]
    assert reason["rule_id"] == "payment-terms-beyond-net30"
    assert reason["facts"] == {"payment_terms": "NET60"}
    assert to_decide(world.client("maria")) == []

    ok(decide(fiona, to_decide(fiona, quote)[0]))

    assert get(rita, quote)["status"] == "approved"


def test_any_one_finance_user_decides_for_finance(world: World) -> None:
    frank = world.add_user("frank", Role.FINANCE)
    rita, fiona = world.client("rita"), world.client("fiona")
    quote = _submitted(world, lines=lines(), payment_terms="NET60")
    assert _chain(quote) == [
        (1, "finance", "fiona", "pending"),
        (1, "finance", "frank", "pending"),
    ]
    (franks,) = to_decide(frank, quote)

    ok(decide(fiona, to_decide(fiona, quote)[0]))

    after = get(rita, quote)
    assert after["status"] == "approved"
    assert _chain(after) == [(1, "finance", "fiona", "approved"), (1, "finance", "frank", "void")]
    problem(decide(frank, franks), 409, "approval_not_pending")
    assert to_decide(frank) == []


def test_the_whole_chain_in_order(world: World) -> None:
    rita, maria, dan, fiona = (world.client(u) for u in ("rita", "maria", "dan", "fiona"))
    quote = _submitted(world, lines=lines(25), payment_terms="NET90")
    assert _chain(quote) == [
        (1, "manager", "maria", "pending"),
        (2, "director", "dan", "waiting"),
        (3, "finance", "fiona", "waiting"),
    ]
    assert to_decide(fiona) == []

    for client in (maria, dan, fiona):
        (approval,) = to_decide(client, quote)
        ok(decide(client, approval))
        expected = "approved" if client is fiona else "pending_approval"
        assert get(rita, quote)["status"] == expected

    events = [e["action"] for e in audit(rita, quote)]
    assert events == [
        "created",
        "submitted",
        "approval_approved",
        "approval_approved",
        "approval_approved",
        "approved",
    ]
