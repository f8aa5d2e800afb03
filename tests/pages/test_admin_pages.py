"""The admin's pages: catalog sync status (history, the last diff, the problems of a failed
run), users, API tokens (the secret shown once, revocation at once); only for admins, CSRF on
every form, a 390 px phone, axe-core.

The runs are made by the sync service itself, on the demo server's database: one that changes a
price, then one whose export is broken."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from browsing import Shots, form_session, log_in, no_horizontal_scroll, serious_violations
from databases import PG_URL, fresh_database
from e2e_env import cpq_env, free_port, running
from playwright.sync_api import Browser, BrowserContext, Page, expect

from cpq.db.engine import make_engine
from cpq.errors import InvalidInput
from cpq.services.catalog_sync import run_sync
from cpq.settings import REPO_ROOT
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

DEMO_EXPORT = REPO_ROOT / "catalog" / "demo-export"


@dataclass(frozen=True)
class Demo:
    url: str
    database_url: str


@pytest.fixture(scope="module")
def demo(template_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """As conftest's ``server`` (``cpq demo`` on a fresh database), with its database URL, so
    the tests can run syncs on it."""
    folder = tmp_path_factory.mktemp("admin-server")
    port = free_port()
    with fresh_database(template_url, folder) as db_url:
        database_url = db_url if PG_URL else f"sqlite:///{folder / 'demo.sqlite3'}"
        env = cpq_env(database_url=database_url, data_dir=str(folder), port=str(port))
        with running(["demo"], env, port, timeout=120) as url:
            yield Demo(url, database_url)


@pytest.fixture(scope="module")
def server(demo: Demo) -> str:
    return demo.url


def _export(folder: Path, edit: dict[int, tuple[str, str]]) -> Path:
    """The demo export with lines of price_list_entries.csv edited: line -> (old, new)."""
    shutil.copytree(DEMO_EXPORT, folder)
    prices = folder / "price_list_entries.csv"
    lines = prices.read_text(encoding="utf-8").splitlines(keepends=True)
    for number, (old, new) in edit.items():
        assert old in lines[number - 1]
        lines[number - 1] = lines[number - 1].replace(old, new, 1)
    prices.write_text("".join(lines), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def synced(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, int]:
    """After the demo's own sync (run 1): run 2 changes one price, run 3 fails with two errors."""
    folder = tmp_path_factory.mktemp("exports")
    engine = make_engine(demo.database_url)
    try:
        changed = _export(folder / "changed", {2: ("157.00", "159.00")})
        outcome = run_sync(
            engine, FolderSource(changed), load_profile("canonical"), models_dir=None
        )
        assert outcome.status == "succeeded"
        broken = _export(
            folder / "broken", {2: ("157.00", "-5"), 3: ("TS-PT100-100-A", "NO-SUCH-SKU")}
        )
        with pytest.raises(InvalidInput):
            run_sync(engine, FolderSource(broken), load_profile("canonical"), models_dir=None)
    finally:
        engine.dispose()
    return outcome.run_id, outcome.run_id + 1


def _admin_link(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()


def test_sync_status_shows_the_history_the_last_diff_and_a_failed_runs_errors(
    server: str, synced: tuple[int, int], phone: BrowserContext, shots: Shots
) -> None:
    changed, failed = synced
    page = phone.new_page()
    log_in(page, server, "ada")
    _admin_link(page)
    expect(page.get_by_role("heading", name="Catalog sync", exact=True)).to_be_visible()

    # The latest run failed, and says so on top
    status = page.locator(".sync-status")
    expect(status.locator(".badge")).to_have_text("Failed")
    expect(status).to_contain_text("2 error(s) in the input; nothing was applied")
    # The last change to the catalog: one price changed, nothing else
    diff = page.locator("[aria-labelledby=diff-heading]")
    expect(diff).to_contain_text(f"Run {changed}")
    expect(diff.locator("li.moved")).to_have_count(1)
    expect(diff.locator("li.moved")).to_have_text(
        re.compile(r"^\s*Prices\s+1 changed · 2,010 unchanged\s*$")
    )
    expect(diff.locator("li", has_text="Customers")).to_contain_text("20 unchanged")
    # The history, newest first
    runs = page.locator(".run-item")
    expect(runs).to_have_count(3)
    expect(runs.nth(0)).to_contain_text(f"Run {failed}")
    expect(runs.nth(0)).to_contain_text("2 errors")
    expect(runs.nth(1)).to_contain_text(f"Run {changed}")
    expect(runs.nth(1).locator(".badge")).to_have_text("Succeeded")
    expect(runs.nth(2).locator(".badge")).to_have_text("Succeeded")
    no_horizontal_scroll(page)
    shots(page, "sync-status")

    # The failed run lists every problem with file, row and column
    runs.nth(0).click()
    expect(page.locator("#run-status")).to_have_text("Failed")
    expect(page.get_by_role("heading", name="2 errors")).to_be_visible()
    issues = page.locator(".issue")
    expect(issues).to_have_count(2)
    expect(issues.nth(0).locator(".issue-where")).to_contain_text(
        "price_list_entries.csv, row 2, column unit_price"
    )
    expect(issues.nth(0).locator(".issue-message")).to_have_text(
        "-5 is negative; unit_price cannot be below zero"
    )
    expect(issues.nth(1).locator(".issue-message")).to_have_text(
        "price for unknown SKU 'NO-SUCH-SKU'"
    )
    no_horizontal_scroll(page)
    shots(page, "failed-run")

    # The run that changed a price shows which field moved, and how
    page.goto(f"{server}/admin/sync/{changed}")
    page.get_by_text("Prices: examples").click()
    expect(page.locator(".samples", has_text="Prices")).to_contain_text(
        "STD-EUR / TS-PT100-100-A / each / 0 · unit_price 157 → 159"
    )
    no_horizontal_scroll(page)
    shots(page, "changed-run")
    assert page.goto(f"{server}/admin/sync/999999").status == 404  # type: ignore[union-attr]


def test_users_are_listed_with_role_and_manager(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    page = phone.new_page()
    log_in(page, server, "ada")
    page.goto(f"{server}/admin/users")
    users = page.locator(".user")
    expect(users).to_have_count(6)  # the demo team
    rita = page.locator(".user", has_text="Rita Rep")
    expect(rita.locator(".badge")).to_have_text("Rep")
    expect(rita).to_contain_text("Reports to maria")
    expect(rita).to_contain_text("web login")
    expect(page.locator(".user", has_text="Ada Admin").locator(".badge")).to_have_text("Admin")
    no_horizontal_scroll(page)
    shots(page, "users")


def test_a_token_is_created_shown_once_and_revoked(
    server: str, phone: BrowserContext, shots: Shots
) -> None:
    page = phone.new_page()
    log_in(page, server, "ada")
    page.goto(f"{server}/admin/tokens")
    page.get_by_label("Name").fill("Salesforce sync")
    page.get_by_label("Acts for").select_option("raj")
    page.get_by_label("quotes:read").check()
    page.get_by_label("Expires after").fill("30")
    page.get_by_role("button", name="Create token").click()

    secret_box = page.get_by_label("Token", exact=True)
    expect(secret_box).to_have_value(re.compile(r"^cpq_[0-9a-z]{10}_\S+$"))
    secret = secret_box.input_value()
    expect(page.locator(".secret")).to_contain_text("it is not shown again")
    token = page.locator(".token", has_text="Salesforce sync")
    expect(token).to_contain_text("Acts for raj · quotes:read")
    expect(token.locator(".badge")).to_have_text("Active")
    no_horizontal_scroll(page)
    shots(page, "token-created")

    with httpx.Client(base_url=server) as api:
        me = api.get("/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.status_code == 200
        assert me.json()["username"] == "raj"
        # shown once: the page never has it again, and a reload does not make another
        page.reload()
        expect(page.locator(".token", has_text="Salesforce sync")).to_have_count(1)
        expect(page.locator(".secret")).to_have_count(0)
        assert secret not in page.content()
        assert secret[len("cpq_") + 11 :] not in page.content()  # after the prefix

        page.get_by_role("button", name="Revoke “Salesforce sync”").click()
        expect(token.locator(".badge")).to_have_text("Revoked")
        expect(token.get_by_role("button")).to_have_count(0)
        shots(page, "token-revoked")
        gone = api.get("/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert gone.status_code == 401


def test_a_token_without_a_scope_is_refused_saying_why(server: str, phone: BrowserContext) -> None:
    page = phone.new_page()
    log_in(page, server, "ada")
    page.goto(f"{server}/admin/tokens")
    page.get_by_label("Name").fill("No scopes")
    page.get_by_label("Acts for").select_option("rita")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("alert")).to_contain_text("give at least one scope")
    expect(page.get_by_label("Name")).to_have_value("No scopes")
    expect(page.locator(".token", has_text="No scopes")).to_have_count(0)


def test_admin_pages_are_for_admins_and_their_forms_need_the_csrf_token(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        csrf = form_session(client, "maria")
        for path in ("/admin/sync", "/admin/sync/1", "/admin/users", "/admin/tokens"):
            answer = client.get(path)
            assert answer.status_code == 403, path
            assert "These pages are for admins." in answer.text
        assert "/admin/sync" not in client.get("/quotes").text  # no Admin in her menu
        made = client.post(
            "/admin/tokens",
            data={"csrf_token": csrf, "name": "sneaky", "user": "maria", "scopes": "quotes:read"},
        )
        assert made.status_code == 403
        assert client.post("/admin/tokens/1/revoke", data={"csrf_token": csrf}).status_code == 403
    with httpx.Client(base_url=server) as client:
        form_session(client, "ada")
        for data in ({}, {"csrf_token": "forged"}):
            answer = client.post(
                "/admin/tokens",
                data={**data, "name": "forged", "user": "rita", "scopes": "quotes:read"},
            )
            assert answer.status_code == 403
            assert "This form was not sent from a page of this site" in answer.text
        listing = client.get("/admin/tokens").text
        assert "sneaky" not in listing and "forged" not in listing
        assert "Demo CRM (acts for rita)" in listing


def test_axe_finds_nothing_serious_on_the_admin_pages(
    server: str, synced: tuple[int, int], browser: Browser
) -> None:
    _, failed = synced
    # axe is injected as a script: this context alone lets it past the pages' CSP
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    try:
        page = context.new_page()
        log_in(page, server, "ada")
        problems = {}
        for name, path in (
            ("sync", "/admin/sync"),
            ("failed run", f"/admin/sync/{failed}"),
            ("users", "/admin/users"),
            ("tokens", "/admin/tokens"),
        ):
            page.goto(f"{server}{path}")
            no_horizontal_scroll(page)
            problems[name] = serious_violations(page)
        assert problems == {"sync": [], "failed run": [], "users": [], "tokens": []}
    finally:
        context.close()
