"""Signing in to the pages: the login form, its rate limit, sessions, CSRF, where a login may
send you. Plain HTTP (httpx) where the browser would hide what is checked, Chromium otherwise."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from browsing import PASSWORD, Shots
from playwright.sync_api import BrowserContext, expect


def _login_form(client: httpx.Client, next_path: str | None = None) -> str:
    """Open the login page; the login form's CSRF token (its cookie is now in the client)."""
    answer = client.get("/login", params={"next": next_path} if next_path else None)
    assert answer.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', answer.text)
    assert found
    return found.group(1)


def _log_in(
    client: httpx.Client, username: str, password: str = PASSWORD, next_path: str = "/quotes"
) -> httpx.Response:
    token = _login_form(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_path},
    )


def _page_csrf(client: httpx.Client, path: str = "/quotes/new") -> str:
    answer = client.get(path)
    assert answer.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', answer.text)
    assert found
    return found.group(1)


def test_a_wrong_password_says_so_on_the_page(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    page = phone.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username")).to_have_value("rita")
    expect(page).to_have_url(re.compile(r"/login$"))
    shots(page, "wrong-password")


def test_the_session_cookie_is_http_only_and_same_site(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        answer = _log_in(client, "raj")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/quotes"
        cookies = {c.split("=", 1)[0]: c for c in answer.headers.get_list("set-cookie")}
        session = cookies["cpq_session"].lower()
        assert "httponly" in session and "samesite=strict" in session and "path=/" in session
        assert "httponly" not in cookies["cpq_csrf"].lower()  # the page's script may read it
        page = client.get("/quotes")
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_login_attempts_are_limited_per_username(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        started = time.monotonic()
        answers = [_log_in(client, "ghost", "wrong-password-1") for _ in range(11)]
        took = time.monotonic() - started  # argon2 on a busy machine: seconds, not a constant
        assert [a.status_code for a in answers] == [401] * 10 + [429]
        assert "Wrong username or password." in answers[0].text
        refused = answers[-1]
        wait = int(refused.headers["retry-after"])
        assert 90 - took - 1 <= wait <= 90  # one attempt back every 90 s, from the first
        assert f"Too many login attempts. Wait {wait} seconds and try again." in refused.text
        # the right password does not get through either while the username is blocked...
        assert _log_in(client, "ghost", PASSWORD).status_code == 429
        # ...but another username from the same address does
        assert _log_in(client, "raj").status_code == 303


def test_a_login_post_without_the_forms_token_is_refused(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        answer = client.post("/login", data={"username": "rita", "password": PASSWORD})
        assert answer.status_code == 403
        assert "cpq_session" not in answer.headers.get("set-cookie", "")
        assert "The login form had expired" in answer.text


def test_a_form_post_without_the_csrf_token_changes_nothing(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        assert _log_in(client, "raj").status_code == 303
        before = client.get("/v1/quotes").json()["items"]
        without = client.post("/quotes", data={"customer": "C-10001"})
        wrong = client.post("/quotes", data={"customer": "C-10001", "csrf_token": "forged"})
        wrong_header = client.post(
            "/quotes", data={"customer": "C-10001"}, headers={"X-CSRF-Token": "forged"}
        )
        for answer in (without, wrong, wrong_header):
            assert answer.status_code == 403
            assert "This form was not sent from a page of this site" in answer.text
        assert client.get("/v1/quotes").json()["items"] == before
        # the same post with the page's token goes through (the check can tell them apart)
        token = _page_csrf(client)
        made = client.post("/quotes", data={"customer": "C-10001", "csrf_token": token})
        assert made.status_code == 303
        assert made.headers["location"].startswith("/quotes/")
        assert len(client.get("/v1/quotes").json()["items"]) == len(before) + 1


def test_pages_send_the_signed_out_to_the_login_and_back(
    server: str, phone: BrowserContext
) -> None:
    with httpx.Client(base_url=server) as client:
        answer = client.get("/quotes/new?q=rhein")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=/quotes/new%3Fq%3Drhein"
        partial = client.get(
            "/quotes/new?q=rhein",
            headers={"HX-Request": "true", "HX-Current-URL": f"{server}/quotes/new"},
        )
        assert partial.status_code == 204
        assert partial.headers["hx-redirect"] == "/login?next=/quotes/new"  # the whole page
        posted = client.post(
            "/quotes/abc/submit",
            data={"revision": "1"},
            headers={"Referer": f"{server}/quotes/abc"},
        )
        assert posted.status_code == 303  # back to the page the form was on, not to the post
        assert posted.headers["location"] == "/login?next=/quotes/abc"
    page = phone.new_page()
    page.goto(f"{server}/quotes/new?q=rhein")
    page.get_by_label("Username").fill("raj")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server}/quotes/new?q=rhein")
    expect(page.get_by_role("button", name=re.compile("Rheinwerk Chemie AG"))).to_be_visible()


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example/quotes",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "quotes",
        "/\t/evil.example",
    ],
)
def test_a_login_never_sends_anyone_off_the_site(server: str, next_path: str) -> None:
    with httpx.Client(base_url=server) as client:
        form = client.get("/login", params={"next": next_path})
        assert 'name="next" value=""' in form.text  # dropped: the user's own start page
        answer = _log_in(client, "raj", next_path=next_path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/quotes"
        answer = _log_in(client, "maria", next_path=next_path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/approvals"


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("rita", "/quotes"),  # rep
        ("raj", "/quotes"),  # rep
        ("maria", "/approvals"),  # manager
        ("dan", "/approvals"),  # director
        ("fiona", "/approvals"),  # finance
        ("ada", "/quotes"),  # admin: decides no approvals
    ],
)
def test_a_login_lands_where_the_user_works(server: str, username: str, home: str) -> None:
    with httpx.Client(base_url=server) as client:
        token = _login_form(client)  # no next: the form sends none
        answer = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == home
        landed = client.get(home)
        assert landed.status_code == 200
        # the same users who see "Approvals" in the menu land on it
        assert ('href="/approvals"' in landed.text) is (home == "/approvals")


def test_an_explicit_next_wins_over_the_start_page(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        answer = _log_in(client, "maria", next_path="/quotes/new?q=rhein")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/quotes/new?q=rhein"
        form = client.get("/login", params={"next": "/quotes"})
        assert 'name="next" value="/quotes"' in form.text
        answer = _log_in(client, "maria", next_path="/quotes")
        assert answer.headers["location"] == "/quotes"


def test_a_manager_logging_in_sees_the_approvals_queue(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    page = phone.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server}/approvals")
    expect(page.get_by_role("navigation").get_by_role("link", name="Approvals")).to_have_attribute(
        "aria-current", "page"
    )
    shots(page, "manager-landing")


def test_logging_out_ends_the_session(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        assert _log_in(client, "raj").status_code == 303
        session = client.cookies["cpq_session"]
        token = _page_csrf(client, "/quotes")
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        client.cookies.set("cpq_session", session)  # an old copy of the cookie is no use
        assert client.get("/quotes").status_code == 303


def test_a_form_that_cannot_be_read_gets_a_page_not_json(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        assert _log_in(client, "raj").status_code == 303
        token = _page_csrf(client)
        made = client.post("/quotes", data={"customer": "C-10004", "csrf_token": token})
        quote = made.headers["location"]
        added = client.post(
            f"{quote}/lines", data={"csrf_token": token, "revision": "1", "sku": "GW-E100"}
        )
        assert added.status_code == 303

        typed = client.post(
            f"{quote}/lines/1/quantity",
            data={"csrf_token": token, "revision": "2", "quantity": "two"},
        )
        assert typed.status_code == 422
        assert typed.headers["content-type"].startswith("text/html")
        assert "&#39;two&#39; is not a number" in typed.text
        assert 'value="1"' in typed.text  # the quantity saved, unchanged

        tampered = client.post(f"{quote}/lines/1/quantity", data={"csrf_token": token})
        assert tampered.status_code == 422
        assert tampered.headers["content-type"].startswith("text/html")
        assert "This form could not be read" in tampered.text
        partial = client.post(
            f"{quote}/lines/1/quantity",
            data={"csrf_token": token},
            headers={"HX-Request": "true"},
        )
        assert partial.status_code == 422
        assert partial.headers["hx-retarget"] == "#main"
        assert partial.text.strip().startswith('<p class="msg msg-error" role="alert">')
