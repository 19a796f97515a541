"""The System Console (its own navigation, settings pages, users) and Integrations › Incoming
Webhooks, in headless Chromium, at desktop and phone widths."""

from __future__ import annotations

import time
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, login, open_team_menu
from tests.browser.test_web import Http
from tests.conftest import LiveServer
from tests.test_console_settings import console_rows, readme_settings

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def radio(key: str, value: bool) -> str:
    return f"input[name='{key}'][value={'true' if value else 'false'}]"


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(100)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.set_viewport_size(DESKTOP)


def test_console_has_its_own_navigation(page: Any, live_server: LiveServer) -> None:
    page.set_viewport_size(DESKTOP)
    login(page)
    open_team_menu(page)  # the team menu holds Integrations and the System Console
    page.click("text=System Console")
    nav = page.locator("nav.console-nav")
    expect(nav.locator("a[aria-current=page]")).to_have_text("Integration Management")
    expect(page.locator(".sidebar")).to_have_count(0)  # not the channel sidebar
    groups = nav.locator("h2").all_inner_texts()
    assert [g.lower() for g in groups] == [
        g.lower()
        for g in [
            "User Management",
            "Environment",
            "Site Configuration",
            "Authentication",
            "Integrations",
        ]
    ]
    nav.locator("a", has_text="Rate Limiting").click()
    expect(page).to_have_url(f"{live_server.url}/admin_console/environment/rate_limiting")
    expect(page.locator(".console-header h1")).to_have_text("Environment › Rate Limiting")
    expect(page.locator(".setting")).to_have_count(8)
    expect(page.locator(".setting", has_text="Maximum burst size")).to_contain_text("Default: 100")
    shoot(page, "console-rate-limiting")
    page.set_viewport_size(PHONE)
    expect(nav).to_be_hidden()
    page.click("button[aria-label='Show console menu']")
    expect(nav).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "console-nav-phone.png"))
    nav.locator("a", has_text="Signup").click()
    expect(page.locator(".console-header h1")).to_have_text("Authentication › Signup")
    expect(nav).to_be_hidden()
    page.set_viewport_size(DESKTOP)
    nav.locator("a", has_text="Back to Main").click()
    expect(page).to_have_url(f"{live_server.url}/main/channels/town-square")
    assert page.errors == []


def test_every_documented_setting_is_on_a_console_page(page: Any, live_server: LiveServer) -> None:
    login(page)
    page.goto("/admin_console/integrations/integration_management")
    shown: list[str] = []
    links = page.locator("nav.console-nav li a")
    expect(links).to_have_count(13)
    for i in range(links.count()):
        links.nth(i).click()
        expect(links.nth(i)).to_have_attribute("aria-current", "page")
        page.wait_for_selector(".console-body :is(.settings, .user-filters)")
        shown += page.locator(".setting").evaluate_all("rows => rows.map(r => r.dataset.key)")
    assert sorted(shown) == sorted(readme_settings())
    assert len(console_rows()) == len(shown)


def test_bool_number_and_text_settings_are_saved(page: Any, live_server: LiveServer) -> None:
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto("/admin_console/integrations/integration_management")
    page.check(radio("ServiceSettings.EnablePostIconOverride", True))
    page.fill("#ServiceSettings-IncomingWebhookKeyGracePeriodSeconds", "0")
    page.click("button:has-text('Save')")
    expect(page.locator(".save-status")).to_have_text("Saved.")
    expect(page.locator("button:has-text('Save')")).to_be_disabled()
    shoot(page, "console-integration-management")
    page.goto("/admin_console/environment/web_server")
    page.fill("#ServiceSettings-SiteURL", "https://chat.example.com/")
    page.click("button:has-text('Save')")
    expect(page.locator(".save-status")).to_have_text("Saved.")
    service = Http(live_server).call("GET", "/api/v4/config")["ServiceSettings"]
    assert service["EnablePostIconOverride"] is True
    assert service["IncomingWebhookKeyGracePeriodSeconds"] == 0
    assert service["SiteURL"] == "https://chat.example.com"
    page.reload()
    expect(page.locator("#ServiceSettings-SiteURL")).to_have_value("https://chat.example.com")
    page.goto("/admin_console/integrations/integration_management")
    expect(page.locator(radio("ServiceSettings.EnablePostIconOverride", True))).to_be_checked()


def test_a_list_setting_is_a_comma_separated_field(page: Any, live_server: LiveServer) -> None:
    """``ServiceSettings.TrustedProxyIPHeader``, the first list setting: shown joined by commas,
    saved as a JSON array, cleared to []."""
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto("/admin_console/environment/web_server")
    field = page.locator("#ServiceSettings-TrustedProxyIPHeader")
    expect(field).to_have_value("")
    row = page.locator(".setting[data-key='ServiceSettings.TrustedProxyIPHeader']")
    expect(row).to_contain_text("Default: empty")
    field.fill(" X-Forwarded-For ,X-Real-IP, ")
    page.click("button:has-text('Save')")
    expect(page.locator(".save-status")).to_have_text("Saved.")
    http = Http(live_server)
    service = http.call("GET", "/api/v4/config")["ServiceSettings"]
    assert service["TrustedProxyIPHeader"] == ["X-Forwarded-For", "X-Real-IP"]
    page.reload()
    expect(field).to_have_value("X-Forwarded-For, X-Real-IP")
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        row.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"console-trusted-proxy-header-{label}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.set_viewport_size(DESKTOP)
    field.fill("")
    page.click("button:has-text('Save')")
    expect(page.locator(".save-status")).to_have_text("Saved.")
    assert http.call("GET", "/api/v4/config")["ServiceSettings"]["TrustedProxyIPHeader"] == []
    assert page.errors == []


def test_a_server_validation_error_is_shown_next_to_its_setting(
    page: Any, live_server: LiveServer
) -> None:
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto("/admin_console/authentication/password")
    page.fill("#ServiceSettings-MaximumLoginAttempts", "0")
    page.click("button:has-text('Save')")
    row = page.locator(".setting[data-key='ServiceSettings.MaximumLoginAttempts']")
    expect(row.locator(".setting-error")).to_contain_text("between 1 and 1000")
    expect(row).to_have_class("setting has-error")
    expect(page.locator(".save-status")).to_contain_text("Not saved")
    shoot(page, "console-validation-error")
    config = Http(live_server).call("GET", "/api/v4/config")
    assert config["ServiceSettings"]["MaximumLoginAttempts"] == 10
    page.fill("#ServiceSettings-MaximumLoginAttempts", "5")
    page.click("button:has-text('Save')")
    expect(page.locator(".save-status")).to_have_text("Saved.")
    expect(row.locator(".setting-error")).to_have_text("")


def test_users_search_filters_and_unlock(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    for name in ("alice", "alfred", "bob"):
        http.member(name)
    alfred = http.call("GET", "/api/v4/users/username/alfred")
    http.call("PUT", f"/api/v4/users/{alfred['id']}/roles", {"roles": "system_user system_admin"})
    bob = http.call("GET", "/api/v4/users/username/bob")
    http.call("PUT", f"/api/v4/users/{bob['id']}/active", {"active": False})
    for _ in range(3):
        httpx.post(
            f"{live_server.url}/api/v4/users/login", json={"login_id": "alice", "password": "no"}
        )
    http.call("PUT", "/api/v4/config/patch", {"ServiceSettings": {"MaximumLoginAttempts": 3}})
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto("/admin_console/user_management/users")
    rows = page.locator(".users-table tbody tr")
    expect(rows).to_have_count(4)  # admin, alfred, alice, bob
    page.fill("#user-search", "al")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("alfred")
    page.select_option("#user-role", "system_admin")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("System Admin")
    page.select_option("#user-role", "")
    page.fill("#user-search", "bob@example")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Deactivated")
    page.select_option("#user-status", "active")
    expect(rows).to_have_text(["No users match."])
    page.fill("#user-search", "")
    expect(rows).to_have_count(3)
    page.select_option("#user-status", "inactive")
    expect(rows).to_have_count(1)
    page.select_option("#user-status", "")
    alice = page.locator("tr", has_text="alice")
    expect(alice.locator(".pill")).to_have_text("Locked")
    shoot(page, "console-users")
    alice.locator("button:has-text('Unlock')").click()
    expect(page.locator("tr", has_text="alice").locator(".pill")).to_have_text("Active")
    ok = httpx.post(
        f"{live_server.url}/api/v4/users/login",
        json={"login_id": "alice", "password": "password-123"},
    )
    assert ok.status_code == 200
    assert page.errors == []


def test_incoming_webhooks_columns_and_filter(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    team = http.call("GET", "/api/v4/teams/name/main")
    town = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    off = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/off-topic")
    used = http.call(
        "POST",
        "/api/v4/hooks/incoming",
        {"channel_id": town["id"], "display_name": "Grafana", "description": "disk alerts"},
    )
    http.call(
        "POST",
        "/api/v4/hooks/incoming",
        {"channel_id": off["id"], "display_name": "CI", "description": "nightly builds"},
    )
    assert httpx.post(f"{live_server.url}/hooks/{used['id']}", json={"text": "hi"}).text == "ok"
    time.sleep(1.2)  # last_used_at is written behind the hook path
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto("/main/integrations/incoming_webhooks")
    expect(page.locator(".hooks-table tbody tr")).to_have_count(2)
    headers = page.locator(".hooks-table th").all_inner_texts()
    assert [h.lower() for h in headers] == ["webhook", "channel", "created by", "activity", ""]
    grafana = page.locator("tr", has_text="Grafana")
    cells = grafana.locator("td")
    expect(cells.nth(0)).to_contain_text("disk alerts")
    expect(cells.nth(0).locator(".hook-url")).to_contain_text(f"/hooks/{used['id']}")
    expect(cells.nth(1)).to_have_text("Town Square")
    expect(cells.nth(2)).to_contain_text("admin")
    expect(cells.nth(3)).to_contain_text("Last used")
    expect(page.locator("tr", has_text="nightly").locator("td").nth(3)).to_have_text("Never used")
    add = page.locator("a.button.primary", has_text="Add incoming webhook")
    expect(add).to_be_visible()
    shoot(page, "integrations-list")
    page.fill(".hook-filter", "off-top")  # by channel
    expect(page.locator(".hooks-table tbody tr:visible")).to_have_count(1)
    expect(page.locator(".hooks-table tbody tr:visible")).to_contain_text("CI")
    page.fill(".hook-filter", "disk")  # by description
    expect(page.locator(".hooks-table tbody tr:visible")).to_contain_text("Grafana")
    page.fill(".hook-filter", "nothing like it")
    expect(page.locator(".hooks-table tbody tr:visible")).to_have_count(0)
    page.fill(".hook-filter", "")
    grafana.locator("button:has-text('Copy URL')").click()
    assert page.evaluate("navigator.clipboard.readText()").endswith(f"/hooks/{used['id']}")
    assert page.errors == []


def test_incoming_webhooks_empty_state(page: Any, live_server: LiveServer) -> None:
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto("/main/integrations/incoming_webhooks")
    empty = page.locator(".empty-state")
    expect(empty).to_contain_text("No incoming webhooks yet")
    expect(empty.locator(".curl")).to_contain_text("curl -i -X POST")
    shoot(page, "integrations-empty")
    empty.locator("a", has_text="Add incoming webhook").click()
    expect(page).to_have_url(f"{live_server.url}/main/integrations/incoming_webhooks/add")
