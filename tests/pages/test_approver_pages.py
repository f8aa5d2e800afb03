"""The approver's pages beyond the happy path: a rejection needs a comment, a rep decides
nothing (not even on their own quote), delegation while away, CSRF, keyboard use, a 390 px
phone everywhere, and axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from browsing import PASSWORD, Shots, log_in, no_horizontal_scroll, serious_violations
from playwright.sync_api import Browser, BrowserContext, Page, expect
from test_approver_journey import RITA, submitted_quote

from cpq.web.approval_page import Sla, line_discount_percent, span_words

DISCOUNTED = [
    {"sku": "TS-PT100-100-M", "quantity": 2, "manual_discount": {"percent": 14}},
    {"sku": "GW-E100", "quantity": 1},
]


@contextmanager
def _signed_in(server: str, username: str) -> Iterator[tuple[httpx.Client, str]]:
    """A client logged in on the pages as ``username``, and the CSRF token of its forms."""
    with httpx.Client(base_url=server) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        answer = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert answer.status_code == 303
        page = client.get("/quotes")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        yield client, csrf.group(1)


def _approval_id(server: str, quote_id: str) -> int:
    with httpx.Client(base_url=server, headers=RITA) as api:
        approvals = api.get(f"/v1/quotes/{quote_id}").json()["approvals"]
    pending = [a["id"] for a in approvals if a["status"] == "pending"]
    assert len(pending) == 1
    return int(pending[0])


def _quote_status(server: str, quote_id: str) -> str:
    with httpx.Client(base_url=server, headers=RITA) as api:
        return str(api.get(f"/v1/quotes/{quote_id}").json()["status"])


def _open_from_inbox(page: Page, number: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    page.locator(".inbox-item", has_text=number).first.click()
    expect(page.locator("#approval-status")).to_be_visible()


def test_a_rejection_needs_a_comment(server: str, phone: BrowserContext, shots: Shots) -> None:
    quote = submitted_quote(server, DISCOUNTED)
    page = phone.new_page()
    log_in(page, server, "maria")
    _open_from_inbox(page, quote["number"])

    # Rejecting without saying why is refused, and nothing is decided
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Say why you reject it: the rep needs to know what to change."
    )
    expect(page.get_by_label("Comment")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#approval-status")).to_have_text("Pending")
    assert _quote_status(server, quote["id"]) == "pending_approval"
    no_horizontal_scroll(page)
    shots(page, "reject-without-comment")

    # With a comment the quote is rejected, and the rep reads why
    page.get_by_label("Comment").fill("14% is too deep for two probes; 8% at most.")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("heading", name="Rejected by Maria Manager")).to_be_visible()
    expect(page.locator("#quote-status")).to_have_text("Rejected")
    expect(page.locator(".history")).to_contain_text("Rejected (manager level)")
    shots(page, "rejected")
    assert _quote_status(server, quote["id"]) == "rejected"
    with httpx.Client(base_url=server, headers=RITA) as api:
        events = api.get(f"/v1/quotes/{quote['id']}/audit").json()
    assert [e["comment"] for e in events if e["action"] == "approval_rejected"] == [
        "14% is too deep for two probes; 8% at most."
    ]


def test_a_rep_decides_nothing(server: str, phone: BrowserContext, shots: Shots) -> None:
    quote = submitted_quote(server, DISCOUNTED)
    approval = _approval_id(server, quote["id"])
    with _signed_in(server, "rita") as (rita, csrf):
        assert rita.get("/approvals").status_code == 403
        own = rita.get(f"/approvals/{approval}")
        assert own.status_code == 403
        assert f"approval {approval} is not yours to decide" in own.text
        for action in ("approve", "reject"):
            answer = rita.post(
                f"/approvals/{approval}/{action}",
                data={"csrf_token": csrf, "comment": "fine by me", "snapshot_hash": ""},
            )
            assert answer.status_code == 403
        assert "Approvals</a>" not in rita.get("/quotes").text  # no inbox in her menu
    with _signed_in(server, "raj") as (
        raj,
        csrf,
    ):  # another rep does not even learn that the approval exists
        assert raj.get(f"/approvals/{approval}").status_code == 404
        answer = raj.post(
            f"/approvals/{approval}/approve", data={"csrf_token": csrf, "snapshot_hash": ""}
        )
        assert answer.status_code == 404
    assert _quote_status(server, quote["id"]) == "pending_approval"

    page = phone.new_page()
    log_in(page, server, "rita")
    page.goto(f"{server}/approvals/{approval}")
    expect(page.get_by_role("alert")).to_have_text(f"approval {approval} is not yours to decide")
    no_horizontal_scroll(page)
    shots(page, "rep-refused")


def test_nobody_approves_their_own_quote_even_by_delegation(server: str) -> None:
    # dan is away and lets maria decide for him; her own quote needs dan
    today = datetime.now(UTC).date()
    with _signed_in(server, "dan") as (dan, dan_csrf):
        made = dan.post(
            "/delegations",
            data={
                "csrf_token": dan_csrf,
                "delegate": "maria",
                "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=2)).isoformat(),
            },
        )
        assert made.status_code == 303
    try:
        with _signed_in(server, "maria") as (
            maria,
            csrf,
        ):  # maria quotes herself (her session on the API, with its CSRF header)
            made = maria.post(
                "/v1/quotes",
                headers={"X-CSRF-Token": csrf},
                json={"customer": "C-10001", "lines": DISCOUNTED},
            )
            assert made.status_code == 201, made.text
            quote_id = made.json()["id"]
            sent = maria.post(
                f"/v1/quotes/{quote_id}/submit",
                headers={"X-CSRF-Token": csrf, "If-Match": made.headers["etag"]},
            )
            assert sent.status_code == 200, sent.text
            approvals = maria.get(f"/v1/quotes/{quote_id}").json()["approvals"]
            assert [(a["approver"]["username"], a["status"]) for a in approvals] == [
                ("dan", "pending")
            ]
            inbox = maria.get("/approvals")
            assert f'href="/approvals/{approvals[0]["id"]}"' not in inbox.text
            refused = maria.post(
                f"/approvals/{approvals[0]['id']}/approve",
                data={"csrf_token": csrf, "snapshot_hash": ""},
            )
            assert refused.status_code == 403
            assert "nobody approves their own quote" in refused.text
            assert maria.get(f"/v1/quotes/{quote_id}").json()["status"] == "pending_approval"
    finally:
        # end the delegation: in the other tests maria is not dan's delegate
        with _signed_in(server, "dan") as (dan, dan_csrf):
            listing = dan.get("/delegations")
            ids = re.findall(r'action="/delegations/(\d+)/revoke"', listing.text)
            assert len(ids) == 1
            assert (
                dan.post(f"/delegations/{ids[0]}/revoke", data={"csrf_token": dan_csrf}).status_code
                == 303
            )


def test_a_delegate_decides_while_the_manager_is_away(
    server: str, phone: BrowserContext, desktop: BrowserContext, shots: Shots
) -> None:
    today = datetime.now(UTC).date()
    page = phone.new_page()
    log_in(page, server, "maria")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    page.get_by_role("link", name="Away? Delegate").click()
    expect(page.get_by_role("heading", name="Delegate while away")).to_be_visible()

    # A period that ends before it starts is refused, saying so
    page.get_by_label("Delegate to").select_option("dan")
    page.get_by_label("From").fill((today + timedelta(days=3)).isoformat())
    page.get_by_label("Until").fill((today + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Delegate", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("ends_on is before starts_on")
    expect(page.get_by_label("Delegate to")).to_have_value("dan")
    shots(page, "delegation-refused")

    page.get_by_label("From").fill(today.isoformat())
    page.get_by_label("Until").fill((today + timedelta(days=7)).isoformat())
    page.get_by_label("Reason (optional)").fill("Trade fair in Hanover")
    page.get_by_role("button", name="Delegate", exact=True).click()
    given = page.locator("[aria-labelledby=given-heading] .delegation")
    expect(given).to_contain_text("decides for you")
    expect(given).to_contain_text("Trade fair in Hanover")
    no_horizontal_scroll(page)
    shots(page, "delegated")
    page.get_by_role("link", name="← Approvals").click()
    expect(page.locator(".msg-warn")).to_contain_text("dan decides your approvals until")

    # Then dan sees maria's approvals, marked as hers, and decides one
    quote = submitted_quote(server, DISCOUNTED)
    dan = desktop.new_page()
    log_in(dan, server, "dan")
    dan.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals").click()
    expect(dan.locator(".msg-ok")).to_contain_text("You decide for maria")
    item = dan.locator(".inbox-item", has_text=quote["number"])
    expect(item.locator(".chip")).to_have_text("For Maria Manager")
    shots(dan, "dan-inbox")
    item.click()
    expect(dan.locator(".messages")).to_contain_text(
        "You decide this for Maria Manager, by delegation."
    )
    dan.get_by_label("Comment").fill("Approved while Maria is away.")
    dan.get_by_role("button", name="Approve").click()
    expect(dan.get_by_role("heading", name="Approved by Dan Director")).to_be_visible()
    expect(dan.locator(".approvals")).to_contain_text("decided by Dan Director")
    expect(dan.locator(".history")).to_contain_text("Approved (manager level, for Maria Manager)")
    shots(dan, "dan-approved")
    assert _quote_status(server, quote["id"]) == "approved"

    # When maria ends the delegation, dan no longer sees her approvals
    page.goto(f"{server}/delegations")
    page.get_by_role("button", name="End delegation to dan").click()
    expect(page.locator("[aria-labelledby=given-heading] .delegation")).to_have_count(0)
    later = submitted_quote(server, DISCOUNTED)
    dan.goto(f"{server}/approvals")
    expect(dan.locator(".inbox-item", has_text=later["number"])).to_have_count(0)
    expect(dan.locator(".msg-ok")).to_have_count(0)


def test_an_approver_works_with_the_keyboard(
    server: str, desktop: BrowserContext, shots: Shots
) -> None:
    quote = submitted_quote(server, DISCOUNTED)
    page = desktop.new_page()
    log_in(page, server, "maria")
    page.goto(f"{server}/approvals")
    item = page.locator(".inbox-item", has_text=quote["number"])
    item.focus()
    page.keyboard.press("Enter")
    comment = page.get_by_label("Comment")
    expect(comment).to_be_visible()
    comment.focus()
    page.keyboard.type("OK by keyboard.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Approve")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Reject")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Approved by Maria Manager")).to_be_visible()
    shots(page, "desktop-approved")


def test_a_page_left_open_while_the_rep_changed_the_quote_approves_nothing(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    quote = submitted_quote(server, DISCOUNTED)
    page = phone.new_page()
    log_in(page, server, "maria")
    _open_from_inbox(page, quote["number"])
    expect(page.locator(".line-triggered")).to_contain_text("14% rep discount")

    # Meanwhile rita raises the discount to 19% and submits again
    with httpx.Client(base_url=server, headers=RITA) as api:
        now = api.get(f"/v1/quotes/{quote['id']}")
        deeper = [{**DISCOUNTED[0], "manual_discount": {"percent": 19}}, DISCOUNTED[1]]
        changed = api.put(
            f"/v1/quotes/{quote['id']}/lines",
            headers={"If-Match": now.headers["etag"]},
            json={"lines": deeper},
        )
        assert changed.status_code == 200, changed.text
        again = api.post(
            f"/v1/quotes/{quote['id']}/submit",
            headers={"If-Match": changed.headers["etag"], "Idempotency-Key": quote["id"]},
        )
        assert again.status_code == 200, again.text

    # Approving from the old page approves nothing: the 14% she read is not what is asked now
    page.get_by_label("Comment").fill("14% is fine.")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert")).to_contain_text("was already decided, voided or escalated")
    expect(page.locator("#approval-status")).to_have_text("Void")
    shots(page, "stale-refused")
    assert _quote_status(server, quote["id"]) == "pending_approval"
    # the inbox has the new request, with the new figures
    _open_from_inbox(page, quote["number"])
    expect(page.locator(".line-triggered")).to_contain_text("19% rep discount")
    expect(page.locator("#approval-status")).to_have_text("Pending")


def test_a_decision_without_the_csrf_token_is_refused(server: str) -> None:
    quote = submitted_quote(server, DISCOUNTED)
    approval = _approval_id(server, quote["id"])
    with _signed_in(server, "maria") as (maria, _):
        page = maria.get(f"/approvals/{approval}")
        snapshot = re.search(r'name="snapshot_hash" value="([0-9a-f]+)"', page.text)
        assert snapshot
        for token in (None, "forged"):
            data = {"snapshot_hash": snapshot.group(1), "comment": "ok"}
            if token:
                data["csrf_token"] = token
            answer = maria.post(f"/approvals/{approval}/approve", data=data)
            assert answer.status_code == 403
            assert "This form was not sent from a page of this site" in answer.text
    assert _quote_status(server, quote["id"]) == "pending_approval"


def test_approver_pages_fit_a_phone_and_axe_finds_nothing_serious(
    server: str, browser: Browser
) -> None:
    quote = submitted_quote(server, DISCOUNTED)
    # axe is injected as a script: this context alone lets it past the pages' CSP
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    try:
        page = context.new_page()
        log_in(page, server, "maria")
        problems = {}
        page.goto(f"{server}/approvals")
        no_horizontal_scroll(page)
        problems["inbox"] = serious_violations(page)
        page.locator(".inbox-item", has_text=quote["number"]).click()
        page.get_by_role("button", name="Reject").click()  # with the error shown
        expect(page.get_by_role("alert")).to_be_visible()
        no_horizontal_scroll(page)
        problems["approval"] = serious_violations(page)
        page.goto(f"{server}/delegations")
        no_horizontal_scroll(page)
        problems["delegations"] = serious_violations(page)
        assert problems == {"inbox": [], "approval": [], "delegations": []}
    finally:
        context.close()


# --- the page's arithmetic, without a browser ----------------------------------------------


def test_waiting_times_read_at_a_glance() -> None:
    assert span_words(timedelta(seconds=59)) == "under a minute"
    assert span_words(timedelta(minutes=5, seconds=59)) == "5 min"
    assert span_words(timedelta(hours=3)) == "3 h"
    assert span_words(timedelta(hours=3, minutes=20)) == "3 h 20 min"
    assert span_words(timedelta(days=2, hours=4, minutes=59)) == "2 d 4 h"
    assert span_words(timedelta(days=2, minutes=59)) == "2 d"
    assert span_words(timedelta(seconds=-30)) == "under a minute"


def test_the_sla_is_ok_then_soon_then_overdue() -> None:
    asked = datetime(2026, 3, 2, 9, 0)  # naive, as SQLite gives it back: UTC
    due = asked + timedelta(hours=24)
    at = lambda hours: asked.replace(tzinfo=UTC) + timedelta(hours=hours)  # noqa: E731
    assert Sla.of(asked, due, at(2)) == Sla("2 h", "ok", "due in 22 h")
    assert Sla.of(asked, due, at(18)) == Sla("18 h", "ok", "due in 6 h")
    assert Sla.of(asked, due, at(19)) == Sla("19 h", "soon", "due in 5 h")
    assert Sla.of(asked, due, at(24)) == Sla("1 d", "overdue", "overdue by under a minute")
    assert Sla.of(asked, due, at(27.5)) == Sla("1 d 3 h", "overdue", "overdue by 3 h 30 min")
    assert Sla.of(asked, None, at(50)) == Sla("2 d 2 h", "none", "no deadline")


def test_a_lines_rep_discount_is_counted_as_the_approval_figures_count_it() -> None:
    def line(*steps: tuple[str, str, str]) -> dict[str, object]:
        return {"adjustments": [{"step": s, "before": b, "after": a} for s, b, a in steps]}

    assert line_discount_percent(line(("price", "100", "90"))) is None  # the rules', not hers
    assert line_discount_percent(line(("manual_discount", "90", "76.5"))) == Decimal("15.0000")
    # a manual price then a discount: from the rules' price to the last one, rounded up
    assert line_discount_percent(
        line(("price", "100", "90"), ("manual_price", "90", "80"), ("manual_discount", "80", "79"))
    ) == Decimal("12.2223")
    assert line_discount_percent(line(("manual_price", "90", "95"))) == Decimal(0)  # a raise
    assert line_discount_percent(line(("manual_price", "0", "0"))) == Decimal(0)
