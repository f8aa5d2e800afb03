"""A NUL character, which PostgreSQL text cannot hold, is a named 422 wherever it is sent, and
nothing is stored (found by the contract fuzz: a NUL in a login's username was a 500)."""

from __future__ import annotations

import pytest
from quotes.quotes_world import World, problem, synced_template, world

from cpq.api.nul_guard import nul_in, nul_in_body, nul_in_form

__all__ = ["synced_template", "world"]


def test_the_first_string_holding_a_nul_is_named() -> None:
    assert nul_in({"lines": [{"sku": "A"}, {"sku": "B\x00"}]}, "body") == "body.lines.1.sku"
    assert nul_in({"a\x00": 1}, "body") == "body (a key)"
    assert nul_in({"notes": "\\u0000 as text is fine", "n": 1, "x": None}, "body") is None
    assert nul_in_form(b"q=ab%00c&limit=5", "query") == "query.q"
    assert nul_in_form(b"q=%2500", "query") is None  # an escaped percent sign, not a NUL
    assert nul_in_body(b'{"title": "a\\\\u0000"}', "application/json") is None  # a backslash
    assert nul_in_body(b'{"title": "a\\u0000"}', "application/json") == "body.title"
    assert nul_in_body(b"{broken \\u0000", "application/json") is None  # the route says why


@pytest.mark.parametrize(
    ("method", "path", "json", "field"),
    [
        ("post", "/v1/sessions", {"username": "ri\x00ta", "password": "x"}, "body.username"),
        ("post", "/v1/quotes", {"customer": "C-10001", "title": "a\x00"}, "body.title"),
        ("get", "/v1/customers?q=C%00", None, "query.q"),
        ("get", "/v1/customers/C-1%0001", None, "path"),
    ],
)
def test_a_nul_anywhere_is_a_named_422(
    world: World, method: str, path: str, json: object, field: str
) -> None:
    client = world.client("rita")
    answer = getattr(client, method)(path, **({"json": json} if json is not None else {}))
    found = problem(answer, 422, "invalid_request")
    assert [e["field"] for e in found["errors"]] == [field]
    assert "NUL" in found["errors"][0]["message"]


def test_nothing_is_stored_and_the_next_request_goes_through(world: World) -> None:
    client = world.client("rita")
    before = client.get("/v1/quotes").json()["items"]
    refused = client.post(
        "/v1/quotes",
        json={"customer": "C-10001", "notes": "x\x00"},
        headers={"Idempotency-Key": "nul-1"},
    )
    problem(refused, 422, "invalid_request")
    assert client.get("/v1/quotes").json()["items"] == before
    # The key was not used up by the junk (that would be a 422 idempotency_key_reused now):
    # the same key with a clean body creates the quote.
    again = client.post(
        "/v1/quotes", json={"customer": "C-10001"}, headers={"Idempotency-Key": "nul-1"}
    )
    assert again.status_code == 201, again.text
    assert len(client.get("/v1/quotes").json()["items"]) == len(before) + 1
