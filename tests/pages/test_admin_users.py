"""The admin's users page as an admin uses it on a phone: add a user (every problem under its
field, nothing half-added), move someone in the reporting line, set a new password (their open
sessions end), deactivate and reactivate. Each test makes the people it changes, so the order
does not matter."""

from __future__ import annotations

import re

import httpx
from browsing import PASSWORD, Shots, form_session, log_in, no_horizontal_scroll
from playwright.sync_api import BrowserContext, Locator, Page, expect


def _add_user(page: Page, server: str, username: str, name: str, manager: str = "maria") -> None:
    page.goto(f"{server}/admin/users")
    form = page.locator("[aria-labelledby=new-user-heading]")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Role").select_option("rep")
    form.get_by_label("Reports to").select_option(manager)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status")).to_have_text(f"{name} was added.")


def _manage(page: Page, username: str) -> Locator:
    """The user's card, with its Manage section open."""
    card = page.locator(f"#user-{username}")
    card.locator("summary").click()
    return card


def test_an_admin_adds_a_user_who_can_then_log_in(
    server: str, phone: BrowserContext, other_phone: BrowserContext, shots: Shots
) -> None:
    page = phone.new_page()
    log_in(page, server, "ada")
    page.goto(f"{server}/admin/users")
    before = page.locator(".user").count()

    # Every problem at once, each under its field; what was typed stays; nobody is added
    form = page.locator("[aria-labelledby=new-user-heading]")
    form.get_by_label("Username").fill("S")
    form.get_by_label("Name", exact=True).fill("Sam Seller")
    form.get_by_label("Password").fill("short")
    form.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("alert").first).to_have_text(
        "The user was not added: see the fields marked below."
    )
    username = form.get_by_label("Username")
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(username).to_be_focused()  # the first field to fix, scrolled to
    expect(page.locator("#username-error")).to_contain_text("a username is 2-100 lowercase")
    expect(page.locator("#password-error")).to_have_text(
        "the password is too short: use at least 12 characters"
    )
    expect(form.get_by_label("Name", exact=True)).to_have_value("Sam Seller")
    expect(page.locator(".user")).to_have_count(before)
    no_horizontal_scroll(page)
    shots(page, "add-user-refused")

    _add_user(page, server, "sam", "Sam Seller")
    sam = page.locator(".user", has_text="Sam Seller")
    expect(sam.locator(".u-facts")).to_contain_text("Reports to maria")
    expect(sam.locator(".badge")).to_have_text("Rep")
    page.reload()  # the answer was a redirect: a reload adds nobody
    expect(page.locator(".user")).to_have_count(before + 1)
    shots(page, "user-added")

    # The username is taken now: said under the field
    form.get_by_label("Username").fill("sam")
    form.get_by_label("Name", exact=True).fill("Another Sam")
    form.get_by_role("button", name="Add user").click()
    expect(page.locator("#username-error")).to_have_text("the username 'sam' is taken")

    theirs = other_phone.new_page()
    log_in(theirs, server, "sam")
    expect(theirs.get_by_role("heading", name="My quotes")).to_be_visible()


def test_an_admin_moves_resets_deactivates_and_reactivates_a_user(
    server: str, phone: BrowserContext, other_phone: BrowserContext, shots: Shots
) -> None:
    page = phone.new_page()
    log_in(page, server, "ada")
    _add_user(page, server, "tom", "Tom Traveller")
    theirs = other_phone.new_page()
    log_in(theirs, server, "tom")

    # Reports to dan now
    tom = _manage(page, "tom")
    tom.get_by_label("Reports to").select_option("dan")
    tom.get_by_role("button", name="Save manager").click()
    expect(page.get_by_role("status")).to_have_text("The manager of Tom Traveller was saved.")
    expect(tom.locator(".u-facts")).to_contain_text("Reports to dan")

    # A new password ends the session tom has open, and the new one works
    _manage(page, "tom")
    tom.get_by_label("New password").fill("a fresh long password")
    tom.get_by_role("button", name="Set password").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Tom Traveller has a new password")
    theirs.reload()
    expect(theirs).to_have_url(re.compile(r"/login\?next="))
    log_in(theirs, server, "tom", "a fresh long password")

    # Deactivated: the session ends and the login is refused; reactivated: it works again
    _manage(page, "tom")
    tom.get_by_role("button", name="Deactivate Tom Traveller").click()
    expect(page.get_by_role("status")).to_contain_text("Tom Traveller was deactivated")
    expect(tom.locator(".u-facts")).to_contain_text("Deactivated")
    no_horizontal_scroll(page)
    shots(page, "user-deactivated")
    theirs.reload()
    expect(theirs).to_have_url(re.compile(r"/login"))
    with httpx.Client(base_url=server) as client:
        form = client.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf
        refused = client.post(
            "/login",
            data={
                "username": "tom",
                "password": "a fresh long password",
                "csrf_token": csrf.group(1),
            },
        )
        assert refused.status_code == 401
    _manage(page, "tom")
    tom.get_by_role("button", name="Reactivate Tom Traveller").click()
    expect(page.get_by_role("status")).to_have_text("Tom Traveller was reactivated.")
    log_in(theirs, server, "tom", "a fresh long password")


def test_a_refused_change_is_said_in_the_users_card_and_changes_nothing(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    page = phone.new_page()
    log_in(page, server, "ada")
    _add_user(page, server, "mona", "Mona Rep", manager="dan")
    # dan (director) would report to maria, who reports to dan: a loop
    dan = _manage(page, "dan")
    dan.get_by_label("Reports to").select_option("maria")
    dan.get_by_role("button", name="Save manager").click()
    expect(dan.get_by_role("alert")).to_contain_text("would go round in a circle")
    expect(dan.locator("details.manage")).to_have_attribute("open", "")
    dan.scroll_into_view_if_needed()
    shots(page, "refused-in-card")
    page.goto(f"{server}/admin/users")
    expect(page.locator("#user-dan .u-facts")).not_to_contain_text("Reports to")

    # The password policy, in the card
    mona = _manage(page, "mona")
    mona.get_by_label("New password").evaluate("e => e.removeAttribute('minlength')")
    mona.get_by_label("New password").fill("short")
    mona.get_by_role("button", name="Set password").click()
    expect(mona.get_by_role("alert")).to_have_text(
        "the password is too short: use at least 12 characters"
    )


def test_an_admin_cannot_deactivate_themselves_or_reach_unknown_users(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        csrf = form_session(client, "ada", "/admin/users")
        users = client.get("/admin/users").text
        assert "Deactivate Ada" not in users  # no button for oneself
        itself = client.post("/admin/users/ada/deactivate", data={"csrf_token": csrf})
        assert itself.status_code == 403
        assert "You cannot deactivate yourself; ask another admin." in itself.text
        ghost = client.post("/admin/users/ghost/reactivate", data={"csrf_token": csrf})
        assert ghost.status_code == 404
        assert "no user &#39;ghost&#39;" in ghost.text
        forged = client.post("/admin/users/rita/deactivate", data={"csrf_token": "forged"})
        assert forged.status_code == 403
    with httpx.Client(base_url=server) as client:
        csrf = form_session(client, "ada", "/admin/users")
        listing = client.get("/admin/users").text
        assert re.search(r"Rita Rep.*?Active", listing, re.S)  # the forged post changed nothing
    with httpx.Client(base_url=server) as client:
        csrf = form_session(client, "maria")
        for path in ("/admin/users", "/admin/users/rita/deactivate"):
            data = {"csrf_token": csrf}
            answer = client.post(path, data=data) if "deactivate" in path else client.get(path)
            assert answer.status_code == 403, path
            assert "These pages are for admins." in answer.text
