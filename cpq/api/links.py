"""OpenAPI links: how the answer of one operation feeds the next (the quote created is the one
read, edited, submitted; the subscription created is the one whose deliveries are listed). A
client generator can follow them, and the contract fuzzer walks them to test whole sequences."""

from __future__ import annotations

from typing import Any

from cpq.api.openapi import Spec, operations

QUOTE = "/v1/quotes/{quote_id}"
# What a quote answer leads to: (link name, method, path), with the parameters each needs.
_QUOTE_NEXT = (
    ("GetQuote", "get", QUOTE),
    ("UpdateQuote", "patch", QUOTE),
    ("ListLines", "get", f"{QUOTE}/lines"),
    ("AddLine", "post", f"{QUOTE}/lines"),
    ("ReplaceLines", "put", f"{QUOTE}/lines"),
    ("UpdateLine", "put", f"{QUOTE}/lines/{{line_id}}"),
    ("RemoveLine", "delete", f"{QUOTE}/lines/{{line_id}}"),
    ("Reprice", "post", f"{QUOTE}/reprice"),
    ("ApprovalPreview", "get", f"{QUOTE}/approval-preview"),
    ("Submit", "post", f"{QUOTE}/submit"),
    ("Recall", "post", f"{QUOTE}/recall"),
    ("Send", "post", f"{QUOTE}/send"),
    ("Accept", "post", f"{QUOTE}/accept"),
    ("Decline", "post", f"{QUOTE}/decline"),
    ("Cancel", "post", f"{QUOTE}/cancel"),
    ("Revise", "post", f"{QUOTE}/revise"),
    ("Audit", "get", f"{QUOTE}/audit"),
    ("GetVersion", "get", f"{QUOTE}/versions/{{version}}"),
    ("Pdf", "get", f"{QUOTE}/pdf"),
    ("Preview", "get", f"{QUOTE}/preview"),
)
_QUOTE_PARAMETERS = {
    "quote_id": "$response.body#/id",
    "version": "$response.body#/version",
    "line_id": "$response.body#/lines/0/line_id",
    "if-match": "$response.header.ETag",
}
ETAG = {
    "description": 'The quote\'s revision (e.g. `"7"`): send it in `If-Match` to change it.',
    "schema": {"type": "string"},
}
SUBSCRIPTION = "/v1/webhooks/{subscription_id}"
_SUBSCRIPTION_NEXT = (
    ("GetSubscription", "get", SUBSCRIPTION),
    ("UpdateSubscription", "patch", SUBSCRIPTION),
    ("DeleteSubscription", "delete", SUBSCRIPTION),
    ("ListDeliveries", "get", f"{SUBSCRIPTION}/deliveries"),
)
_DELEGATION_NEXT = (("RevokeDelegation", "delete", "/v1/delegations/{delegation_id}"),)
APPROVAL = "/v1/approvals/{approval_id}"
_APPROVAL_NEXT = (
    ("GetApproval", "get", APPROVAL),
    ("Approve", "post", f"{APPROVAL}/approve"),
    ("Reject", "post", f"{APPROVAL}/reject"),
)


def _links(spec: Spec, targets: tuple[tuple[str, str, str], ...], values: dict[str, str]) -> Any:
    """Links to those ``targets`` the spec has, each given the ``values`` its path and header
    parameters take."""
    links = {}
    for name, method, path in targets:
        operation = spec["paths"].get(path, {}).get(method)
        if operation is None:
            continue
        wanted = {
            p["name"]: values[p["name"]]
            for p in operation.get("parameters", [])
            if p["in"] in ("path", "header") and p["name"] in values
        }
        pointer = path.replace("~", "~0").replace("/", "~1")
        links[name] = {"operationRef": f"#/paths/{pointer}/{method}", "parameters": wanted}
    return links


def _sources(spec: Spec, schema: str) -> list[dict[str, Any]]:
    """The success answers of every operation whose body is the component ``schema``."""
    ref = f"#/components/schemas/{schema}"
    found = []
    for _, _, operation in operations(spec):
        for status, answer in operation.get("responses", {}).items():
            body = answer.get("content", {}).get("application/json", {}).get("schema", {})
            if status.startswith("2") and body.get("$ref") == ref:
                found.append(answer)
    return found


def links_amendment(spec: Spec) -> None:
    """Add the links: from every quote, subscription and delegation answer, and from the
    approval inbox."""
    quote_links = _links(spec, _QUOTE_NEXT, _QUOTE_PARAMETERS)
    for answer in _sources(spec, "QuoteOut"):
        answer["links"] = quote_links
        answer.setdefault("headers", {})["ETag"] = ETAG
    subscription_links = _links(spec, _SUBSCRIPTION_NEXT, {"subscription_id": "$response.body#/id"})
    for answer in _sources(spec, "SubscriptionOut") + _sources(spec, "SubscriptionWithSecret"):
        answer["links"] = subscription_links
    delegation_links = _links(spec, _DELEGATION_NEXT, {"delegation_id": "$response.body#/id"})
    for answer in _sources(spec, "DelegationOut"):
        answer["links"] = delegation_links
    inbox_links = _links(spec, _APPROVAL_NEXT, {"approval_id": "$response.body#/items/0/id"})
    for answer in _sources(spec, "ApprovalPageOut"):
        answer["links"] = inbox_links
