"""cluster.md 1, live events cross processes: two real ``inbound serve`` processes on one
PostgreSQL database and one Redis. What is written through A (webhook posts, edits through the
hook and the API, reactions) reaches websocket clients connected to B, filtered as on A (a
private channel's events only for its members; ``mentions``; ``set_online`` false for a hook's
posts), in order; and the delivery latency A → B is measured."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import ADMIN_PASSWORD, run_async
from tests.serve_process import ServeProcess, prepare
from tests.test_bus import REDIS_URL, needs_redis

pytestmark = [
    pytest.mark.slow,
    needs_redis,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]
LATENCY_POSTS = 200


class Listener:
    """One websocket client on a server: every event it gets, as it gets it."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            self.events.append((time.monotonic(), orjson.loads(raw)))

    def named(self, name: str) -> list[dict[str, Any]]:
        return [event for _, event in self.events if event.get("event") == name]

    def posted(self) -> list[dict[str, Any]]:
        return [orjson.loads(event["data"]["post"]) for event in self.named("posted")]

    async def wait_for(self, name: str, message: str, seconds: float = 5.0) -> dict[str, Any]:
        """The first ``name`` event whose post says ``message``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for event in self.named(name):
                if orjson.loads(event["data"].get("post", "{}")).get("message") == message:
                    return event
            await asyncio.sleep(0.005)
        raise AssertionError(f"no {name} event for {message!r}")


@asynccontextmanager
async def listening(server: ServeProcess, token: str) -> AsyncIterator[Listener]:
    url = f"ws://127.0.0.1:{server.port}/api/v4/websocket"
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        listener = Listener(ws)
        try:
            yield listener
        finally:
            listener.task.cancel()


class Site:
    """The API of one server, as the admin."""

    def __init__(self, client: httpx.AsyncClient, server: ServeProcess) -> None:
        self.client = client
        self.base = f"http://127.0.0.1:{server.port}"
        self.token = ""

    async def call(self, method: str, path: str, token: str = "", **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        answer = await self.client.request(method, self.base + path, headers=headers, **kw)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    async def login(self, name: str, password: str) -> str:
        body = {"login_id": name, "password": password}
        answer = await self.client.post(self.base + "/api/v4/users/login", json=body)
        assert answer.status_code == 200, answer.text
        return answer.headers["Token"]

    async def new_user(self, name: str, team_id: str) -> tuple[str, str]:
        body = {"username": name, "email": f"{name}@example.com", "password": "password-123"}
        user = await self.call("POST", "/api/v4/users", json=body)
        member = {"team_id": team_id, "user_id": user["id"]}
        await self.call("POST", f"/api/v4/teams/{team_id}/members", json=member)
        return user["id"], await self.login(name, "password-123")

    async def send(self, key: str, text: str) -> None:
        answer = await self.client.post(f"{self.base}/hooks/{key}", json={"text": text})
        assert answer.status_code == 200, answer.text


def test_events_written_on_a_reach_websockets_on_b_filtered_and_fast(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INBOUND_REDIS_URL", REDIS_URL)
    town_key = prepare(database_url, {})
    a = ServeProcess(database_url, tmp_path / "a.log")
    b = ServeProcess(database_url, tmp_path / "b.log")
    try:
        run_async(lambda: scenario(a, b, town_key))
    finally:
        a.stop()
        b.stop()


async def scenario(a: ServeProcess, b: ServeProcess, town_key: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        site = Site(client, a)
        site.token = await site.login("admin", ADMIN_PASSWORD)
        team = await site.call("GET", "/api/v4/teams/name/main")
        ann_id, ann_token = await site.new_user("ann", team["id"])
        _, bob_token = await site.new_user("bob", team["id"])
        body = {"team_id": team["id"], "name": "secret", "display_name": "Secret", "type": "P"}
        secret = await site.call("POST", "/api/v4/channels", json=body)
        members = f"/api/v4/channels/{secret['id']}/members"
        await site.call("POST", members, json={"user_id": ann_id})
        hook = {"channel_id": secret["id"], "display_name": "secret"}
        secret_key = (await site.call("POST", "/api/v4/hooks/incoming", json=hook))["id"]
        async with (
            listening(b, ann_token) as ann,
            listening(b, bob_token) as bob,
            listening(a, site.token) as admin_on_a,
        ):
            await until_relayed(site, town_key, ann)
            await private_posts_reach_members_only(site, secret_key, town_key, ann, bob, ann_id)
            await edits_and_reactions_reach_b(site, secret_key, ann, bob, ann_token, ann_id)
            await measure_latency(site, town_key, ann, admin_on_a)


async def until_relayed(site: Site, key: str, on_b: Listener) -> None:
    """B's subscription to Redis is up once a post written on A reaches it."""
    for attempt in range(100):
        await site.send(key, f"warm-{attempt}")
        try:
            await on_b.wait_for("posted", f"warm-{attempt}", seconds=0.1)
            return
        except AssertionError:
            continue
    raise AssertionError("B never heard from A")


async def private_posts_reach_members_only(
    site: Site, secret_key: str, town_key: str, ann: Listener, bob: Listener, ann_id: str
) -> None:
    await site.send(secret_key, "secret for @ann")
    await site.send(town_key, "public after the secret")
    posted = await ann.wait_for("posted", "secret for @ann")
    await ann.wait_for("posted", "public after the secret")
    await bob.wait_for("posted", "public after the secret")
    data = posted["data"]
    assert (data["channel_type"], data["set_online"]) == ("P", False)
    assert orjson.loads(data["mentions"]) == [ann_id]
    assert orjson.loads(data["post"])["props"]["from_webhook"] == "true"
    assert "secret for @ann" not in [post["message"] for post in bob.posted()]
    messages = [post["message"] for post in ann.posted()]
    assert messages.index("secret for @ann") < messages.index("public after the secret")


async def edits_and_reactions_reach_b(
    site: Site, secret_key: str, ann: Listener, bob: Listener, ann_token: str, ann_id: str
) -> None:
    post = orjson.loads((await ann.wait_for("posted", "secret for @ann"))["data"]["post"])
    answer = await site.client.patch(
        f"{site.base}/hooks/{secret_key}/posts/{post['id']}", json={"text": "edited by the hook"}
    )
    assert answer.status_code == 200, answer.text
    await ann.wait_for("post_edited", "edited by the hook")
    patch = {"message": "edited in the API"}
    await site.call("PUT", f"/api/v4/posts/{post['id']}/patch", json=patch)
    await ann.wait_for("post_edited", "edited in the API")
    reaction = {"user_id": ann_id, "post_id": post["id"], "emoji_name": "tada"}
    await site.call("POST", "/api/v4/reactions", token=ann_token, json=reaction)
    deadline = time.monotonic() + 5
    while not ann.named("reaction_added"):
        assert time.monotonic() < deadline, "no reaction_added on B"
        await asyncio.sleep(0.005)
    added = orjson.loads(ann.named("reaction_added")[0]["data"]["reaction"])
    assert (added["post_id"], added["emoji_name"]) == (post["id"], "tada")
    assert not bob.named("post_edited") and not bob.named("reaction_added")


async def measure_latency(site: Site, key: str, on_b: Listener, on_a: Listener) -> None:
    """Posts sent one by one through A's hook: from the request to the event, on A and on B."""
    sent: dict[str, float] = {}
    for n in range(LATENCY_POSTS):
        text = f"latency-{n}"
        sent[text] = time.monotonic()
        await site.send(key, text)
        await asyncio.sleep(0.005)
    await on_b.wait_for("posted", f"latency-{LATENCY_POSTS - 1}")
    await on_a.wait_for("posted", f"latency-{LATENCY_POSTS - 1}")
    order = [p["message"] for p in on_b.posted() if p["message"].startswith("latency-")]
    assert order == list(sent)  # in order, each once
    for name, listener in (("A (local)", on_a), ("B (via Redis)", on_b)):
        ms = sorted(
            (at - sent[post["message"]]) * 1000
            for at, event in listener.events
            if event.get("event") == "posted"
            and (post := orjson.loads(event["data"]["post"]))["message"] in sent
        )
        p50, p99 = statistics.median(ms), statistics.quantiles(ms, n=100)[98]
        print(
            f"webhook on A -> posted on {name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
        )
        assert len(ms) == LATENCY_POSTS and p99 < 1000
