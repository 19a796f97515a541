"""Real webhook clients from PyPI against a live server: they must report success."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlparse

import httpx
from mattermostdriver import Driver
from slack_sdk.webhook import WebhookClient

from inbound.services import hook_fields, hooks
from inbound.store import channels as channel_store
from inbound.store import teams as team_store
from inbound.store import users as user_store
from tests.conftest import LiveServer


def _hook_url(live: LiveServer) -> tuple[str, str]:
    """Create a hook in town-square on the live server; returns (url, channel id)."""

    async def make() -> tuple[str, str]:
        async with live.ctx.db.connect() as conn:
            team = await team_store.get_team_by_name(conn, "main")
            assert team is not None
            channel = await channel_store.get_channel_by_name(conn, team.id, "town-square")
            admin = await user_store.get_user_by_username(conn, "admin")
        assert channel is not None and admin is not None
        hook = await hooks.create_hook(
            live.ctx, None, hook_fields.HookFields(channel_id=channel.id), user_id=admin.id
        )
        return f"{live.url}/hooks/{hook.id}", channel.id

    future = asyncio.run_coroutine_threadsafe(make(), live.loop)
    return future.result(timeout=10)


def _posts(live: LiveServer, channel_id: str) -> list[dict[str, Any]]:
    login = httpx.post(
        f"{live.url}/api/v4/users/login", json={"login_id": "admin", "password": "admin-password-1"}
    )
    headers = {"Authorization": f"Bearer {login.headers['Token']}"}
    page = httpx.get(f"{live.url}/api/v4/channels/{channel_id}/posts", headers=headers).json()
    return [page["posts"][pid] for pid in page["order"]]


def test_slack_sdk_webhook_client(live_server: LiveServer) -> None:
    url, channel_id = _hook_url(live_server)
    client = WebhookClient(url)
    response = client.send(
        text="fallback",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*deployed* <!here>"}}],
        attachments=[
            {
                "color": "good",
                "text": "all green",
                "fields": [{"title": "env", "value": "prod", "short": True}],
            }
        ],
    )
    assert response.status_code == 200 and response.body == "ok"
    [post] = _posts(live_server, channel_id)
    assert post["message"] == "fallback"
    assert post["props"]["blocks"][0]["text"]["text"] == "*deployed* <!here>"
    assert post["props"]["attachments"][0]["fields"] == [
        {"title": "env", "value": "prod", "short": True}
    ]


def test_mattermostdriver_call_webhook(live_server: LiveServer) -> None:
    url, channel_id = _hook_url(live_server)
    parsed = urlparse(url)
    driver = Driver(
        {"url": parsed.hostname, "port": parsed.port, "scheme": "http", "basepath": "/api/v4"}
    )
    key = parsed.path.rsplit("/", 1)[-1]
    response = driver.webhooks.call_webhook(
        key, options={"text": "from mattermostdriver", "username": "bot"}
    )
    assert response.status_code == 200 and response.text == "ok"
    [post] = _posts(live_server, channel_id)
    assert post["message"] == "from mattermostdriver"
    assert post["props"]["from_webhook"] == "true"
