"""Tokens, logins, cookies and CSRF over HTTP, probed through a test-only protected router."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from access_helpers import PASSWORD, app_client, log_in, token_for
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select

from cpq.auth.principal import Scope
from cpq.db.people import WebSessionRow
from cpq.services import people

PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(response: Response) -> dict[str, object]:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    body: dict[str, object] = response.json()
    assert body["code"] == "unauthorized"
    return body


# --- API tokens


def test_a_token_reaches_what_its_scopes_allow(client: TestClient, engine: Engine) -> None:
    token_id, token = token_for(engine, "rosa", Scope.QUOTES_READ)

    read = client.get("/test-probe/quotes", headers=bearer(token))
    write = client.post("/test-probe/quotes", headers=bearer(token))

    assert (read.status_code, read.json()) == (200, {"user": "rosa", "token_id": token_id})
    assert write.status_code == 403
    assert write.headers["content-type"] == PROBLEM
    assert (write.json()["code"], write.json()["required_scope"]) == (
        "insufficient_scope",
        "quotes:write",
    )


def test_no_credential_or_a_bad_one_is_401_problem_with_a_bearer_challenge(
    client: TestClient,
) -> None:
    bodies = [
        assert_unauthorized(client.get("/test-probe/quotes")),
        assert_unauthorized(client.get("/test-probe/quotes", headers=bearer("cpq_nope"))),
        assert_unauthorized(
            client.get("/test-probe/quotes", headers=bearer("cpq_0123456789_" + "z" * 43))
        ),
        assert_unauthorized(client.get("/test-probe/quotes", headers={"Authorization": "Basic x"})),
        assert_unauthorized(client.get("/v1/me")),
    ]

    assert [b["status"] for b in bodies] == [401] * 5


def test_a_revoked_token_stops_working_at_once(client: TestClient, engine: Engine) -> None:
    token_id, token = token_for(engine, "rosa", Scope.QUOTES_READ)
    assert client.get("/test-probe/quotes", headers=bearer(token)).status_code == 200

    with engine.begin() as conn:
        people.revoke_token(conn, token_id)

    body = assert_unauthorized(client.get("/test-probe/quotes", headers=bearer(token)))
    assert body["detail"] == "the API token was revoked"


def test_a_token_of_a_deactivated_user_is_401(client: TestClient, engine: Engine) -> None:
    _, token = token_for(engine, "bot", Scope.QUOTES_READ)
    with engine.begin() as conn:
        people.deactivate(conn, "bot")

    assert_unauthorized(client.get("/test-probe/quotes", headers=bearer(token)))


def test_me_with_a_token_names_the_user_the_scopes_and_the_manager(
    client: TestClient, engine: Engine, team: dict[str, int]
) -> None:
    token_id, token = token_for(engine, "rosa", Scope.QUOTES_WRITE, Scope.QUOTES_READ)

    response = client.get("/v1/me", headers=bearer(token))

    assert response.status_code == 200
    assert response.json() == {
        "user_id": team["rosa"],
        "username": "rosa",
        "display_name": "Rosa",
        "role": "rep",
        "scopes": ["quotes:read", "quotes:write"],
        "token_id": token_id,
        "manager": {"id": team["mark"], "username": "mark", "display_name": "Mark"},
    }


# --- web sessions


def test_login_sets_an_httponly_strict_session_cookie_and_answers_the_csrf_token(
    client: TestClient, engine: Engine
) -> None:
    response = client.post("/v1/sessions", json={"username": "rosa", "password": PASSWORD})

    assert response.status_code == 201, response.text
    body = response.json()
    cookies = {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}
    session = cookies["cpq_session"].lower()
    csrf = cookies["cpq_csrf"].lower()
    for flag in ("httponly", "samesite=strict", "path=/", "max-age=43200"):
        assert flag in session
    assert "samesite=strict" in csrf and "httponly" not in csrf
    assert "secure" not in session  # cookie_secure is off by default outside production
    assert body["csrf_token"] == client.cookies["cpq_csrf"]
    assert (body["user"]["username"], body["user"]["token_id"]) == ("rosa", None)
    assert len(body["user"]["scopes"]) == 5
    secret = client.cookies["cpq_session"]
    with engine.connect() as conn:
        ids = conn.execute(select(WebSessionRow.__table__.c.id)).scalars().all()  # type: ignore[attr-defined]
    assert ids == [hashlib.sha256(secret.encode()).hexdigest()]


def test_cookies_are_secure_when_configured(db_url: str, team: dict[str, int]) -> None:
    with app_client(db_url, cookie_secure=True, session_hours=2) as client:
        response = client.post("/v1/sessions", json={"username": "rosa", "password": PASSWORD})

    cookies = [c.lower() for c in response.headers.get_list("set-cookie")]
    assert len(cookies) == 2
    assert all("; secure" in c and "max-age=7200" in c for c in cookies)
    expires = datetime.fromisoformat(response.json()["expires_at"])
    assert timedelta(hours=1, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=2)


def test_a_failed_login_says_the_same_for_a_wrong_password_and_an_unknown_user(
    client: TestClient,
) -> None:
    wrong = client.post("/v1/sessions", json={"username": "rosa", "password": "not the password"})
    unknown = client.post("/v1/sessions", json={"username": "ghost", "password": PASSWORD})
    api_only = client.post("/v1/sessions", json={"username": "bot", "password": PASSWORD})

    answers = [assert_unauthorized(r) for r in (wrong, unknown, api_only)]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["detail"] == "wrong username or password"
    assert "cpq_session" not in client.cookies


def test_a_login_body_with_unknown_fields_is_refused(client: TestClient) -> None:
    response = client.post(
        "/v1/sessions", json={"username": "rosa", "password": PASSWORD, "admin": True}
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.admin"]


def test_cookie_requests_need_the_csrf_header_on_unsafe_methods_only(client: TestClient) -> None:
    csrf = log_in(client)

    read = client.get("/test-probe/quotes")
    missing = client.post("/test-probe/quotes")
    wrong = client.post("/test-probe/quotes", headers={"X-CSRF-Token": "0" * 64})
    right = client.post("/test-probe/quotes", headers={"X-CSRF-Token": csrf})

    assert (read.status_code, right.status_code) == (200, 200)
    for refused in (missing, wrong):
        assert refused.status_code == 403
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["code"] == "csrf_failed"


def test_bearer_requests_need_no_csrf_header(client: TestClient, engine: Engine) -> None:
    _, token = token_for(engine, "rosa", Scope.QUOTES_WRITE)
    log_in(client)  # a cookie too: the token wins and no CSRF header is needed

    response = client.post("/test-probe/quotes", headers=bearer(token))

    assert response.status_code == 200


def test_me_for_a_web_session(client: TestClient, team: dict[str, int]) -> None:
    log_in(client, "dora")

    me = client.get("/v1/me").json()

    assert (me["username"], me["role"], me["token_id"], me["manager"]) == (
        "dora",
        "director",
        None,
        None,
    )
    assert me["scopes"] == [
        "approvals:read",
        "approvals:write",
        "quotes:read",
        "quotes:write",
        "webhooks:manage",
    ]


def test_logout_ends_the_session_and_clears_the_cookies(client: TestClient) -> None:
    csrf = log_in(client)
    secret = client.cookies["cpq_session"]

    without_csrf = client.delete("/v1/sessions")
    response = client.delete("/v1/sessions", headers={"X-CSRF-Token": csrf})

    assert without_csrf.status_code == 403
    assert response.status_code == 204
    assert "cpq_session" not in client.cookies
    client.cookies.set("cpq_session", secret)  # a copy of the cookie kept by an attacker
    assert_unauthorized(client.get("/v1/me"))


def test_logout_with_a_token_is_refused(client: TestClient, engine: Engine) -> None:
    _, token = token_for(engine, "rosa", Scope.QUOTES_READ)

    response = client.delete("/v1/sessions", headers=bearer(token))

    assert response.status_code == 422


def test_a_deactivated_users_session_is_401(client: TestClient, engine: Engine) -> None:
    log_in(client)
    with engine.begin() as conn:
        people.deactivate(conn, "rosa")

    assert_unauthorized(client.get("/v1/me"))


def test_principal_key_is_a_stable_hash_of_the_credential(
    client: TestClient, engine: Engine
) -> None:
    _, token = token_for(engine, "rosa", Scope.QUOTES_READ)

    none = client.get("/test-probe/key").json()["key"]
    by_token = [client.get("/test-probe/key", headers=bearer(token)).json()["key"] for _ in "ab"]
    log_in(client)
    by_cookie = client.get("/test-probe/key").json()["key"]

    assert none is None
    assert by_token[0] == by_token[1] == hashlib.sha256(f"Bearer {token}".encode()).hexdigest()
    assert by_cookie == hashlib.sha256(client.cookies["cpq_session"].encode()).hexdigest()
