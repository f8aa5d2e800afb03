"""A CRM integration written against a client generated from the live /openapi.json.

The CRM team generates its Python client with openapi-python-client, then, for opportunity
OPP-4711: creates the quote with an idempotency key (and retries it), adds a discounted line,
submits; maria, the manager, approves through the API; the CRM fetches the PDF. An endpoint of
the CRM receives the signed webhooks and verifies every one.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from contextlib import nullcontext
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from databases import PG_URL
from e2e_env import cpq_env, free_port, running
from generated_client import GeneratedClient, generate_client, webhook_worker
from pypdf import PdfReader
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from webhooks.receiver import Receiver, receiving

from cpq.webhooks.events import EVENT_TYPES

pytestmark = pytest.mark.slow

TOKEN = "cpq_demorita_demo-token-for-local-use-only-never-in-prod"  # the demo CRM token (rita)
PASSWORD = "demo-password-1"  # every demo user's
OPPORTUNITY = "OPP-4711"
IDEMPOTENCY_KEY = "opp-4711-quote-1"
FLOW_EVENTS = ["quote.created", "quote.submitted", "approval.requested", "approval.decided",
               "quote.approved"]  # fmt: skip


def test_a_crm_quotes_an_opportunity_through_the_generated_client(
    db_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = cpq_env(
        database_url=db_url if PG_URL else f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        data_dir=str(tmp_path),
        port=str(port),
        webhook_interval_seconds="0.2",
    )
    # SQLite: the server delivers webhooks itself; PostgreSQL: a `cpq worker` next to it does.
    delivery = webhook_worker(env) if PG_URL else nullcontext()
    with receiving() as receiver, running(["demo"], env, port, timeout=120) as url, delivery:
        api = generate_client(url, tmp_path)
        assert not api.warnings, sorted(api.warnings)  # the generator read every operation
        secret = subscribe_the_crm_endpoint(api, url, receiver.url)
        crm = api.authenticated(url, TOKEN)

        quote = create_quote_for_the_opportunity(api, crm)
        quote = add_a_discounted_line(api, crm, quote)
        quote = submit(api, crm, quote)
        maria_approves(api, url, quote)
        approved = fetch_quote(api, crm, quote.id)
        assert (approved.status, approved.version) == ("approved", quote.version)
        fetch_the_pdf(api, crm, approved)
        messages = wait_for_events(receiver, approved.id, FLOW_EVENTS)

    verify_the_webhooks(messages, secret, approved)


# --- the CRM's steps ------------------------------------------------------------------------


def subscribe_the_crm_endpoint(api: GeneratedClient, url: str, endpoint: str) -> str:
    """ada, the admin, logs in (a cookie session) and subscribes the CRM's endpoint; the answer
    holds the signing secret."""
    admin = log_in(api, url, "ada")
    created = api.operation("webhooks", "create_subscription").sync_detailed(
        client=admin, body=api.models.SubscriptionIn(url=endpoint, event_types=list(EVENT_TYPES))
    )
    assert created.status_code == 201, created.content
    subscription = created.parsed
    assert isinstance(subscription, api.models.SubscriptionWithSecret)
    assert subscription.url == endpoint and subscription.active
    assert subscription.secret.startswith("whsec_")
    secret: str = subscription.secret
    return secret


def create_quote_for_the_opportunity(api: GeneratedClient, crm: Any) -> Any:
    """Create the quote with an idempotency key; the retry after a 'timeout' gets the same quote
    back, marked as replayed, instead of a second one."""
    create = api.operation("quotes", "create_quote")
    body = api.models.QuoteCreateIn(
        customer="C-10001",
        crm_opportunity_id=OPPORTUNITY,
        lines=[api.models.QuoteLineIn(sku="GW-E100", quantity="2")],
    )
    created = create.sync_detailed(client=crm, body=body, idempotency_key=IDEMPOTENCY_KEY)
    retried = create.sync_detailed(client=crm, body=body, idempotency_key=IDEMPOTENCY_KEY)

    assert created.status_code == 201, created.content
    quote = created.parsed
    assert isinstance(quote, api.models.QuoteOut)
    assert (quote.status, quote.version, quote.customer) == ("draft", 1, "C-10001")
    assert quote.crm_opportunity_id == OPPORTUNITY
    assert created.headers["ETag"] == quote.etag
    assert "Idempotent-Replayed" not in created.headers
    assert retried.status_code == 201, retried.content
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.parsed.id == quote.id and retried.parsed.number == quote.number
    assert_priced(quote, {"GW-E100": "2"})
    return quote


def add_a_discounted_line(api: GeneratedClient, crm: Any, quote: Any) -> Any:
    """Add ten probes at the rep's 12% discount, with its reason, sending the quote's ETag; the
    same change with the ETag from before it is refused: someone changed the quote since."""
    add = api.operation("quotes", "add_line")
    line = api.models.QuoteLineIn(
        sku="TS-PT100-100-M",
        quantity="10",
        manual_discount=api.models.ManualDiscountIn(percent="12", reason="competitive deal"),
    )
    added = add.sync_detailed(quote.id, client=crm, body=line, if_match=quote.etag)
    stale = add.sync_detailed(quote.id, client=crm, body=line, if_match=quote.etag)

    assert added.status_code == 200, added.content
    changed = added.parsed
    assert changed.etag != quote.etag and added.headers["ETag"] == changed.etag
    assert_priced(changed, {"GW-E100": "2", "TS-PT100-100-M": "10"})
    probes = changed.pricing.lines[1]
    manual = [a.description for a in probes.adjustments if a.kind == "manual_discount_percent"]
    assert manual == ["12% off by the rep (competitive deal)"], probes.to_dict()
    assert stale.status_code == 412, stale.content
    assert stale.parsed.code == "precondition_failed"  # errors are typed problems too
    return changed


def submit(api: GeneratedClient, crm: Any, quote: Any) -> Any:
    """Submit: the rep's discount is beyond policy, so the quote waits for the manager."""
    note = api.models.ActionIn(comment="customer expects the offer this week")
    submitted = api.operation("quotes", "submit_quote").sync_detailed(
        quote.id, client=crm, body=note, if_match=quote.etag
    )
    assert submitted.status_code == 200, submitted.content
    pending = submitted.parsed
    assert pending.status == "pending_approval"
    assert [(a.level, a.approver.username, a.status) for a in pending.approvals] == [
        ("manager", "maria", "pending")
    ]
    return pending


def maria_approves(api: GeneratedClient, url: str, quote: Any) -> None:
    """maria logs in, finds the approval waiting for her and approves it with a comment."""
    maria = log_in(api, url, "maria")
    waiting = api.operation("approvals", "list_approvals").sync_detailed(
        client=maria, status=["pending"]
    )
    assert waiting.status_code == 200, waiting.content
    mine = [a for a in waiting.parsed.items if a.quote_id == quote.id]
    assert len(mine) == 1, waiting.content
    approve = api.operation("approvals", "approve")
    decided = approve.sync_detailed(
        mine[0].id, client=maria, body=api.models.DecisionIn(comment="ok for this deal")
    )
    assert decided.status_code == 200, decided.content
    assert (decided.parsed.status, decided.parsed.comment) == ("approved", "ok for this deal")
    assert decided.parsed.decided_by.username == "maria"


def fetch_quote(api: GeneratedClient, crm: Any, quote_id: str) -> Any:
    fetched = api.operation("quotes", "get_quote").sync_detailed(quote_id, client=crm)
    assert fetched.status_code == 200, fetched.content
    return fetched.parsed


def fetch_the_pdf(api: GeneratedClient, crm: Any, quote: Any) -> None:
    """The approved quote's PDF: a real PDF naming the quote, without the draft watermark."""
    pdf = api.operation("documents", "quote_pdf").sync_detailed(quote.id, client=crm)
    assert pdf.status_code == 200, pdf.content
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert len(pages) >= 1
    text = "".join("".join(page.extract_text().split()) for page in pages)
    assert quote.number in text
    assert "TS-PT100-100-M" in text and "GW-E100" in text
    assert "DRAFT" not in text


def log_in(api: GeneratedClient, url: str, username: str) -> Any:
    """A web session: the cookie from POST /v1/sessions, and its CSRF token on every change."""
    anonymous = api.client(url)
    session = api.operation("access", "log_in").sync_detailed(
        client=anonymous, body=api.models.LoginIn(username=username, password=PASSWORD)
    )
    assert session.status_code == 201, session.content
    assert session.parsed.user.username == username
    cookies = dict(anonymous.get_httpx_client().cookies)
    assert cookies, session.headers
    return api.client(url, cookies=cookies, headers={"X-CSRF-Token": session.parsed.csrf_token})


def assert_priced(quote: Any, quantities: dict[str, str]) -> None:
    """Priced at once: the lines asked for, and a total that is the sum of the line amounts."""
    lines = quote.pricing.lines
    assert {line.sku: line.quantity for line in lines} == quantities
    assert all(Decimal(line.net_total) > 0 for line in lines)
    total = sum((Decimal(line.final_amount) for line in lines), Decimal(0))
    assert Decimal(quote.pricing.totals.total) == total
    assert quote.total == quote.pricing.totals.total


# --- the CRM's webhook endpoint -------------------------------------------------------------


def wait_for_events(receiver: Receiver, quote_id: str, types: list[str]) -> list[Any]:
    """The messages received for the quote, once every one of ``types`` has arrived."""

    def of_the_quote() -> list[Any]:
        with receiver.lock:
            received = list(receiver.received)
        return [r for r in received if json.loads(r.body)["data"].get("quote_id") == quote_id]

    within(30, lambda: set(types) <= {json.loads(r.body)["type"] for r in of_the_quote()})
    return of_the_quote()


def verify_the_webhooks(messages: list[Any], secret: str, quote: Any) -> None:
    """Every message verifies with the subscription's secret and names the quote and its
    version; the flow's events arrived in order; a tampered body does not verify."""
    verified = [Webhook(secret).verify(m.body, m.headers) for m in messages]
    types = [v["type"] for v in verified]
    assert [t for t in types if t in FLOW_EVENTS] == FLOW_EVENTS, types
    for message in verified:
        data = message["data"]
        assert (data["quote_id"], data["number"]) == (quote.id, quote.number), message
        assert data["version"] == quote.version, message
        assert data["crm_opportunity_id"] == OPPORTUNITY, message
    assert len({m.headers["webhook-id"] for m in messages}) == len(messages)
    decided = verified[types.index("approval.decided")]["data"]
    assert decided["decision"] == "approved", decided
    approved = verified[types.index("quote.approved")]["data"]
    assert (approved["status"], approved["previous_status"]) == ("approved", "pending_approval")

    genuine = messages[types.index("quote.approved")]
    tampered = genuine.body.replace('"approved"', '"declined"', 1)
    assert tampered != genuine.body
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, genuine.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(genuine.body, genuine.headers)


def within(seconds: float, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds}s"
        time.sleep(0.1)
