"""Approvals bind to the exact content they saw: a change voids them and goes back to draft, a
decision on stale content is refused. Smart re-approval: a level approved before still stands
for a changed quote when nothing its rules read got worse (docs/approvals.md)."""

from __future__ import annotations

from typing import Any

from quotes_world import (
    World,
    act,
    audit,
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


def _levels(quote: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(level, status, carried) of the current version's approvals."""
    return [(a["level"], a["status"], a["carried_from_id"] is not None) for a in quote["approvals"]]


def _approved_by_maria(world: World, **body: Any) -> dict[str, Any]:
    rita, maria = world.client("rita"), world.client("maria")
    quote = create(rita, **body)
    ok(act(rita, quote, "submit"))
    (approval,) = to_decide(maria, quote)
    ok(decide(maria, approval, comment="15% is fine"))
    approved = get(rita, quote)
    assert approved["status"] == "approved"
    return approved


# --- approvals bound to content ----------------------------------------------------------------


def test_an_edit_while_pending_voids_the_approvals_and_goes_back_to_draft(world: World) -> None:
    rita, maria = world.client("rita"), world.client("maria")
    quote = create(rita, lines=lines(25))
    ok(act(rita, quote, "submit"))
    ok(decide(maria, to_decide(maria, quote)[0]))
    pending = get(rita, quote)
    assert _levels(pending) == [("manager", "approved", False), ("director", "pending", False)]

    edited = ok(put_line(rita, pending, "1", lines(22)[0]))

    assert edited["status"] == "draft"
    assert edited["snapshot_hash"] != pending["snapshot_hash"]
    manager, director = edited["approvals"]
    assert (manager["status"], director["status"]) == ("approved", "void")
    assert manager["voided_at"] is not None and director["voided_at"] is not None
    assert to_decide(world.client("dan")) == []
    (event,) = [e for e in audit(rita, quote) if e["action"] == "edited"]
    assert (event["from_status"], event["to_status"]) == ("pending_approval", "draft")
    assert event["snapshot_hash"] == edited["snapshot_hash"]
    assert event["data"]["previous_snapshot_hash"] == pending["snapshot_hash"]


def test_a_decision_on_content_that_changed_is_refused(world: World) -> None:
    rita, maria = world.client("rita"), world.client("maria")
    quote = create(rita, lines=lines(15))
    ok(act(rita, quote, "submit"))
    (seen,) = to_decide(maria, quote)  # maria reads the approval...
    edited = ok(put_line(rita, get(rita, quote), "1", lines(18)[0]))  # ...rita changes the quote
    ok(act(rita, edited, "submit"))
    (fresh,) = to_decide(maria, quote)
    assert fresh["snapshot_hash"] != seen["snapshot_hash"]

    stale = maria.post(
        f"/v1/approvals/{fresh['id']}/approve",
        json={"comment": "ok", "snapshot_hash": seen["snapshot_hash"]},
    )
    voided = maria.post(f"/v1/approvals/{seen['id']}/approve", json={"comment": "ok"})

    problem(stale, 409, "snapshot_changed")
    problem(voided, 409, "approval_not_pending")
    assert get(rita, quote)["status"] == "pending_approval"
    current = maria.post(
        f"/v1/approvals/{fresh['id']}/approve",
        json={"comment": "ok", "snapshot_hash": fresh["snapshot_hash"]},
    )
    ok(current)
    assert get(rita, quote)["status"] == "approved"


def test_an_approval_is_for_the_snapshot_it_was_asked_on(world: World) -> None:
    quote = _approved_by_maria(world, lines=lines(15))

    (approval,) = quote["approvals"]

    assert approval["snapshot_hash"] == quote["snapshot_hash"]
    assert approval["figures"] == quote["figures"]


# --- smart re-approval -------------------------------------------------------------------------


def test_a_lower_discount_keeps_the_manager_approval(world: World) -> None:
    rita, maria = world.client("rita"), world.client("maria")
    approved = _approved_by_maria(world, lines=lines(15))
    (first,) = approved["approvals"]
    revised = ok(act(rita, approved, "revise"), 201)
    lowered = ok(put_line(rita, revised, "1", lines(12)[0]))
    preview = ok(rita.get(f"/v1/quotes/{approved['id']}/approval-preview"))
    assert [(lv["level"], lv["still_stands"]) for lv in preview["levels"]] == [("manager", True)]
    assert preview["approval_required"] is False

    after = ok(act(rita, lowered, "submit"))

    assert (after["status"], after["version"]) == ("approved", 2)
    (carried,) = after["approvals"]
    assert carried["carried_from_id"] == first["id"]
    assert (carried["level"], carried["status"]) == ("manager", "approved")
    assert carried["decided_by"]["username"] == "maria"
    assert carried["snapshot_hash"] == lowered["snapshot_hash"] != first["snapshot_hash"]
    assert to_decide(maria) == []
    submitted = [e for e in audit(rita, approved) if e["action"] == "submitted"][-1]
    assert submitted["data"]["still_standing"] == ["manager"]
    assert submitted["to_status"] == "approved"


def test_more_of_an_undiscounted_line_keeps_the_manager_approval(world: World) -> None:
    rita = world.client("rita")
    approved = _approved_by_maria(world, lines=lines(15))
    revised = ok(act(rita, approved, "revise"), 201)

    more = ok(put_line(rita, revised, "2", lines(15, gateways=3)[1]))
    assert more["figures"]["total_discount_percent"] < approved["figures"]["total_discount_percent"]
    assert more["figures"]["max_line_discount_percent"] == "15.0000"
    after = ok(act(rita, more, "submit"))

    assert after["status"] == "approved"
    assert _levels(after) == [("manager", "approved", True)]


def test_a_higher_discount_needs_the_manager_again(world: World) -> None:
    rita, maria = world.client("rita"), world.client("maria")
    approved = _approved_by_maria(world, lines=lines(15))
    revised = ok(act(rita, approved, "revise"), 201)
    raised = ok(put_line(rita, revised, "1", lines(18)[0]))

    after = ok(act(rita, raised, "submit"))

    assert after["status"] == "pending_approval"
    assert _levels(after) == [("manager", "pending", False)]
    (again,) = to_decide(maria, approved)
    assert again["version"] == 2
    ok(decide(maria, again))
    assert get(rita, approved)["status"] == "approved"


def test_a_new_reason_for_a_level_needs_it_again(world: World) -> None:
    rita = world.client("rita")
    # 15% off the gateway alone: a line discount, but the quote discount stays within 5%.
    body = lines(sensors=4, gateways=1)
    body[1]["manual_discount"] = {"percent": "11"}
    approved = _approved_by_maria(world, lines=body)
    assert {r["rule_id"] for r in approved["approvals"][0]["reasons"]} == {"line-discount-over-10"}
    revised = ok(act(rita, approved, "revise"), 201)
    # The same line discount, now on the sensors too: the quote discount passes 5%.
    both = ok(put_line(rita, revised, "1", lines(11)[0]))
    assert both["figures"]["max_line_discount_percent"] == "11.0000"

    after = ok(act(rita, both, "submit"))

    assert after["status"] == "pending_approval"
    assert _levels(after) == [("manager", "pending", False)]


def test_an_added_level_is_asked_while_the_standing_one_is_kept(world: World) -> None:
    rita, fiona = world.client("rita"), world.client("fiona")
    approved = _approved_by_maria(world, lines=lines(15))
    revised = ok(act(rita, approved, "revise"), 201)
    longer = ok(patch(rita, revised, payment_terms="NET60"))

    after = ok(act(rita, longer, "submit"))

    assert after["status"] == "pending_approval"
    assert _levels(after) == [("manager", "approved", True), ("finance", "pending", False)]
    ok(decide(fiona, to_decide(fiona, approved)[0]))
    assert get(rita, approved)["status"] == "approved"


def test_a_standing_level_carries_within_a_chain_after_an_edit(world: World) -> None:
    rita, maria, dan = world.client("rita"), world.client("maria"), world.client("dan")
    quote = create(rita, lines=lines(25))
    ok(act(rita, quote, "submit"))
    ok(decide(maria, to_decide(maria, quote)[0]))
    lowered = ok(put_line(rita, get(rita, quote), "1", lines(22)[0]))

    after = ok(act(rita, lowered, "submit"))

    # The manager approved 25%; 22% is less: it stands. The director never decided: asked now.
    assert after["status"] == "pending_approval"
    live = [a for a in after["approvals"] if a["voided_at"] is None]
    assert [(a["level"], a["status"], a["carried_from_id"] is not None) for a in live] == [
        ("manager", "approved", True),
        ("director", "pending", False),
    ]
    assert to_decide(maria) == []
    ok(decide(dan, to_decide(dan, quote)[0]))
    assert get(rita, quote)["status"] == "approved"


def test_a_rejection_revokes_the_approvals_before_it(world: World) -> None:
    rita, maria = world.client("rita"), world.client("maria")
    approved = _approved_by_maria(world, lines=lines(15))  # v1: 15% approved
    raised = ok(put_line(rita, ok(act(rita, approved, "revise"), 201), "1", lines(18)[0]))
    ok(act(rita, raised, "submit"))
    ok(decide(maria, to_decide(maria, approved)[0], approve=False, comment="not 18%"))
    rejected = get(rita, approved)
    assert rejected["status"] == "rejected"

    # Back below what v1 had approved: that approval no longer stands after the rejection.
    lowered = ok(put_line(rita, rejected, "1", lines(12)[0]))
    after = ok(act(rita, lowered, "submit"))

    assert after["status"] == "pending_approval"
    live = [a for a in after["approvals"] if a["voided_at"] is None]
    assert [(a["level"], a["status"], a["carried_from_id"]) for a in live] == [
        ("manager", "pending", None)
    ]


def test_a_carried_approval_is_compared_with_what_it_was_carried_on(world: World) -> None:
    rita = world.client("rita")
    approved = _approved_by_maria(world, lines=lines(15))
    lowered = ok(put_line(rita, ok(act(rita, approved, "revise"), 201), "1", lines(12)[0]))
    carried = ok(act(rita, lowered, "submit"))
    assert _levels(carried) == [("manager", "approved", True)]
    assert carried["approvals"][0]["figures"]["max_line_discount_percent"] == "12.0000"

    # 14% is less than the 15% maria approved, but more than the 12% the quote last showed.
    raised = ok(put_line(rita, ok(act(rita, carried, "revise"), 201), "1", lines(14)[0]))
    after = ok(act(rita, raised, "submit"))

    assert after["status"] == "pending_approval"
    assert _levels(after) == [("manager", "pending", False)]
