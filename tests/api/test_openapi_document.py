"""The OpenAPI document tells a client the truth: what CRM client generators and the contract
fuzzer rely on (tests/e2e/test_generated_client.py and test_contract_fuzz.py use it live)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from quotes.quotes_world import World, create, problem, synced_template, world

from cpq.api.openapi import operations

__all__ = ["synced_template", "world"]
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@pytest.fixture
def spec(world: World) -> dict[str, Any]:
    answer = world.client("rita").get("/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


def test_operation_ids_are_unique_function_names(spec: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(spec)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    assert {"create_quote", "add_line", "submit_quote", "approve", "quote_pdf"} <= set(ids)


def test_every_error_answer_is_a_problem(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        for status, answer in operation["responses"].items():
            if status[0] in "45":
                assert answer["content"] == PROBLEM, (method, path, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_an_unparseable_body_is_a_documented_problem(world: World, spec: dict[str, Any]) -> None:
    assert "400" in spec["paths"]["/v1/quotes"]["post"]["responses"]
    answer = world.client("rita").post(
        "/v1/quotes",
        content=b'{"customer": "\xc3\x28"}',
        headers={"content-type": "application/json"},
    )
    assert problem(answer, 400, "bad_request")


def test_every_path_parameter_is_declared(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)


def test_every_post_takes_an_idempotency_key(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        if method != "post":
            continue
        keys = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert len(keys) == 1, path
        assert (keys[0]["schema"]["minLength"], keys[0]["schema"]["maxLength"]) == (1, 255)
        assert {"400", "409", "422"} <= operation["responses"].keys(), path
        for status, answer in operation["responses"].items():
            if status.startswith("2"):
                assert "Idempotent-Replayed" in answer["headers"], path


def test_links_lead_from_a_new_quote_to_its_next_steps(spec: dict[str, Any]) -> None:
    created = spec["paths"]["/v1/quotes"]["post"]["responses"]["201"]
    assert "ETag" in created["headers"]
    submit = created["links"]["Submit"]
    assert submit["operationRef"] == "#/paths/~1v1~1quotes~1{quote_id}~1submit/post"
    assert submit["parameters"] == {
        "quote_id": "$response.body#/id",
        "if-match": "$response.header.ETag",
    }
    inbox = spec["paths"]["/v1/approvals"]["get"]["responses"]["200"]["links"]
    assert inbox["Approve"]["parameters"] == {"approval_id": "$response.body#/items/0/id"}


def test_every_link_names_a_real_operation_and_its_parameters(spec: dict[str, Any]) -> None:
    seen = 0
    for _, _, operation in operations(spec):
        for answer in operation["responses"].values():
            for link in answer.get("links", {}).values():
                _, _, pointer, method = link["operationRef"].split("/")
                path = pointer.replace("~1", "/").replace("~0", "~")
                target = spec["paths"][path][method]
                names = {p["name"] for p in target.get("parameters", [])}
                assert set(link["parameters"]) <= names, link
                seen += 1
    assert seen > 50


def test_signing_in_is_declared_where_it_is_needed(spec: dict[str, Any]) -> None:
    assert {"apiToken", "session", "csrf"} == spec["components"]["securitySchemes"].keys()
    paths = spec["paths"]
    assert paths["/v1/quotes"]["get"]["security"] == [{"apiToken": []}, {"session": []}]
    assert paths["/v1/quotes"]["post"]["security"] == [
        {"apiToken": []},
        {"session": [], "csrf": []},
    ]
    assert "security" not in paths["/v1/price"]["post"]  # open to anyone
    assert "security" not in paths["/healthz"]["get"]


def test_an_action_body_may_be_left_out(world: World) -> None:
    """Submit with no body at all, as the document allows (the body is not required)."""
    client = world.client("rita")
    quote = create(client, customer="C-10001", lines=[{"sku": "GW-E100", "quantity": "1"}])
    answer = client.post(f"/v1/quotes/{quote['id']}/submit", headers={"If-Match": quote["etag"]})
    assert answer.status_code == 200, answer.text
