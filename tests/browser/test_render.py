"""Messages as their senders meant them: the seed's examples and real payloads, posted through a
hook on a live server, drawn in Chromium at desktop and phone widths (screenshots in
test-artifacts/render-*.png)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import ARTIFACTS, login
from tests.browser.test_web import Http
from tests.conftest import LiveServer

PAYLOADS = Path("/work/shared/payloads")
SEED = [
    {"text": "Hello, this is some text\nThis is more text. :tada:"},
    {"text": "# A Header\nThe _text_ below **the** header."},
    {"text": "<!channel> this is a notification"},
    {"text": "Click <http://www.mattermost.com/|here> for a link."},
]
# Block Kit kept beside a text (a block-only message becomes its Markdown text at receive time).
BLOCKS = {
    "text": "Deploy finished",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "Deploy *v2* finished"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*api* is live, see <https://ci.example/42|run 42>"},
            "fields": [
                {"type": "mrkdwn", "text": "*Env*\nprod"},
                {"type": "mrkdwn", "text": "*By*\n<!here>"},
            ],
            "accessory": {
                "type": "static_select",
                "placeholder": {"type": "plain_text", "text": "Roll back to…"},
                "options": [{"text": {"type": "plain_text", "text": "v1"}, "value": "v1"}],
            },
        },
        {
            "type": "context",
            "elements": [
                {"type": "image", "image_url": "https://ci.example/bot.png", "alt_text": "ci"},
                {"type": "mrkdwn", "text": "by <https://ci.example|CI> in 3 min"},
                {"type": "image", "image_url": "javascript:alert(1)", "alt_text": "bad"},
            ],
        },
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Approve"}},
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Open run"},
                    "url": "https://ci.example/42",
                },
                {"type": "overflow", "options": [{"text": {"type": "plain_text", "text": "Logs"}}]},
            ],
        },
    ],
}
REAL = [
    "mmdocs_test_results_markdown_table",
    "mmdocs_attachment_full_example",
    "slackdocs_legacy_attachment_full",
    "mm_e2e_T634_attachment_actions",
    "ghaction_blocks_button_image",
    "zulip_actions_blocks_channel_id",
    "zulip_alertmanager_attachment",
]
# An image the test serves for every outside URL (the machine may have no network).
PICTURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="120">'
    '<rect width="200" height="120" fill="#8fb3e8"/><circle cx="60" cy="60" r="30" fill="#fff"/></svg>'
)


def _payload(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    body.pop("channel", None)  # the hook's own channel (ids and placeholders here name none)
    return body


def _post_all(live: LiveServer) -> None:
    http = Http(live)
    team = http.call("GET", "/api/v4/teams/name/main")
    town = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    hook = http.call("POST", "/api/v4/hooks/incoming", {"channel_id": town["id"]})
    bodies = [*SEED, BLOCKS] + [
        _payload(name) for name in REAL if (PAYLOADS / f"{name}.json").exists()
    ]
    for body in bodies:
        response = httpx.post(f"{live.url}/hooks/{hook['id']}", json=body)
        assert response.text == "ok", (body, response.text)


def _serve_pictures(context: Any, live: LiveServer) -> None:
    def outside(route: Any) -> None:
        if route.request.url.startswith(live.url):
            route.continue_()
        else:
            route.fulfill(status=200, content_type="image/svg+xml", body=PICTURE)

    context.route("**/*", outside)


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_messages_render_as_mattermost_draws_them(
    browser: Any, live_server: LiveServer, width: int, height: int
) -> None:
    _post_all(live_server)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    _serve_pictures(context, live_server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page) if width > 600 else _phone_login(page)
    page.wait_for_selector(".post-body .attachment")
    body = page.locator(".posts")

    first = page.locator(".post-body", has_text="Hello, this is some text")
    assert first.locator("br").count() == 1
    assert first.inner_text().splitlines()[:2] == [
        "Hello, this is some text",
        "This is more text. 🎉",
    ]
    table = page.locator(".post-body table", has_text="Tests Run")
    assert table.locator("th.align-center").inner_text() == "Tests Run"
    assert (
        table.locator("td.align-center").first.evaluate("e => getComputedStyle(e).textAlign")
        == "center"
    )
    # only the colour bar gets a style, set by core.js from the checked data-color
    assert page.locator(".post-body [style]:not(.attachment-body)").count() == 0
    link = page.locator(".post-body a", has_text="here")
    assert link.get_attribute("href") == "http://www.mattermost.com/"

    inactive = page.locator(".post-body .button-inactive", has_text="Approve")
    assert "not supported" in (inactive.get_attribute("title") or "")
    assert page.locator(".post-body a.button", has_text="Open run").count() == 1
    assert page.locator(".post-body .menu-inactive", has_text="Roll back to").count() == 1
    assert page.locator(".block-context img.context-icon").count() == 1  # the unsafe one: none
    assert page.locator(".post-body h3", has_text="Deploy *v2* finished").count() == 1
    # a block-only message is its Markdown text: the control shows as its label
    assert page.locator(".post-body", has_text="[Reply to review]").count() == 1
    assert page.locator(".post-body .menu-inactive", has_text="Select an option").count() == 2
    inspect = page.locator(".post-body a.button", has_text="Inspect")
    assert (inspect.get_attribute("href") or "").startswith("https://github.com/")
    author = page.locator(".attachment-author", has_text="author_name")
    assert author.locator("img.author-icon").count() == 1
    assert page.locator(".attachment-footer img.footer-icon").count() >= 1
    short = page.locator(".field-short", has_text="A short field's value")
    pair = page.locator(".field-short", has_text="A second short field's value")
    assert short.bounding_box()["y"] == pair.bounding_box()["y"]  # side by side
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    pages = body.evaluate("e => Math.ceil(e.scrollHeight / e.clientHeight)")
    for number in range(min(pages, 8)):
        body.evaluate(f"e => e.scrollTop = {number} * e.clientHeight")
        page.wait_for_timeout(150)
        page.screenshot(path=str(ARTIFACTS / f"render-{width}x{height}-{number + 1}.png"))
    assert errors == []
    context.close()


def _phone_login(page: Any) -> None:
    page.goto("/")
    page.fill("#login_id", "admin")
    page.fill("#password", "admin-password-1")
    page.click("button[type=submit]")
    page.wait_for_selector(".composer textarea")
