"""A hook's edit and delete (senders.md §2) as a reader sees them: the open channel view changes
live, without a reload, the edited post says "(edited)", and a deleted one goes away."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, login
from tests.browser.test_live_resume import setup_hook
from tests.browser.test_web import Http
from tests.conftest import LiveServer

ATTACHMENT = {
    "color": "good",
    "title": "Deploy #42",
    "text": "All 3 services are up. <https://ci.example.com/42|Logs>",
    "fields": [{"title": "Env", "value": "prod", "short": True}],
}


def test_a_hook_edit_shows_live_as_edited_and_a_delete_removes_the_post(
    page: Any, live_server: LiveServer
) -> None:
    hook_id, _ = setup_hook(Http(live_server))
    url = f"{live_server.url}/hooks/{hook_id}"
    assert httpx.post(url, json={"text": "Deploy #42 *started*"}).text == "ok"
    assert httpx.post(url, json={"text": "Backup finished"}).text == "ok"
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page)
    page.click("text=Town Square")
    started = page.locator(".post", has_text="Deploy #42 started")
    started.wait_for()
    post_id = started.get_attribute("data-post-id")
    page.evaluate("window.__notReloaded = true")

    edit = {"text": "Deploy #42 **finished** :tada:", "attachments": [ATTACHMENT]}
    assert httpx.patch(f"{url}/posts/{post_id}", json=edit).text == "ok"
    edited = page.locator(f'.post[data-post-id="{post_id}"]')
    expect(edited).to_contain_text("Deploy #42 finished")
    expect(edited.locator(".edited")).to_have_text("(edited)")
    # at the end of the text, as Mattermost shows it, not under the attachment
    expect(edited.locator(".post-body > p", has_text="finished").locator(".edited")).to_be_visible()
    expect(edited).to_contain_text("All 3 services are up.")
    expect(edited.locator("strong", has_text="finished")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True  # changed in place, not reloaded
    expect(page.locator(".post", has_text="Deploy #42 started")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hook-edit-1440.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    expect(edited.locator(".edited")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "hook-edit-390.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"

    assert httpx.delete(f"{url}/posts/{post_id}").text == "ok"
    expect(page.locator(f'.post[data-post-id="{post_id}"]')).to_have_count(0)
    expect(page.locator(".post", has_text="Backup finished")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    assert page.errors == []
