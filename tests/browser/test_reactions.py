"""Reactions in Chromium: 👀 from the picker on a webhook alert, another user's reaction
arriving live, removing mine with a click, the picker by keyboard, and a phone-width screen."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, login
from tests.browser.test_web import Http
from tests.conftest import LiveServer


def _alert(http: Http) -> str:
    """A webhook post like a monitoring alert; its id."""
    team = http.call("GET", "/api/v4/teams/name/main")
    town = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    hook = http.call(
        "POST", "/api/v4/hooks/incoming", {"channel_id": town["id"], "display_name": "CI"}
    )
    body = {
        "username": "alertmanager",
        "icon_emoji": ":rotating_light:",
        "attachments": [
            {
                "color": "#a30200",
                "title": "[FIRING:1] DiskFull db-1",
                "text": "/var/lib/postgresql is 97% full",
                "fields": [{"title": "severity", "value": "critical", "short": True}],
            }
        ],
    }
    assert httpx.post(f"{http.url}/hooks/{hook['id']}", json=body).status_code == 200
    page = http.call("GET", f"/api/v4/channels/{town['id']}/posts?per_page=1")
    post_id: str = page["order"][0]
    return post_id


def test_react_from_picker_live_and_remove(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    bob = http.member("bob")
    bob_http = Http(live_server, "bob", "password-123")
    post_id = _alert(http)
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page)
    post = page.locator(f".center #post-{post_id}")
    post.hover()
    post.locator(".menu-react").click()  # no reactions yet: the post menu's React opens the picker
    picker = page.locator(".emoji-picker")
    expect(picker).to_be_visible()
    expect(picker.locator(".emoji-search")).to_be_focused()
    expect(picker.locator(".emoji-grid:not(.frequent) .emoji").first).to_be_visible()  # catalogue
    page.screenshot(path=str(ARTIFACTS / "reactions-picker-1440.png"))
    picker.locator(".frequent .emoji[data-name=eyes]").click()
    expect(picker).to_have_count(0)
    eyes = post.locator(".reaction[data-emoji=eyes]")
    expect(eyes.locator(".reaction-count")).to_have_text("1")
    expect(eyes).to_have_attribute("aria-pressed", "true")
    expect(eyes).to_have_attribute("title", "You reacted with :eyes:")

    body = {"user_id": bob["id"], "post_id": post_id, "emoji_name": "eyes"}
    bob_http.call("POST", "/api/v4/reactions", body)  # arrives over the websocket
    expect(eyes.locator(".reaction-count")).to_have_text("2")
    expect(eyes).to_have_attribute("title", "You and bob reacted with :eyes:")
    bob_http.call("POST", "/api/v4/reactions", {**body, "emoji_name": "white_check_mark"})
    check = post.locator(".reaction[data-emoji=white_check_mark]")
    expect(check).to_have_attribute("aria-pressed", "false")
    expect(check.locator(".reaction-emoji")).to_have_text("✅")
    page.mouse.move(0, 0)
    page.screenshot(path=str(ARTIFACTS / "reactions-chips-1440.png"))

    eyes.click()  # mine: removes it
    expect(eyes.locator(".reaction-count")).to_have_text("1")
    expect(eyes).to_have_attribute("aria-pressed", "false")
    expect(eyes).to_have_attribute("title", "bob reacted with :eyes:")
    listed = http.call("GET", f"/api/v4/posts/{post_id}/reactions")
    assert sorted((r["user_id"], r["emoji_name"]) for r in listed) == sorted(
        [(bob["id"], "eyes"), (bob["id"], "white_check_mark")]
    )
    assert page.errors == []


def test_picker_by_keyboard(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    post_id = _alert(http)
    login(page)
    post = page.locator(f".center #post-{post_id}")
    add = post.locator(".menu-react")
    add.focus()
    page.keyboard.press("Enter")
    search = page.locator(".emoji-picker .emoji-search")
    expect(search).to_be_focused()
    page.keyboard.press("Escape")  # closes, and focus goes back
    expect(page.locator(".emoji-picker")).to_have_count(0)
    expect(add).to_be_focused()
    page.keyboard.press("Enter")
    search.type("tada")
    expect(page.locator(".emoji-picker .emoji-results-title")).to_contain_text("tada")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # the first result, 🎉
    expect(post.locator(".reaction[data-emoji=tada]")).to_be_focused()
    expect(post.locator(".reaction[data-emoji=tada]")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Enter")  # the focused chip toggles mine off
    expect(post.locator(".reaction")).to_have_count(0)
    assert page.errors == []


def test_phone_width(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    post_id = _alert(http)
    for name in ("eyes", "+1", "fire"):
        http.call("POST", "/api/v4/reactions", _mine(http, post_id, name))
    login(page)
    page.set_viewport_size({"width": 390, "height": 844})
    post = page.locator(f".center #post-{post_id}")
    expect(post.locator(".reaction")).to_have_count(3)
    page.screenshot(path=str(ARTIFACTS / "reactions-chips-390.png"))
    post.locator(".reaction-add").click()
    sheet = page.locator(".emoji-picker")
    expect(sheet).to_be_visible()
    box = sheet.bounding_box()
    assert box["x"] == 0 and box["width"] == 390  # a sheet across the bottom
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "reactions-picker-390.png"))
    assert page.errors == []


def _mine(http: Http, post_id: str, name: str) -> dict[str, str]:
    me = http.call("GET", "/api/v4/users/me")
    return {"user_id": me["id"], "post_id": post_id, "emoji_name": name}
