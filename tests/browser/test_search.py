"""Search in the web app: the header box, the results pane, highlighting and the jump."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, login
from tests.browser.test_web import Http
from tests.conftest import LiveServer

ALERT = {
    "text": "Alert fired",
    "attachments": [
        {
            "color": "#d00000",
            "pretext": "Grafana alert",
            "title": "Pod restarts",
            "text": "Restarts are above the threshold.",
            "fields": [{"title": "Cluster", "value": "Kubernetes prod-eu", "short": True}],
            "footer": "grafana",
        }
    ],
}


def _alerts(live_server: LiveServer, *, after: int = 40) -> tuple[Http, str]:
    """A channel ``alerts`` whose hook sent the alert, then ``after`` other posts (so it scrolls)."""
    http = Http(live_server)
    team = http.call("GET", "/api/v4/teams/name/main")
    channel = http.call(
        "POST",
        "/api/v4/channels",
        {"team_id": team["id"], "name": "alerts", "display_name": "Alerts"},
    )
    hook = http.call(
        "POST", "/api/v4/hooks/incoming", {"channel_id": channel["id"], "display_name": "Grafana"}
    )
    assert httpx.post(f"{live_server.url}/hooks/{hook['id']}", json=ALERT).text == "ok"
    found = http.call("GET", f"/api/v4/channels/{channel['id']}/posts?per_page=1")
    alert_id: str = found["order"][0]
    for i in range(after):
        body = {"channel_id": channel["id"], "message": f"routine note {i}"}
        http.call("POST", "/api/v4/posts", body)
    return http, alert_id


def _search(page: Any, terms: str) -> Any:
    box = page.locator(".channel-header .search-box")
    box.fill(terms)
    box.press("Enter")
    return page.locator("aside.search-results")


def test_a_word_only_in_an_attachment_is_found_highlighted_and_jumped_to(
    page: Any, live_server: LiveServer
) -> None:
    _http, alert_id = _alerts(live_server)
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page)
    expect(page.locator(".channel-header .search-box")).to_have_attribute("placeholder", "Search")
    pane = _search(page, "kubernetes")
    result = pane.locator(".search-result")
    expect(result).to_have_count(1)
    expect(result.locator(".search-channel")).to_have_text("# Alerts")
    expect(result.locator(".post-head .bot-tag")).to_have_text("BOT")  # a webhook post
    expect(result.locator("mark.search-hit")).to_have_text(["Kubernetes"])
    page.screenshot(path=str(ARTIFACTS / "search-results-1440.png"))
    result.click()
    target = page.locator(f"#post-{alert_id}.highlight")
    expect(target).to_be_in_viewport()
    assert page.url.endswith("/main/channels/alerts")
    expect(page.locator("aside.search-results .search-result.current")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "search-jump-1440.png"))
    pane = _search(page, "nothing-like-this")
    expect(pane.locator(".no-results")).to_contain_text("No results")
    page.screenshot(path=str(ARTIFACTS / "search-empty-1440.png"))
    pane.locator("button[aria-label='Close search results']").click()
    expect(page.locator("aside.search-results")).to_have_count(0)
    assert page.errors == []


def test_a_result_older_than_the_first_page_is_loaded_and_jumped_to(
    page: Any, live_server: LiveServer
) -> None:
    _http, alert_id = _alerts(live_server, after=150)  # the channel opens on its newest 60
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page)
    pane = _search(page, "kubernetes")
    pane.locator(".search-result").click()
    expect(page.locator(f"#post-{alert_id}.highlight")).to_be_in_viewport()
    assert page.errors == []


def test_search_on_a_phone(browser: Any, live_server: LiveServer) -> None:
    _http, alert_id = _alerts(live_server)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/")
    page.fill("#login_id", "admin")
    page.fill("#password", "admin-password-1")
    page.click("button[type=submit]")
    page.wait_for_selector(".composer textarea")
    pane = _search(page, '"prod eu" from:admin')
    expect(pane.locator(".search-result")).to_have_count(1)
    expect(pane.locator("mark.search-hit")).to_have_text(["prod-eu"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "search-results-390.png"))
    pane.locator(".search-result").click()
    expect(page.locator(f"#post-{alert_id}.highlight")).to_be_in_viewport()
    expect(page.locator("aside.search-results")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "search-jump-390.png"))
    context.close()
