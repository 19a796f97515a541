"""The app's chrome in Chromium: the channel header, the team and user menus, browsing, joining
and creating channels, the Ctrl+K switcher, and all of it at phone width."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, login
from tests.browser.test_web import Http
from tests.conftest import LiveServer

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def team_id(http: Http) -> str:
    team: str = http.call("GET", "/api/v4/teams/name/main")["id"]
    return team


def new_channel(http: Http, name: str, *, purpose: str = "", private: bool = False) -> Any:
    body = {
        "team_id": team_id(http),
        "name": name,
        "display_name": name.replace("-", " ").title(),
        "purpose": purpose,
        "type": "P" if private else "O",
    }
    return http.call("POST", "/api/v4/channels", body)


def sign_in(page: Any) -> None:
    """``login`` without waiting for the sidebar, which a phone keeps hidden."""
    page.goto("/")
    page.fill("#login_id", "admin")
    page.fill("#password", "admin-password-1")
    page.click("button[type=submit]")
    page.wait_for_selector(".composer textarea")


def open_channel(page: Any, name: str) -> None:
    page.goto(f"/main/channels/{name}")
    page.wait_for_selector(".composer textarea")


def test_header_shows_name_count_and_text_and_members_edit_it(
    page: Any, live_server: LiveServer
) -> None:
    admin = Http(live_server)
    admin.member("ann")
    ann = Http(live_server, "ann", "password-123")
    channel = new_channel(ann, "deploys", purpose="Where releases go out")
    me = admin.call("GET", "/api/v4/users/me")
    admin.call("POST", f"/api/v4/channels/{channel['id']}/members", {"user_id": me["id"]})
    login(page)
    open_channel(page, "deploys")
    header = page.locator(".channel-header")
    expect(header.locator("h1")).to_have_text("# Deploys")
    expect(header.locator(".member-count")).to_have_text("2")
    expect(header.locator(".member-count")).to_have_attribute("aria-label", "2 members")
    expect(header.locator(".header-text")).to_have_text("Where releases go out")
    header.locator(".channel-name").click()
    page.get_by_role("menuitem", name="Edit channel header").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("textarea").fill("x" * 1025)
    expect(dialog.locator(".counter")).to_have_text("1025 / 1024")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("at most 1024")
    long = "Runbook: https://example.com/runbook " + "and more words " * 20
    dialog.locator("textarea").fill(long)
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(header.locator(".header-text")).to_have_text(long)
    expect(header.locator(".header-text")).to_have_attribute("title", long)
    assert page.evaluate("document.activeElement.className") == "channel-name"
    # another member's edit arrives live, over the websocket
    ann.call("PUT", f"/api/v4/channels/{channel['id']}/patch", {"header": "Freeze until Monday"})
    expect(page.locator(".channel-header .header-text")).to_have_text("Freeze until Monday")
    ann.call("PUT", f"/api/v4/channels/{channel['id']}/patch", {"display_name": "Releases"})
    expect(page.locator(".channel-header h1")).to_have_text("# Releases")
    expect(page.locator(f".sidebar a[data-channel-id='{channel['id']}']")).to_have_text(
        "# Releases"
    )
    page.locator(".channel-header .header-text").click()
    info = page.get_by_role("dialog")
    expect(info.locator(".info-members li")).to_have_count(2)
    expect(info).to_contain_text("Where releases go out")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert page.errors == []


def test_direct_message_header_edits_only_the_header(page: Any, live_server: LiveServer) -> None:
    Http(live_server).member("bob")
    login(page)
    page.goto("/main/messages/@bob")
    page.wait_for_selector(".composer textarea")
    expect(page.locator(".channel-header h1")).to_have_text("@ bob")
    page.locator(".channel-header .header-text.add").click()
    page.get_by_role("dialog").locator("textarea").fill("Pairing notes")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    expect(page.locator(".channel-header .header-text")).to_have_text("Pairing notes")
    expect(page.locator(".channel-header h1")).to_have_text("@ bob")
    page.locator(".channel-name").click()
    expect(page.get_by_role("menuitem")).to_have_text(["View info", "Edit channel header"])
    assert page.errors == []


def test_team_menu_is_a_keyboard_menu_and_switches_team(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    other = http.call("POST", "/api/v4/teams", {"name": "ops", "display_name": "Ops Team"})
    login(page)
    team_button = page.locator(".team-button")
    expect(team_button).to_contain_text("Main")
    team_button.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    expect(team_button).to_have_attribute("aria-expanded", "true")
    items = menu.locator("[role^=menuitem]")
    expect(items).to_have_text(
        [
            "Main",
            "Ops Team",
            "Browse channels",
            "Create new channel",
            "Integrations",
            "System Console",
        ]
    )
    expect(page.get_by_role("menuitemradio", name="Main")).to_have_attribute("aria-checked", "true")
    expect(items.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(items.last).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)
    expect(team_button).to_be_focused()
    expect(team_button).to_have_attribute("aria-expanded", "false")
    team_button.click()
    page.get_by_role("menuitemradio", name="Ops Team").click()
    page.wait_for_url("**/ops/channels/town-square")
    expect(page.locator(".team-button")).to_contain_text("Ops Team")
    assert other["name"] == "ops"
    page.locator(".team-button").click()
    page.mouse.click(900, 500)  # outside closes
    expect(page.get_by_role("menu")).to_have_count(0)
    assert page.errors == []


def test_user_menu_names_the_user_and_logs_out(page: Any, live_server: LiveServer) -> None:
    login(page)
    user_button = page.locator(".user-button")
    expect(user_button).to_contain_text("admin")
    expect(user_button.locator(".me-avatar")).to_have_text("AD")
    user_button.click()
    expect(page.get_by_role("menu")).to_contain_text("@admin")
    page.get_by_role("menuitem", name="Log out").click()
    page.wait_for_url("**/login**")
    assert page.errors == []


def test_browse_filter_and_join(page: Any, live_server: LiveServer) -> None:
    admin = Http(live_server)
    admin.member("cat")
    cat = Http(live_server, "cat", "password-123")
    new_channel(cat, "incidents", purpose="Pager alerts and the people who answer them")
    new_channel(cat, "lunch", purpose="Food")
    new_channel(cat, "secret-plans", private=True)
    login(page)
    page.get_by_role("button", name="Add channels").click()
    page.get_by_role("menuitem", name="Browse channels").click()
    dialog = page.get_by_role("dialog", name="Browse channels")
    rows = dialog.locator(".browse-row")
    expect(rows).to_have_count(2)  # not the private one, not those I am in
    expect(rows.first).to_contain_text("Incidents")
    expect(rows.first).to_contain_text("Pager alerts and the people who answer them")
    expect(rows.first.locator(".browse-count")).to_contain_text("1")
    dialog.get_by_role("searchbox").fill("foo")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lunch")
    dialog.get_by_role("searchbox").fill("zzz")
    expect(dialog.locator(".empty")).to_have_text("No channels match your search.")
    dialog.get_by_role("searchbox").fill("inc")
    dialog.get_by_role("button", name="Join Incidents").click()
    page.wait_for_url("**/main/channels/incidents")
    expect(page.locator(".channel-header h1")).to_have_text("# Incidents")
    expect(page.locator(".sidebar a[aria-current=page]")).to_have_text("# Incidents")
    expect(page.locator(".channel-header .member-count")).to_have_text("2")
    assert page.errors == []


def test_create_channel_with_slug_privacy_and_inline_errors(
    page: Any, live_server: LiveServer
) -> None:
    login(page)
    page.get_by_role("button", name="Add channels").click()
    page.get_by_role("menuitem", name="Create new channel").click()
    dialog = page.get_by_role("dialog", name="Create a new channel")
    dialog.get_by_label("Name", exact=True).fill("Off Topic")
    expect(dialog.locator("#new-channel-slug")).to_have_value("off-topic")
    dialog.get_by_role("button", name="Create channel").click()
    expect(dialog.get_by_role("alert")).to_contain_text("already exists")
    dialog.get_by_label("Name", exact=True).fill("Ünïcode Release Notes!")
    expect(dialog.locator("#new-channel-slug")).to_have_value("unicode-release-notes")
    dialog.get_by_label("Purpose (optional)").fill("What shipped")
    dialog.get_by_text("Private channel").click()
    dialog.get_by_role("button", name="Create channel").click()
    page.wait_for_url("**/main/channels/unicode-release-notes")
    expect(page.locator(".channel-header h1")).to_have_text("🔒 Ünïcode Release Notes!")
    expect(page.locator(".channel-header .header-text")).to_have_text("What shipped")
    assert page.errors == []


def test_ctrl_k_switcher(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    town = http.call("GET", f"/api/v4/teams/{team_id(http)}/channels/name/town-square")
    new_channel(http, "zebra-crossing")
    login(page)
    open_channel(page, "off-topic")
    http.call("POST", "/api/v4/posts", {"channel_id": town["id"], "message": "news"})
    expect(page.locator(f".sidebar a[data-channel-id='{town['id']}']")).to_have_class("unread")
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name="Switch channels")
    expect(dialog).to_be_visible()
    box = dialog.get_by_role("combobox")
    expect(box).to_be_focused()
    options = dialog.get_by_role("option")
    expect(options.first).to_contain_text("Town Square")  # unread first
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.fill("zeb")
    expect(options).to_have_count(1)
    box.fill("tsq")  # letters in order
    expect(options.first).to_contain_text("Town Square")
    box.fill("o")
    expect(options.first).to_contain_text("Off-Topic")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.keyboard.press("Meta+k")
    page.get_by_role("combobox").fill("zebra")
    page.keyboard.press("Enter")
    page.wait_for_url("**/main/channels/zebra-crossing")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert page.errors == []


def test_phone_width_menus_and_dialogs_fit(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    sign_in(page)
    header = page.locator(".channel-header")
    expect(header.locator(".member-count")).to_be_visible()
    expect(header.locator(".header-text")).to_be_hidden()
    toggle = page.get_by_role("button", name="Show channels")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.locator(".team-button").click()
    menu = page.get_by_role("menu")
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.keyboard.press("Escape")
    expect(page.locator(".layout.show-sidebar")).to_have_count(
        1
    )  # the menu closed, not the sidebar
    page.mouse.click(370, 400)  # the scrim closes the sidebar
    expect(page.locator(".layout.show-sidebar")).to_have_count(0)
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog")
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_screenshots(browser: Any, live_server: LiveServer, viewport: dict[str, int]) -> None:
    """The pictures for review: header, team menu, user menu, browse dialog, switcher."""
    http = Http(live_server)
    http.member("dana")
    dana = Http(live_server, "dana", "password-123")
    town = http.call("GET", f"/api/v4/teams/{team_id(http)}/channels/name/town-square")
    http.call(
        "PUT",
        f"/api/v4/channels/{town['id']}/patch",
        {
            "header": "Company-wide announcements and work-related matters · see the handbook for "
            "how we use this channel, who to ask, and when the office is open"
        },
    )
    for name, purpose in [
        ("incidents", "Pager alerts and the people who answer them"),
        (
            "design-reviews",
            "Figma links, critique, and a very long purpose that should be cut "
            "off with an ellipsis rather than wrap onto many lines in the list",
        ),
        ("lunch", ""),
    ]:
        new_channel(dana, name, purpose=purpose)
    http.call("POST", "/api/v4/posts", {"channel_id": town["id"], "message": "hello"})
    http.call("POST", "/api/v4/teams", {"name": "ops", "display_name": "Operations"})
    off_topic = http.call("GET", f"/api/v4/teams/{team_id(http)}/channels/name/off-topic")
    dana.call("POST", "/api/v4/posts", {"channel_id": off_topic["id"], "message": "@admin lunch?"})
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    sign_in(page)
    ARTIFACTS.mkdir(exist_ok=True)
    size = viewport["width"]
    phone = size < 700

    def shot(name: str) -> None:
        page.wait_for_timeout(150)
        page.screenshot(path=str(ARTIFACTS / f"chrome-{name}-{size}.png"))

    open_channel(page, "town-square")
    expect(page.locator(".member-count")).to_have_text("2")
    expect(page.locator(".center .post")).to_have_count(1)
    shot("header")
    if phone:
        page.get_by_role("button", name="Show channels").click()
    page.locator(".team-button").click()
    shot("team-menu")
    page.keyboard.press("Escape")
    page.locator(".user-button").click()
    shot("user-menu")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Add channels").click()
    page.get_by_role("menuitem", name="Browse channels").click()
    expect(page.locator(".browse-row")).to_have_count(3)
    shot("browse")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Add channels").click()
    page.get_by_role("menuitem", name="Create new channel").click()
    page.get_by_label("Name", exact=True).fill("Release Notes")
    shot("create")
    page.keyboard.press("Escape")
    if phone:
        page.keyboard.press("Escape")  # the sidebar
    page.keyboard.press("Control+k")
    expect(page.get_by_role("option").first).to_be_visible()
    shot("switcher")
    page.keyboard.press("Escape")
    page.locator(".channel-name").click()
    shot("channel-menu")
    page.keyboard.press("Escape")
    expect(page.locator(".channel-name")).to_be_focused()
    context.close()
