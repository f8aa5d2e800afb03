"""Who may read: the catalog, pricing and configuration take a credential (an API token or a
web session) with the ``quotes:read`` scope; the sync history is for admins and the sync token;
``/healthz`` and ``/readyz`` stay open, and so do the catalog's 405s, which read nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from quotes.quotes_world import CUSTOMER, GATEWAY, World, ok, problem, synced_template, world

from cpq.api.security import CSRF_HEADER, SESSION_COOKIE
from cpq.auth.principal import Scope
from cpq.services import people

__all__ = ["synced_template", "world"]

SYNC_TOKEN = "s" * 40
BASKET = {
    "context": {"currency": "EUR", "customer": CUSTOMER},
    "lines": [{"id": "1", "sku": GATEWAY, "quantity": "2"}],
}
CABINET = {"bundle": "CAB-CONTROL"}
# (method, path, body, a key of the answer that shows it is the real one)
READS: list[tuple[str, str, Any, str]] = [
    ("get", "/v1/products", None, "data"),
    ("get", f"/v1/products/{GATEWAY}", None, "prices"),
    ("get", "/v1/price-lists", None, "data"),
    ("get", "/v1/price-lists/STD-EUR", None, "currency"),
    ("get", "/v1/customers", None, "data"),
    ("get", f"/v1/customers/{CUSTOMER}", None, "name"),
    ("get", "/v1/product-models", None, "definition"),
    ("get", "/v1/product-models/CAB-CONTROL", None, "definition"),
    ("post", "/v1/price", BASKET, "totals"),
    ("post", "/v1/configurations/evaluate", CABINET, "options"),
    ("post", "/v1/configurations/complete", CABINET, "line"),
]
READ_IDS = [f"{method} {path}" for method, path, _, _ in READS]
HISTORY = ["/v1/sync-runs", "/v1/sync-runs/1"]


def call(client: TestClient, method: str, path: str, body: Any, **kwargs: Any) -> Any:
    return client.request(method, path, json=body, **kwargs)


def unauthorized(response: Any) -> dict[str, Any]:
    found = problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="cpq"'
    return found


def signed_in(world: World, username: str) -> tuple[TestClient, str]:
    """A client with ``username``'s web session cookie; and its CSRF token."""
    with world.engine.begin() as conn:
        session = people.login(conn, username, "demo-password-1", hours=1)
    client = world.anonymous()
    client.cookies.set(SESSION_COOKIE, session.session_secret)
    return client, session.csrf_token


def with_sync_token(world: World) -> None:
    world.settings = world.settings.model_copy(update={"sync_token": SecretStr(SYNC_TOKEN)})
    world.clients.clear()


@pytest.mark.parametrize(("method", "path", "body", "key"), READS, ids=READ_IDS)
def test_without_a_credential_it_is_401_and_tells_nothing(
    world: World, method: str, path: str, body: Any, key: str
) -> None:
    anonymous = world.anonymous()

    found = unauthorized(call(anonymous, method, path, body))
    forged = unauthorized(call(anonymous, method, path, body, headers={"Authorization": "x"}))
    unknown = unauthorized(
        call(anonymous, method, path, body, headers={"Authorization": "Bearer cpq_nope_nope"})
    )

    for answer in (found, forged, unknown):
        assert set(answer) == {"type", "title", "status", "detail", "instance", "code"}


@pytest.mark.parametrize(("method", "path", "body", "key"), READS, ids=READ_IDS)
def test_a_token_without_quotes_read_is_403(
    world: World, method: str, path: str, body: Any, key: str
) -> None:
    approver = world.client_with_scopes("maria", [Scope.APPROVALS_READ, Scope.APPROVALS_WRITE])

    found = problem(call(approver, method, path, body), 403, "insufficient_scope")

    assert found["required_scope"] == "quotes:read"
    assert key not in found


@pytest.mark.parametrize(("method", "path", "body", "key"), READS, ids=READ_IDS)
def test_a_token_with_quotes_read_is_answered(
    world: World, method: str, path: str, body: Any, key: str
) -> None:
    reader = world.client_with_scopes("rita", [Scope.QUOTES_READ])

    answer = ok(call(reader, method, path, body))

    assert key in (answer[0] if isinstance(answer, list) else answer)
    if key == "data":
        assert answer["data"], answer


def test_a_web_session_reads_and_prices_with_its_csrf_token(world: World) -> None:
    rita, csrf = signed_in(world, "rita")

    products = ok(rita.get("/v1/products", params={"limit": 3}))["data"]
    refused = problem(rita.post("/v1/price", json=BASKET), 403, "csrf_failed")
    priced = ok(rita.post("/v1/price", json=BASKET, headers={CSRF_HEADER: csrf}))

    assert len(products) == 3
    assert "totals" not in refused
    assert priced["lines"][0]["sku"] == GATEWAY


def test_the_catalog_405s_read_nothing_and_need_no_credential(world: World) -> None:
    anonymous = world.anonymous()

    real = problem(anonymous.patch(f"/v1/customers/{CUSTOMER}", json={}), 405, "read_only")
    unknown = problem(anonymous.patch("/v1/customers/NOBODY", json={}), 405, "read_only")

    # The same answer whether the customer exists or not: only the path sent comes back.
    assert {**real, "instance": None} == {**unknown, "instance": None}
    assert set(real) == {"type", "title", "status", "detail", "instance", "code"}
    assert CUSTOMER not in real["detail"]


def test_health_and_readiness_stay_open(world: World) -> None:
    anonymous = world.anonymous()

    assert ok(anonymous.get("/healthz")) == {"status": "ok"}
    assert ok(anonymous.get("/readyz"))["status"] == "ready"


@pytest.mark.parametrize("path", HISTORY)
def test_the_sync_history_is_refused_without_a_credential_or_with_a_wrong_one(
    world: World, path: str
) -> None:
    with_sync_token(world)
    anonymous = world.anonymous()

    unauthorized(anonymous.get(path))
    unauthorized(anonymous.get(path, headers={"Authorization": f"Bearer {SYNC_TOKEN}x"}))
    unauthorized(anonymous.get(path, headers={"Authorization": "Bearer cpq_nope_nope"}))


@pytest.mark.parametrize("path", HISTORY)
def test_a_rep_or_a_manager_may_not_read_the_sync_history(world: World, path: str) -> None:
    rita_session, _ = signed_in(world, "rita")

    for client in (world.client("rita"), world.client("maria"), rita_session):
        found = problem(client.get(path), 403, "forbidden")
        assert "admin" in found["detail"]


@pytest.mark.parametrize("path", HISTORY)
def test_admins_and_the_sync_token_read_the_sync_history(world: World, path: str) -> None:
    with_sync_token(world)
    ada_session, _ = signed_in(world, "ada")
    ada_token = world.client_with_scopes("ada", [Scope.QUOTES_READ])
    sync = world.anonymous()
    sync.headers["Authorization"] = f"Bearer {SYNC_TOKEN}"

    answers = [ok(client.get(path)) for client in (ada_session, ada_token, sync)]

    run = answers[0]["data"][0] if path == "/v1/sync-runs" else answers[0]
    assert (run["id"], run["status"], run["catalog_version_id"]) == (1, "succeeded", 1)
    assert answers[1] == answers[2] == answers[0]


def test_without_a_configured_sync_token_no_bearer_is_taken_for_it(world: World) -> None:
    anonymous = world.anonymous()

    unauthorized(anonymous.get("/v1/sync-runs", headers={"Authorization": "Bearer None"}))
    unauthorized(anonymous.get("/v1/sync-runs", headers={"Authorization": "Bearer "}))
