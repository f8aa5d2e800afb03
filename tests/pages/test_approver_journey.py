"""A sales manager on a phone approves a quote her rep submitted, as a person would: she logs in,
opens her approvals (oldest first, the deadline in view), reads which line and which discount
made the quote need her, the margin and the quote's history, and approves with a comment.
Every step is screenshotted (build/screenshots/test_manager_approves_on_a_phone/)."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import httpx
from browsing import DEMO_TOKEN, Shots, log_in, no_horizontal_scroll
from playwright.sync_api import BrowserContext, expect

RITA = {"Authorization": f"Bearer {DEMO_TOKEN}"}


def submitted_quote(server: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Rita's quote for Rheinwerk Chemie (C-10001), submitted through the API with her CRM
    token (the rep's pages are tested in test_rep_journey.py); the quote as it is then."""
    with httpx.Client(base_url=server, headers=RITA) as api:
        made = api.post(
            "/v1/quotes",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={"customer": "C-10001", "lines": lines},
        )
        assert made.status_code == 201, made.text
        quote = made.json()
        sent = api.post(
            f"/v1/quotes/{quote['id']}/submit",
            headers={"If-Match": quote["etag"], "Idempotency-Key": str(uuid.uuid4())},
        )
        assert sent.status_code == 200, sent.text
        assert sent.json()["status"] == "pending_approval"
        found = api.get(f"/v1/quotes/{quote['id']}")
        assert found.status_code == 200
        return dict(found.json())


def test_manager_approves_on_a_phone(server: str, phone: BrowserContext, shots: Shots) -> None:
    # Given rita's quote with 15% off the probes, waiting for her manager
    quote = submitted_quote(
        server,
        [
            {
                "sku": "TS-PT100-100-M",
                "quantity": 4,
                "manual_discount": {"percent": 15, "reason": "Competitor offer"},
            },
            {"sku": "GW-E100", "quantity": 1},
        ],
    )
    margin = quote["figures"]["margin_percent"]
    page = phone.new_page()

    # When maria logs in on her phone and opens her approvals
    log_in(page, server, "maria")
    shots(page, "signed-in")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    expect(page.get_by_role("heading", name=re.compile("Waiting for you"))).to_be_visible()
    item = page.locator(".inbox-item", has_text=quote["number"])
    expect(item).to_contain_text("Rheinwerk Chemie AG")
    expect(item).to_contain_text("Rita Rep")
    expect(item.locator(".sla")).to_have_text(re.compile(r"^Due in 23 h \d+ min$"))
    expect(item).to_contain_text(re.compile(r"waiting (under a minute|\d+ min)"))
    no_horizontal_scroll(page)
    shots(page, "inbox")

    # Then the approval shows what triggered it: the line, its discount, the rules, the margin
    item.click()
    expect(page.get_by_role("heading", name="Rheinwerk Chemie AG")).to_be_visible()
    expect(page.locator("#approval-status")).to_have_text("Pending")
    why = page.locator(".reasons")
    expect(why).to_contain_text("A line discounted more than 10% by the rep")
    first_rule = why.locator("li").first
    expect(first_rule.locator("dt")).to_have_text(["Largest line discount"])
    expect(first_rule.locator("dd")).to_have_text(["15%"])
    triggered = page.locator(".line-triggered")
    expect(triggered).to_have_count(1)
    expect(triggered).to_contain_text("TS-PT100-100-M")
    expect(triggered).to_contain_text("\N{MINUS SIGN}15% rep discount")
    expect(triggered).to_contain_text("Triggered approval")
    expect(triggered).to_contain_text("Competitor offer")
    expect(page.locator("#line-2 .chip")).to_have_count(0)  # no discount on the gateway
    shown_margin = Decimal(margin).quantize(Decimal("0.01")).normalize()
    expect(page.locator("#margin")).to_have_text(f"{shown_margin:f}%")
    expect(page.locator("#sla")).to_contain_text("Due in 23 h")
    history = page.locator(".history li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Quote created")
    expect(history.nth(1)).to_contain_text("Submitted for approval")
    expect(history.nth(1)).to_contain_text("Rita Rep")
    no_horizontal_scroll(page)
    shots(page, "approval")

    # When she approves with a comment
    page.get_by_label("Comment").fill("Fine for the framework deal; keep it at 15%.")
    shots(page, "comment")
    page.get_by_role("button", name="Approve").click()

    # Then the approval and the quote are approved, her comment in the history
    expect(page.get_by_role("heading", name="Approved by Maria Manager")).to_be_visible()
    expect(page.locator("#approval-status")).to_have_text("Approved")
    expect(page.locator("#quote-status")).to_have_text("Approved")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.locator(".history li").nth(2)).to_contain_text("Approved (manager level)")
    expect(page.locator(".history li").nth(2)).to_contain_text("keep it at 15%")
    expect(page.locator(".history li").nth(3)).to_contain_text("Quote approved")
    no_horizontal_scroll(page)
    shots(page, "approved")

    page.get_by_role("link", name="Open the quote").click()
    expect(page.locator("#quote-status")).to_have_text("Approved")
    expect(page.locator(".approvals")).to_contain_text("Fine for the framework deal")
    no_horizontal_scroll(page)
    shots(page, "quote-approved")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    expect(page.get_by_text("Nothing waiting for you.")).to_be_visible()
    expect(page.locator(".inbox-item.decided", has_text=quote["number"])).to_contain_text(
        "Approved"
    )
    shots(page, "inbox-after")

    # And rita's CRM sees the quote approved with maria's comment
    with httpx.Client(base_url=server, headers=RITA) as api:
        now = api.get(f"/v1/quotes/{quote['id']}").json()
    assert now["status"] == "approved"
    assert [(a["status"], a["comment"]) for a in now["approvals"]] == [
        ("approved", "Fine for the framework deal; keep it at 15%.")
    ]
