"""Who sees and changes which quote: reps their own, managers and directors their team (read
only), finance and admins everything; scopes and credentials; listing filters and paging."""

from __future__ import annotations

from typing import Any

import pytest
from quotes_world import World, act, create, lines, ok, patch, problem, to_decide

from cpq.auth.principal import Scope


def _ids(page: dict[str, Any]) -> list[str]:
    return [q["id"] for q in page["items"]]


def _listed(world: World, user: str, **params: Any) -> list[str]:
    return _ids(ok(world.client(user).get("/v1/quotes", params=params)))


def test_a_rep_lists_only_their_own_quotes(world: World) -> None:
    ritas = create(world.client("rita"), lines=lines())
    rajs = create(world.client("raj"), lines=lines())

    assert _listed(world, "rita") == [ritas["id"]]
    assert _listed(world, "raj") == [rajs["id"]]


def test_another_reps_quote_reads_as_not_found(world: World) -> None:
    ritas = create(world.client("rita"), lines=lines(15))
    raj = world.client("raj")

    for path in ("", "/lines", "/audit", "/approval-preview", "/approval-preview?line_id=1"):
        found = problem(raj.get(f"/v1/quotes/{ritas['id']}{path}"), 404, "not_found")
        assert ritas["number"] not in str(found), path  # nothing about the quote leaks
    problem(raj.get(f"/v1/quotes/{ritas['id']}/versions/1"), 404, "not_found")
    # Exactly as a quote that does not exist.
    missing = problem(raj.get("/v1/quotes/00000000-0000-0000-0000-000000000000"), 404)
    mine = problem(raj.get(f"/v1/quotes/{ritas['id']}"), 404)
    assert mine["title"] == missing["title"] and mine["code"] == missing["code"]


def test_another_reps_quote_cannot_be_changed_and_reads_as_not_found(world: World) -> None:
    rita, raj = world.client("rita"), world.client("raj")
    ritas = create(rita, lines=lines(15))
    base = f"/v1/quotes/{ritas['id']}"
    headers = {"If-Match": ritas["etag"]}

    answers = [
        patch(raj, ritas, notes="mine now"),
        raj.put(f"{base}/lines", json={"lines": lines()}, headers=headers),
        raj.post(f"{base}/lines", json={"sku": "GW-E100", "quantity": 1}, headers=headers),
        raj.put(f"{base}/lines/1", json={"sku": "GW-E100", "quantity": 1}, headers=headers),
        raj.delete(f"{base}/lines/2", headers=headers),
        raj.post(f"{base}/reprice", headers=headers),
        raj.post(f"{base}/reprice?preview=true"),
        *(
            act(raj, ritas, action)
            for action in ("submit", "recall", "send", "accept", "decline", "cancel", "revise")
        ),
    ]

    for answer in answers:
        problem(answer, 404, "not_found")
    after = ok(rita.get(base))
    assert (after["etag"], after["status"], after["notes"]) == (ritas["etag"], "draft", None)


def test_another_reps_approval_reads_as_not_found(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(15))
    ok(act(rita, quote, "submit"))
    (approval,) = to_decide(world.client("maria"), quote)

    raj = world.client("raj")
    problem(raj.get(f"/v1/approvals/{approval['id']}"), 404, "not_found")
    problem(raj.post(f"/v1/approvals/{approval['id']}/approve", json={}), 404, "not_found")
    assert to_decide(raj) == []


def test_a_manager_sees_the_teams_quotes_but_cannot_change_them(world: World) -> None:
    ritas = create(world.client("rita"), lines=lines())
    rajs = create(world.client("raj"), lines=lines())
    maria = world.client("maria")

    assert set(_listed(world, "maria")) == {ritas["id"], rajs["id"]}
    assert ok(maria.get(f"/v1/quotes/{ritas['id']}"))["number"] == ritas["number"]
    assert ok(maria.get(f"/v1/quotes/{ritas['id']}/lines"))[0]["sku"] == "TS-PT100-100-M"
    problem(patch(maria, ritas, notes="from maria"), 403, "forbidden")
    problem(
        maria.put(
            f"/v1/quotes/{ritas['id']}/lines",
            json={"lines": lines(30)},
            headers={"If-Match": ritas["etag"]},
        ),
        403,
        "forbidden",
    )
    for action in ("submit", "cancel", "revise"):
        problem(act(maria, ritas, action), 403, "forbidden")
    assert ok(maria.get(f"/v1/quotes/{ritas['id']}"))["etag"] == ritas["etag"]


def test_a_director_sees_the_team_of_the_team(world: World) -> None:
    ritas = create(world.client("rita"), lines=lines())
    marias = create(world.client("maria"), lines=lines())
    dan = world.client("dan")

    assert set(_listed(world, "dan")) == {ritas["id"], marias["id"]}
    assert ok(dan.get(f"/v1/quotes/{ritas['id']}"))["owner"]["username"] == "rita"
    problem(patch(dan, ritas, notes="from dan"), 403, "forbidden")
    # The other way up the line nothing shows: a rep never sees the manager's quotes.
    problem(world.client("rita").get(f"/v1/quotes/{marias['id']}"), 404, "not_found")
    assert _listed(world, "rita") == [ritas["id"]]


@pytest.mark.parametrize("user", ["fiona", "ada"])
def test_finance_and_admins_see_every_quote_but_change_none(world: World, user: str) -> None:
    made = {create(world.client(who), lines=lines())["id"] for who in ("rita", "raj", "dan")}
    client = world.client(user)

    assert set(_listed(world, user)) == made
    for quote_id in made:
        ok(client.get(f"/v1/quotes/{quote_id}/audit"))
        quote = ok(client.get(f"/v1/quotes/{quote_id}"))
        assert quote["actions"] == []
        problem(patch(client, quote, notes="x"), 403, "forbidden")


def test_the_list_filters_by_status_owner_customer_and_opportunity(world: World) -> None:
    rita, raj = world.client("rita"), world.client("raj")
    a = create(rita, lines=lines(), crm_opportunity_id="OPP-A")
    b = create(rita, lines=lines(15), customer="C-10003", crm_opportunity_id="OPP-B")
    c = create(raj, lines=lines(), customer="C-10003")
    ok(act(rita, b, "submit"))

    assert _listed(world, "maria", status="pending_approval") == [b["id"]]
    assert set(_listed(world, "maria", status="draft")) == {a["id"], c["id"]}
    assert _listed(world, "maria", owner=world.user_id("raj")) == [c["id"]]
    assert set(_listed(world, "maria", customer="C-10003")) == {b["id"], c["id"]}
    assert _listed(world, "maria", crm_opportunity_id="OPP-A") == [a["id"]]
    assert _listed(world, "maria", crm_opportunity_id="OPP-NONE") == []
    # A filter never widens what the caller sees.
    assert _listed(world, "rita", owner=world.user_id("raj")) == []
    assert _listed(world, "raj", customer="C-10003") == [c["id"]]
    problem(rita.get("/v1/quotes", params={"status": "nonsense"}), 422)


def test_cursor_paging_gives_each_quote_once(world: World) -> None:
    made = [create(world.client(u), lines=lines())["id"] for u in ("rita", "raj") * 3 + ("rita",)]
    maria = world.client("maria")

    seen: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        page = ok(maria.get("/v1/quotes", params=params))
        seen += _ids(page)
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sizes == [2, 2, 2, 1]
    assert len(seen) == len(set(seen)) == 7
    assert seen == list(reversed(made))  # newest first
    assert seen == _listed(world, "maria", limit=50)


def test_a_cursor_the_api_did_not_issue_is_a_problem(world: World) -> None:
    rita = world.client("rita")
    create(rita, lines=lines())

    # Not base64 JSON; an "after" that is no timestamp; another cursor's shape.
    for cursor in ("garbage", "eyJhZnRlciI6Im5vcGUifQ", "eyJ4IjoxfQ"):
        found = problem(rita.get("/v1/quotes", params={"cursor": cursor}), 422)
        assert "cursor" in str(found), cursor


def test_a_token_without_quotes_write_reads_but_cannot_change(world: World) -> None:
    quote = create(world.client("rita"), lines=lines(15))
    reader = world.client_with_scopes("rita", [Scope.QUOTES_READ, Scope.APPROVALS_READ])

    assert ok(reader.get(f"/v1/quotes/{quote['id']}"))["id"] == quote["id"]
    answers = [
        reader.post("/v1/quotes", json={"customer": "C-10001", "lines": lines()}),
        patch(reader, quote, notes="x"),
        reader.post(
            f"/v1/quotes/{quote['id']}/lines",
            json={"sku": "GW-E100", "quantity": 1},
            headers={"If-Match": quote["etag"]},
        ),
        act(reader, quote, "submit"),
        act(reader, quote, "cancel"),
        reader.post(f"/v1/quotes/{quote['id']}/reprice", headers={"If-Match": quote["etag"]}),
    ]
    for answer in answers:
        assert problem(answer, 403, "insufficient_scope")["required_scope"] == "quotes:write"
    assert len(_listed(world, "rita")) == 1


def test_a_token_without_approvals_write_cannot_decide(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(15))
    ok(act(rita, quote, "submit"))
    (approval,) = to_decide(world.client("maria"), quote)
    reader = world.client_with_scopes("maria", [Scope.QUOTES_READ, Scope.APPROVALS_READ])

    found = problem(reader.post(f"/v1/approvals/{approval['id']}/approve", json={}), 403)

    assert found["code"] == "insufficient_scope"
    assert ok(rita.get(f"/v1/quotes/{quote['id']}"))["status"] == "pending_approval"


UNAUTHENTICATED = [
    ("GET", "/v1/quotes"),
    ("POST", "/v1/quotes"),
    ("GET", "/v1/quotes/x"),
    ("GET", "/v1/quotes/x/audit"),
    ("POST", "/v1/quotes/x/submit"),
    ("GET", "/v1/approvals"),
    ("POST", "/v1/approvals/1/approve"),
    ("GET", "/v1/delegations"),
]


def test_no_credential_is_unauthorized(world: World) -> None:
    anonymous = world.anonymous()

    for method, path in UNAUTHENTICATED:
        answer = anonymous.request(method, path, json={} if method == "POST" else None)
        problem(answer, 401, "unauthorized")
        assert answer.headers["WWW-Authenticate"].startswith("Bearer"), path


def test_a_wrong_token_is_unauthorized(world: World) -> None:
    client = world.anonymous()
    client.headers["Authorization"] = "Bearer cpq_nope_nope"

    problem(client.get("/v1/quotes"), 401, "unauthorized")
