"""Browser tests: Playwright for Python driving Debian's /usr/bin/chromium, headless."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inbound.settings import Settings
from tests.conftest import server_settings

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent.parent.parent / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """Browser tests exercise the front end, so one database (SQLite) is enough."""
    path = tmp_path / "inbound.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="package")  # Playwright's sync API holds a loop: end it with this package
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"browser tests: no {CHROMIUM} (apt-get install chromium fonts-noto-color-emoji)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.grant_permissions(["notifications", "clipboard-read", "clipboard-write"])
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "dialog",
        lambda dialog: (
            errors.append(f"dialog: {dialog.message}") if dialog.type == "alert" else None,
            dialog.accept(),
        ),
    )
    opened.errors = errors
    yield opened
    context.close()


@pytest.fixture
def settings(request: pytest.FixtureRequest, database_url: str) -> Settings:
    return server_settings(request, database_url)


def login(page: Any, username: str = "admin", password: str = "admin-password-1") -> None:
    page.goto("/")
    page.fill("#login_id", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector(".sidebar")


def open_team_menu(page: Any) -> None:
    """Open the team menu (Integrations, System Console). A click that lands while the app is
    still drawing its first view can be lost with the button it hit: click again, at most
    three times, until the menu shows."""
    for attempt in range(3):
        page.click(".team-button")
        try:
            page.wait_for_selector("[role=menu] >> text=Integrations", timeout=3_000)
            return
        except Exception:
            if attempt == 2:
                raise
