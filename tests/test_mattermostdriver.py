"""A real Mattermost client (the mattermostdriver package) against a live inbound server."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from mattermostdriver import Driver
from websockets.asyncio.client import ClientConnection

from tests.conftest import ADMIN_PASSWORD, LiveServer


def _driver(live_server: LiveServer, **options: Any) -> Driver:
    url = urlparse(live_server.url)
    return Driver(
        {
            "url": url.hostname,
            "port": url.port,
            "scheme": "http",
            "login_id": "admin",
            "password": ADMIN_PASSWORD,
            "basepath": "/api/v4",
            **options,
        }
    )


def test_mattermostdriver_logs_in_reads_and_posts(live_server: LiveServer) -> None:
    driver = _driver(live_server)
    me = driver.login()
    assert me["username"] == "admin"
    teams = driver.teams.get_user_teams("me")
    assert [t["name"] for t in teams] == ["main"]
    channel = driver.channels.get_channel_by_name_and_team_name("main", "town-square")
    mine = driver.channels.get_channels_for_user("me", teams[0]["id"])
    assert channel["id"] in {c["id"] for c in mine}
    created = driver.posts.create_post({"channel_id": channel["id"], "message": "from the driver"})
    assert created["message"] == "from the driver"
    page = driver.posts.get_posts_for_channel(channel["id"], params={"per_page": 10})
    assert page["order"][0] == created["id"]
    assert page["posts"][created["id"]]["message"] == "from the driver"
    assert driver.posts.get_post(created["id"])["user_id"] == me["id"]
    driver.logout()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_mattermostdriver_websocket_hears_a_webhook_post(live_server: LiveServer) -> None:
    """``Driver.init_websocket``: the ``authentication_challenge`` with the login token, the
    ``hello`` the driver waits for (seq 0), then a webhook post arrives as ``posted``."""
    opened: list[ClientConnection] = []

    class Recorded(ClientConnection):
        """The connection the driver opens, kept so that the test can close it: the driver's
        ``disconnect()`` ends its loop but leaves the socket open."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            opened.append(self)

    # timeout: the driver wakes this often when idle, so a disconnect() from outside ends it fast
    driver = _driver(live_server, timeout=0.5, websocket_kw_args={"create_connection": Recorded})
    me = driver.login()
    channel = driver.channels.get_channel_by_name_and_team_name("main", "town-square")
    hook = driver.webhooks.create_incoming_hook({"channel_id": channel["id"], "display_name": "CI"})
    events: queue.Queue[dict[str, Any]] = queue.Queue()

    async def handler(raw: str) -> None:
        message = json.loads(raw)
        events.put(message)
        if message.get("event") == "posted":
            driver.disconnect()  # the driver's own stop: its loop ends after this handler

    errors: list[BaseException] = []

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)  # init_websocket runs get_event_loop().run_until_complete
        try:
            driver.init_websocket(handler)
            for connection in opened:
                loop.run_until_complete(connection.close())
        except BaseException as error:
            errors.append(error)
        finally:
            loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        seen = [events.get(timeout=10), events.get(timeout=10)]
        hello = next(m for m in seen if m.get("event") == "hello")
        assert hello["seq"] == 0 and hello["broadcast"]["user_id"] == me["id"]
        assert {"status": "OK", "seq_reply": 1} in seen  # the challenge's answer
        sent = httpx.post(f"{live_server.url}/hooks/{hook['id']}", json={"text": "deploy done"})
        assert sent.status_code == 200, sent.text
        posted = events.get(timeout=10)
        while posted.get("event") != "posted":
            posted = events.get(timeout=10)
    finally:
        driver.disconnect()
        thread.join(timeout=5)
    assert not thread.is_alive() and not errors, errors
    data = posted["data"]
    post = json.loads(data["post"])
    assert (post["message"], post["channel_id"]) == ("deploy done", channel["id"])
    assert post["props"]["from_webhook"] == "true" and data["set_online"] is False
    assert data["channel_name"] == "town-square" and data["team_id"] == channel["team_id"]
    assert opened and all(c.state.name == "CLOSED" for c in opened)
    driver.logout()
