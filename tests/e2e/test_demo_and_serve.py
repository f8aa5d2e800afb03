"""The README's demo command and `cpq serve`, started for real and called over HTTP."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from databases import PG_URL
from e2e_env import cpq_env, free_port, running
from pypdf import PdfReader
from standardwebhooks.webhooks import Webhook
from webhooks.receiver import Receiver, receiving

from cpq.webhooks.events import EVENT_TYPES

TOKEN = "cpq_demorita_demo-token-for-local-use-only-never-in-prod"  # the README's


def _readme_quote_flow(url: str) -> dict[str, httpx.Response]:
    """The README's quote example: the CRM token creates, previews and submits; maria logs in
    and approves."""
    crm = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"})
    body = {
        "customer": "C-10001",
        "crm_opportunity_id": "OPP-1",
        "lines": [
            {"sku": "TS-PT100-100-M", "quantity": 4, "manual_discount": {"percent": 15}},
            {"sku": "GW-E100", "quantity": 1},
        ],
    }
    created = crm.post("/v1/quotes", json=body, headers={"Idempotency-Key": "demo-quote-1"})
    replayed = crm.post("/v1/quotes", json=body, headers={"Idempotency-Key": "demo-quote-1"})
    quote = created.json()["id"]
    preview = crm.get(f"/v1/quotes/{quote}/approval-preview", params={"line_id": "1"})
    submitted = crm.post(f"/v1/quotes/{quote}/submit", headers={"If-Match": '"1"'})
    pending_pdf = crm.get(f"/v1/quotes/{quote}/pdf")
    maria = httpx.Client(base_url=url)
    login = maria.post("/v1/sessions", json={"username": "maria", "password": "demo-password-1"})
    mine = maria.get("/v1/approvals")
    approval = mine.json()["items"][0]["id"]
    csrf = login.json()["csrf_token"]
    approved = maria.post(f"/v1/approvals/{approval}/approve", headers={"X-CSRF-Token": csrf})
    final = crm.get(f"/v1/quotes/{quote}")
    pdf_de = crm.get(f"/v1/quotes/{quote}/pdf", params={"lang": "de"})
    pdf_en = crm.get(f"/v1/quotes/{quote}/pdf")
    pdf_again = crm.get(f"/v1/quotes/{quote}/pdf")
    page_preview = crm.get(f"/v1/quotes/{quote}/preview")
    return {
        "created": created,
        "replayed": replayed,
        "preview": preview,
        "submitted": submitted,
        "approved": approved,
        "final": final,
        "pdf_de": pdf_de,
        "pdf_en": pdf_en,
        "pdf_again": pdf_again,
        "pending_pdf": pending_pdf,
        "page_preview": page_preview,
    }


def test_the_demo_starts_with_the_demo_catalog(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = cpq_env(
        database_url=db_url if PG_URL else f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        data_dir=str(tmp_path),
        port=str(port),
        webhook_interval_seconds="0.2",
        # On SQLite the server delivers webhooks itself by default; on PostgreSQL, `cpq worker`
        # processes do, unless told otherwise (as here, to test the server's own worker there too).
        **({"webhook_delivery": "in_process"} if PG_URL else {}),
    )

    with receiving() as receiver, running(["demo"], env, port, timeout=120) as url:
        secret = _subscribe(url, receiver.url)
        ready = httpx.get(f"{url}/readyz").json()
        anonymous = httpx.get(f"{url}/v1/customers")
        crm = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"})
        products = crm.get("/v1/products", params={"limit": 500}).json()
        price_lists = crm.get("/v1/price-lists").json()["data"]
        customers = crm.get("/v1/customers", params={"limit": 500}).json()["data"]
        models = crm.get("/v1/product-models").json()
        write = crm.post("/v1/products", json={"sku": "X"})
        basket = {  # the README's example: 12 probes for an enterprise customer
            "context": {"currency": "EUR", "customer": "C-10001", "pricing_date": "2026-03-02"},
            "lines": [{"id": "1", "sku": "TS-PT100-100-A", "quantity": 12}],
        }
        priced = crm.post("/v1/price", json=basket)
        junk = crm.post("/v1/price", json={"context": {"currency": "EURO"}, "lines": []})
        # The README's configuration examples, then the completed bundle priced.
        evaluated = crm.post(
            "/v1/configurations/evaluate",
            json={
                "bundle": "CAB-CONTROL",
                "selections": [{"option": "PSU-UPS-CTL"}],
                "attributes": {"voltage": "120"},
            },
        )
        completed = crm.post(
            "/v1/configurations/complete",
            json={"bundle": "CAB-CONTROL", "selections": [{"option": "HMI-10"}], "quantity": 2},
        )
        cabinet = {
            "context": {"currency": "EUR", "pricing_date": "2026-03-02"},
            "lines": [completed.json()["line"]],
        }
        priced_cabinet = crm.post("/v1/price", json=cabinet)
        flow = _readme_quote_flow(url)
        _wait_for(lambda: len(receiver.received) >= 5)

    assert ready["status"] == "ready" and ready["catalog_version"] == 1
    assert anonymous.status_code == 401  # the catalog is read with a credential
    assert len(products["data"]) >= 300
    assert {p["currency"] for p in price_lists} >= {"EUR", "USD", "GBP"}
    assert {p["kind"] for p in price_lists} == {"standard", "contract", "partner"}
    assert len(customers) >= 20
    assert len(models) >= 3
    assert write.status_code == 405
    assert priced.status_code == 200, priced.text
    line = priced.json()["lines"][0]
    assert (line["list_price"], line["net_unit_price"], line["net_total"]) == (
        "157.00",
        "144.68",
        "1736.11",
    )
    assert [a["rule_id"] for a in line["adjustments"]] == ["sensor-volume", "enterprise-hardware"]
    assert line["source"]["price_list"] == "STD-EUR"
    assert junk.status_code == 422
    assert junk.headers["content-type"].startswith("application/problem+json")
    assert evaluated.status_code == 200, evaluated.text
    states = {o["id"]: o["state"] for o in evaluated.json()["options"]}
    assert states["power/PSU-24-10"] == "implied" and states["power/PSU-24-05"] == "closed"
    assert completed.status_code == 200, completed.text
    chosen = {s["sku"] for s in completed.json()["configuration"]["selections"]}
    assert "HMI-10" in chosen and chosen & {"CAB-ST-800600300", "CAB-SS-800600300"}
    assert priced_cabinet.status_code == 200, priced_cabinet.text
    cabinet_lines = priced_cabinet.json()["lines"]
    assert cabinet_lines[0]["sku"] == "KIT-CAB-CTL" and cabinet_lines[0]["quantity"] == "2"
    assert {ln["sku"] for ln in cabinet_lines[1:]} == chosen
    assert flow["created"].status_code == 201, flow["created"].text
    assert flow["replayed"].json()["id"] == flow["created"].json()["id"]
    assert flow["replayed"].headers["Idempotent-Replayed"] == "true"
    guidance = flow["preview"].json()["guidance"]
    assert [lv["level"] for lv in flow["preview"].json()["levels"]] == ["manager"]
    # Line 1 could go to 7.64% before the rep's discounts pass 5% of the quote.
    assert guidance["no_approval"] == "7.64", guidance
    assert flow["submitted"].json()["status"] == "pending_approval", flow["submitted"].text
    assert flow["approved"].status_code == 200, flow["approved"].text
    assert flow["final"].json()["status"] == "approved"
    _check_documents(flow)
    _check_webhooks(receiver, secret, flow["final"].json()["id"])


def _subscribe(url: str, receiver_url: str) -> str:
    """ada (the demo admin) logs in and subscribes the receiver to the quote events."""
    ada = httpx.Client(base_url=url)
    login = ada.post("/v1/sessions", json={"username": "ada", "password": "demo-password-1"})
    created = ada.post(
        "/v1/webhooks",
        json={"url": receiver_url, "event_types": list(EVENT_TYPES)},
        headers={"X-CSRF-Token": login.json()["csrf_token"]},
    )
    assert created.status_code == 201, created.text
    secret: str = created.json()["secret"]
    return secret


def _wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def _check_webhooks(receiver: Receiver, secret: str, quote_id: str) -> None:
    """The server delivered the README flow's events, signed, in order."""
    got = [Webhook(secret).verify(r.body, r.headers) for r in receiver.received]
    assert [g["type"] for g in got][:5] == [
        "quote.created",
        "quote.submitted",
        "approval.requested",
        "approval.decided",
        "quote.approved",
    ]
    assert {g["data"]["quote_id"] for g in got} == {quote_id}


def _pdf_text(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    return "".join("".join(page.extract_text().split()) for page in pages)


def _check_documents(flow: dict[str, httpx.Response]) -> None:
    """The approved demo quote's PDF, read back: clean, in both languages, from storage on
    repeat; the version awaiting approval carries the watermark."""
    german, english = _pdf_text(flow["pdf_de"]), _pdf_text(flow["pdf_en"])
    for found in (german, english):
        assert "TS-PT100-100-M" in found and "GW-E100" in found
        assert "DRAFT" not in found and "ENTWURF" not in found
    assert "Gesamtsumme" in german and "Seite1von1" in german
    assert "Total" in english and "Page1of1" in english
    assert flow["pdf_again"].content == flow["pdf_en"].content
    assert flow["pdf_again"].headers["etag"] == flow["pdf_en"].headers["etag"]
    # Fetched while it awaited approval: watermarked (and that stored file is not served now).
    assert "DRAFT-notvalidforacceptance" in _pdf_text(flow["pending_pdf"])
    assert flow["pending_pdf"].headers["etag"] != flow["pdf_en"].headers["etag"]
    preview = flow["page_preview"]
    assert preview.status_code == 200 and "TS-PT100-100-M" in preview.text


def test_serve_answers_readiness_and_openapi(db_url: str) -> None:
    port = free_port()
    with running(["serve", "--port", str(port)], cpq_env(database_url=db_url), port) as url:
        assert httpx.get(f"{url}/readyz").json()["status"] == "ready"
        assert "/v1/products" in httpx.get(f"{url}/openapi.json").json()["paths"]
