"""Delegation (an approver away lets a colleague decide in their place, for a period) and the
escalation job (an approval left pending past its time goes one level up, once)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from quotes_world import World, act, audit, create, decide, get, lines, ok, problem, to_decide

from cpq.auth.principal import Role
from cpq.services.approval_jobs import JobReport, run_jobs


def _delegate(client: TestClient, to: str, starts: int, ends: int) -> dict[str, Any]:
    today = date.today()
    body = {
        "delegate": to,
        "starts_on": (today + timedelta(days=starts)).isoformat(),
        "ends_on": (today + timedelta(days=ends)).isoformat(),
        "reason": "holiday",
    }
    created: dict[str, Any] = ok(client.post("/v1/delegations", json=body), 201)
    return created


def _at_director(world: World) -> dict[str, Any]:
    """A quote of rita's with 25% off: maria approved, dan's turn."""
    rita, maria = world.client("rita"), world.client("maria")
    quote = create(rita, lines=lines(25))
    ok(act(rita, quote, "submit"))
    ok(decide(maria, to_decide(maria, quote)[0]))
    return get(rita, quote)


# --- delegation --------------------------------------------------------------------------------


def test_a_delegate_decides_for_the_delegator_and_the_audit_says_so(world: World) -> None:
    dan, maria, rita = world.client("dan"), world.client("maria"), world.client("rita")
    _delegate(dan, "maria", 0, 3)
    quote = _at_director(world)

    (approval,) = to_decide(maria, quote)
    assert (approval["level"], approval["approver"]["username"]) == ("director", "dan")
    ok(decide(maria, approval, comment="for dan"))

    after = get(rita, quote)
    assert after["status"] == "approved"
    director = after["approvals"][1]
    assert (director["approver"]["username"], director["decided_by"]["username"]) == (
        "dan",
        "maria",
    )
    event = [e for e in audit(rita, quote) if e["action"] == "approval_approved"][-1]
    assert event["actor"]["username"] == "maria"
    assert event["data"]["on_behalf_of"] == world.user_id("dan")
    assert event["comment"] == "for dan"
    first = next(e for e in audit(rita, quote) if e["action"] == "approval_approved")
    assert first["data"]["on_behalf_of"] is None  # maria's own decision


def test_a_delegation_that_has_not_started_gives_nothing(world: World) -> None:
    dan, maria = world.client("dan"), world.client("maria")
    _delegate(dan, "maria", 1, 5)
    quote = _at_director(world)
    (approval,) = to_decide(dan, quote)

    assert to_decide(maria, quote) == []
    problem(decide(maria, approval), 403, "forbidden")
    assert get(maria, quote)["status"] == "pending_approval"
    ok(decide(dan, approval))


def test_a_revoked_delegation_gives_nothing(world: World) -> None:
    dan, maria = world.client("dan"), world.client("maria")
    given = _delegate(dan, "maria", 0, 3)
    quote = _at_director(world)
    (approval,) = to_decide(maria, quote)

    ok(dan.delete(f"/v1/delegations/{given['id']}"))

    assert to_decide(maria, quote) == []
    problem(decide(maria, approval), 403, "forbidden")


def test_a_delegate_sees_the_quotes_she_decides_outside_her_team(world: World) -> None:
    rob = world.add_user("rob", Role.REP, manager="dan")  # not in maria's team
    fiona, maria = world.client("fiona"), world.client("maria")
    quote = create(rob, lines=lines(), payment_terms="NET60")
    ok(act(rob, quote, "submit"))
    problem(maria.get(f"/v1/quotes/{quote['id']}"), 404)

    _delegate(fiona, "maria", 0, 0)

    assert ok(maria.get(f"/v1/quotes/{quote['id']}"))["owner"]["username"] == "rob"
    assert quote["id"] in [q["id"] for q in ok(maria.get("/v1/quotes"))["items"]]
    ok(decide(maria, to_decide(maria, quote)[0]))
    assert get(rob, quote)["status"] == "approved"
    ok(fiona.get(f"/v1/quotes/{quote['id']}/audit"))


def test_delegations_are_listed_and_checked(world: World) -> None:
    dan, maria = world.client("dan"), world.client("maria")
    given = _delegate(dan, "maria", 0, 3)

    assert [d["id"] for d in ok(dan.get("/v1/delegations"))["given"]] == [given["id"]]
    assert [d["id"] for d in ok(maria.get("/v1/delegations"))["received"]] == [given["id"]]
    problem(dan.post("/v1/delegations", json={**_body("rita"), "reason": None}), 422)
    problem(dan.post("/v1/delegations", json=_body("dan")), 422)
    problem(dan.post("/v1/delegations", json=_body("fiona")), 409)  # overlaps the first
    problem(world.client("rita").post("/v1/delegations", json=_body("maria")), 403)


def _body(to: str) -> dict[str, Any]:
    today = date.today()
    return {"delegate": to, "starts_on": today.isoformat(), "ends_on": today.isoformat()}


# --- escalation --------------------------------------------------------------------------------


def _in(hours: int) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def test_an_overdue_approval_goes_one_level_up(world: World) -> None:
    rita, maria, dan = world.client("rita"), world.client("maria"), world.client("dan")
    quote = create(rita, lines=lines(15))
    ok(act(rita, quote, "submit"))
    (asked,) = to_decide(maria, quote)

    assert run_jobs(world.engine, world.settings.rules_dir, _in(23)) == JobReport()
    report = run_jobs(world.engine, world.settings.rules_dir, _in(25))

    assert report == JobReport(escalated=1)
    after = get(rita, quote)
    assert [(a["approver"]["username"], a["status"]) for a in after["approvals"]] == [
        ("maria", "escalated"),
        ("dan", "pending"),
    ]
    escalated = after["approvals"][1]
    assert escalated["escalated_from_id"] == asked["id"]
    assert escalated["snapshot_hash"] == after["snapshot_hash"]
    assert to_decide(maria) == []
    problem(decide(maria, asked), 409, "approval_not_pending")
    (event,) = [e for e in audit(rita, quote) if e["action"] == "approval_escalated"]
    assert event["actor"] is None
    assert event["data"]["to"] == [world.user_id("dan")]
    ok(decide(dan, to_decide(dan, quote)[0]))
    assert get(rita, quote)["status"] == "approved"


def test_escalation_runs_once_however_often_the_job_runs(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(15))
    ok(act(rita, quote, "submit"))
    when = _in(25)

    first = run_jobs(world.engine, world.settings.rules_dir, when)
    second = run_jobs(world.engine, world.settings.rules_dir, when)

    assert (first.escalated, second.escalated) == (1, 0)
    assert len(get(rita, quote)["approvals"]) == 2


def test_two_job_runners_at_once_escalate_once(world: World) -> None:
    rita = world.client("rita")
    quotes = [create(rita, lines=lines(15)) for _ in range(3)]
    for quote in quotes:
        ok(act(rita, quote, "submit"))
    when = _in(25)
    reports: list[JobReport] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def runner() -> None:
        try:
            start.wait()
            reports.append(run_jobs(world.engine, world.settings.rules_dir, when))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.escalated for r in reports) == 3
    for quote in quotes:
        approvals = get(rita, quote)["approvals"]
        assert [(a["approver"]["username"], a["status"]) for a in approvals] == [
            ("maria", "escalated"),
            ("dan", "pending"),
        ]
    assert len(to_decide(world.client("dan"))) == 3


def test_an_approval_decided_in_time_is_not_escalated(world: World) -> None:
    rita, maria = world.client("rita"), world.client("maria")
    quote = create(rita, lines=lines(15))
    ok(act(rita, quote, "submit"))
    ok(decide(maria, to_decide(maria, quote)[0]))

    assert run_jobs(world.engine, world.settings.rules_dir, _in(25)).escalated == 0
    assert get(rita, quote)["status"] == "approved"


def test_a_recalled_quote_is_not_escalated(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(15))
    pending = ok(act(rita, quote, "submit"))
    ok(act(rita, pending, "recall"))

    assert run_jobs(world.engine, world.settings.rules_dir, _in(25)).escalated == 0
    assert [a["status"] for a in get(rita, quote)["approvals"]] == ["void"]


def test_escalation_goes_up_the_approvers_reporting_line_not_to_another_department(
    world: World,
) -> None:
    rita, maria = world.client("rita"), world.client("maria")
    quote = create(rita, lines=lines(25))  # manager, then director
    ok(act(rita, quote, "submit"))
    (manager_level,) = to_decide(maria, quote)
    decide(maria, manager_level)
    # The director's approval is overdue after 48 h; dan reports to nobody: it stays with him,
    # and the trail says why, rather than going to finance (the next level in the policy).
    report = run_jobs(world.engine, world.settings.rules_dir, _in(49))
    after = get(rita, quote)
    assert report == JobReport(not_escalated=1)
    director = [a for a in after["approvals"] if a["level"] == "director"]
    assert [(a["approver"]["username"], a["status"]) for a in director] == [("dan", "pending")]
    skipped = [e for e in audit(rita, quote) if e["action"] == "escalation_skipped"]
    assert len(skipped) == 1 and "nobody above Dan Director" in skipped[0]["comment"]
    # and it is not asked again at the next run
    assert run_jobs(world.engine, world.settings.rules_dir, _in(50)) == JobReport()
