"""The add-hook form makes hooks locked to their channel unless the box is unticked."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_hook_rate_limit_form import _hook
from tests.browser.test_web import Http
from tests.conftest import LiveServer


def test_new_hooks_are_locked_unless_unticked(page: Any, live_server: LiveServer) -> None:
    login(page)
    page.goto("/main/integrations/incoming_webhooks/add")
    expect(page.locator("input[name=channel_locked]")).to_be_checked()
    page.fill("#display_name", "Locked")
    page.click("button:has-text('Add')")
    expect(page.locator("tr", has_text="Locked")).to_contain_text("(locked)")
    page.goto("/main/integrations/incoming_webhooks/add")
    page.fill("#display_name", "Roaming")
    page.uncheck("input[name=channel_locked]")
    page.click("button:has-text('Add')")
    expect(page.locator("tr", has_text="Roaming")).to_have_count(1)
    http = Http(live_server)
    assert _hook(http, "Locked")["channel_locked"] is True
    assert _hook(http, "Roaming")["channel_locked"] is False
