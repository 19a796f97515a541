"""More of the web app in Chromium: threads, history, DMs, permalinks, hook editing, users,
notifications and a phone-width screen."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import login, open_team_menu
from tests.browser.test_web import Http
from tests.conftest import LiveServer


def _town(http: Http) -> dict[str, Any]:
    team = http.call("GET", "/api/v4/teams/name/main")
    result: dict[str, Any] = http.call(
        "GET", f"/api/v4/teams/{team['id']}/channels/name/town-square"
    )
    return result


def test_thread_reply_count_and_reply_box(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    town = _town(http)
    root = http.call("POST", "/api/v4/posts", {"channel_id": town["id"], "message": "release 1.2?"})
    http.call(
        "POST",
        "/api/v4/posts",
        {"channel_id": town["id"], "message": "ship it", "root_id": root["id"]},
    )
    login(page)
    page.locator(f"#post-{root['id']} .replies", has_text="1 reply").click()
    thread = page.locator("aside.thread")
    expect(thread.locator(".post")).to_have_count(2)
    box = thread.locator("textarea")
    box.fill("shipped")
    box.press("Enter")
    expect(thread.locator(".post", has_text="shipped")).to_have_count(1)
    replies = httpx.get(
        f"{live_server.url}/api/v4/posts/{root['id']}/thread", headers=http.headers
    ).json()
    assert len(replies["order"]) == 3


def test_message_box_posts_and_history_loads_on_scroll(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    town = _town(http)
    for i in range(75):
        http.call("POST", "/api/v4/posts", {"channel_id": town["id"], "message": f"history {i}"})
    login(page)
    expect(page.locator(".center .post")).to_have_count(60)
    page.locator(".center .posts").evaluate(
        "el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }"
    )
    expect(page.locator(".center .post")).to_have_count(75)
    assert page.locator(".center .post").first.inner_text().count("history 0") == 1
    box = page.locator(".composer textarea")
    box.fill("typed **here**")
    box.press("Enter")
    expect(page.locator(".center .post strong", has_text="here")).to_have_count(1)


def test_direct_message_url_and_permalink(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    http.member("bob")
    town = _town(http)
    post = http.call(
        "POST", "/api/v4/posts", {"channel_id": town["id"], "message": "the one to find"}
    )
    login(page)
    page.goto("/main/messages/@bob")
    expect(page.locator(".channel-header h1")).to_have_text("@ bob")
    page.locator(".composer textarea").fill("hi bob")
    page.locator(".composer textarea").press("Enter")
    expect(page.locator(".center .post", has_text="hi bob")).to_have_count(1)
    page.goto(f"/main/pl/{post['id']}")
    expect(page.locator(f"#post-{post['id']}.highlight")).to_have_count(1)
    assert page.url.endswith("/main/channels/town-square")


def test_edit_regenerate_test_and_delete_a_hook_in_the_ui(
    page: Any, live_server: LiveServer
) -> None:
    login(page)
    page.goto("/main/integrations/incoming_webhooks/add")
    page.fill("#display_name", "Grafana")
    page.check("input[name=channel_locked]")
    page.select_option("#message_format", "slack")
    page.click("button:has-text('Add')")
    row = page.locator("tr", has_text="Grafana")
    expect(row).to_contain_text("(locked)")
    expect(row).to_contain_text("slack")
    old_id = row.get_attribute("data-hook-id")
    row.locator("button:has-text('Send test message')").click()
    expect(page.locator(".notice")).to_have_text("Test message sent.")
    row.locator("a:has-text('Edit')").click()
    page.fill("#display_name", "Grafana alerts")
    page.select_option("#channel_id", label="# Off-Topic")
    page.click("button:has-text('Update')")
    row = page.locator("tr", has_text="Grafana alerts")
    expect(row).to_contain_text("Off-Topic")
    row.locator("button:has-text('Regenerate URL')").click()
    expect(page.locator(f"tr[data-hook-id='{old_id}']")).to_have_count(0)
    row = page.locator("tr", has_text="Grafana alerts")
    new_id = row.get_attribute("data-hook-id")
    assert new_id and new_id != old_id
    row.locator("button:has-text('Delete')").click()
    expect(page.locator("tr", has_text="Grafana alerts")).to_have_count(0)
    assert httpx.post(f"{live_server.url}/hooks/{new_id}", json={"text": "x"}).status_code == 400
    http = Http(live_server)
    team = http.call("GET", "/api/v4/teams/name/main")
    off = http.call(
        "GET", f"/api/v4/teams/{team['id']}/channels/name/off-topic"
    )  # first in the picker
    posts = http.call("GET", f"/api/v4/channels/{off['id']}/posts")
    assert any("Test message" in p["message"] for p in posts["posts"].values())


def test_console_users_create_promote_and_deactivate(page: Any, live_server: LiveServer) -> None:
    login(page)
    page.goto("/admin_console/user_management/users")
    page.fill("#new-username", "carol")
    page.fill("#new-email", "carol@example.com")
    page.fill("#new-password", "password-123")
    page.click("button:has-text('Create user')")
    row = page.locator("tr", has_text="carol")
    expect(row).to_contain_text("Member")
    row.locator("button:has-text('Make system admin')").click()
    expect(page.locator("tr", has_text="carol")).to_contain_text("System Admin")
    page.locator("tr", has_text="carol").locator("button:has-text('Deactivate')").click()
    expect(page.locator("tr", has_text="carol")).to_contain_text("Deactivated")
    assert (
        httpx.post(
            f"{live_server.url}/api/v4/users/login",
            json={"login_id": "carol", "password": "password-123"},
        ).status_code
        == 401
    )


def test_non_admin_sees_no_console(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    http.member("dan")
    login(page, "dan", "password-123")
    open_team_menu(page)
    expect(page.get_by_role("menuitem", name="Integrations")).to_be_visible()
    expect(page.locator("text=System Console")).to_have_count(0)
    page.goto("/admin_console/integrations/integration_management")
    expect(page.locator(".error")).to_contain_text("system admins")


def test_mention_raises_a_browser_notification(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(base_url=live_server.url)
    context.grant_permissions(["notifications"])
    context.add_init_script(
        "window.__notes = []; window.Notification = class { static permission = 'granted';"
        " static requestPermission() { return Promise.resolve('granted'); }"
        " constructor(title, options) { window.__notes.push([title, options.body]); } };"
    )
    page = context.new_page()
    http = Http(live_server)
    http.member("eve")
    town = _town(http)
    hook = http.call("POST", "/api/v4/hooks/incoming", {"channel_id": town["id"]})
    login(page, "eve", "password-123")
    page.click("text=Off-Topic")
    page.wait_for_selector(".composer textarea")
    httpx.post(f"{live_server.url}/hooks/{hook['id']}", json={"text": "@eve the build broke"})
    for _ in range(50):  # poll from Python: wait_for_function needs eval, which our CSP forbids
        if page.evaluate("window.__notes.length"):
            break
        page.wait_for_timeout(100)
    title, body = page.evaluate("window.__notes[0]")
    assert title == "admin in Town Square" and body == "@eve the build broke"
    context.close()


def test_phone_width_layout(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 800})
    page = context.new_page()
    login_page = page
    login_page.goto("/")
    login_page.fill("#login_id", "admin")
    login_page.fill("#password", "admin-password-1")
    login_page.click("button[type=submit]")
    page.wait_for_selector(".composer textarea")
    assert not page.locator(".sidebar").is_visible()
    page.click("button[aria-label='Show channels']")
    assert page.locator(".sidebar").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    context.close()
