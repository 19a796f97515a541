"""The hook form's rate-limit fields: empty means the server's default (0), numbers are kept."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_web import Http
from tests.conftest import LiveServer


def _hook(http: Http, name: str) -> dict[str, Any]:
    team = http.call("GET", "/api/v4/teams/name/main")
    hooks = http.call("GET", f"/api/v4/hooks/incoming?team_id={team['id']}")
    [hook] = [h for h in hooks if h["display_name"] == name]
    return dict(hook)


def test_hook_form_sets_and_clears_the_rate_limit(page: Any, live_server: LiveServer) -> None:
    login(page)
    page.goto("/main/integrations/incoming_webhooks/add")
    page.fill("#display_name", "Sensors")
    page.fill("#rate_limit_per_sec", "5")
    page.click("button:has-text('Add')")
    row = page.locator("tr", has_text="Sensors")
    expect(row).to_have_count(1)
    http = Http(live_server)
    hook = _hook(http, "Sensors")
    assert (hook["rate_limit_per_sec"], hook["rate_limit_burst"]) == (5, 0)
    row.locator("a:has-text('Edit')").click()
    expect(page.locator("#rate_limit_per_sec")).to_have_value("5")
    expect(page.locator("#rate_limit_burst")).to_have_value("")
    page.fill("#rate_limit_per_sec", "")
    page.fill("#rate_limit_burst", "40")
    page.click("button:has-text('Update')")
    expect(page.locator("tr", has_text="Sensors")).to_have_count(1)
    hook = _hook(http, "Sensors")
    assert (hook["rate_limit_per_sec"], hook["rate_limit_burst"]) == (0, 40)
    assert page.errors == []
