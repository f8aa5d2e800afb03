"""Optimistic concurrency (If-Match: 428 without, 412 when stale, a new ETag per change) and the
OpenAPI description of every quote and approval route with its problem responses."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from quotes_world import World, create, etag_of, get, lines, ok, problem

Change = Callable[[TestClient, str, dict[str, str]], Any]
CHANGES: dict[str, Change] = {
    "patch": lambda c, q, h: c.patch(f"/v1/quotes/{q}", json={"notes": "n"}, headers=h),
    "put lines": lambda c, q, h: c.put(
        f"/v1/quotes/{q}/lines", json={"lines": lines(5)}, headers=h
    ),
    "add line": lambda c, q, h: c.post(
        f"/v1/quotes/{q}/lines", json={"sku": "GW-E100", "quantity": 1}, headers=h
    ),
    "put line": lambda c, q, h: c.put(
        f"/v1/quotes/{q}/lines/2", json={"sku": "GW-E100", "quantity": 2}, headers=h
    ),
    "delete line": lambda c, q, h: c.delete(f"/v1/quotes/{q}/lines/2", headers=h),
    "reprice": lambda c, q, h: c.post(f"/v1/quotes/{q}/reprice", headers=h),
    "submit": lambda c, q, h: c.post(f"/v1/quotes/{q}/submit", headers=h),
    "cancel": lambda c, q, h: c.post(f"/v1/quotes/{q}/cancel", headers=h),
}


def test_a_change_without_if_match_is_refused(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())

    for name, change in CHANGES.items():
        found = problem(change(rita, quote["id"], {}), 428, "precondition_required")
        assert "If-Match" in found["detail"], name

    assert get(rita, quote) == quote


def test_a_change_on_a_stale_etag_is_refused(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())
    moved = ok(CHANGES["patch"](rita, quote["id"], {"If-Match": quote["etag"]}))

    for name, change in CHANGES.items():
        for stale in (quote["etag"], '"0"', 'W/"7"', "garbage"):
            found = problem(change(rita, quote["id"], {"If-Match": stale}), 412)
            assert found["code"] == "precondition_failed", (name, stale)

    assert get(rita, quote) == moved


# In this order each change is legal after the one before (the last two: approved, then
# cancelled).
SEQUENCE = (
    "patch",
    "put lines",
    "add line",
    "put line",
    "delete line",
    "reprice",
    "submit",
    "cancel",
)


def test_each_change_answers_a_new_etag(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())
    assert etag_of(rita.get(f"/v1/quotes/{quote['id']}")) == quote["etag"] == '"1"'
    seen = [quote["etag"]]

    for name in SEQUENCE:
        answer = CHANGES[name](rita, quote["id"], {"If-Match": seen[-1]})
        body = ok(answer)
        new = etag_of(answer)
        assert new not in seen, name
        assert body.get("quote", body)["etag"] == new, name
        assert etag_of(rita.get(f"/v1/quotes/{quote['id']}")) == new, name
        seen.append(new)

    assert get(rita, quote)["status"] == "cancelled"


def test_a_weak_etag_is_accepted(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())

    ok(CHANGES["patch"](rita, quote["id"], {"If-Match": f"W/{quote['etag']}"}))


def test_of_two_changes_on_one_etag_one_wins(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())
    headers = {"If-Match": quote["etag"]}

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(
                lambda n: rita.patch(
                    f"/v1/quotes/{quote['id']}", json={"notes": f"writer {n}"}, headers=headers
                ),
                range(2),
            )
        )

    assert sorted(a.status_code for a in answers) == [200, 412]
    (winner,) = [a for a in answers if a.status_code == 200]
    assert get(rita, quote)["notes"] == winner.json()["notes"]


# --- OpenAPI -----------------------------------------------------------------------------------

ROUTES = {
    ("post", "/v1/quotes"): {401, 403, 422},
    ("get", "/v1/quotes"): {401, 403, 422},
    ("get", "/v1/quotes/{quote_id}"): {401, 403, 404},
    ("patch", "/v1/quotes/{quote_id}"): {401, 403, 404, 409, 412, 422, 428},
    ("get", "/v1/quotes/{quote_id}/versions/{version}"): {401, 403, 404},
    ("get", "/v1/quotes/{quote_id}/lines"): {401, 403, 404},
    ("put", "/v1/quotes/{quote_id}/lines"): {401, 403, 404, 409, 412, 422, 428},
    ("post", "/v1/quotes/{quote_id}/lines"): {401, 403, 404, 409, 412, 422, 428},
    ("put", "/v1/quotes/{quote_id}/lines/{line_id}"): {401, 403, 404, 409, 412, 422, 428},
    ("delete", "/v1/quotes/{quote_id}/lines/{line_id}"): {401, 403, 404, 409, 412, 428},
    ("post", "/v1/quotes/{quote_id}/reprice"): {401, 403, 404, 409, 412, 422, 428},
    ("get", "/v1/quotes/{quote_id}/approval-preview"): {401, 403, 404, 422},
    **{
        ("post", f"/v1/quotes/{{quote_id}}/{action}"): {401, 403, 404, 409, 412, 428}
        for action in ("submit", "recall", "send", "accept", "decline", "cancel", "revise")
    },
    ("get", "/v1/quotes/{quote_id}/audit"): {401, 403, 404},
    ("get", "/v1/approvals"): {401, 403, 422},
    ("get", "/v1/approvals/{approval_id}"): {401, 403, 404},
    ("post", "/v1/approvals/{approval_id}/approve"): {401, 403, 404, 409, 422},
    ("post", "/v1/approvals/{approval_id}/reject"): {401, 403, 404, 409, 422},
    ("post", "/v1/delegations"): {401, 403, 409, 422},
    ("get", "/v1/delegations"): {401, 403},
    ("delete", "/v1/delegations/{delegation_id}"): {401, 403, 404},
}


def test_openapi_lists_every_route_with_its_problems(world: World) -> None:
    spec = ok(world.anonymous().get("/openapi.json"))
    paths = spec["paths"]

    for (method, path), statuses in ROUTES.items():
        assert method in paths.get(path, {}), (method, path)
        declared = paths[path][method]["responses"]
        missing = {str(s) for s in statuses} - set(declared)
        assert not missing, (method, path, missing)
        for status in statuses:
            content = declared[str(status)].get("content", {})
            assert "application/problem+json" in content, (method, path, status)
    assert "Problem" in spec["components"]["schemas"]


def test_openapi_says_which_fields_a_client_may_send(world: World) -> None:
    schemas = ok(world.anonymous().get("/openapi.json"))["components"]["schemas"]

    create_in = schemas["QuoteCreateIn"]["properties"]
    for computed in ("status", "total", "pricing", "approvals", "number", "snapshot_hash"):
        assert computed not in create_in
    assert schemas["QuoteCreateIn"].get("additionalProperties") is False
    assert {"status", "total", "snapshot_hash", "approvals", "etag"} <= set(
        schemas["QuoteOut"]["properties"]
    )
