"""A field rep configures a bundle on a quote as a person would: picks a product model, makes
choices that close other options (greyed, with the reason in words beside them, no hover
needed), meets an invalid configuration and its error, lets the engine complete it and adds the
bundle, which shows on the quote as a line with its option lines. Phone and desktop, keyboard,
a quote changed elsewhere meanwhile, changing a configured line, axe-core.

Screenshots: build/screenshots/<test>/."""

from __future__ import annotations

import re
import uuid

import httpx
from browsing import (
    DEMO_TOKEN,
    Shots,
    add_product,
    bundle_option,
    log_in,
    no_horizontal_scroll,
    option_reason,
    rep_quote,
    serious_violations,
    unfold,
)
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect


def _updated(page: Page, action: object) -> None:
    """Do ``action`` and wait for the configuration to come back from the server."""
    with page.expect_response(re.compile(r"/configure/")):
        action()  # type: ignore[operator]
    page.wait_for_load_state("networkidle")


def _shot(page: Page, shots: Shots, step: str) -> None:
    """A full-page screenshot scrolled to the end, where the sticky bar sits in its place."""
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    shots(page, step)


def _open_configurator(page: Page, bundle_name: str) -> None:
    page.get_by_role("link", name="Configure a bundle").click()
    expect(page.get_by_role("heading", name="Configure a bundle")).to_be_visible()
    page.get_by_role("link", name=re.compile(re.escape(bundle_name))).click()
    expect(page.get_by_role("heading", name=bundle_name)).to_be_visible()


def test_rep_configures_a_bundle_on_a_phone(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    page = rep_quote(phone, server, "rita", "rheinwerk", "Rheinwerk Chemie AG")
    quote_url = page.url
    add_product(page, "GW-E100", "GW-E100")
    total = page.locator("#quote-total")
    before = total.inner_text()
    _shot(page, shots, "quote-before")

    # Given the configurator of the monitoring starter kit, opened from the quote
    page.get_by_role("link", name="Configure a bundle").click()
    expect(page.get_by_role("link", name=re.compile("Monitoring starter kit"))).to_be_visible()
    no_horizontal_scroll(page)
    _shot(page, shots, "bundles")
    page.get_by_role("link", name=re.compile("Monitoring starter kit")).click()
    expect(page.get_by_role("heading", name="Monitoring starter kit")).to_be_visible()
    expect(page.locator("#cfg-state")).to_contain_text("Ready to add")  # the defaults are valid
    no_horizontal_scroll(page)
    _shot(page, shots, "defaults")

    # Then the bare E100 gateway is closed by the default wireless nodes, and says so in words
    e100 = bundle_option(page, "GW-E100")
    expect(e100).to_be_disabled()
    unfold(e100)
    expect(option_reason(page, "GW-E100")).to_be_visible()
    expect(option_reason(page, "GW-E100")).to_contain_text("the E100 alone has no radio")
    expect(option_reason(page, "GW-E100")).to_contain_text(
        re.compile(r"You chose \d+ \W Wireless temperature node")
    )

    # When she takes both wireless nodes off, the E100 opens, and the sensors need a choice
    _updated(page, lambda: unfold(bundle_option(page, "TS-WL-NODE")).uncheck())
    _updated(page, lambda: bundle_option(page, "VS-WL-NODE").uncheck())
    expect(e100).to_be_enabled()
    expect(page.locator("#cfg-state")).to_contain_text("to fix")
    expect(page.locator("#cfg-problems")).to_contain_text("Sensors")

    # And picks the E100: now the wireless nodes are closed, greyed, with the reason beside them
    _updated(page, lambda: unfold(e100).check())
    expect(e100).to_be_checked()
    for node in ("TS-WL-NODE", "VS-WL-NODE"):
        expect(bundle_option(page, node)).to_be_disabled()
        expect(option_reason(page, node)).to_be_visible()
        expect(option_reason(page, node)).to_contain_text("Wireless nodes report over LoRaWAN")
        expect(option_reason(page, node)).to_contain_text("You chose Edge gateway E100")
    # the gateway bundle's own options went with it
    expect(
        page.get_by_role("group", name=re.compile("Options of Edge gateway bundle"))
    ).to_have_count(0)
    no_horizontal_scroll(page)
    _shot(page, shots, "e100-closes-the-wireless-nodes")

    # When she adds the energy meter without current transformers: an invalid configuration
    _updated(page, lambda: bundle_option(page, "EM-MTR-3PCT").check())
    problems = page.locator("#cfg-problems")
    expect(problems).to_contain_text("A CT-connected energy meter takes three current transformers")
    expect(page.locator("#cfg-state")).to_contain_text("1 to fix")

    # Then adding it to the quote is refused with the error, and nothing is added
    with page.expect_response(re.compile(r"/configure/")) as answer:
        page.get_by_role("button", name="Add to quote").click()
    assert answer.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Not added yet")
    expect(problems).to_contain_text("three current transformers")
    assert page.url.endswith("/configure/MON-STARTER")
    no_horizontal_scroll(page)
    _shot(page, shots, "invalid-not-added")

    # When she lets the engine complete it: three current transformers come in, it is valid
    _updated(page, lambda: page.get_by_role("button", name="Complete for me").click())
    expect(page.locator("#cfg-state")).to_contain_text("Ready to add")
    expect(page.get_by_role("status").filter(has_text="Completed")).to_be_visible()
    chosen_ct = page.locator("input[name='g.current-transformers']:checked")
    expect(chosen_ct).to_have_count(1)
    expect(page.locator("#cfg-total")).to_be_visible()
    _shot(page, shots, "completed")

    # And adds it: back on the quote, the bundle is a line with its options, the total moved
    page.get_by_role("button", name="Add to quote").click()
    page.wait_for_url(quote_url)
    bundle_line = page.locator("#line-2")
    expect(bundle_line.locator(".sku").first).to_have_text("KIT-MON-START")
    options = bundle_line.locator(".options li")
    for sku in ("GW-E100", "EM-MTR-3PCT", "PSU-24-02", "SW-PLT-START"):
        expect(options.filter(has_text=sku)).to_have_count(1)
    expect(options.filter(has_text="EM-CT-")).to_contain_text(re.compile(r"^3 \W"))
    expect(options.filter(has_text="TS-WL-NODE")).to_have_count(0)
    expect(total).not_to_have_text(before)
    no_horizontal_scroll(page)
    _shot(page, shots, "bundle-on-the-quote")


def _height(page: Page) -> int:
    return int(page.evaluate("document.scrollingElement.scrollHeight"))


def _group(page: Page, name: str) -> Locator:
    """A top-level option group (a ``details`` element)."""
    return page.locator("#configure-form > details").filter(
        has=page.locator(":scope > summary .group-name").get_by_text(name, exact=True)
    )


def _summary(page: Page, group: str) -> Locator:
    """The summary a top-level option group folds to."""
    return _group(page, group).locator(":scope > summary")


def _focus_summary(page: Page, group: str) -> Locator:
    """Tab from the back link to the summary of the folded ``group``, as a keyboard user."""
    page.get_by_role("link", name=re.compile("Back to quote")).focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.innerText").startswith(group):
            break
    summary = _summary(page, group)
    expect(summary).to_be_focused()
    return summary


def test_option_groups_fold_to_what_is_chosen_and_open_with_the_keyboard(
    server: str, phone: BrowserContext, browser: Browser, shots: Shots
) -> None:
    page = rep_quote(phone, server, "rita", "rhein", "Rheinwerk")
    _open_configurator(page, "Monitoring starter kit")

    # Given the starter kit on a phone: every group folded to what is chosen and what it adds
    folded = _height(page)
    gateway = _summary(page, "Gateway")
    expect(gateway).to_contain_text("1 \N{MULTIPLICATION SIGN} Edge gateway bundle")
    expect(gateway.locator(".cfg-adds")).to_contain_text("€")
    expect(page.locator("details[open]")).to_have_count(0)
    expect(page.locator(".cfg-bar")).to_be_in_viewport()  # the total and the way to Add
    no_horizontal_scroll(page)
    _shot(page, shots, "folded")
    # the page unfolded is what it was before groups folded: several times longer
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    unfolded = _height(page)
    page.reload()
    assert folded < 3 * 844, f"the folded configurator is {folded} px high"
    assert folded * 3 < unfolded, (folded, unfolded)

    # When the rep opens the sensors with the keyboard and unticks the temperature nodes
    sensors = _focus_summary(page, "Sensors")
    page.keyboard.press("Enter")
    expect(_group(page, "Sensors")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    node = bundle_option(page, "TS-WL-NODE")
    expect(node).to_be_focused()
    total = page.locator("#cfg-total")
    before = total.inner_text()
    adds = sensors.locator(".cfg-adds").inner_text()
    _shot(page, shots, "sensors-opened")
    _updated(page, lambda: page.keyboard.press("Space"))

    # Then the price is updated, the group stays open where she is, its summary follows
    expect(node).not_to_be_checked()
    expect(node).to_be_focused()
    expect(total).not_to_have_text(before)
    expect(page.locator(".cfg-bar-total")).to_have_text(total.inner_text())
    expect(_group(page, "Sensors")).to_have_attribute("open", "")
    expect(sensors).not_to_contain_text("Wireless temperature node")
    expect(sensors).to_contain_text("Wireless vibration node")
    expect(sensors.locator(".cfg-adds")).not_to_have_text(adds)
    expect(page.locator("details[open]")).to_have_count(1)
    _shot(page, shots, "changed-by-keyboard")

    # When she takes the last sensor off and folds the group: it still says what is to fix
    _updated(page, lambda: bundle_option(page, "VS-WL-NODE").press("Space"))
    expect(page.locator("#cfg-state")).to_contain_text("1 to fix")
    _focus_summary(page, "Sensors")
    page.keyboard.press("Enter")
    expect(_group(page, "Sensors")).not_to_have_attribute("open", "")
    expect(sensors.locator(".cfg-to-fix")).to_contain_text("Sensors: choose 1 to 4 (none chosen)")
    no_horizontal_scroll(page)
    _shot(page, shots, "problem-folded")

    # And axe finds nothing serious, folded or open (a context of its own, past the CSP)
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    try:
        axe_page = context.new_page()
        log_in(axe_page, server, "rita")
        axe_page.goto(page.url)
        problems = {"folded": serious_violations(axe_page)}
        _summary(axe_page, "Gateway").click()
        problems["open"] = serious_violations(axe_page)
        assert problems == {"folded": [], "open": []}
    finally:
        context.close()


def test_keyboard_region_closures_and_changing_the_line(
    server: str, desktop: BrowserContext, shots: Shots
) -> None:
    page = rep_quote(desktop, server, "rita")
    _open_configurator(page, "Edge gateway bundle")

    # Every option is a real form control with a label
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('#configure-form input:not([type=hidden])')]"
        ".filter(i => i.labels.length === 0 && !i.classList.contains('cfg-default')).length"
    )
    assert unlabelled == 0

    # Tab from the back link reaches the region's folded group, Enter opens it, and Tab its
    # radio buttons; the arrow keys choose one
    page.get_by_role("link", name=re.compile("Back to quote")).focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.innerText").startswith("Region"):
            break
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "a.region"
    assert page.evaluate("document.activeElement.value") == "EU"
    # US is closed by the E200 LTE (EU bands only): the arrow goes past it to UK
    expect(page.get_by_label("US", exact=True)).to_be_disabled()
    expect(_reason_of_value(page, "US")).to_contain_text("approved for European bands only")
    _updated(page, lambda: page.keyboard.press("ArrowDown"))
    expect(page.get_by_label("UK", exact=True)).to_be_checked()
    expect(page.get_by_label("UK", exact=True)).to_be_focused()  # kept across the update
    _shot(page, shots, "keyboard-region")

    # When the rep switches to the E300 and then to the US, the E200 LTE and the surge
    # protector close with their reasons
    _updated(page, lambda: unfold(bundle_option(page, "GW-E300")).check())
    expect(page.get_by_label("US", exact=True)).to_be_enabled()
    _updated(page, lambda: unfold(page.get_by_label("US", exact=True)).check())
    expect(bundle_option(page, "GW-E200L")).to_be_disabled()
    expect(option_reason(page, "GW-E200L")).to_contain_text("approved for European bands only")
    expect(option_reason(page, "GW-E200L")).to_contain_text("You chose Region: US")
    expect(bundle_option(page, "PSU-SPD-AC")).to_be_disabled()
    expect(option_reason(page, "PSU-SPD-AC")).to_contain_text("US sites run on 120 V")
    _shot(page, shots, "us-closes-options")

    # And a quantity out of bounds is an error at its field
    cordsets = unfold(page.get_by_label(re.compile(r"^Quantity")))
    cordsets.fill("9")
    _updated(page, lambda: cordsets.press("Enter"))
    expect(page.locator(".field-error").first).to_contain_text("1 to 4")
    expect(page.locator("#cfg-state")).to_contain_text("1 to fix")
    cordsets = page.get_by_label(re.compile(r"^Quantity"))
    cordsets.fill("2")
    _updated(page, lambda: cordsets.press("Enter"))
    expect(page.locator("#cfg-state")).to_contain_text("Ready to add")

    # When the quote changes elsewhere meanwhile, adding says so and adds nothing
    quote_id = page.url.split("/quotes/")[1].split("/")[0]
    _change_elsewhere(server, quote_id)
    with page.expect_response(re.compile(r"/configure/")) as answer:
        page.get_by_role("button", name="Add to quote").click()
    assert answer.value.status == 412
    expect(page.get_by_role("alert")).to_contain_text("changed elsewhere")
    _shot(page, shots, "stale")

    # Then adding again (the page now knows the quote as it is) works
    page.get_by_role("button", name="Add to quote").click()
    page.wait_for_url(re.compile(r"/quotes/[0-9a-f-]{36}$"))
    line = page.locator("#line-1")
    expect(line.locator(".sku").first).to_have_text("KIT-GW-EDGE")
    expect(line.locator(".options li").filter(has_text="GW-E300")).to_have_count(1)
    cordsets = line.locator(".options li").filter(has_text="CS-M12D-RJ45-02")
    expect(cordsets).to_contain_text(re.compile(r"^2 \W"))  # in the communication pack
    total = page.locator("#quote-total").inner_text()
    _shot(page, shots, "added")

    # And the configured line can be changed: it opens with its own choices
    page.get_by_role("link", name="Configure a bundle").click()
    page.get_by_role("link", name=re.compile("Line 1: Edge gateway bundle")).click()
    expect(bundle_option(page, "GW-E300")).to_be_checked()
    expect(page.get_by_label("US", exact=True)).to_be_checked()
    _updated(page, lambda: unfold(bundle_option(page, "GW-E300W")).check())
    page.get_by_role("button", name="Update line 1").click()
    page.wait_for_url(re.compile(r"/quotes/[0-9a-f-]{36}$"))
    expect(page.locator(".line")).to_have_count(1)
    skus = line.locator(".options .sku")
    expect(skus.filter(has_text=re.compile(r"^GW-E300W$"))).to_have_count(1)
    expect(skus.filter(has_text=re.compile(r"^GW-E300$"))).to_have_count(0)
    expect(page.locator("#quote-total")).not_to_have_text(total)
    _shot(page, shots, "line-changed")


def test_the_configurator_works_without_javascript(server: str, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, server, "rita")
        page.goto(f"{server}/quotes/{_quote_over_http(server)}")  # the customer search is htmx
        _open_configurator(page, "Onboarding service package")
        expect(page.locator("#cfg-state")).to_contain_text("Ready to add")
        # a plain form post answers the whole page: complete, then add (post/redirect/get)
        page.get_by_role("button", name="Complete for me").click()
        expect(page.get_by_role("status").filter(has_text="Completed")).to_be_visible()
        page.get_by_role("button", name="Add to quote").click()
        page.wait_for_url(re.compile(r"/quotes/[0-9a-f-]{36}$"))
        expect(page.locator("#line-1 .sku").first).to_have_text("KIT-SVC-ONB")
        assert page.locator("#line-1 .options li").count() >= 2
    finally:
        context.close()


def _reason_of_value(page: Page, value: str) -> Locator:
    described = page.get_by_label(value, exact=True).get_attribute("aria-describedby")
    assert described
    return page.locator(f"#{described}")


def _quote_over_http(server: str) -> str:
    """A new quote of rita's, made by her CRM over the API; its id."""
    auth = {"Authorization": f"Bearer {DEMO_TOKEN}", "Idempotency-Key": str(uuid.uuid4())}
    made = httpx.post(f"{server}/v1/quotes", json={"customer": "C-10001"}, headers=auth)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _change_elsewhere(server: str, quote_id: str) -> None:
    """Rita's CRM changes the quote's payment terms over the API (a new revision)."""
    auth = {"Authorization": f"Bearer {DEMO_TOKEN}"}
    with httpx.Client(base_url=server, headers=auth) as http:
        etag = http.get(f"/v1/quotes/{quote_id}").headers["ETag"]
        changed = http.patch(
            f"/v1/quotes/{quote_id}",
            json={"payment_terms": "NET30"},
            headers={"If-Match": etag, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert changed.status_code == 200, changed.text


def test_axe_finds_nothing_serious_on_the_configurator(server: str, browser: Browser) -> None:
    # axe is injected as a script: this context alone lets it past the pages' CSP
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    try:
        page = rep_quote(context, server, "rita", "rhein", "Rheinwerk")
        page.get_by_role("link", name="Configure a bundle").click()
        problems = {"bundles": serious_violations(page)}
        page.get_by_role("link", name=re.compile("Monitoring starter kit")).click()
        expect(bundle_option(page, "GW-E100")).to_be_disabled()
        _updated(
            page, lambda: unfold(bundle_option(page, "EM-MTR-3PCT")).check()
        )  # closed, added, a problem
        expect(page.locator("#cfg-problems")).to_contain_text("current transformers")
        problems["configurator"] = serious_violations(page)
        assert problems == {"bundles": [], "configurator": []}
    finally:
        context.close()
