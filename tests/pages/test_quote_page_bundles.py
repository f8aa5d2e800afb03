"""Bundles on the quote page: a configurable bundle found in the catalog search opens its
configurator (never a bare kit line); a configured line shows the bundle total (the kit plus
every option, nested bundles' too) with the kit's own price as part of it, its options indented
by depth, and a "Change options" link back to the configurator. The figures are checked against
the API's pricing of the same quote.

Screenshots: build/screenshots/<test>/."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import httpx
from browsing import (
    DEMO_TOKEN,
    Shots,
    add_product,
    bundle_option,
    no_horizontal_scroll,
    rep_quote,
    serious_violations,
    unfold,
)
from playwright.sync_api import Browser, BrowserContext, Page, expect

from cpq.web.quote_page import line_views
from cpq.web.render import money


def _updated(page: Page, action: Any) -> None:
    with page.expect_response(re.compile(r"/configure/")):
        action()
    page.wait_for_load_state("networkidle")


def _priced(server: str, quote_id: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{server}/v1/quotes/{quote_id}", headers={"Authorization": f"Bearer {DEMO_TOKEN}"}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _under(lines: Sequence[Mapping[str, Any]], line_id: str) -> list[Mapping[str, Any]]:
    """The priced lines under ``line_id`` at every depth, in the API's order."""
    found: list[Mapping[str, Any]] = []
    parents = {line_id}
    for line in lines:  # options come after the line they belong to
        if line.get("parent_line_id") in parents:
            found.append(line)
            parents.add(line["line_id"])
    return found


def _depth(lines: Sequence[Mapping[str, Any]], line: Mapping[str, Any]) -> int:
    by_id = {ln["line_id"]: ln for ln in lines}
    depth = 0
    while line.get("parent_line_id") is not None:
        line = by_id[line["parent_line_id"]]
        depth += 1
    return depth


def _check_figures(page: Page, server: str, quote_id: str, line_id: str) -> list[Any]:
    """The bundle line's total, kit price, options and the quote total as the API prices them;
    the priced options under the line."""
    view = _priced(server, quote_id)
    pricing = view["pricing"]
    currency, locale = view["currency"], view.get("locale")
    lines = pricing["lines"]
    kit = next(ln for ln in lines if ln["line_id"] == line_id)
    options = _under(lines, line_id)
    assert options, "a configured bundle has options"
    kit_amount = Decimal(kit["final_amount"])
    options_amount = sum((Decimal(ln["final_amount"]) for ln in options), Decimal(0))
    expect(page.locator(f"#line-total-{line_id}")).to_have_text(
        money(kit_amount + options_amount, currency, locale)
    )
    expect(page.locator(f"#line-kit-{line_id}")).to_have_text(money(kit_amount, currency, locale))
    expect(page.locator(f"#line-options-{line_id}")).to_have_text(
        money(options_amount, currency, locale)
    )
    expect(page.locator("#quote-total")).to_have_text(
        money(pricing["totals"]["total"], currency, locale)
    )
    rows = page.locator(f"#line-{line_id} .options li")
    expect(rows).to_have_count(len(options))
    for option in options:
        row = page.locator(f"[id='opt-{option['line_id']}']")
        expect(row).to_contain_text(option["sku"])
        expect(row.locator(".amount")).to_have_text(money(option["final_amount"], currency, locale))
        expect(row).to_have_class(f"opt-depth-{_depth(lines, option)}")
    return options


def test_a_bundle_found_in_the_catalog_opens_its_configurator(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    page = rep_quote(phone, server, "rita", "rheinwerk", "Rheinwerk Chemie AG")
    url = page.url
    quote_id = url.rsplit("/", 1)[1]

    # A plain product is still a button that adds it
    page.get_by_label("Search the catalog").fill("GW-E100")
    expect(page.get_by_role("button", name=re.compile("GW-E100"))).to_contain_text("Add")

    # The gateway kits are bundles: links to their configurators, nothing to add bare
    page.get_by_label("Search the catalog").fill("KIT-GW")
    results = page.locator("#catalog-results")
    edge = results.get_by_role("link", name=re.compile("KIT-GW-EDGE"))
    expect(edge).to_contain_text("Configure")
    expect(edge).to_have_attribute("href", f"/quotes/{quote_id}/configure/GW-BUNDLE")
    comm = results.get_by_role("link", name=re.compile("KIT-GW-COMM"))
    expect(comm).to_have_attribute("href", f"/quotes/{quote_id}/configure/COMM-PACK")
    expect(results.get_by_role("button")).to_have_count(0)
    no_horizontal_scroll(page)
    shots(page, "bundles-in-the-search")

    # Tapping one opens its configurator; the quote got no bare kit line
    page.get_by_label("Search the catalog").fill("starter kit")
    results.get_by_role("link", name=re.compile("KIT-MON-START")).click()
    page.wait_for_url(f"{server}/quotes/{quote_id}/configure/MON-STARTER")
    expect(page.get_by_role("heading", name="Monitoring starter kit")).to_be_visible()
    assert _priced(server, quote_id)["lines"] == []


def test_a_configured_bundle_shows_its_total_and_nested_options(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    page = rep_quote(phone, server, "rita", "rheinwerk", "Rheinwerk Chemie AG")
    url = page.url
    quote_id = url.rsplit("/", 1)[1]
    add_product(page, "GW-E100", "GW-E100")  # line 1: a plain product

    # Given the monitoring starter kit with its defaults (a gateway bundle with a
    # communication pack in it: three levels), added from the catalog search
    page.get_by_label("Search the catalog").fill("starter kit")
    page.locator("#catalog-results").get_by_role("link", name=re.compile("KIT-MON-START")).click()
    expect(page.locator("#cfg-state")).to_contain_text("Ready to add")
    page.get_by_role("button", name="Add to quote").click()
    page.wait_for_url(url)

    # Then the bundle line's amount is the bundle total, the kit's price part of it, and its
    # options are listed at their depth, as the API prices them
    options = _check_figures(page, server, quote_id, "2")
    pricing = _priced(server, quote_id)["pricing"]["lines"]
    assert {_depth(pricing, o) for o in options} == {1, 2, 3}
    expect(page.locator("#line-2 .options li.opt-depth-3").first).to_contain_text("RF-ANT-LTE")
    depth = {
        d: page.locator(f"#line-2 .options li.opt-depth-{d}").first.bounding_box()
        for d in (1, 2, 3)
    }
    assert depth[1] and depth[2] and depth[3]
    assert depth[1]["x"] < depth[2]["x"] < depth[3]["x"]  # indented by depth
    # a plain line: its own amount, no split, nothing to configure
    plain = next(ln for ln in pricing if ln["line_id"] == "1")
    view = _priced(server, quote_id)
    expect(page.locator("#line-total-1")).to_have_text(
        money(plain["final_amount"], view["currency"], view.get("locale"))
    )
    expect(page.locator("#line-split-1")).to_have_count(0)
    expect(page.locator("#line-1").get_by_role("link", name="Change options")).to_have_count(0)
    no_horizontal_scroll(page)
    page.locator("#line-2").scroll_into_view_if_needed()
    shots(page, "bundle-on-the-quote")

    # When the rep changes its options from the line: the configurator opens with them
    change = page.locator("#line-2").get_by_role("link", name="Change options")
    expect(change).to_have_attribute("href", f"/quotes/{quote_id}/configure/MON-STARTER?line=2")
    change.click()
    expect(page.get_by_role("heading", name="Monitoring starter kit")).to_be_visible()
    expect(bundle_option(page, "VS-WL-NODE")).to_be_checked()
    _updated(page, lambda: unfold(bundle_option(page, "VS-WL-NODE")).uncheck())
    expect(page.locator("#cfg-state")).to_contain_text("Ready to add")
    page.get_by_role("button", name="Update line 2").click()
    page.wait_for_url(url)

    # Then the line shows the new options and figures, still as the API prices them
    expect(page.locator(".line")).to_have_count(2)
    expect(page.locator("#line-2 .options li").filter(has_text="VS-WL-NODE")).to_have_count(0)
    _check_figures(page, server, quote_id, "2")
    no_horizontal_scroll(page)
    shots(page, "options-changed")


def test_axe_finds_nothing_serious_with_a_bundle_on_the_quote(
    server: str, browser: Browser
) -> None:
    # axe is injected as a script: this context alone lets it past the pages' CSP
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    try:
        page = rep_quote(context, server, "rita", "rhein", "Rheinwerk")
        url = page.url
        page.get_by_label("Search the catalog").fill("KIT-")
        bundle = page.locator("#catalog-results").get_by_role("link", name=re.compile("MON-START"))
        expect(bundle).to_be_visible()
        problems = {"search": serious_violations(page)}
        bundle.click()
        expect(page.locator("#cfg-state")).to_contain_text("Ready to add")
        page.get_by_role("button", name="Add to quote").click()
        page.wait_for_url(url)
        expect(page.locator("#line-1 .options li.opt-depth-3").first).to_be_visible()
        problems["quote"] = serious_violations(page)
        assert problems == {"search": [], "quote": []}
    finally:
        context.close()


def _priced_line(line_id: str, parent: str | None, amount: str) -> dict[str, Any]:
    return {
        "line_id": line_id,
        "parent_line_id": parent,
        "sku": f"SKU-{line_id}",
        "name": line_id,
        "quantity": "1",
        "unit": "each",
        "list_price": amount,
        "net_unit_price": amount,
        "net_total": amount,
        "amount": amount,
        "final_amount": amount,
    }


def test_a_bundle_total_adds_the_options_at_every_depth() -> None:
    priced = {
        "lines": [
            _priced_line("1", None, "100.00"),
            _priced_line("1/a", "1", "10.50"),
            _priced_line("1/b", "1", "20.00"),
            _priced_line("1/b/c", "1/b", "3.25"),
            _priced_line("1/b/c/d", "1/b/c", "0.25"),
            _priced_line("2", None, "7.00"),
        ]
    }
    asked = [{"id": "1", "configuration": {"bundle": "BOX"}}, {"id": "2"}]

    box, plain = line_views(priced, asked)

    assert box.bundle == "BOX" and plain.bundle is None
    assert box.bundle_total == Decimal("134.00")
    assert box.options_total == Decimal("34.00")
    assert [(depth, opt.id) for depth, opt in box.option_rows()] == [
        (1, "1/a"),
        (1, "1/b"),
        (2, "1/b/c"),
        (3, "1/b/c/d"),
    ]
    assert plain.bundle_total == Decimal("7.00") and plain.option_rows() == ()
