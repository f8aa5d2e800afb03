"""Helpers of the page tests: sign in as a person would, and layout checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, Locator, Page

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo-password-1"  # the demo team's (docs/access.md)
DEMO_TOKEN = "cpq_demorita_demo-token-for-local-use-only-never-in-prod"  # acts for rita

Shots = Callable[[Page, str], Path]
AXE = Path(__file__).parent / "axe.min.js"  # axe-core, test-only (axe.LICENSE.txt)


def log_in(page: Page, server: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/(quotes|approvals)"))  # a rep's home, or an approver's


def no_horizontal_scroll(page: Page, width: int = 390) -> None:
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width} px > {width} px"


def start_quote(page: Page, server: str, search: str, customer: str) -> str:
    """From the new-quote page, a quote for the customer found by ``search``; its URL."""
    page.goto(f"{server}/quotes/new")
    page.get_by_label("Customer name or number").fill(search)
    page.get_by_role("button", name=re.compile(re.escape(customer))).click()
    page.wait_for_url(re.compile(r"/quotes/[0-9a-f-]{36}$"))
    return page.url


def add_product(page: Page, search: str, sku: str) -> None:
    """Search the catalog on the quote page and tap the product ``sku``."""
    page.get_by_label("Search the catalog").fill(search)
    page.get_by_role("button", name=re.compile(re.escape(sku))).click()
    page.locator(".line .sku", has_text=sku).wait_for()


def unfold(control: Locator) -> Locator:
    """Open the folded option groups around a configurator's ``control`` as a person would, by
    tapping their summaries (the outermost first); ``control``."""
    folded = control.locator("xpath=ancestor::details[not(@open)]/summary")
    for _ in range(folded.count()):
        folded.first.click()  # that group opens: the next folded one is now the first
    return control


def serious_violations(page: Page) -> list[str]:
    """What axe-core finds serious or critical on the page, described. The page's context must
    bypass the pages' CSP: axe is injected as a script."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def form_session(client: httpx.Client, username: str, page: str = "/quotes") -> str:
    """Log ``client`` in through the login form, as a browser would; the CSRF token that the
    forms of ``page`` carry."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    answer = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found
    return found.group(1)


def rep_quote(
    context: BrowserContext,
    server: str,
    rep: str,
    search: str = "C-10001",
    customer: str = "Rheinwerk",
) -> Page:
    """A new page of ``context`` where ``rep`` has logged in and started a quote for the
    customer found by ``search``: the quote page."""
    page = context.new_page()
    log_in(page, server, rep)
    start_quote(page, server, search, customer)
    return page


def bundle_option(page: Page, sku: str) -> Locator:
    """A bundle option's form control, found by its label (the item's name and SKU)."""
    return page.get_by_label(re.compile(rf"\b{re.escape(sku)}\b"), exact=False)


def option_reason(page: Page, sku: str) -> Locator:
    """The reason shown beside an option (its ``aria-describedby``)."""
    described = bundle_option(page, sku).get_attribute("aria-describedby")
    assert described, f"{sku} has no reason beside it"
    return page.locator(f"#{described}")
