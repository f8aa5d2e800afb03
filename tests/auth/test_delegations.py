"""Approval delegations: validation, who decides for whom on which day, and the HTTP routes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from access_helpers import log_in, token_for
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cpq.auth.principal import Scope
from cpq.errors import Conflict, Forbidden, InvalidInput, NotFound
from cpq.services import delegations, people

TODAY = date(2026, 3, 2)


def delegate(
    engine: Engine, delegator: int, to: str, starts: date, ends: date
) -> delegations.DelegationRecord:
    with engine.begin() as conn:
        return delegations.create_delegation(
            conn, delegator, to, starts, ends, "holiday", today=TODAY
        )


def test_delegators_for_follows_the_dates_inclusively(engine: Engine, team: dict[str, int]) -> None:
    delegate(engine, team["mark"], "dora", date(2026, 3, 10), date(2026, 3, 12))
    delegate(engine, team["fay"], "dora", date(2026, 3, 12), date(2026, 3, 20))

    with engine.connect() as conn:
        by_day = {
            day: delegations.delegators_for(conn, team["dora"], date(2026, 3, day))
            for day in (9, 10, 12, 13, 21)
        }
        mark_gets = delegations.delegators_for(conn, team["mark"], date(2026, 3, 12))

    assert by_day == {
        9: frozenset(),
        10: {team["mark"]},
        12: {team["mark"], team["fay"]},
        13: {team["fay"]},
        21: frozenset(),
    }
    assert mark_gets == frozenset()  # a delegation goes one way


def test_a_revoked_delegation_no_longer_counts(engine: Engine, team: dict[str, int]) -> None:
    made = delegate(engine, team["mark"], "dora", date(2026, 3, 10), date(2026, 3, 12))
    with engine.begin() as conn:
        revoked = delegations.revoke_delegation(conn, team["mark"], made.id)
        again = delegations.revoke_delegation(conn, team["mark"], made.id)
        after = delegations.delegators_for(conn, team["dora"], date(2026, 3, 11))

    assert after == frozenset()
    assert revoked.revoked_at is not None and again.revoked_at == revoked.revoked_at


def test_every_problem_with_a_delegation_is_reported_at_once(
    engine: Engine, team: dict[str, int]
) -> None:
    with engine.begin() as conn, pytest.raises(InvalidInput) as caught:
        delegations.create_delegation(
            conn, team["mark"], "rosa", date(2026, 3, 5), date(2026, 3, 4), today=TODAY
        )

    assert [(i.column, i.code) for i in caught.value.extensions["issues"]] == [
        ("delegate", "delegate_cannot_approve"),
        ("ends_on", "bad_period"),
    ]


@pytest.mark.parametrize(
    ("to", "starts", "ends", "code"),
    [
        ("mark", date(2026, 3, 5), date(2026, 3, 6), "self_delegation"),
        ("ghost", date(2026, 3, 5), date(2026, 3, 6), "unknown_user"),
        ("dora", date(2026, 2, 1), date(2026, 3, 1), "past_period"),
    ],
)
def test_a_delegation_is_checked(
    engine: Engine, team: dict[str, int], to: str, starts: date, ends: date, code: str
) -> None:
    with engine.begin() as conn, pytest.raises(InvalidInput) as caught:
        delegations.create_delegation(conn, team["mark"], to, starts, ends, today=TODAY)

    assert [i.code for i in caught.value.extensions["issues"]] == [code]


def test_a_deactivated_delegate_is_refused(engine: Engine, team: dict[str, int]) -> None:
    with engine.begin() as conn:
        people.deactivate(conn, "fay")
        with pytest.raises(InvalidInput) as caught:
            delegations.create_delegation(conn, team["mark"], "fay", TODAY, TODAY, today=TODAY)

    assert [i.code for i in caught.value.extensions["issues"]] == ["inactive_user"]


def test_overlapping_delegations_of_one_delegator_conflict(
    engine: Engine, team: dict[str, int]
) -> None:
    first = delegate(engine, team["mark"], "dora", date(2026, 3, 10), date(2026, 3, 12))

    with pytest.raises(Conflict) as caught:
        delegate(engine, team["mark"], "fay", date(2026, 3, 12), date(2026, 3, 14))
    after = delegate(engine, team["mark"], "fay", date(2026, 3, 13), date(2026, 3, 14))
    other = delegate(engine, team["fay"], "dora", date(2026, 3, 10), date(2026, 3, 12))

    assert caught.value.extensions == {"delegation_id": first.id}
    assert (after.delegate, other.delegator) == ("fay", "fay")


def test_a_rep_cannot_delegate(engine: Engine, team: dict[str, int]) -> None:
    with pytest.raises(Forbidden):
        delegate(engine, team["rosa"], "mark", TODAY, TODAY)


def test_only_the_delegator_revokes(engine: Engine, team: dict[str, int]) -> None:
    made = delegate(engine, team["mark"], "dora", TODAY, TODAY)

    with engine.begin() as conn:
        with pytest.raises(Forbidden):
            delegations.revoke_delegation(conn, team["dora"], made.id)
        with pytest.raises(NotFound):
            delegations.revoke_delegation(conn, team["fay"], made.id)  # not theirs to see
        with pytest.raises(NotFound):
            delegations.revoke_delegation(conn, team["mark"], 9999)


# --- over HTTP


def test_delegate_list_and_revoke_over_http(client: TestClient) -> None:
    start = date.today() + timedelta(days=1)
    csrf = log_in(client, "mark")
    headers = {"X-CSRF-Token": csrf}

    created = client.post(
        "/v1/delegations",
        headers=headers,
        json={
            "delegate": "dora",
            "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=4)).isoformat(),
            "reason": "holiday",
        },
    )
    listed = client.get("/v1/delegations").json()
    revoked = client.delete(f"/v1/delegations/{created.json()['id']}", headers=headers)
    after = client.get("/v1/delegations").json()
    with_revoked = client.get("/v1/delegations", params={"include_revoked": True}).json()

    assert created.status_code == 201, created.text
    assert (created.json()["delegator"], created.json()["delegate"]) == ("mark", "dora")
    assert [d["id"] for d in listed["given"]] == [created.json()["id"]]
    assert listed["received"] == []
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert after == {"given": [], "received": []}
    assert [d["revoked_at"] is not None for d in with_revoked["given"]] == [True]


def test_delegation_errors_over_http(client: TestClient, engine: Engine) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    csrf = log_in(client, "mark")
    body = {"delegate": "dora", "starts_on": tomorrow, "ends_on": tomorrow}

    extra = client.post("/v1/delegations", headers={"X-CSRF-Token": csrf}, json={**body, "x": 1})
    to_rep = client.post(
        "/v1/delegations", headers={"X-CSRF-Token": csrf}, json={**body, "delegate": "rosa"}
    )
    no_csrf = client.post("/v1/delegations", json=body)
    _, rep_token = token_for(engine, "rosa", Scope.APPROVALS_WRITE)
    _, read_only = token_for(engine, "mark", Scope.APPROVALS_READ)
    by_rep = client.post(
        "/v1/delegations", headers={"Authorization": f"Bearer {rep_token}"}, json=body
    )
    by_reader = client.post(
        "/v1/delegations", headers={"Authorization": f"Bearer {read_only}"}, json=body
    )

    assert (extra.status_code, extra.json()["code"]) == (422, "invalid_request")
    assert (to_rep.status_code, to_rep.json()["errors"][0]["code"]) == (
        422,
        "delegate_cannot_approve",
    )
    assert (no_csrf.status_code, no_csrf.json()["code"]) == (403, "csrf_failed")
    assert (by_rep.status_code, by_rep.json()["code"]) == (403, "forbidden")
    assert (by_reader.status_code, by_reader.json()["code"]) == (403, "insufficient_scope")
