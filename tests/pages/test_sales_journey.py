"""The whole sale on phones, all through the pages: rita builds a quote with a product from the
catalog and a configured bundle, gives a discount that needs approval and submits; maria
approves it from her inbox; rita downloads the PDF, which is the clean approved document.
Every step is screenshotted
(build/screenshots/test_a_rep_sells_a_configured_bundle_and_a_manager_approves_it/)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from browsing import (
    Shots,
    bundle_option,
    log_in,
    no_horizontal_scroll,
    option_reason,
    unfold,
)
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, PdfObject

BUNDLE = "Monitoring starter kit"
BUNDLE_SKU = "KIT-MON-START"
PRODUCT_SKU = "TS-PT100-100-M"


def _answered(page: Page, action: Callable[[], None]) -> None:
    """Do ``action`` on the configurator and wait for the server's answer to it."""
    with page.expect_response(re.compile(r"/configure/")):
        action()


def _download_pdf(page: Page, folder: Path) -> PdfReader:
    """Tap "Download PDF" on the quote page, keep the file in ``folder``, read it back."""
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    folder.mkdir()
    saved = folder / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-"), f"{saved.name} is not a PDF"
    return PdfReader(saved)


def _text(pdf: PdfReader) -> str:
    return "\n".join(pdf_page.extract_text() for pdf_page in pdf.pages)


def _dictionary(value: object) -> DictionaryObject:
    """A PDF dictionary, through its indirect reference if it is one."""
    found = value.get_object() if isinstance(value, PdfObject) else value
    assert isinstance(found, DictionaryObject), f"not a PDF dictionary: {found!r}"
    return found


def _fonts(pdf: PdfReader) -> set[tuple[str, bool]]:
    """Every font of every page: its /BaseFont name and whether its program is embedded."""
    found = set()
    for pdf_page in pdf.pages:
        resources = _dictionary(pdf_page["/Resources"])
        fonts = _dictionary(resources["/Font"]) if "/Font" in resources else DictionaryObject()
        for ref in fonts.values():
            font = _dictionary(ref)
            described = font
            if "/DescendantFonts" in font:  # a composite (Type0) font: its CID font describes it
                descendants = font["/DescendantFonts"].get_object()
                assert isinstance(descendants, ArrayObject)
                described = _dictionary(descendants[0])
            descriptor = (
                _dictionary(described["/FontDescriptor"])
                if "/FontDescriptor" in described
                else DictionaryObject()
            )
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.add((str(font["/BaseFont"]), embedded))
    return found


def test_a_rep_sells_a_configured_bundle_and_a_manager_approves_it(
    server: str, phone: BrowserContext, other_phone: BrowserContext, shots: Shots, tmp_path: Path
) -> None:
    rita = phone.new_page()

    # 1. rita logs in and starts a quote for a customer she finds by name
    log_in(rita, server, "rita")
    no_horizontal_scroll(rita)
    shots(rita, "rita-signed-in")
    rita.get_by_role("navigation", name="Main").get_by_role("link", name="New quote").click()
    rita.get_by_label("Customer name or number").fill("rheinwerk")
    customer = rita.get_by_role("button", name=re.compile("Rheinwerk Chemie AG"))
    expect(customer).to_be_visible()
    no_horizontal_scroll(rita)
    shots(rita, "customer-search")
    customer.click()
    expect(rita.get_by_role("heading", name="Rheinwerk Chemie AG")).to_be_visible()
    expect(rita.locator("#quote-status")).to_have_text("Draft")
    quote_url = rita.url
    number = re.search(r"Q-\d+", rita.locator(".eyebrow").inner_text())
    assert number, "the quote page shows no quote number"
    quote_number = number.group()
    no_horizontal_scroll(rita)
    shots(rita, "new-quote")

    # 2. she adds a product found by a catalog search
    rita.get_by_label("Search the catalog").fill("pt100")
    pick = rita.get_by_role("button", name=re.compile(PRODUCT_SKU))
    expect(pick).to_be_visible()
    no_horizontal_scroll(rita)
    shots(rita, "catalog-search")
    pick.click()
    product_line = rita.locator(".line").filter(
        has=rita.locator(".line-name .sku", has_text=PRODUCT_SKU)
    )
    expect(product_line).to_have_count(1)
    no_horizontal_scroll(rita)
    shots(rita, "product-added")

    # 3. she configures a bundle from the quote page
    rita.get_by_role("link", name="Configure a bundle").click()
    bundle_pick = rita.get_by_role("link", name=re.compile(BUNDLE))
    expect(bundle_pick).to_be_visible()
    no_horizontal_scroll(rita)
    shots(rita, "bundles")
    bundle_pick.click()
    expect(rita.get_by_role("heading", name=BUNDLE)).to_be_visible()
    expect(rita.locator("#cfg-state")).to_contain_text("Ready to add")
    no_horizontal_scroll(rita)
    shots(rita, "bundle-defaults")
    # she takes the wireless nodes off and picks the bare E100 gateway...
    chosen = rita.locator("#summary-heading .hint")
    before = chosen.inner_text()
    _answered(rita, lambda: unfold(bundle_option(rita, "TS-WL-NODE")).uncheck())
    expect(chosen).not_to_have_text(before)
    _answered(rita, lambda: bundle_option(rita, "VS-WL-NODE").uncheck())
    e100 = bundle_option(rita, "GW-E100")
    expect(e100).to_be_enabled()
    _answered(rita, lambda: unfold(e100).check())
    expect(e100).to_be_checked()
    # ...which closes the wireless nodes, greyed, with the reason in words beside them
    for node in ("TS-WL-NODE", "VS-WL-NODE"):
        expect(bundle_option(rita, node)).to_be_disabled()
        reason = option_reason(rita, node)
        expect(reason).to_be_visible()
        expect(reason).to_contain_text("Wireless nodes report over LoRaWAN")
        expect(reason).to_contain_text("You chose Edge gateway E100")
    no_horizontal_scroll(rita)
    shots(rita, "choice-closes-options")
    # the engine completes the rest, and she adds it to the quote
    _answered(rita, lambda: rita.get_by_role("button", name="Complete for me").click())
    expect(rita.locator("#cfg-state")).to_contain_text("Ready to add")
    expect(rita.get_by_role("status").filter(has_text="Completed")).to_be_visible()
    no_horizontal_scroll(rita)
    shots(rita, "bundle-completed")
    rita.get_by_role("button", name="Add to quote").click()
    rita.wait_for_url(quote_url)
    bundle_line = rita.locator(".line").filter(
        has=rita.locator(".line-name .sku", has_text=BUNDLE_SKU)
    )
    expect(bundle_line).to_have_count(1)
    options = bundle_line.locator(".options li")
    expect(options.filter(has_text="GW-E100")).to_have_count(1)
    expect(options.filter(has_text="SW-PLT-START")).to_have_count(1)
    expect(options.filter(has_text="TS-WL-NODE")).to_have_count(0)
    expect(rita.locator(".line")).to_have_count(2)
    no_horizontal_scroll(rita)
    shots(rita, "bundle-on-the-quote")

    # 4. a discount on the product: the approval it needs shows as she types
    product_line.get_by_text("Discount", exact=True).click()
    discount = product_line.get_by_label("Discount %")
    preview = product_line.locator(".preview")
    # with a bundle on the quote, any rep discount needs a manager: 0% is the most without one
    discount.fill("0")
    expect(preview).to_contain_text("No approval needed")
    shots(rita, "discount-within-policy")
    discount.fill("15")
    expect(preview).to_contain_text(re.compile(r"Needs .*manager approval"))
    expect(preview).to_contain_text("kit or package")
    no_horizontal_scroll(rita)
    shots(rita, "discount-needs-approval")
    total = rita.locator("#quote-total")
    before = total.inner_text()
    product_line.get_by_label("Reason for the discount").fill("Competitor offer, framework deal")
    product_line.get_by_role("button", name="Save discount").click()
    expect(product_line.locator(".chip")).to_contain_text("15%")
    expect(total).not_to_have_text(before)
    no_horizontal_scroll(rita)
    shots(rita, "discount-saved")

    # 5. she submits: the quote waits for approval
    rita.get_by_role("button", name="Submit quote").click()
    expect(rita.locator("#quote-status")).to_have_text("Pending approval")
    expect(rita.locator(".approvals")).to_contain_text("Maria")
    no_horizontal_scroll(rita)
    shots(rita, "submitted")
    # while it waits, its PDF says it is a draft
    assert "DRAFT" in _text(_download_pdf(rita, tmp_path / "pending"))

    # 6. maria, on her phone, finds it in her approvals with its deadline and approves it
    maria = other_phone.new_page()
    log_in(maria, server, "maria")
    maria.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    expect(maria.get_by_role("heading", name=re.compile("Waiting for you"))).to_be_visible()
    item = maria.locator(".inbox-item", has_text=quote_number)
    expect(item).to_contain_text("Rheinwerk Chemie AG")
    expect(item).to_contain_text("Rita Rep")
    expect(item.locator(".sla")).to_have_text(re.compile(r"^Due in \d+ h( \d+ min)?$"))
    no_horizontal_scroll(maria)
    shots(maria, "maria-inbox")
    item.click()
    expect(maria.get_by_role("heading", name="Rheinwerk Chemie AG")).to_be_visible()
    expect(maria.locator("#approval-status")).to_have_text("Pending")
    triggered = maria.locator(".line-triggered")
    expect(triggered).to_have_count(1)
    expect(triggered).to_contain_text(PRODUCT_SKU)
    expect(triggered).to_contain_text("\N{MINUS SIGN}15% rep discount")
    expect(triggered).to_contain_text("Triggered approval")
    expect(triggered).to_contain_text("Competitor offer, framework deal")
    expect(maria.locator("#margin")).to_have_text(re.compile(r"^\d+(\.\d+)?%$"))
    # The bundle is shown whole: its total, and the options the rep configured
    bundle = maria.locator(".line").filter(has_text=BUNDLE_SKU)
    expect(bundle.locator(".bundle-split")).to_contain_text("+ options")
    expect(bundle.locator(".options li").filter(has_text="GW-E100")).to_have_count(1)
    expect(maria.locator("#sla")).to_contain_text("Due in")
    no_horizontal_scroll(maria)
    shots(maria, "maria-approval")
    maria.get_by_label("Comment").fill("Fine for the framework deal.")
    maria.get_by_role("button", name="Approve").click()
    expect(maria.get_by_role("heading", name="Approved by Maria Manager")).to_be_visible()
    expect(maria.locator("#quote-status")).to_have_text("Approved")
    no_horizontal_scroll(maria)
    shots(maria, "maria-approved")

    # 7. rita's quote is approved; the PDF is the clean document, in the quote's own fonts
    rita.reload()
    expect(rita.locator("#quote-status")).to_have_text("Approved")
    expect(rita.locator(".approvals")).to_contain_text("Fine for the framework deal.")
    no_horizontal_scroll(rita)
    shots(rita, "rita-approved")
    pdf = _download_pdf(rita, tmp_path / "approved")
    assert len(pdf.pages) >= 1
    text = _text(pdf)
    assert quote_number in text
    assert BUNDLE_SKU in text
    assert "DRAFT" not in text
    fonts = _fonts(pdf)
    assert fonts, "the PDF has no fonts"
    # subset-prefixed names; WeasyPrint names a font by its family: "/ABCDEF+Quote-Sans-Bold"
    assert all(
        re.fullmatch(r"/[A-Z]{6}\+Quote-?Sans(-\w+)?", name) and embedded
        for name, embedded in fonts
    ), fonts
