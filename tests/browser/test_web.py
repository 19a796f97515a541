"""The web app end to end in headless Chromium: log in, manage hooks, read live posts."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, login, open_team_menu
from tests.conftest import LiveServer

TABLE = (
    "#### Test results\n@channel please review.\n\n"
    "| Component | Tests Run | Tests Failed |\n|:--|:--|:--|\n"
    "| Server | 948 | :white_check_mark: 0 |\n| Web Client | 123 | :warning: [2 (see details)](http://linktologs) |\n"
)


class Http:
    def __init__(
        self, live: LiveServer, username: str = "admin", password: str = "admin-password-1"
    ) -> None:
        self.url = live.url
        login = httpx.post(
            f"{live.url}/api/v4/users/login", json={"login_id": username, "password": password}
        )
        self.headers = {"Authorization": f"Bearer {login.headers['Token']}"}

    def member(self, username: str) -> dict[str, Any]:
        """A new user (password ``password-123``) in team ``main``."""
        body = {
            "username": username,
            "email": f"{username}@example.com",
            "password": "password-123",
        }
        user: dict[str, Any] = self.call("POST", "/api/v4/users", body)
        team = self.call("GET", "/api/v4/teams/name/main")
        self.call(
            "POST",
            f"/api/v4/teams/{team['id']}/members",
            {"team_id": team["id"], "user_id": user["id"]},
        )
        return user

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}{path}", json=body, headers=self.headers)
        assert response.status_code < 300, response.text
        return response.json()


def create_hook_in_ui(page: Any, name: str) -> str:
    open_team_menu(page)  # the team menu holds Integrations and the System Console
    page.click("text=Integrations")
    page.click("text=Add incoming webhook")
    page.select_option("#channel_id", label="# Town Square")
    page.fill("#display_name", name)
    page.fill("#description", "from the browser test")
    page.click("button:has-text('Add')")
    row = page.locator("tr", has_text=name)
    row.wait_for()
    return str(row.get_attribute("data-hook-id"))


def test_login_create_hook_and_see_posts_live(page: Any, live_server: LiveServer) -> None:
    login(page)
    hook_id = create_hook_in_ui(page, "Build bot")
    assert f"/hooks/{hook_id}" in page.locator(".hook-url").first.inner_text()
    page.locator("summary", has_text="curl example").first.click()  # folded away until asked
    assert "curl -i -X POST" in page.locator(".curl").first.inner_text()
    page.click("text=Town Square")
    page.wait_for_selector(".composer textarea")
    response = httpx.post(
        f"{live_server.url}/hooks/{hook_id}", json={"text": TABLE, "username": "robot"}
    )
    assert response.text == "ok"
    post = page.locator(".post", has_text="Test results")
    post.wait_for(timeout=3000)  # live, over the websocket: no reload
    assert post.locator(".bot-tag").inner_text() == "BOT"
    table = post.locator("table")
    assert table.locator("th").all_inner_texts() == ["Component", "Tests Run", "Tests Failed"]
    assert "✅" in table.inner_text()
    assert post.locator(".mention-self", has_text="@channel").count() == 1
    assert post.locator(".name").inner_text() == "admin"  # username override is off
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "channel-view.png"))
    assert page.errors == []


def test_mention_badge_in_another_channel(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    team = http.call("GET", "/api/v4/teams/name/main")
    town = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    hook = http.call(
        "POST", "/api/v4/hooks/incoming", {"channel_id": town["id"], "display_name": "alerts"}
    )
    login(page)
    page.click("text=Off-Topic")
    page.wait_for_selector(".composer textarea")
    httpx.post(f"{live_server.url}/hooks/{hook['id']}", json={"text": "disk full, @admin"})
    badge = page.locator(f"a[data-channel-id='{town['id']}'] .badge.mention")
    badge.wait_for(timeout=3000)
    assert badge.inner_text() == "1"
    page.click("text=Town Square")
    page.locator(".post", has_text="disk full").wait_for()
    expect(page.locator(f"a[data-channel-id='{town['id']}'] .badge")).to_have_count(0)


def test_a_mention_made_before_the_socket_said_hello_still_shows_its_badge(
    page: Any, live_server: LiveServer
) -> None:
    """The page loads its counts, then opens its websocket: a post made in between sends it
    no event, so the first hello fetches the counts again (the socket is held open here
    until the post is stored)."""
    http = Http(live_server)
    team = http.call("GET", "/api/v4/teams/name/main")
    town = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    hook = http.call("POST", "/api/v4/hooks/incoming", {"channel_id": town["id"]})
    held: list[Any] = []
    page.route_web_socket("**/api/v4/websocket**", lambda ws: held.append(ws))
    login(page)
    page.click("text=Off-Topic")
    page.wait_for_selector(".composer textarea")
    answer = httpx.post(f"{live_server.url}/hooks/{hook['id']}", json={"text": "@admin look"})
    assert answer.status_code == 200 and len(held) == 1
    held[0].connect_to_server()
    badge = page.locator(f"a[data-channel-id='{town['id']}'] .badge.mention")
    badge.wait_for(timeout=5000)
    assert badge.inner_text() == "1"


def test_system_console_setting_takes_effect(page: Any, live_server: LiveServer) -> None:
    login(page)
    open_team_menu(page)
    page.click("text=System Console")
    choice = page.locator("input[name='ServiceSettings.EnablePostUsernameOverride'][value=true]")
    choice.wait_for()
    assert not choice.is_checked()
    choice.check()
    page.click("button:has-text('Save')")
    page.locator("text=Saved.").wait_for()
    http = Http(live_server)
    assert (
        http.call("GET", "/api/v4/config")["ServiceSettings"]["EnablePostUsernameOverride"] is True
    )
    team = http.call("GET", "/api/v4/teams/name/main")
    town = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    hook = http.call("POST", "/api/v4/hooks/incoming", {"channel_id": town["id"]})
    httpx.post(
        f"{live_server.url}/hooks/{hook['id']}", json={"text": "as robot", "username": "robot"}
    )
    page.goto("/main/channels/town-square")
    post = page.locator(".post", has_text="as robot")
    post.wait_for()
    assert post.locator(".name").inner_text() == "robot"


def test_disabling_webhooks_in_the_console_stops_the_url(
    page: Any, live_server: LiveServer
) -> None:
    http = Http(live_server)
    team = http.call("GET", "/api/v4/teams/name/main")
    town = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    hook = http.call("POST", "/api/v4/hooks/incoming", {"channel_id": town["id"]})
    login(page)
    page.goto("/admin_console/integrations/integration_management")
    page.locator("input[name='ServiceSettings.EnableIncomingWebhooks'][value=false]").check()
    page.click("button:has-text('Save')")
    page.locator("text=Saved.").wait_for()
    assert (
        httpx.post(f"{live_server.url}/hooks/{hook['id']}", json={"text": "x"}).status_code == 501
    )


XSS_TEXT = (
    "<script>alert('script')</script> [click](javascript:alert('link')) "
    "<img src=x onerror=alert('img')> ![pic](javascript:alert('pic'))"
)
XSS_ATTACHMENT = {
    "color": "red;background:url(javascript:alert(1))",
    "pretext": "<script>alert('pretext')</script>",
    "author_name": "\"><img src=x onerror=alert('author')>",
    "author_link": "javascript:alert('author_link')",
    "author_icon": "javascript:alert('icon')",
    "title": "<b onmouseover=alert('title')>title</b>",
    "title_link": "javascript:alert('title_link')",
    "text": "<iframe src=javascript:alert('text')></iframe>",
    "fields": [
        {
            "title": "<script>alert('f')</script>",
            "value": "[x](javascript:alert('v'))",
            "short": True,
        }
    ],
    "image_url": "javascript:alert('image')",
    "thumb_url": "data:text/html,<script>alert('thumb')</script>",
    "footer": "<svg onload=alert('footer')>",
    "footer_icon": "javascript:alert('footer_icon')",
}


def test_hostile_payload_renders_inert(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    team = http.call("GET", "/api/v4/teams/name/main")
    town = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    hook = http.call("POST", "/api/v4/hooks/incoming", {"channel_id": town["id"]})
    assert (
        httpx.post(
            f"{live_server.url}/hooks/{hook['id']}",
            json={"text": XSS_TEXT, "attachments": [XSS_ATTACHMENT]},
        ).text
        == "ok"
    )
    login(page)
    post = page.locator(".post", has_text="alert('script')")
    post.wait_for()
    page.wait_for_timeout(300)
    assert page.errors == []  # no alert() ran
    assert post.locator("script, iframe, svg").count() == 0
    hrefs = post.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href') || '')")
    assert all(h.startswith(("http://", "https://", "mailto:", "/")) for h in hrefs), hrefs
    srcs = post.locator("img").evaluate_all("els => els.map(e => e.getAttribute('src') || '')")
    assert all(s.startswith(("http://", "https://", "/static/img/")) for s in srcs), srcs
    handlers = post.evaluate(
        "el => [...el.querySelectorAll('*')].flatMap(n => [...n.attributes].map(a => a.name)).filter(n => n.startsWith('on'))"
    )
    assert handlers == []
    assert "<script>alert('script')</script>" in post.inner_text()  # shown as text
    csp = httpx.get(f"{live_server.url}/login").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
