"""A quote discount on the quote page at a phone's size: typed with the keyboard, the approval
it would need shows while typing; saved, the totals and the price waterfall show and explain it;
removed, they are as before. Without JavaScript the plain form does the same; a stale page is
refused; axe-core finds nothing serious."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from browsing import (
    Shots,
    add_product,
    log_in,
    no_horizontal_scroll,
    rep_quote,
    serious_violations,
)
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def euros(text: str) -> Decimal:
    """``€1,234.50`` or ``-€12.00`` (en-US) as a Decimal."""
    return Decimal(re.sub(r"[^0-9.-]", "", text.replace("\N{MINUS SIGN}", "-")))


def total(page: Page) -> Decimal:
    return euros(page.locator("#quote-total").inner_text())


def quote_discount_field(page: Page) -> Locator:
    return page.get_by_label("Quote discount (%)")


def test_a_rep_gives_a_quote_discount_on_her_phone(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    # Given a draft quote for one gateway, at list price
    page = rep_quote(phone, server, "rita")
    add_product(page, "GW-E100", "GW-E100")
    before = total(page)
    expect(page.locator(".quote-adjustment")).to_have_count(0)

    # When she opens the quote discount with the keyboard and types 3
    page.locator(".quote-discount summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(quote_discount_field(page)).to_be_focused()
    page.keyboard.type("3")
    preview = page.locator("#quote-preview")
    # Then the preview says no approval is needed, and how far she could go without one
    # (the policy allows 5% off the quote; rounding the discount to cents takes a hundredth)
    expect(preview).to_have_text("No approval needed; up to 4.99% needs none.")
    no_horizontal_scroll(page)
    shots(page, "quote-discount-within-policy")

    # When she makes it 8: it needs the manager, and says why
    page.keyboard.press("Backspace")
    page.keyboard.type("8")
    expect(preview).to_contain_text("Needs sales manager approval; up to 4.99% needs none.")
    expect(preview).to_contain_text("The rep's discounts take more than 5% off the quote.")
    shots(page, "quote-discount-needs-approval")
    assert total(page) == before  # only previewed: nothing saved yet

    # And gives the approver her reason, and saves it with Enter: the totals show the discount
    # and why, the total drops by 8%
    page.keyboard.press("Tab")
    expect(page.get_by_label("Reason for the quote discount")).to_be_focused()
    page.keyboard.type("Renewal of the framework deal")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Quote discount saved.")
    off = (before * Decimal("0.08")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    expect(page.locator("#quote-total")).not_to_have_text(f"€{before:,.2f}")
    assert total(page) == before - off
    adjustment = page.locator(".quote-adjustment")
    expect(adjustment).to_contain_text("Quote discount")
    expect(adjustment).to_contain_text(
        "8% off the quote by the rep (Renewal of the framework deal)"
    )
    assert euros(adjustment.locator("dd").inner_text()) == -off
    assert euros(page.locator("#totals-lines").inner_text()) == before
    expect(page.locator(".quote-discount summary")).to_have_text(
        "Quote discount: 8% · Renewal of the framework deal"
    )
    expect(quote_discount_field(page)).to_have_value("8")

    # And the line's price waterfall shows its share, down to the line's amount
    page.locator("#line-1 .waterfall summary").click()
    share = page.locator("#line-1 .quote-share")
    expect(share).to_contain_text("Quote discount, this line's share")
    assert euros(share.locator("td").first.inner_text()) == -off
    no_horizontal_scroll(page)
    shots(page, "quote-discount-saved")

    # When she empties it and saves: the discount is gone, the total is as before
    quote_discount_field(page).fill("")
    page.get_by_role("button", name="Save quote discount").click()
    expect(page.get_by_role("status")).to_have_text("Quote discount removed.")
    expect(page.locator(".quote-adjustment")).to_have_count(0)
    assert total(page) == before
    expect(page.locator(".quote-discount summary")).to_have_text("Quote discount")
    shots(page, "quote-discount-removed")


def test_the_quote_discount_form_works_without_javascript(
    server: str, browser: Browser, shots: Shots
) -> None:
    context = browser.new_context(**PHONE, java_script_enabled=False)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        log_in(page, server, "raj")
        page.goto(f"{server}/quotes/new?q=C-10003")  # no script: the search is a plain form
        page.get_by_role("button", name=re.compile("Van Loon")).click()
        page.wait_for_url(re.compile(r"/quotes/[0-9a-f-]{36}$"))
        url = page.url
        page.goto(f"{url}/catalog?q=GW-E100")
        page.get_by_role("button", name=re.compile("GW-E100")).click()
        page.wait_for_url(url)
        before = total(page)

        page.locator(".quote-discount summary").click()
        quote_discount_field(page).fill("2,5")  # as typed on a phone with a decimal comma
        page.get_by_role("button", name="Save quote discount").click()

        page.wait_for_url(url)  # post, redirect, get
        off = (before * Decimal("0.025")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert total(page) == before - off
        expect(page.locator(".quote-adjustment")).to_contain_text("2.5% off the quote by the rep")
        shots(page, "no-script-saved")

        quote_discount_field(page).fill("101")
        page.get_by_role("button", name="Save quote discount").click()
        expect(page.get_by_role("alert")).to_contain_text("a discount is a percent from 0 to 100")
        assert total(page) == before - off
    finally:
        context.close()


def test_a_stale_page_does_not_save_its_quote_discount(
    server: str, phone: BrowserContext, other_phone: BrowserContext, shots: Shots
) -> None:
    first = rep_quote(phone, server, "raj", "C-10003", "Van Loon")
    url = first.url
    add_product(first, "GW-E100", "GW-E100")
    second = other_phone.new_page()
    log_in(second, server, "raj")
    second.goto(url)

    first.get_by_label("Quantity").fill("2")
    first.get_by_label("Quantity").press("Enter")
    expect(first.locator("#line-1 .line-meta")).to_contain_text("2 each")

    second.locator(".quote-discount summary").click()
    quote_discount_field(second).fill("4")
    expect(second.locator("#quote-preview")).to_contain_text("changed elsewhere")
    second.get_by_role("button", name="Save quote discount").click()
    expect(second.get_by_role("alert")).to_contain_text("your change was not saved")
    expect(second.get_by_label("Quantity")).to_have_value("2")  # the quote as it is now
    expect(second.locator(".quote-adjustment")).to_have_count(0)
    shots(second, "stale-quote-discount-refused")


def test_axe_finds_nothing_serious_with_a_quote_discount(server: str, browser: Browser) -> None:
    # axe is injected as a script: this context alone lets it past the pages' CSP
    context = browser.new_context(**PHONE, bypass_csp=True)  # type: ignore[arg-type]
    try:
        page = rep_quote(context, server, "rita")
        add_product(page, "GW-E100", "GW-E100")
        page.locator(".quote-discount summary").click()
        quote_discount_field(page).fill("6")
        page.get_by_role("button", name="Save quote discount").click()
        expect(page.locator(".quote-adjustment")).to_have_count(1)
        quote_discount_field(page).fill("30")
        expect(page.locator("#quote-preview")).to_contain_text("approval")
        page.locator("#line-1 .waterfall summary").click()
        assert serious_violations(page) == []
    finally:
        context.close()
