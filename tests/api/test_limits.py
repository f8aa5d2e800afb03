"""The limits a client can plan around: body size (413), rate limit (429), lines per quote (422)."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from quotes.quotes_world import World, create, etag_of, ok, problem, synced_template, world
from sqlalchemy import Engine, func, select

from cpq.api.app import create_app
from cpq.api.limits import caller_of, rate_headers, retry_after
from cpq.db.rate_limit_tables import RateLimitRow
from cpq.repositories import rate_limits
from cpq.repositories.rate_limits import Taken
from cpq.services import people

__all__ = ["synced_template", "world"]

# A mix of the demo catalog's EUR items, as a CRM would send them for a large quote.
SKUS = [
    "ACC-DIN-1M",
    "CAB-GRP-1000",
    "CG-H2S-25",
    "CON-M12-5FS",
    "CS-M12D-RJ45-10",
    "FS-MAG-DN100",
    "GS-PM-IN",
    "IO-CNT2",
    "LS-HYD-05",
    "PLC-C100",
    "PS-G-40B-A",
    "RF-ANT-868",
    "SP-MDM-LTE",
    "TS-PT100-100-M",
    "TS-TCK-100-M",
]
BUCKETS = RateLimitRow.__table__  # type: ignore[attr-defined]


def big_lines(count: int) -> list[dict[str, Any]]:
    """``count`` lines; every tenth with a reasoned manual discount."""
    out: list[dict[str, Any]] = []
    for n in range(count):
        line: dict[str, Any] = {"sku": SKUS[n % len(SKUS)], "quantity": str(1 + n % 7)}
        if n % 10 == 0:
            line["manual_discount"] = {"percent": "5", "reason": "framework agreement 2026"}
        out.append(line)
    return out


def serve(world: World, **settings: Any) -> None:
    world.settings = world.settings.model_copy(update=settings)
    world.clients.clear()


# -- the request body size --


def test_a_body_over_the_default_16_mib_is_refused_by_its_content_length(world: World) -> None:
    client = world.client("rita")
    body = json.dumps({"customer": "C-10001", "notes": "x" * (16 * 1024 * 1024)}).encode()
    found = problem(
        client.post("/v1/quotes", content=body, headers={"Content-Type": "application/json"}),
        413,
        "body_too_large",
    )
    assert found["max_body_bytes"] == 16 * 1024 * 1024
    assert "16777216 bytes" in found["detail"]
    assert str(len(body)) in found["detail"]
    assert ok(client.get("/v1/quotes"))["items"] == []


def test_a_chunked_body_is_counted_as_it_arrives(world: World) -> None:
    serve(world, max_body_bytes=4096)
    client = world.client("rita")
    body = json.dumps({"customer": "C-10001", "lines": big_lines(200)}).encode()
    assert len(body) > 4096

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    answer = client.post(
        "/v1/quotes", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in answer.request.headers  # really sent chunked
    found = problem(answer, 413, "body_too_large")
    assert found["max_body_bytes"] == 4096
    assert "more than 4096 bytes" in found["detail"]
    assert ok(client.get("/v1/quotes"))["items"] == []
    # Chunked and within the limit: the route runs.
    small = json.dumps({"customer": "C-10001", "lines": big_lines(2)}).encode()
    answer = client.post(
        "/v1/quotes",
        content=iter([small[:50], small[50:]]),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 201, answer.text


def test_a_chunked_body_over_the_limit_with_an_idempotency_key_claims_nothing(
    world: World,
) -> None:
    serve(world, max_body_bytes=4096)
    client = world.client("rita")
    body = json.dumps({"customer": "C-10001", "lines": big_lines(200)}).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": "big-1"}
    problem(client.post("/v1/quotes", content=iter([body]), headers=headers), 413, "body_too_large")
    small = json.dumps({"customer": "C-10001"}).encode()
    assert client.post("/v1/quotes", content=small, headers=headers).status_code == 201


# -- the rate limit --


def test_a_token_gets_its_burst_then_429_with_retry_after(world: World) -> None:
    serve(world, rate_limit_per_minute=60, rate_limit_burst=3)
    rita, raj = world.client("rita"), world.client("raj")
    remaining = [rita.get("/v1/quotes").headers["RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = rita.get("/v1/quotes")
    found = problem(refused, 429, "rate_limited")
    assert refused.headers["Retry-After"] == "1"  # one token a second, none left
    assert found["retry_after"] == 1
    assert refused.headers["RateLimit-Limit"] == "3"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert int(refused.headers["RateLimit-Reset"]) in (2, 3)
    # Another token is another caller.
    assert raj.get("/v1/quotes").headers["RateLimit-Remaining"] == "2"
    time.sleep(1.1)
    assert rita.get("/v1/quotes").status_code == 200


def test_every_answer_carries_the_headers_and_refusals_count_too(world: World) -> None:
    serve(world, rate_limit_per_minute=6, rate_limit_burst=5)
    anonymous = world.anonymous()
    unauthorised = anonymous.get("/v1/quotes")
    assert unauthorised.status_code == 401
    assert unauthorised.headers["RateLimit-Limit"] == "5"
    assert unauthorised.headers["RateLimit-Remaining"] == "4"
    missing = world.client("rita").get("/v1/quotes/nope")
    assert missing.status_code == 404
    assert missing.headers["RateLimit-Remaining"] == "4"  # rita's own bucket
    for _ in range(4):
        anonymous.get("/v1/quotes")
    problem(anonymous.get("/v1/quotes"), 429, "rate_limited")  # per client address
    health = anonymous.get("/healthz")
    assert health.status_code == 200
    assert "RateLimit-Limit" not in health.headers


def test_two_servers_share_the_bucket_of_a_caller(world: World) -> None:
    serve(world, rate_limit_per_minute=6, rate_limit_burst=2)
    token = {"Authorization": f"Bearer {world.tokens['rita']}"}
    with (
        TestClient(create_app(world.settings), headers=token) as first,
        TestClient(create_app(world.settings), headers=token) as second,
    ):
        started = time.monotonic()
        assert first.get("/v1/quotes").status_code == 200
        assert second.get("/v1/quotes").status_code == 200
        refused = first.get("/v1/quotes")
        took = time.monotonic() - started  # a busy machine refills a little meanwhile
        problem(refused, 429, "rate_limited")
        # one token every 10 s, less what came back while the three requests ran
        assert 10 - math.ceil(took) <= int(refused.headers["Retry-After"]) <= 10
        problem(second.get("/v1/quotes"), 429, "rate_limited")


def test_sessions_of_one_user_share_a_bucket(world: World) -> None:
    serve(world, rate_limit_per_minute=6, rate_limit_burst=2)  # slow refill: a busy CI is fine
    with world.engine.begin() as conn:
        secrets = [
            people.login(conn, "rita", "demo-password-1", hours=1).session_secret for _ in "ab"
        ]
    first, second = (world.anonymous() for _ in secrets)
    for client, secret in zip((first, second), secrets, strict=True):
        client.cookies.set("cpq_session", secret)
    assert first.get("/v1/quotes").status_code == 200
    assert second.get("/v1/quotes").status_code == 200
    problem(first.get("/v1/quotes"), 429, "rate_limited")


def test_zero_switches_the_rate_limit_off(world: World) -> None:
    serve(world, rate_limit_per_minute=0, rate_limit_burst=1)
    client = world.client("rita")
    for _ in range(5):
        answer = client.get("/v1/quotes")
        assert answer.status_code == 200
        assert "RateLimit-Limit" not in answer.headers
    assert (
        "429" not in client.get("/openapi.json").json()["paths"]["/v1/quotes"]["get"]["responses"]
    )


def test_the_bucket_refills_caps_and_ignores_a_clock_going_back(engine: Engine) -> None:
    def take(now: float) -> Taken:
        with engine.begin() as conn:
            return rate_limits.take(conn, "token:abc", now, 1.0, 2)

    assert take(0.0) == Taken(True, 1.0)  # a new caller starts with a full bucket
    assert take(0.0) == Taken(True, 0.0)
    assert take(0.0) == Taken(False, 0.0)
    assert take(0.5) == Taken(False, 0.5)  # refused: nothing taken, the refill kept
    assert take(1.0) == Taken(True, 0.0)
    assert take(100.0) == Taken(True, 1.0)  # refilled to the burst, not beyond
    assert take(50.0) == Taken(True, 0.0)  # another server's clock behind: no refill
    assert take(50.0) == Taken(False, 0.0)
    with engine.begin() as conn:
        assert rate_limits.purge_full(conn, 101.0, 1.0, 2) == 0
        assert rate_limits.purge_full(conn, 102.5, 1.0, 2) == 1
        assert conn.execute(select(func.count()).select_from(BUCKETS)).scalar_one() == 0


def test_concurrent_requests_never_take_more_than_the_burst(engine: Engine) -> None:
    granted: list[bool] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(5):
            with engine.begin() as conn:
                granted.append(rate_limits.take(conn, "token:shared", 1000.0, 0.001, 10).granted)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 40
    assert granted.count(True) == 10


def test_who_is_calling() -> None:
    token = "cpq_AbCd1234_" + "s" * 43
    assert caller_of(f"Bearer {token}", None, "10.0.0.1").key == "token:AbCd1234"
    assert caller_of("Bearer other", None, "10.0.0.1").kind == "bearer"
    session = caller_of(None, "cpq_session=secret; x=1", "10.0.0.1")
    assert session.kind == "session" and "secret" not in session.key
    assert caller_of(None, None, "10.0.0.1").key == "ip:10.0.0.1"
    assert retry_after(0.0, 10.0) == 1
    assert retry_after(0.2, 0.1) == 8
    assert rate_headers(Taken(True, 7.6), 10.0, 100) == {
        "RateLimit-Limit": "100",
        "RateLimit-Remaining": "7",
        "RateLimit-Reset": "10",
    }


# -- lines per quote --


def test_more_lines_than_the_maximum_is_422_naming_body_lines(world: World) -> None:
    serve(world, max_quote_lines=3)
    client = world.client("rita")
    with_options = [
        {"sku": "PLC-C100", "quantity": "1", "options": [{"id": "o", "sku": "IO-CNT2", "quantity": "1"}]},
        {"sku": "TS-PT100-100-M", "quantity": "2", "options": [{"id": "o", "sku": "ACC-DIN-1M", "quantity": "1"}]},
    ]  # fmt: skip
    found = problem(
        client.post("/v1/quotes", json={"customer": "C-10001", "lines": with_options}),
        422,
        "invalid_request",
    )
    assert [e["field"] for e in found["errors"]] == ["body.lines"]
    assert "at most 3 lines, options included" in found["errors"][0]["message"]
    assert "these are 4" in found["errors"][0]["message"]
    quote = create(client, lines=with_options[:1])
    replaced = client.put(
        f"/v1/quotes/{quote['id']}/lines",
        json={"lines": with_options},
        headers={"If-Match": etag_of(client.get(f"/v1/quotes/{quote['id']}"))},
    )
    assert [e["field"] for e in problem(replaced, 422)["errors"]] == ["body.lines"]
    three = [*with_options[:1], {"sku": "CG-H2S-25", "quantity": "1"}]
    ok(
        client.put(
            f"/v1/quotes/{quote['id']}/lines",
            json={"lines": three},
            headers={"If-Match": quote["etag"]},
        )
    )


def test_pricing_a_basket_keeps_to_the_same_maximum(world: World) -> None:
    serve(world, max_quote_lines=2)
    client = world.client("rita")
    basket = {
        "context": {"currency": "EUR", "customer": "C-10001"},
        "lines": [
            {"id": "1", "sku": "PLC-C100", "quantity": "1", "options": [{"id": "o", "sku": "IO-CNT2", "quantity": "1"}]},
            {"id": "2", "sku": "GW-E100", "quantity": "1"},
        ],
    }  # fmt: skip
    found = problem(client.post("/v1/price", json=basket), 422, "invalid_request")
    assert [e["field"] for e in found["errors"]] == ["body.lines"]
    assert "at most 2 lines, options included" in found["errors"][0]["message"]
    assert ok(client.post("/v1/price", json={**basket, "lines": basket["lines"][:1]}))["lines"]


def test_adding_a_line_past_the_maximum_is_422_naming_body_lines(world: World) -> None:
    serve(world, max_quote_lines=2)
    client = world.client("rita")
    quote = create(client, lines=[{"sku": "GW-E100", "quantity": "1"}])
    headers = {"If-Match": quote["etag"]}
    grown = ok(client.post(f"/v1/quotes/{quote['id']}/lines", json={"sku": "GW-E100", "quantity": "2"}, headers=headers))  # fmt: skip

    third = client.post(
        f"/v1/quotes/{quote['id']}/lines",
        json={"sku": "GW-E100", "quantity": "3"},
        headers={"If-Match": grown["etag"]},
    )

    found = problem(third, 422, "invalid_input")
    assert [e["field"] for e in found["errors"]] == ["body.lines"]
    assert "at most 2 lines" in found["detail"]
    assert len(client.get(f"/v1/quotes/{quote['id']}").json()["lines"]) == 2


def test_the_openapi_description_states_the_limits(world: World) -> None:
    spec = world.client("rita").get("/openapi.json").json()
    description = spec["info"]["description"]
    for phrase in (
        "16777216 bytes",
        "600 requests a minute",
        "at most 100 at once",
        "10,000 lines",
    ):
        assert phrase in description
    create_responses = spec["paths"]["/v1/quotes"]["post"]["responses"]
    assert {"413", "429"} <= create_responses.keys()
    assert "Retry-After" in create_responses["429"]["headers"]
    assert "413" not in spec["paths"]["/v1/quotes"]["get"]["responses"]
    assert "429" not in spec["paths"]["/healthz"]["get"]["responses"]


@pytest.mark.slow
def test_a_quote_of_10000_lines_is_accepted_and_10001_refused(world: World) -> None:
    client = world.client("rita")
    body = {"customer": "C-10001", "lines": big_lines(10_000)}
    quote = create(client, **body)
    assert len(quote["lines"]) == 10_000
    assert len(quote["pricing"]["lines"]) == 10_000
    assert quote["total"] is not None
    refused = client.post("/v1/quotes", json={**body, "lines": big_lines(10_001)})
    assert [e["field"] for e in problem(refused, 422)["errors"]] == ["body.lines"]
