"""Page tests: the real demo server (one per test module) driven by Debian's Chromium.

    def test_x(server: str, phone: BrowserContext, shots: Shots) -> None:
        page = phone.new_page()
        page.goto(f"{server}/quotes")
        shots(page, "my-quotes")        # build/screenshots/<test>/01-my-quotes.png

``phone`` is a 390x844 touch context, ``desktop`` a 1280x900 one; both enforce the pages'
Content-Security-Policy. Helpers (``log_in``, ``no_horizontal_scroll``): ``browsing.py``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import CHROMIUM, Shots
from databases import PG_URL, fresh_database
from e2e_env import cpq_env, free_port, running
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SCREENSHOTS = Path(os.environ.get("CPQ_SCREENSHOTS_DIR", "build/screenshots"))


@pytest.fixture(scope="module")
def server(template_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``cpq demo`` on a fresh database of its own: the demo catalog and team, the real HTTP."""
    folder = tmp_path_factory.mktemp("pages-server")
    port = free_port()
    with fresh_database(template_url, folder) as db_url:
        env = cpq_env(
            database_url=db_url if PG_URL else f"sqlite:///{folder / 'demo.sqlite3'}",
            data_dir=str(folder),
            port=str(port),
        )
        with running(["demo"], env, port, timeout=120) as url:
            yield url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make browser` (apt chromium)"
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield browser
    browser.close()


def _context(browser: Browser, **options: object) -> Iterator[BrowserContext]:
    """A fresh context; a script error or a Content-Security-Policy violation in any of its
    pages fails the test (an answer's own 4xx status is not an error of the page)."""
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    errors: list[str] = []
    context.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None
        ),
    )
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    context.close()
    assert not errors, f"errors in the browser: {errors}"


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser, **PHONE)


@pytest.fixture
def other_phone(browser: Browser) -> Iterator[BrowserContext]:
    """A second person's phone, beside ``phone``."""
    yield from _context(browser, **PHONE)


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser, **DESKTOP)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    """``shots(page, "step")`` saves a full-page screenshot, numbered in the order taken."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    folder = SCREENSHOTS / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    taken = 0

    def shoot(page: Page, step: str) -> Path:
        nonlocal taken
        taken += 1
        path = folder / f"{taken:02d}-{step}.png"
        # caret="initial": hiding the caret injects a style the pages' CSP refuses
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return shoot
