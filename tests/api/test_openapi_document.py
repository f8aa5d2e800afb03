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
    schemes = {"apiToken", "session", "csrf", "syncToken"}
    assert schemes == spec["components"]["securitySchemes"].keys()
    paths = spec["paths"]
    assert paths["/v1/quotes"]["get"]["security"] == [{"apiToken": []}, {"session": []}]
    assert paths["/v1/quotes"]["post"]["security"] == [
        {"apiToken": []},
        {"session": [], "csrf": []},
    ]
    assert paths["/v1/price"]["post"]["security"] == [
        {"apiToken": []},
        {"session": [], "csrf": []},
    ]
    assert paths["/v1/sync-runs"]["post"]["security"] == [{"syncToken": []}]
    for path in ("/v1/sync-runs", "/v1/sync-runs/{run_id}"):
        assert paths[path]["get"]["security"] == [
            {"apiToken": []},
            {"session": []},
            {"syncToken": []},
        ]
    assert "security" not in paths["/healthz"]["get"]


CATALOG = ("/v1/products", "/v1/price-lists", "/v1/customers", "/v1/product-models")
READERS = [
    *(("get", p) for p in CATALOG),
    ("get", "/v1/products/{sku}"),
    ("get", "/v1/price-lists/{code}"),
    ("get", "/v1/customers/{external_id}"),
    ("get", "/v1/product-models/{code}"),
    ("post", "/v1/price"),
    ("post", "/v1/configurations/evaluate"),
    ("post", "/v1/configurations/complete"),
    ("get", "/v1/sync-runs"),
    ("get", "/v1/sync-runs/{run_id}"),
]


def test_only_health_login_and_the_catalog_405s_are_open(spec: dict[str, Any]) -> None:
    """Every other operation says how to sign in, and declares its 401 problem."""
    schemes = spec["components"]["securitySchemes"]
    open_ = set()
    for path, method, operation in operations(spec):
        if operation.get("security"):
            assert "401" in operation["responses"], (method, path)
            assert {name for s in operation["security"] for name in s} <= schemes.keys()
        else:
            open_.add((method, path))
    refused = {(m, p) for m, p in open_ if p.startswith(CATALOG)}
    assert open_ - refused == {("get", "/healthz"), ("get", "/readyz"), ("post", "/v1/sessions")}
    for method, path in refused:
        answers = set(spec["paths"][path][method]["responses"])
        assert method != "get" and answers - {"400", "409", "413", "422", "429"} == {"405"}


@pytest.mark.parametrize(("method", "path"), READERS)
def test_the_catalog_pricing_and_sync_history_declare_their_401_and_403(
    spec: dict[str, Any], method: str, path: str
) -> None:
    operation = spec["paths"][path][method]
    assert {"apiToken": []} in operation["security"]
    for status in ("401", "403"):
        answer = operation["responses"][status]
        assert answer["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }


def test_an_action_body_may_be_left_out(world: World) -> None:
    """Submit with no body at all, as the document allows (the body is not required)."""
    client = world.client("rita")
    quote = create(client, customer="C-10001", lines=[{"sku": "GW-E100", "quantity": "1"}])
    answer = client.post(f"/v1/quotes/{quote['id']}/submit", headers={"If-Match": quote["etag"]})
    assert answer.status_code == 200, answer.text
