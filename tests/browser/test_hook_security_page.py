"""The hook's page: its signing secret (create, shown once, replace, remove) and its allowed
networks (one per line, saved with the hook, a 400 shown under the field), at desktop and phone
widths."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, login
from tests.browser.test_web import Http
from tests.conftest import LiveServer

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def shoot(page: Any, name: str, focus: str) -> None:
    """Screenshots at both widths, with ``focus`` scrolled into view (the page scrolls inside
    its own pane, so a full-page shot would not show more)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.locator(focus).scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.set_viewport_size(DESKTOP)


def new_hook(http: Http, **fields: Any) -> dict[str, Any]:
    team = http.call("GET", "/api/v4/teams/name/main")
    channel = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    hook: dict[str, Any] = http.call(
        "POST", "/api/v4/hooks/incoming", {"channel_id": channel["id"], **fields}
    )
    return hook


def send_signed(live: LiveServer, key: str, secret: str) -> httpx.Response:
    body = b'{"text": "signed from the browser test"}'
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }
    return httpx.post(f"{live.url}/hooks/{key}", content=body, headers=headers)


def test_signing_secret_shown_once_replaced_removed(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    hook = new_hook(http, display_name="Deploys")
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto(f"/main/integrations/incoming_webhooks/edit?id={hook['id']}")
    section = page.locator("section.hook-secret")
    expect(section.locator("h2")).to_have_text("Signing secret")
    expect(section.locator(".secret-state")).to_contain_text("accepts unsigned requests")
    section.locator("button", has_text="Create secret").click()
    value = section.locator(".secret-value")
    expect(value).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    secret = value.inner_text()
    expect(section).to_contain_text("shown only once")
    expect(section.locator(".secret-state")).to_contain_text("must be signed")
    shoot(page, "hook-signing-secret", "section.hook-secret .actions")
    section.locator("button", has_text="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert http.call("GET", f"/api/v4/hooks/incoming/{hook['id']}")["has_signing_secret"] is True
    assert send_signed(live_server, hook["id"], secret).status_code == 200
    assert (
        httpx.post(f"{live_server.url}/hooks/{hook['id']}", json={"text": "x"}).status_code == 401
    )

    page.reload()  # never shown again
    expect(section.locator(".secret-state")).to_contain_text("must be signed")
    assert secret not in page.content()
    expect(section.locator(".secret-value")).to_have_count(0)
    section.locator("button", has_text="Replace secret").click()
    expect(section.locator(".secret-value")).to_have_count(1)
    replaced = section.locator(".secret-value").inner_text()
    assert replaced != secret and len(replaced) == 64
    assert send_signed(live_server, hook["id"], secret).status_code == 401
    assert send_signed(live_server, hook["id"], replaced).status_code == 200

    section.locator("button", has_text="Remove secret").click()
    expect(section.locator(".secret-state")).to_contain_text("accepts unsigned requests")
    expect(section.locator(".secret-value")).to_have_count(0)
    expect(section.locator("button", has_text="Create secret")).to_be_visible()
    assert http.call("GET", f"/api/v4/hooks/incoming/{hook['id']}")["has_signing_secret"] is False
    assert (
        httpx.post(f"{live_server.url}/hooks/{hook['id']}", json={"text": "x"}).status_code == 200
    )
    assert page.errors == []


def test_allowed_networks_saved_with_the_hook(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    hook = new_hook(http, display_name="Monitoring")
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto(f"/main/integrations/incoming_webhooks/edit?id={hook['id']}")
    field = page.locator("#allowed_cidrs")
    expect(field).to_have_value("")
    field.fill("203.0.113.0/24\nnot-a-network")
    page.click("button:has-text('Update')")
    error = page.locator("#allowed_cidrs-error")
    expect(error).to_contain_text("not-a-network")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    expect(page.locator("form > p.error[role=alert]:not(.field-error)")).to_have_text("")
    shoot(page, "hook-allowed-networks-error", "#allowed_cidrs-error")
    assert http.call("GET", f"/api/v4/hooks/incoming/{hook['id']}")["allowed_cidrs"] == []

    field.fill("203.0.113.7/24\n\n  2001:DB8::/32  \n")
    expect(error).to_have_text("")
    page.click("button:has-text('Update')")
    row = page.locator("tr", has_text="Monitoring")
    expect(row).to_contain_text("from 2 networks")
    saved = http.call("GET", f"/api/v4/hooks/incoming/{hook['id']}")
    assert saved["allowed_cidrs"] == ["203.0.113.0/24", "2001:db8::/32"]
    row.locator("a:has-text('Edit')").click()
    expect(page.locator("#allowed_cidrs")).to_have_value("203.0.113.0/24\n2001:db8::/32")
    shoot(page, "hook-page", "#allowed_cidrs")
    page.fill("#allowed_cidrs", "")
    page.click("button:has-text('Update')")
    expect(page.locator("tr", has_text="Monitoring")).not_to_contain_text("networks")
    assert http.call("GET", f"/api/v4/hooks/incoming/{hook['id']}")["allowed_cidrs"] == []
    assert page.errors == []


def test_add_a_hook_with_networks(page: Any, live_server: LiveServer) -> None:
    login(page)
    page.goto("/main/integrations/incoming_webhooks/add")
    expect(page.locator("section.hook-secret")).to_have_count(0)  # a secret needs the hook
    page.fill("#display_name", "Office")
    page.fill("#allowed_cidrs", "198.51.100.7")
    page.click("button:has-text('Add')")
    expect(page.locator("tr", has_text="Office")).to_contain_text("from 198.51.100.7/32")
    assert page.errors == []
