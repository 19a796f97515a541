"""cluster.md 5, Redis is not the record: two real ``inbound serve`` processes on one PostgreSQL
database and a private Redis that is killed (SIGKILL) under load and started again on its port.

Meanwhile webhooks and the API keep answering on both processes, ``redis_status`` says
``UNAVAILABLE``, a hook deleted on B is refused on A within the poll time (≤ 2 s); when Redis is
back, ``redis_status`` says ``OK`` again and live events cross from A to B's websocket once more.
At the end every ``200``-answered message is stored exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, run_async
from tests.serve_process import ServeProcess, free_port, prepare, stored_messages
from tests.test_cluster_events import Listener, Site, listening

REDIS_SERVER = "/usr/bin/redis-server"
PREFIX = "outage-"
SETTINGS: dict[str, object] = {  # the shared rate limits run too, far from refusing anything
    "RateLimitSettings.Enable": True,
    "RateLimitSettings.PerSec": 100_000,
    "RateLimitSettings.MaxBurst": 100_000,
    "RateLimitSettings.IncomingWebhookPerSec": 100_000,
    "RateLimitSettings.IncomingWebhookMaxBurst": 100_000,
}
STATUS_SECONDS = 5.0  # redis_status follows Redis within this
POLL_SECONDS = 2.0  # ServiceSettings' poll time: changes arrive without the bus within this
SLOW_SECONDS = 2.0  # no answer takes longer than this, Redis or not

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason=f"no {REDIS_SERVER}"),
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


class PrivateRedis:
    """A Redis of this test's own on a free port (never the machine's), with nothing on disk."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.how = "killed"

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*command, "--save", "", "--appendonly", "no"], stdout=out, stderr=out
            )
        deadline = time.monotonic() + 10
        while True:
            assert self.process.poll() is None, self.log.read_text()
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            assert time.monotonic() < deadline, "the private Redis did not start"
            time.sleep(0.02)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a hung one too
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def fail(self, how: str) -> None:
        """``killed``: gone, its connections reset; ``hung``: stopped, connections left open."""
        if how == "killed":
            self.kill()
        else:
            assert self.process is not None
            self.process.send_signal(signal.SIGSTOP)

    def recover(self, how: str) -> None:
        """Started again on the same port, empty; or continued where it stopped."""
        if how == "killed":
            self.start()
        else:
            assert self.process is not None
            self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@dataclass
class Load:
    """What the senders sent: each message's answer (0: no answer) and the slowest answer."""

    answers: dict[str, int] = field(default_factory=dict)
    slowest: dict[str, float] = field(default_factory=dict)  # by phase
    phase: str = "before"
    running: bool = True
    count: int = 0

    def next_text(self, where: str) -> str:
        self.count += 1
        return f"{PREFIX}{self.count:06d} {where} {self.phase}"

    def record(self, text: str, status: int, seconds: float) -> None:
        self.answers[text] = status
        self.slowest[self.phase] = max(self.slowest.get(self.phase, 0.0), seconds)


@pytest.mark.parametrize("how", ["killed", "hung"])
def test_webhooks_and_the_api_outlive_redis_and_events_resume(
    database_url: str, tmp_path: Path, redis_server: PrivateRedis, how: str
) -> None:
    """Redis ``killed`` (SIGKILL, then started again on its port) or ``hung`` (SIGSTOP, then
    SIGCONT: no connection reset, only silence) under load."""
    redis_server.how = how
    key = prepare(database_url, SETTINGS)
    env = {"INBOUND_REDIS_URL": redis_server.url}
    a = ServeProcess(database_url, tmp_path / "a.log", env=env)
    try:
        b = ServeProcess(database_url, tmp_path / "b.log", env=env)
    except BaseException:
        a.stop()
        raise
    try:
        load = run_async(lambda: scenario(a, b, key, redis_server))
    finally:
        b.stop()
        a.stop()
    stored = Counter(stored_messages(database_url, PREFIX))
    ok = {text for text, status in load.answers.items() if status == 200}
    assert not [text for text in ok if stored[text] != 1], "a 200-answered message lost or doubled"
    assert not [text for text, times in stored.items() if times > 1], "a message stored twice"
    others = Counter(status for status in load.answers.values() if status != 200)
    print(f"{len(ok)} messages answered 200, others {dict(others)}, slowest {load.slowest}")
    assert not others, f"answers other than 200: {others}"
    assert max(load.slowest.values()) < SLOW_SECONDS


async def scenario(a: ServeProcess, b: ServeProcess, key: str, redis: PrivateRedis) -> Load:
    async with httpx.AsyncClient(timeout=10) as client:
        site_a, site_b = Site(client, a), Site(client, b)
        site_a.token = await site_a.login("admin", ADMIN_PASSWORD)
        site_b.token = await site_b.login("admin", ADMIN_PASSWORD)
        await until_redis(client, (a, b), "OK")
        channel = (await site_a.call("GET", "/api/v4/hooks/incoming/" + key))["channel_id"]
        hook = {"channel_id": channel, "display_name": "doomed"}
        doomed = (await site_a.call("POST", "/api/v4/hooks/incoming", json=hook))["id"]
        load = Load()
        async with listening(b, site_a.token) as on_b:
            await relayed(site_a, key, on_b, "warm")
            senders = [
                asyncio.create_task(send_hooks(site_a, "A", key, load)),
                asyncio.create_task(send_hooks(site_b, "B", key, load)),
                asyncio.create_task(send_posts(site_a, "A", channel, load)),
                asyncio.create_task(send_posts(site_b, "B", channel, load)),
            ]
            try:
                await asyncio.sleep(1.0)
                await outage(client, site_a, site_b, doomed, redis, load)
                await recovery(client, site_a, on_b, redis, load, (a, b), key)
                load.phase = "back"
                await asyncio.sleep(1.0)
            finally:
                load.running = False
                await asyncio.gather(*senders)
            await heard_on_b(on_b, load)
        return load


async def heard_on_b(on_b: Listener, load: Load) -> None:
    """B's websocket got every post made on B (Redis or not) and, once Redis was back, on A."""
    ok = [text for text, status in load.answers.items() if status == 200]
    wanted = [t for t in ok if " B " in t or t.endswith(" A back")]
    deadline = time.monotonic() + 2.0
    while missing := set(wanted) - {post["message"] for post in on_b.posted()}:
        assert time.monotonic() < deadline, f"B's websocket missed {sorted(missing)[:5]}…"
        await asyncio.sleep(0.05)
    during = [t for t in ok if t.endswith(" A outage")]
    heard = {post["message"] for post in on_b.posted()} & set(during)
    print(f"posts made on A while Redis was away heard on B: {len(heard)} of {len(during)}")


async def outage(
    client: httpx.AsyncClient,
    site_a: Site,
    site_b: Site,
    doomed: str,
    redis: PrivateRedis,
    load: Load,
) -> None:
    """Redis killed under load: both processes say so, and a deletion on B reaches A by poll."""
    assert (
        await client.post(f"{site_a.base}/hooks/{doomed}", json={"text": "cached"})
    ).status_code == 200
    load.phase = "outage"
    killed = time.monotonic()
    redis.fail(redis.how)
    servers = [site_a, site_b]
    seen = await until_status(client, servers, "UNAVAILABLE")
    print(f"redis_status UNAVAILABLE on both {seen - killed:.2f} s after it was {redis.how}")
    started = time.monotonic()
    await site_b.call("DELETE", f"/api/v4/hooks/incoming/{doomed}")
    deleted = time.monotonic()
    print(f"deleting a hook on B took {deleted - started:.2f} s with Redis away")
    while (
        await client.post(f"{site_a.base}/hooks/{doomed}", json={"text": "x"})
    ).status_code != 400:
        assert time.monotonic() - deleted < POLL_SECONDS, "A kept the deleted hook past the poll"
        await asyncio.sleep(0.05)
    print(f"A refused the deleted hook {time.monotonic() - deleted:.2f} s after B's answer")
    await asyncio.sleep(1.0)  # more load with Redis away


async def recovery(
    client: httpx.AsyncClient,
    site_a: Site,
    on_b: Listener,
    redis: PrivateRedis,
    load: Load,
    servers: tuple[ServeProcess, ServeProcess],
    key: str,
) -> None:
    load.phase = "after"
    started = time.monotonic()
    redis.recover(redis.how)
    seen = await until_redis(client, servers, "OK")
    print(f"redis_status OK on both {seen - started:.2f} s after it was back")
    assert not on_b.task.done(), "B's websocket closed during the outage"
    sent = time.monotonic()
    text = f"{PREFIX}back"
    await site_a.send(key, text)
    await on_b.wait_for("posted", text, seconds=2.0)  # a hung Redis first sends its backlog
    print(f"a post on A reached B's websocket {time.monotonic() - sent:.3f} s after Redis was OK")


async def send_hooks(site: Site, name: str, key: str, load: Load) -> None:
    where = f"hook {name}"
    while load.running:
        text = load.next_text(where)
        await timed(load, text, site.client.post(f"{site.base}/hooks/{key}", json={"text": text}))


async def send_posts(site: Site, name: str, channel: str, load: Load) -> None:
    where = f"api {name}"
    headers = {"Authorization": f"Bearer {site.token}"}
    while load.running:
        text = load.next_text(where)
        body = {"channel_id": channel, "message": text}
        await timed(
            load, text, site.client.post(f"{site.base}/api/v4/posts", json=body, headers=headers)
        )


async def timed(load: Load, text: str, request: Awaitable[httpx.Response]) -> None:
    started = time.monotonic()
    try:
        answer = await request
        status = answer.status_code
    except httpx.HTTPError:
        status = 0
    load.record(text, 200 if status in (200, 201) else status, time.monotonic() - started)


async def relayed(site: Site, key: str, on_b: Listener, name: str) -> None:
    """B hears from A: a post sent through A's hook reaches the websocket on B."""
    for attempt in range(50):
        await site.send(key, f"{name}-{attempt}")
        with contextlib.suppress(AssertionError):
            await on_b.wait_for("posted", f"{name}-{attempt}", seconds=0.1)
            return
    raise AssertionError("B never heard from A")


async def until_status(client: httpx.AsyncClient, sites: list[Site], want: str) -> float:
    deadline = time.monotonic() + STATUS_SECONDS
    for site in sites:
        while True:
            answer = await client.get(f"{site.base}/api/v4/system/ping?get_server_status=true")
            assert answer.status_code == 200, answer.text
            if answer.json()["redis_status"] == want:
                break
            assert time.monotonic() < deadline, f"{site.base} never said redis_status {want}"
            await asyncio.sleep(0.02)
    return time.monotonic()


async def until_redis(
    client: httpx.AsyncClient, servers: tuple[ServeProcess, ServeProcess], want: str
) -> float:
    sites = [Site(client, server) for server in servers]
    return await until_status(client, sites, want)
