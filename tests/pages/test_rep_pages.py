"""The rep's pages beyond the happy path: a phone-sized layout everywhere, a stale form that
must not overwrite, keyboard use, revising an approved quote and its PDF, and axe-core."""

from __future__ import annotations

import re
from pathlib import Path

from browsing import (
    PASSWORD,
    Shots,
    add_product,
    log_in,
    no_horizontal_scroll,
    rep_quote,
    serious_violations,
    start_quote,
)
from playwright.sync_api import Browser, BrowserContext, expect


def test_every_rep_page_fits_a_390px_phone(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    page = phone.new_page()
    page.goto(f"{server}/login")
    no_horizontal_scroll(page)
    log_in(page, server, "raj")
    no_horizontal_scroll(page)
    page.goto(f"{server}/quotes/new?q=e")  # many customers, long names
    no_horizontal_scroll(page)
    shots(page, "customers")
    start_quote(page, server, "Nordhafen", "Nordhafen Port Authority")
    add_product(page, "TS-PT100-150-A", "TS-PT100-150-A")
    add_product(page, "GW-E100", "GW-E100")
    page.get_by_label("Search the catalog").fill("a")
    page.locator("#catalog-results .pick").first.wait_for()
    for summary in page.locator(".line summary").all():
        summary.click()
    no_horizontal_scroll(page)
    shots(page, "quote-everything-open")
    page.goto(f"{server}/quotes")
    no_horizontal_scroll(page)
    shots(page, "my-quotes")


def test_a_stale_page_does_not_overwrite_a_newer_change(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    first = rep_quote(phone, server, "raj", "C-10003", "Van Loon")
    url = first.url
    add_product(first, "GW-E100", "GW-E100")
    second = phone.new_page()  # the same rep, the same quote, in another tab
    second.goto(url)

    quantity = first.get_by_label("Quantity")
    quantity.fill("3")
    quantity.press("Enter")
    expect(first.locator("#line-1 .line-meta")).to_contain_text("3 each")

    stale = second.get_by_label("Quantity")
    stale.fill("7")
    stale.press("Enter")
    expect(second.get_by_role("alert")).to_contain_text("your change was not saved")
    expect(second.get_by_label("Quantity")).to_have_value("3")  # what is saved, shown again
    shots(second, "stale-refused")
    second.reload()
    expect(second.get_by_label("Quantity")).to_have_value("3")

    # the discount preview of a stale page says so too, instead of judging old figures
    first.get_by_label("Quantity").fill("4")
    first.get_by_label("Quantity").press("Enter")
    expect(first.locator("#line-1 .line-meta")).to_contain_text("4 each")
    second.locator("#line-1").get_by_text("Discount", exact=True).click()
    second.get_by_label("Discount %").fill("12")
    expect(second.locator("#preview-1")).to_contain_text("changed elsewhere")


def test_the_axe_check_can_fail(browser: Browser) -> None:
    page = browser.new_page()
    try:
        page.set_content('<html lang="en"><title>t</title><main><input type="text"></main></html>')
        assert any(problem.startswith("label (critical)") for problem in serious_violations(page))
    finally:
        page.close()


def test_a_rep_works_the_pages_with_the_keyboard(
    server: str, desktop: BrowserContext, shots: Shots
) -> None:
    page = desktop.new_page()
    page.goto(f"{server}/login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("raj")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My quotes")).to_be_visible()
    start_quote(page, server, "Scandia", "Scandia Timber Oy")
    page.get_by_label("Search the catalog").focus()
    page.keyboard.type("GW-E100")
    pick = page.get_by_role("button", name=re.compile("GW-E100"))
    pick.wait_for()
    pick.focus()
    page.keyboard.press("Enter")
    waterfall = page.locator("#line-1 .waterfall summary")
    waterfall.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#line-1 .waterfall table")).to_be_visible()
    shots(page, "desktop-quote")


def test_an_approved_quote_gives_its_pdf_and_is_revised(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    page = rep_quote(phone, server, "raj")
    add_product(page, "GW-E100", "GW-E100")
    page.get_by_role("button", name="Submit quote").click()  # no discount: approved at once
    expect(page.locator("#quote-status")).to_have_text("Approved")
    expect(page.get_by_label("Quantity")).to_have_count(0)  # approved: no editing
    # the next step is sending the PDF: that is the one primary button; revising is secondary
    expect(page.locator(".actions .primary")).to_have_count(1)
    expect(page.get_by_role("link", name="Download PDF")).to_have_class(re.compile(r"\bprimary\b"))
    expect(page.get_by_role("button", name="Revise (new version)")).not_to_have_class(
        re.compile(r"\bprimary\b")
    )
    no_horizontal_scroll(page)
    shots(page, "approved")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = Path(download.value.path())
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert re.fullmatch(r"Q-\d{6}-v1-en\.pdf", download.value.suggested_filename)

    page.get_by_role("link", name="Preview document").click()
    expect(page.get_by_text(re.compile(r"Q-\d{6}")).first).to_be_visible()
    assert "DRAFT" not in page.content()  # approved: a clean document
    page.go_back()

    page.get_by_role("button", name="Revise (new version)").click()
    expect(page.locator("#quote-status")).to_have_text("Draft")
    expect(page.locator(".eyebrow")).to_contain_text("version 2")
    expect(page.get_by_label("Quantity")).to_have_value("1")
    expect(page.locator(".actions .primary")).to_have_text("Submit quote")  # a draft again
    shots(page, "revised")


def test_axe_finds_nothing_serious(server: str, browser: Browser) -> None:
    # axe is injected as a script: this context alone lets it past the pages' CSP
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{server}/login")
        problems = {"login": serious_violations(page)}
        log_in(page, server, "raj")
        problems["my quotes"] = serious_violations(page)
        page.goto(f"{server}/quotes/new?q=rhein")
        problems["new quote"] = serious_violations(page)
        start_quote(page, server, "rhein", "Rheinwerk")
        add_product(page, "GW-E100", "GW-E100")
        page.locator("#line-1").get_by_text("Discount", exact=True).click()
        page.get_by_label("Discount %").fill("15")
        expect(page.locator("#preview-1")).to_contain_text("approval")
        page.locator("#line-1 .waterfall summary").click()
        problems["quote"] = serious_violations(page)
        assert problems == {"login": [], "my quotes": [], "new quote": [], "quote": []}
    finally:
        context.close()
