"""The hook page's test console (senders.md §7): a payload in, the post drawn as the channel
draws it and the endpoint's answer out, nothing posted; at desktop and phone widths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_hook_security_page import DESKTOP, PHONE, new_hook
from tests.browser.test_web import Http
from tests.conftest import LiveServer

SHOTS = Path("/tmp/shots")
TABLE = "| Service | State |\\n|:--|:--|\\n| api | :white_check_mark: up |"
PAYLOAD = '{"text": "Deployed **v1.4** to prod\\n\\n' + TABLE + '"}'


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    for label, size in (("1440", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.locator(".console-outcome").scroll_into_view_if_needed()
        page.wait_for_timeout(150)
        page.screenshot(path=str(SHOTS / f"console_{name}_{label}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.set_viewport_size(DESKTOP)


def town_square_posts(http: Http) -> list[Any]:
    team = http.call("GET", "/api/v4/teams/name/main")
    channel = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    return list(http.call("GET", f"/api/v4/channels/{channel['id']}/posts")["order"])


def test_console_previews_and_posts_nothing(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    hook = new_hook(http, display_name="Deploys")
    before = town_square_posts(http)
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto(f"/main/integrations/incoming_webhooks/edit?id={hook['id']}")
    console = page.locator("section.hook-console")
    expect(console.locator("h2")).to_have_text("Test console")

    console.locator("#console-payload").fill(PAYLOAD)
    console.locator("button", has_text="Preview").click()
    outcome = console.locator(".console-outcome")
    expect(outcome.locator(".console-code")).to_have_text("200")
    post = outcome.locator(".console-posts .post")
    expect(post).to_have_count(1)
    expect(post.locator(".post-body strong")).to_have_text("v1.4")  # rendered, not raw
    expect(post.locator(".post-body table td").first).to_have_text("api")
    expect(post.locator(".bot-tag")).to_have_text("BOT")
    expect(post.locator(".post-menu")).to_have_count(0)
    shoot(page, "ok")

    console.locator("#console-payload").fill('{"text": "unfinished",')
    console.locator("button", has_text="Preview").click()
    expect(outcome.locator(".console-code")).to_have_text("400")
    expect(outcome.locator(".console-error-id")).to_have_text(
        "web.incoming_webhook.decode.app_error"
    )
    expect(outcome.locator(".console-posts")).to_have_count(0)
    outcome.locator("summary").click()
    expect(outcome.locator(".console-json pre")).to_contain_text('"status_code": 400')
    shoot(page, "bad_json")

    console.locator("#console-example").select_option(label="Form payload= (Mattermost docs)")
    expect(console.locator("#console-type")).to_have_value("application/x-www-form-urlencoded")
    console.locator("button", has_text="Preview").click()
    expect(outcome.locator(".console-code")).to_have_text("200")
    expect(outcome.locator(".post-body")).to_contain_text("This is more text.")

    console.locator("#console-example").select_option(
        label="Attachment with fields (Mattermost docs)"
    )
    expect(console.locator("#console-type")).to_have_value("application/json")
    console.locator("button", has_text="Preview").click()
    expect(outcome.locator(".console-code")).to_have_text("200")
    expect(outcome.locator(".attachment")).to_contain_text("Column One")
    shoot(page, "attachment")

    assert town_square_posts(http) == before, "the console posted nothing"
    assert http.call("GET", f"/api/v4/hooks/incoming/{hook['id']}")["last_used_at"] == 0
    assert page.errors == []
