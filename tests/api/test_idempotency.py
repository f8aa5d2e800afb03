"""Idempotency-Key on POST: replays, conflicts, scoping per caller, crashes and races, over the
real app on a real database, in-process and on real servers (threads and processes)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from credentials import api_token, bearer
from e2e_env import cpq_env, free_port
from fastapi import APIRouter, Body, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text, update

from cpq.api import idempotency
from cpq.api.app import create_app
from cpq.api.idempotency import (
    Verdict,
    caller_id,
    decide,
    key_problem,
    request_hash,
)
from cpq.db.quote_tables import IdempotencyKeyRow
from cpq.repositories import idempotency as keys
from cpq.repositories.idempotency import Claim, RequestSeen, StoredKey
from cpq.services.approval_jobs import purge_idempotency_keys
from cpq.settings import Settings

KEYS = IdempotencyKeyRow.__table__  # type: ignore[attr-defined]
ALICE = {"Authorization": "Bearer x"}
BOB = {"Authorization": "Bearer y"}
PROBLEM = "application/problem+json"


# -- a test app: the real one plus routes with side effects, pauses and failures --


@dataclass
class Gate:
    """Holds /test/slow in flight until the test lets it go."""

    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


def _bump(request: Request) -> int:
    engine: Engine = request.app.state.engine
    with engine.begin() as conn:
        return int(
            conn.execute(
                text("UPDATE counters SET value = value + 1 WHERE name = 'test' RETURNING value")
            ).scalar_one()
        )


def routes_for_tests(gate: Gate) -> APIRouter:
    router = APIRouter(prefix="/test")

    @router.post("/counter", status_code=201)
    def bump(
        request: Request,
        response: Response,
        payload: dict[str, Any] | None = Body(default=None),
        pause: float = 0.0,
    ) -> dict[str, Any]:
        time.sleep(pause)  # widens the window for racing requests
        value = _bump(request)
        response.headers["ETag"] = f'"{value}"'
        response.headers["Location"] = f"/test/counter/{value}"
        response.set_cookie("tracking", str(value))
        return {"value": value, "payload": payload}

    @router.get("/counter")
    def read(request: Request) -> dict[str, int]:
        with request.app.state.engine.connect() as conn:
            value = conn.execute(text("SELECT value FROM counters WHERE name = 'test'"))
            return {"value": int(value.scalar_one())}

    @router.post("/slow", status_code=201)
    def slow(request: Request) -> dict[str, int]:
        gate.entered.set()
        assert gate.release.wait(20)
        return {"value": _bump(request)}

    @router.post("/flaky", status_code=201)
    def flaky(request: Request) -> dict[str, int]:
        value = _bump(request)
        if value == 1:
            raise RuntimeError("the first attempt fails")
        return {"value": value}

    @router.post("/status/{status}")
    def answer(request: Request, status: int) -> JSONResponse:
        value = _bump(request)
        if value > 1:
            status = 201  # a retry that is run again succeeds
        return JSONResponse({"value": value}, status_code=status)

    return router


def make_test_app(gate: Gate | None = None, settings: Settings | None = None) -> FastAPI:
    """The app under test; with no arguments, configured from CPQ_* (for server processes)."""
    app = create_app(settings or Settings())
    app.include_router(routes_for_tests(gate or Gate()))
    return app


def set_up_counter(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO counters (name, value) VALUES ('test', 0)"))


def counter(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT value FROM counters WHERE name = 'test'")).scalar_one()
        )


def stored_keys(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(KEYS).order_by(KEYS.c.id)).mappings()]


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def app(db_url: str, tmp_path: Path, engine: Engine, gate: Gate) -> FastAPI:
    set_up_counter(engine)
    return make_test_app(gate, Settings(database_url=db_url, rules_dir=tmp_path / "no-rules"))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app on a real uvicorn server in a background thread."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)


def post(
    url: str, key: str | None, body: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    sent = {**ALICE, **(headers or {})}
    if key is not None:
        sent["Idempotency-Key"] = key
    return httpx.post(url, json=body, headers=sent, timeout=30)


def in_parallel(count: int, call: Callable[[], httpx.Response]) -> list[httpx.Response]:
    start = threading.Barrier(count)

    def one() -> httpx.Response:
        start.wait()
        return call()

    with ThreadPoolExecutor(count) as pool:
        return [f.result() for f in [pool.submit(one) for _ in range(count)]]


def replayed(response: httpx.Response) -> bool:
    return bool(response.headers.get("Idempotent-Replayed") == "true")


# -- the pure part --


def test_key_format() -> None:
    assert key_problem("a") is None
    assert key_problem("k" * 255) is None
    assert key_problem("9f2c-ORDER 17/~!") is None
    assert key_problem("") == "Idempotency-Key must be 1 to 255 characters long, not 0"
    assert key_problem("k" * 256) == "Idempotency-Key must be 1 to 255 characters long, not 256"
    assert key_problem("clé") == "Idempotency-Key must be printable ASCII characters only"
    assert key_problem("a\tb") == "Idempotency-Key must be printable ASCII characters only"


def test_caller_is_the_hash_of_the_credential_presented() -> None:
    token = caller_id("Bearer x", None)
    assert token == hashlib.sha256(b"Bearer x").hexdigest()
    assert caller_id("Bearer x", "cpq_session=s1") == token  # the header wins
    assert caller_id(None, "theme=dark; cpq_session=s1") == caller_id("s1", None)
    assert caller_id(None, "theme=dark") is None
    assert caller_id(None, None) is None


def test_request_hash_ignores_json_layout_but_nothing_else() -> None:
    def digest(body: bytes, query: bytes = b"", ctype: str | None = "application/json") -> str:
        return request_hash("POST", "/v1/quotes", query, body, ctype)

    same = digest(b'{"a": 1, "b": [1, {"y": 2, "x": 1}]}')
    assert digest(b'{"b":[1,{"x":1,"y":2}],\n  "a":1}') == same
    assert digest(b'{"b":[1,{"x":1,"y":2}],"a":1}', ctype="application/merge-patch+json") == same
    assert digest(b'{"a": 2, "b": [1, {"y": 2, "x": 1}]}') != same
    assert digest(b'{"a": 1, "b": [{"y": 2, "x": 1}, 1]}') != same  # list order counts
    assert digest(b'{"p": 1.0}') != digest(b'{"p": 1.00}')  # numbers exactly as written
    assert digest(b'{"p": 0.10000000000000000001}') != digest(b'{"p": 0.1}')
    assert digest(b'{"p": "1"}') != digest(b'{"p": 1}')
    assert digest(b"", b"b=2&a=1") == digest(b"", b"a=1&b=2")
    assert digest(b"", b"a=1") != digest(b"", b"a=2")
    assert request_hash("POST", "/v1/a", b"", b"{}", None) != request_hash(
        "POST", "/v1/b", b"", b"{}", None
    )
    # Not JSON: the bytes as they are.
    assert digest(b"a=1&b=2", ctype="application/x-www-form-urlencoded") != digest(
        b"a=1&b=2 ", ctype="application/x-www-form-urlencoded"
    )
    assert digest(b"{not json") == digest(b"{not json", ctype=None)


NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def stored(state: str, hash_: str = "h", created: datetime = NOW, lock: float = 60) -> StoredKey:
    return StoredKey(
        id=1,
        principal="p",
        key="k",
        method="POST",
        path="/v1/quotes",
        request_hash=hash_,
        state=state,
        status_code=201 if state == keys.DONE else None,
        response_headers={},
        response_body=b"{}" if state == keys.DONE else None,
        created_at=created,
        locked_until=created + timedelta(seconds=lock),
    )


@pytest.mark.parametrize(
    ("found", "request_hash_", "verdict"),
    [
        (stored(keys.DONE), "h", Verdict.REPLAY),
        (stored(keys.DONE), "other", Verdict.MISMATCH),
        (stored(keys.IN_FLIGHT), "h", Verdict.IN_USE),
        (stored(keys.IN_FLIGHT), "other", Verdict.MISMATCH),
        (stored(keys.IN_FLIGHT, lock=-1), "h", Verdict.TAKE_OVER),  # abandoned
        (stored(keys.IN_FLIGHT, lock=-1), "other", Verdict.MISMATCH),
        (stored(keys.DONE, created=NOW - timedelta(hours=25)), "other", Verdict.TAKE_OVER),
        (stored(keys.DONE, created=NOW - timedelta(hours=25)), "h", Verdict.TAKE_OVER),
    ],
)
def test_what_a_request_does_with_a_key_seen_before(
    found: StoredKey, request_hash_: str, verdict: Verdict
) -> None:
    assert decide(found, request_hash_, NOW, NOW - timedelta(hours=24)) == verdict


# -- in-process, on the real database --


def test_the_same_request_again_gets_the_stored_answer(client: TestClient, engine: Engine) -> None:
    sent = {**ALICE, "Idempotency-Key": "order-17"}

    first = client.post("/test/counter", json={"customer": "C-1"}, headers=sent)
    again = client.post("/test/counter", json={"customer": "C-1"}, headers=sent)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() == {"value": 1, "payload": {"customer": "C-1"}}
    assert again.content == first.content
    for header in ("Content-Type", "ETag", "Location", "Content-Length"):
        assert again.headers[header] == first.headers[header]
    assert again.headers["ETag"] == '"1"' and again.headers["Location"] == "/test/counter/1"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "set-cookie" in first.headers and "set-cookie" not in again.headers
    assert counter(engine) == 1
    (row,) = stored_keys(engine)
    assert (row["state"], row["status_code"], row["method"], row["path"]) == (
        keys.DONE,
        201,
        "POST",
        "/test/counter",
    )


def test_another_request_with_the_same_key_is_refused(client: TestClient, engine: Engine) -> None:
    sent = {**ALICE, "Idempotency-Key": "order-17"}
    client.post("/test/counter", json={"customer": "C-1"}, headers=sent)

    other_body = client.post("/test/counter", json={"customer": "C-2"}, headers=sent)
    other_query = client.post("/test/counter?pause=0", json={"customer": "C-1"}, headers=sent)
    other_path = client.post("/test/flaky", json={"customer": "C-1"}, headers=sent)

    for refused in (other_body, other_query, other_path):
        assert refused.status_code == 422
        assert refused.headers["Content-Type"] == PROBLEM
        problem = refused.json()
        assert problem["code"] == "idempotency_key_reused"
        assert problem["idempotency_key"] == "order-17"
        assert problem["type"] == "/problems/idempotency_key_reused"
        assert "'order-17'" in problem["detail"] and "different request" in problem["detail"]
        assert "POST /test/counter" in problem["detail"]
    assert other_query.json()["instance"] == "/test/counter"
    assert other_path.json()["instance"] == "/test/flaky"
    assert counter(engine) == 1


def test_json_layout_and_key_order_do_not_make_another_request(
    client: TestClient, engine: Engine
) -> None:
    sent = {**ALICE, "Idempotency-Key": "k1", "Content-Type": "application/json"}
    first = client.post("/test/counter", content=b'{"a": 1, "b": {"c": 2, "d": 3}}', headers=sent)
    again = client.post("/test/counter", content=b'{"b":{"d":3,\n"c":2},"a":1}', headers=sent)

    assert first.status_code == again.status_code == 201
    assert replayed(again) and again.json() == first.json()
    assert counter(engine) == 1


def test_callers_with_the_same_key_never_meet(client: TestClient, engine: Engine) -> None:
    key = {"Idempotency-Key": "shared"}
    alice = client.post("/test/counter", json={"by": "alice"}, headers={**ALICE, **key})
    bob = client.post("/test/counter", json={"by": "bob"}, headers={**BOB, **key})
    client.cookies.set("cpq_session", "web-session-1")
    carol = client.post("/test/counter", json={"by": "carol"}, headers=key)
    alice_again = client.post("/test/counter", json={"by": "alice"}, headers={**ALICE, **key})
    carol_again = client.post("/test/counter", json={"by": "carol"}, headers=key)

    assert [r.status_code for r in (alice, bob, carol)] == [201, 201, 201]
    assert [r.json()["value"] for r in (alice, bob, carol)] == [1, 2, 3]
    assert replayed(alice_again) and alice_again.json()["value"] == 1
    assert replayed(carol_again) and carol_again.json()["value"] == 3
    assert counter(engine) == 3
    principals = {r["principal"] for r in stored_keys(engine)}
    assert principals == {
        caller_id("Bearer x", None),
        caller_id("Bearer y", None),
        caller_id(None, "cpq_session=web-session-1"),
    }


def test_an_answer_that_cannot_be_stored_still_reaches_the_caller(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_gone(*_: Any) -> None:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(idempotency, "finish", database_gone)
    done = client.post("/test/counter", headers={**ALICE, "Idempotency-Key": "k1"})

    # The work was committed: a 500 would invite a retry that does it again.
    assert done.status_code == 201 and done.json()["value"] == 1
    (row,) = stored_keys(engine)
    assert row["state"] == keys.IN_FLIGHT  # retries wait for the lock to run out


def test_an_exception_releases_the_key_so_the_retry_runs(
    client: TestClient, engine: Engine
) -> None:
    sent = {**ALICE, "Idempotency-Key": "k1"}

    failed = client.post("/test/flaky", headers=sent)
    assert failed.status_code == 500 and failed.json()["code"] == "internal_error"
    assert stored_keys(engine) == []

    retried = client.post("/test/flaky", headers=sent)
    replay = client.post("/test/flaky", headers=sent)
    assert retried.status_code == 201 and retried.json() == {"value": 2}
    assert replayed(replay) and replay.json() == {"value": 2}
    assert counter(engine) == 2


@pytest.mark.parametrize("status", [500, 503, 429, 408])
def test_answers_to_retry_are_not_stored(client: TestClient, engine: Engine, status: int) -> None:
    sent = {**ALICE, "Idempotency-Key": "k1"}

    first = client.post(f"/test/status/{status}", headers=sent)
    assert first.status_code == status and stored_keys(engine) == []
    retried = client.post(f"/test/status/{status}", headers=sent)

    assert retried.status_code == 201 and not replayed(retried)
    assert counter(engine) == 2


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_client_errors_are_stored_like_successes(
    client: TestClient, engine: Engine, status: int
) -> None:
    sent = {**ALICE, "Idempotency-Key": "k1"}

    first = client.post(f"/test/status/{status}", headers=sent)
    again = client.post(f"/test/status/{status}", headers=sent)

    assert first.status_code == again.status_code == status
    assert replayed(again) and again.json() == first.json() == {"value": 1}
    assert counter(engine) == 1


def test_an_expired_key_is_new_again(client: TestClient, engine: Engine) -> None:
    sent = {**ALICE, "Idempotency-Key": "k1"}
    client.post("/test/counter", json={"n": 1}, headers=sent)
    with engine.begin() as conn:
        conn.execute(
            update(KEYS).values(created_at=datetime.now(UTC) - timedelta(hours=24, seconds=1))
        )

    other = client.post("/test/counter", json={"n": 2}, headers=sent)
    again = client.post("/test/counter", json={"n": 2}, headers=sent)
    old = client.post("/test/counter", json={"n": 1}, headers=sent)

    assert other.status_code == 201 and not replayed(other) and other.json()["value"] == 2
    assert replayed(again) and again.json()["value"] == 2
    assert old.status_code == 422  # the key now stands for the new request
    assert counter(engine) == 2
    assert len(stored_keys(engine)) == 1


def test_a_key_younger_than_the_setting_is_kept(client: TestClient, engine: Engine) -> None:
    sent = {**ALICE, "Idempotency-Key": "k1"}
    client.post("/test/counter", headers=sent)
    with engine.begin() as conn:
        conn.execute(
            update(KEYS).values(created_at=datetime.now(UTC) - timedelta(hours=23, minutes=59))
        )

    assert replayed(client.post("/test/counter", headers=sent))
    assert counter(engine) == 1


def claim_abandoned(engine: Engine, path: str, body: bytes, principal: str, key: str) -> None:
    """An in-flight key whose worker crashed: its lock ran out a second ago."""
    now = datetime.now(UTC)
    seen = RequestSeen(
        principal=principal,
        key=key,
        method="POST",
        path=path,
        request_hash=request_hash("POST", path, b"", body, "application/json"),
    )
    with engine.begin() as conn:
        assert keys.claim(conn, seen, now - timedelta(minutes=2), now - timedelta(seconds=1))


def test_a_key_in_flight_answers_409_until_its_lock_runs_out(
    client: TestClient, engine: Engine
) -> None:
    sent = {**ALICE, "Idempotency-Key": "k1"}
    claim_abandoned(engine, "/test/counter", b'{"q": 1}', caller_id("Bearer x", None) or "", "k1")
    with engine.begin() as conn:  # the worker is alive after all: its lock still runs
        conn.execute(update(KEYS).values(locked_until=datetime.now(UTC) + timedelta(seconds=30)))

    busy = client.post("/test/counter", json={"q": 1}, headers=sent)
    assert busy.status_code == 409 and busy.headers["Retry-After"] == "1"
    assert busy.headers["Content-Type"] == PROBLEM
    assert busy.json()["code"] == "idempotency_key_in_use"
    assert busy.json()["idempotency_key"] == "k1"
    other = client.post("/test/counter", headers=sent)
    assert other.status_code == 422

    with engine.begin() as conn:  # now it crashed: the lock runs out
        conn.execute(update(KEYS).values(locked_until=datetime.now(UTC) - timedelta(seconds=1)))
    taken = client.post("/test/counter", json={"q": 1}, headers=sent)
    again = client.post("/test/counter", json={"q": 1}, headers=sent)

    assert taken.status_code == 201 and not replayed(taken)
    assert replayed(again) and again.json() == taken.json()
    assert counter(engine) == 1


def test_a_lost_claim_cannot_store_or_release(engine: Engine) -> None:
    """The fencing: a worker whose lock ran out and was taken over writes nothing."""
    now = datetime.now(UTC)
    seen = RequestSeen("p", "k", "POST", "/v1/quotes", "h")
    slow = Claim("p", "k", now - timedelta(seconds=1))
    with engine.begin() as conn:
        assert keys.claim(conn, seen, now - timedelta(minutes=2), slow.locked_until)
        found = keys.load(conn, "p", "k")
        assert found is not None
        retry = Claim("p", "k", now + timedelta(seconds=60))
        assert keys.take_over(conn, found, seen, now, retry.locked_until)
        assert not keys.take_over(conn, found, seen, now, retry.locked_until)  # once only

        assert not keys.complete(conn, slow, 201, {}, b"slow")
        assert not keys.release(conn, slow)
        assert keys.complete(conn, retry, 201, {"etag": '"1"'}, b"retry")
        assert not keys.release(conn, retry)  # done: no longer in flight
        done = keys.load(conn, "p", "k")
    assert done is not None
    assert (done.state, done.response_body, done.response_headers) == (
        keys.DONE,
        b"retry",
        {"etag": '"1"'},
    )


def test_purge_deletes_expired_keys_but_not_one_in_flight(engine: Engine) -> None:
    now = datetime.now(UTC)
    day_ago = now - timedelta(hours=24, minutes=1)
    settings = Settings(database_url="sqlite://", idempotency_hours=24)

    def add(key: str, created: datetime, locked_until: datetime, done: bool) -> None:
        with engine.begin() as conn:
            seen = RequestSeen("p", key, "POST", "/v1/quotes", "h")
            keys.claim(conn, seen, created, locked_until)
            if done:
                keys.complete(conn, Claim("p", key, locked_until), 201, {}, b"{}")

    add("old-done", day_ago, day_ago + timedelta(seconds=60), done=True)
    add("old-abandoned", day_ago, day_ago + timedelta(seconds=60), done=False)
    add("old-but-running", day_ago, now + timedelta(seconds=60), done=False)
    add("recent-done", now - timedelta(hours=23), now - timedelta(hours=23), done=True)

    assert purge_idempotency_keys(engine, now, timedelta(hours=settings.idempotency_hours)) == 2
    assert {r["key"] for r in stored_keys(engine)} == {"old-but-running", "recent-done"}
    assert purge_idempotency_keys(engine, now, timedelta(hours=settings.idempotency_hours)) == 0


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ([("Idempotency-Key", "")], "must be 1 to 255 characters long, not 0"),
        ([("Idempotency-Key", "k" * 256)], "must be 1 to 255 characters long, not 256"),
        ([("Idempotency-Key", "clé".encode())], "must be printable ASCII characters only"),
        ([("Idempotency-Key", "a"), ("Idempotency-Key", "b")], "send one Idempotency-Key"),
    ],
)
def test_a_malformed_key_is_refused(
    client: TestClient, engine: Engine, headers: list[tuple[str, Any]], detail: str
) -> None:
    response = client.post("/test/counter", headers=[("Authorization", "Bearer x"), *headers])

    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "invalid_idempotency_key"
    assert "Idempotency-Key" in problem["detail"] and detail in problem["detail"]
    assert counter(engine) == 0 and stored_keys(engine) == []


def test_the_longest_key_is_accepted(client: TestClient, engine: Engine) -> None:
    sent = {**ALICE, "Idempotency-Key": "k" * 255}
    client.post("/test/counter", headers=sent)
    assert replayed(client.post("/test/counter", headers=sent))
    assert counter(engine) == 1


def test_requests_without_a_key_or_a_caller_or_not_post_are_untouched(
    client: TestClient, engine: Engine
) -> None:
    no_key = [client.post("/test/counter", json={"a": 1}, headers=ALICE) for _ in range(2)]
    no_caller = [client.post("/test/counter", headers={"Idempotency-Key": "k"}) for _ in range(2)]
    get = client.get("/test/counter", headers={**ALICE, "Idempotency-Key": "k"})

    assert [r.json()["value"] for r in no_key + no_caller] == [1, 2, 3, 4]
    assert not any(replayed(r) for r in [*no_key, *no_caller, get])
    assert get.status_code == 200 and get.json() == {"value": 4}
    assert stored_keys(engine) == []


def test_the_real_app_has_the_middleware_on_its_own_routes(
    client: TestClient, engine: Engine
) -> None:
    # A POST the real API refuses as invalid, stored and replayed like any 4xx.
    sent = {**bearer(api_token(engine)), "Idempotency-Key": "price-1"}
    body = {"bundle": 7, "selections": "none"}
    first = client.post("/v1/configurations/evaluate", json=body, headers=sent)
    again = client.post("/v1/configurations/evaluate", json=body, headers=sent)

    assert first.status_code == 422 and first.json()["code"] == "invalid_request"
    assert again.status_code == first.status_code and again.content == first.content
    assert replayed(again)


# -- real servers, real concurrency --


def test_a_request_in_flight_makes_the_same_key_wait(
    app: FastAPI, gate: Gate, engine: Engine
) -> None:
    with serving(app) as url, ThreadPoolExecutor(1) as pool:
        first = pool.submit(post, f"{url}/test/slow", "k1")
        assert gate.entered.wait(20)
        busy = post(f"{url}/test/slow", "k1")
        other = post(f"{url}/test/slow", "k1", {"x": 1})
        someone_else = pool.submit(post, f"{url}/test/slow", "k1", None, BOB)
        gate.release.set()
        done = first.result()
        after = post(f"{url}/test/slow", "k1")
        bob = someone_else.result()

    assert busy.status_code == 409, busy.text
    assert busy.headers["Retry-After"] == "1"
    assert busy.json()["code"] == "idempotency_key_in_use"
    assert other.status_code == 422
    assert done.status_code == 201 and not replayed(done)
    assert after.status_code == 201 and replayed(after) and after.json() == done.json()
    assert bob.status_code == 201 and not replayed(bob)  # another caller's key: it ran
    assert counter(engine) == 2


def test_concurrent_identical_requests_run_once(app: FastAPI, engine: Engine) -> None:
    n = 8
    with serving(app) as url:
        answers = in_parallel(n, lambda: post(f"{url}/test/counter?pause=0.3", "k1", {"q": 1}))

    originals = [r for r in answers if r.status_code == 201 and not replayed(r)]
    replays = [r for r in answers if r.status_code == 201 and replayed(r)]
    waits = [r for r in answers if r.status_code == 409]
    assert len(originals) == 1
    assert len(replays) + len(waits) == n - 1
    assert all(r.json() == originals[0].json() for r in replays)
    assert counter(engine) == 1


def test_an_abandoned_key_is_taken_over_by_exactly_one_retry(app: FastAPI, engine: Engine) -> None:
    n = 8
    body = {"q": 1}
    claim_abandoned(
        engine,
        "/test/counter",
        json.dumps(body).encode(),
        caller_id("Bearer x", None) or "",
        "k1",
    )
    with serving(app) as url:
        answers = in_parallel(n, lambda: post(f"{url}/test/counter", "k1", body))
        after = post(f"{url}/test/counter", "k1", body)

    originals = [r for r in answers if r.status_code == 201 and not replayed(r)]
    others = [r for r in answers if replayed(r) or r.status_code == 409]
    assert len(originals) == 1 and len(others) == n - 1
    assert replayed(after) and after.json() == originals[0].json()
    assert counter(engine) == 1
    (row,) = stored_keys(engine)
    assert row["state"] == keys.DONE


SERVER_COMMAND = [sys.executable, "-m", "uvicorn", "--log-level", "warning"]
SERVER_COMMAND += ["--factory", "test_idempotency:make_test_app"]


@contextmanager
def server_processes(count: int, db_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """The test app in server processes of their own (each its own engine and connection pool)."""
    here = Path(__file__).resolve().parent
    env = cpq_env(database_url=db_url, rules_dir=str(tmp_path / "no-rules"))
    env["PYTHONPATH"] = os.pathsep.join([str(here), str(here.parent)])
    ports = [free_port() for _ in range(count)]
    processes = [
        subprocess.Popen(
            [*SERVER_COMMAND, "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 90
        for process, url in zip(processes, urls, strict=True):
            while True:
                if process.poll() is not None:
                    output = process.stdout.read() if process.stdout else ""
                    raise AssertionError(f"a server exited with {process.returncode}:\n{output}")
                try:
                    if httpx.get(f"{url}/test/counter", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.slow
def test_two_server_processes_run_a_request_once(
    db_url: str, tmp_path: Path, engine: Engine
) -> None:
    set_up_counter(engine)
    n = 10
    with server_processes(2, db_url, tmp_path) as (one, two):
        urls = iter([one, two] * n)
        lock = threading.Lock()

        def call() -> httpx.Response:
            with lock:
                url = next(urls)
            return post(f"{url}/test/counter?pause=0.3", "k1", {"q": 1})

        answers = in_parallel(n, call)
        after = [post(f"{url}/test/counter?pause=0.3", "k1", {"q": 1}) for url in (one, two)]

    originals = [r for r in answers if r.status_code == 201 and not replayed(r)]
    others = [r for r in answers if replayed(r) or r.status_code == 409]
    assert len(originals) == 1 and len(others) == n - 1
    assert all(replayed(r) and r.json() == originals[0].json() for r in after)
    assert counter(engine) == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(KEYS)).scalar_one() == 1
