"""A field rep on a phone builds a quote as a person would: logs in, starts a quote for a
customer, adds two products from the catalog search, changes a quantity, reads a price
waterfall, types a discount and watches the approval it needs, gives a reason and submits.
Every step is screenshotted (build/screenshots/test_rep_builds_and_submits_a_quote/)."""

from __future__ import annotations

import re

from browsing import Shots, log_in, no_horizontal_scroll
from playwright.sync_api import BrowserContext, Page, expect


def _add_product(page: Page, search: str, sku: str) -> None:
    page.get_by_label("Search the catalog").fill(search)
    pick = page.get_by_role("button", name=re.compile(re.escape(sku)))
    pick.click()
    expect(page.locator(".line .sku", has_text=sku)).to_be_visible()


def test_rep_builds_and_submits_a_quote(server: str, phone: BrowserContext, shots: Shots) -> None:
    page = phone.new_page()

    # Given rita, signed out, opening her quotes: the login page, then her (empty) list
    page.goto(f"{server}/quotes")
    expect(page).to_have_url(re.compile(r"/login\?next=/quotes$"))
    shots(page, "login")
    log_in(page, server, "rita")
    expect(page.get_by_role("heading", name="My quotes")).to_be_visible()
    no_horizontal_scroll(page)
    shots(page, "my-quotes")

    # When she starts a quote for a customer found by name
    page.get_by_role("link", name="New quote").first.click()
    page.get_by_label("Customer name or number").fill("rheinwerk")
    customer = page.get_by_role("button", name=re.compile("Rheinwerk Chemie AG"))
    expect(customer).to_be_visible()
    no_horizontal_scroll(page)
    shots(page, "customer-search")
    customer.click()
    expect(page.get_by_role("heading", name="Rheinwerk Chemie AG")).to_be_visible()
    expect(page.locator("#quote-status")).to_have_text("Draft")
    shots(page, "new-quote")

    # And adds two products from the catalog search
    page.get_by_label("Search the catalog").fill("pt100")
    expect(page.get_by_role("button", name=re.compile("TS-PT100-100-M"))).to_be_visible()
    no_horizontal_scroll(page)
    shots(page, "catalog-search")
    page.get_by_role("button", name=re.compile("TS-PT100-100-M")).click()
    expect(page.locator(".line .sku", has_text="TS-PT100-100-M")).to_be_visible()
    _add_product(page, "GW-E100", "GW-E100")
    expect(page.locator(".line")).to_have_count(2)
    no_horizontal_scroll(page)
    shots(page, "two-lines")

    # Then changing a quantity reprices the line and the quote
    total = page.locator("#quote-total")
    before = total.inner_text()
    quantity = page.get_by_label("Quantity").first
    quantity.fill("4")
    quantity.press("Enter")
    expect(total).not_to_have_text(before)
    expect(page.get_by_label("Quantity").first).to_have_value("4")
    expect(page.locator("#line-1 .line-meta")).to_contain_text("4 each")
    shots(page, "quantity-changed")

    # And the line's price waterfall shows the list price, each step and the net price
    line = page.locator("#line-1")
    line.get_by_text("Price waterfall").click()
    waterfall = line.locator(".waterfall table")
    expect(waterfall).to_be_visible()
    expect(waterfall.get_by_role("rowheader", name="List price")).to_be_visible()
    expect(waterfall.get_by_role("rowheader", name="Net unit price")).to_be_visible()
    no_horizontal_scroll(page)
    shots(page, "waterfall")

    # When she types a discount, the approval it needs shows as she types
    line.get_by_text("Discount", exact=True).click()
    discount = page.get_by_label("Discount %").first
    preview = page.locator("#preview-1")
    discount.fill("2")
    expect(preview).to_contain_text("No approval needed")
    expect(preview).to_contain_text(re.compile(r"up to [\d.]+% needs none"))
    shots(page, "discount-within-policy")
    discount.fill("15")
    expect(preview).to_contain_text(
        re.compile(r"Needs .*manager approval; up to [\d.]+% needs none")
    )
    no_horizontal_scroll(page)
    shots(page, "discount-needs-approval")

    # And saves it with a reason: the line shows the discount, the total drops
    before = total.inner_text()
    page.get_by_label("Reason for the discount").first.fill("Competitor offer, framework deal")
    line.get_by_role("button", name="Save discount").click()
    expect(page.locator("#line-1 .chip")).to_contain_text("15%")
    expect(total).not_to_have_text(before)
    shots(page, "discount-saved")

    # Then submitting sends it for approval
    page.get_by_role("button", name="Submit quote").click()
    expect(page.locator("#quote-status")).to_have_text("Pending approval")
    expect(page.get_by_role("heading", name="Approvals")).to_be_visible()
    expect(page.locator(".approvals")).to_contain_text("Maria")
    no_horizontal_scroll(page)
    shots(page, "submitted")

    # And her list shows it, pending
    page.get_by_role("navigation").get_by_role("link", name="My quotes").click()
    expect(page.locator(".quote-item")).to_have_count(1)
    expect(page.locator(".quote-item .badge")).to_have_text("Pending approval")
    shots(page, "my-quotes-after")
