"""The web app's websocket resume (live.js): after a drop it comes back with connection_id and
sequence_number and gets what it missed; when the server no longer knows the connection it
starts again from a new hello and fetches what the view shows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from inbound.web import version, ws_sessions
from tests.browser.conftest import ARTIFACTS, login
from tests.browser.test_web import Http
from tests.conftest import LiveServer

# Test-side only (the app exposes nothing): keep the page's sockets and the events they bring.
RECORD_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__events = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      const index = window.__sockets.push(this) - 1;
      this.addEventListener("message", (e) => {
        const m = JSON.parse(e.data);
        if (m.event) window.__events.push({ socket: index, event: m.event, seq: m.seq, data: m.data });
      });
    }
  };
})();
"""
CLOSE_SOCKET = """() => new Promise((done) => {
  const ws = window.__sockets.at(-1);
  ws.addEventListener("close", () => done(), { once: true });
  ws.close();
})"""


def open_town_square(page: Any) -> dict[str, Any]:
    """Log in, open Town Square and wait for the first hello; returns its data."""
    page.add_init_script(RECORD_SOCKETS)
    login(page)
    page.click("text=Town Square")
    page.wait_for_selector(".composer textarea")
    page.wait_for_function("window.__events.some((e) => e.event === 'hello')")
    hello: dict[str, Any] = page.evaluate("window.__events.find((e) => e.event === 'hello').data")
    return hello


def next_seq(page: Any) -> int:
    """What the app expects next: one past the last event the first socket brought."""
    seqs = "window.__events.filter((e) => e.socket === 0).map((e) => e.seq)"
    return int(page.evaluate(f"Math.max(...{seqs}) + 1"))


def setup_hook(http: Http) -> tuple[str, dict[str, Any]]:
    team = http.call("GET", "/api/v4/teams/name/main")
    town = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    hook = http.call(
        "POST", "/api/v4/hooks/incoming", {"channel_id": town["id"], "display_name": "ci"}
    )
    return hook["id"], team


def post_hook(live: LiveServer, hook_id: str, text: str) -> None:
    assert httpx.post(f"{live.url}/hooks/{hook_id}", json={"text": text}).text == "ok"


def test_reconnect_resumes_and_gets_the_missed_post(page: Any, live_server: LiveServer) -> None:
    hook_id, _ = setup_hook(Http(live_server))
    urls: list[str] = []
    page.on("websocket", lambda ws: urls.append(ws.url))
    hello = open_town_square(page)
    post_hook(live_server, hook_id, "before the drop")
    page.locator(".post", has_text="before the drop").wait_for(timeout=3000)
    # read as it arrived: the app marks the channel viewed, which comes back as an event too
    page.wait_for_function("window.__events.some((e) => e.event === 'channel_viewed')")

    page.evaluate(CLOSE_SOCKET)
    expected = next_seq(page)  # one past the last event the closed socket brought
    post_hook(live_server, hook_id, "sent while offline")
    post = page.locator(".post", has_text="sent while offline")
    post.wait_for(timeout=5000)

    assert len(urls) == 2
    assert urls[1].endswith(
        f"/api/v4/websocket?connection_id={hello['connection_id']}&sequence_number={expected}"
    )
    resumed = page.evaluate("window.__events.filter((e) => e.socket === 1)")
    # what the first socket did not bring, from the seq asked for and with no hello
    assert [e["seq"] for e in resumed] == list(range(expected, expected + len(resumed)))
    assert "hello" not in [e["event"] for e in resumed]
    missed = [e for e in resumed if e["event"] == "posted"]
    assert len(missed) == 1 and "sent while offline" in missed[0]["data"]["post"]
    expect(post).to_have_count(1)
    expect(page.locator(".post", has_text="before the drop")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "live-resumed.png"))
    # and the stream goes on at the next seq
    post_hook(live_server, hook_id, "after the resume")
    page.locator(".post", has_text="after the resume").wait_for(timeout=3000)
    assert page.errors == []


def test_unknown_connection_refetches_the_view(
    page: Any, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    http = Http(live_server)
    hook_id, team = setup_hook(http)
    off_topic = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/off-topic")
    other = http.member("bob")
    bob = Http(live_server, "bob", "password-123")
    bob.call(
        "POST",
        f"/api/v4/channels/{off_topic['id']}/members",
        {"user_id": other["id"]},
    )
    urls: list[str] = []
    page.on("websocket", lambda ws: urls.append(ws.url))
    hello = open_town_square(page)

    # the server forgets sessions as soon as their socket is gone, and is "upgraded"
    monkeypatch.setattr(ws_sessions, "GRACE_SECONDS", 0.0)
    monkeypatch.setattr(version, "BUILD_NUMBER", "99.0.0")
    monkeypatch.setattr(version, "_last", None)
    page.evaluate(CLOSE_SOCKET)
    expected = next_seq(page)
    post_hook(live_server, hook_id, "lost while away")
    bob.call("POST", "/api/v4/posts", {"channel_id": off_topic["id"], "message": "hi @admin"})

    post = page.locator(".post", has_text="lost while away")
    post.wait_for(timeout=5000)  # not an event: the new connection's refetch
    badge = page.locator(f"a[data-channel-id='{off_topic['id']}'] .badge.mention")
    expect(badge).to_have_text("1")
    assert urls[1].endswith(f"connection_id={hello['connection_id']}&sequence_number={expected}")
    second = page.evaluate("window.__events.filter((e) => e.socket === 1)")
    assert second[0]["event"] == "hello" and second[0]["seq"] == 0
    assert second[0]["data"]["connection_id"] != hello["connection_id"]
    assert "99.0.0" in second[0]["data"]["server_version"]
    banner = page.locator(".version-banner")
    expect(banner).to_contain_text("A new version of inbound is available.")
    expect(post).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "live-refetched.png"))
    banner.locator("button.close").click()
    expect(banner).to_have_count(0)
    # the new connection carries on live
    post_hook(live_server, hook_id, "live again")
    page.locator(".post", has_text="live again").wait_for(timeout=3000)
    assert page.errors == []
