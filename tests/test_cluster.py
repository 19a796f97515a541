"""Several ``inbound serve`` processes on one PostgreSQL database and one Redis behave as one
server (``shared/spec/cluster.md``): changes and ended sessions cross processes before the call
that made them answers; a second process without Redis is refused; the ping shows the node."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from inbound.models import new_id
from inbound.runtime import Runtime
from inbound.services import cluster
from inbound.services.changes import (
    Change,
    ChangedElsewhere,
    ChannelChanged,
    ConfigChanged,
    HookChanged,
    SessionsRevoked,
    TeamChanged,
    UserChanged,
    decode,
    encode,
)
from inbound.settings import Settings
from inbound.store import nodes as node_store
from inbound.store.nodes import Node
from tests.conftest import ADMIN_PASSWORD, Api, run_async
from tests.serve_process import ServeProcess, prepare
from tests.test_bus import needs_redis

REDIS_URL = "redis://127.0.0.1:6379/14"
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.mark.parametrize(
    "change",
    [
        HookChanged("h" * 26),
        ChannelChanged("c" * 26),
        UserChanged("u" * 26),
        TeamChanged("t" * 26),
        ConfigChanged(1_700_000_000_123),
        SessionsRevoked("u" * 26),
        SessionsRevoked("u" * 26, "s" * 26),
        ChangedElsewhere(),
    ],
    ids=lambda change: type(change).__name__,
)
def test_a_change_survives_the_trip(change: Any) -> None:
    assert decode(encode(change)) == change


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"[]",
        b'{"hook_id": "x"}',
        b'{"type": "Unknown"}',
        b'{"type": "HookChanged"}',
        b'{"type": "HookChanged", "hook_id": "x", "extra": 1}',
        b'{"type": "HookChanged", "hook_id": ["x"]}',
    ],
    ids=["empty", "not-json", "list", "no-type", "unknown-type", "missing", "extra", "bad-type"],
)
def test_what_is_not_a_change_is_ignored(data: bytes) -> None:
    assert decode(data) is None


def test_ping_with_server_status_names_the_node(api: Api) -> None:
    plain = api.get("/api/v4/system/ping", token=None).json()
    assert "node_id" not in plain
    status = api.get("/api/v4/system/ping?get_server_status=true", token=None).json()
    assert status["status"] == "OK"
    assert status["database_status"] == "OK"
    assert status["redis_status"] == ""  # no Redis configured
    assert len(status["node_id"]) == 26
    assert status["version"] == plain["version"]


def test_logout_closes_the_sessions_websocket(live_server: Any) -> None:
    web = _Client(live_server.url)
    token = _login(web, "admin", ADMIN_PASSWORD)
    other = _login(web, "admin", ADMIN_PASSWORD)
    ws_url = live_server.url.replace("http", "ws") + "/api/v4/websocket"
    with (
        connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws,
        connect(ws_url, additional_headers={"Authorization": f"Bearer {other}"}) as kept,
    ):
        assert "hello" in str(ws.recv(timeout=5))
        assert "hello" in str(kept.recv(timeout=5))
        web.post("/api/v4/users/logout", headers={"Authorization": f"Bearer {token}"})
        _until_closed(ws)
        kept.send('{"action": "ping", "seq": 1}')
        assert "pong" in str(kept.recv(timeout=5))  # the other login's socket stays


def test_changes_from_the_bus_are_told_here_and_a_reconnect_drops_everything(
    settings: Settings,
) -> None:
    async def scenario() -> list[Change]:
        runtime = Runtime(settings)
        await runtime.start(serving=False)
        heard: list[Change] = []
        runtime.context.changes.follow(heard.append)
        try:
            cluster._receive(runtime.context, encode(HookChanged("h" * 26)))
            cluster._receive(runtime.context, b"garbage")
            cluster._receive(runtime.context, encode(ConfigChanged(1)))  # reloads first
            await asyncio.sleep(0.2)
            for callback in runtime.context.bus.on_reconnect:
                callback()
            await asyncio.sleep(0.2)
            return heard
        finally:
            await runtime.stop()

    heard = run_async(scenario)
    assert heard[0] == HookChanged("h" * 26)
    assert isinstance(heard[1], ConfigChanged)  # the config as stored, reloaded
    assert heard[2:] == [ChangedElsewhere(), heard[1]]


def test_live_processes_decide_who_may_join(settings: Settings) -> None:
    now = int(time.time() * 1000)
    here = socket.gethostname()

    def node(host: str, *, pid: int = 1, seen: int = now, redis: int = 0) -> Node:
        return Node(new_id(), host, pid, redis, seen, seen)

    async def verdict(settings: Settings, *nodes: Node) -> str:
        runtime = Runtime(settings)
        await runtime.start(serving=False)
        try:
            async with runtime.context.db.begin() as conn:
                await conn.execute(text("DELETE FROM cluster_nodes"))
                for row in nodes:
                    await node_store.insert_node(conn, row)
            await cluster.check_can_join(runtime.context)
            return "joins"
        except cluster.ClusterRefusedError as error:
            return str(error)
        finally:
            await runtime.stop()

    def check(settings: Settings, *nodes: Node) -> str:
        return run_async(lambda: verdict(settings, *nodes))

    with_redis = replace(settings, redis_url=DEAD_REDIS_URL)
    assert check(settings) == "joins"
    if settings.database_url.startswith("sqlite"):
        assert check(settings, node("elsewhere")) == "joins"  # one process: nothing registered
        assert "needs PostgreSQL" in check(replace(settings, workers=2))
        return
    assert "set INBOUND_REDIS_URL" in check(settings, node("elsewhere"))
    assert check(settings, node("elsewhere", seen=now - 20_000)) == "joins"  # dead: not seen
    assert check(settings, node(here, pid=2**22 + 1)) == "joins"  # dead: no such pid here
    assert check(with_redis, node("elsewhere", redis=1)) == "joins"
    assert "without Redis" in check(with_redis, node("elsewhere"))
    assert "needs Redis" in check(replace(settings, workers=2))


# -- real processes on one PostgreSQL database ------------------------------------------------


@pytest.fixture
def pg_url(database_url: str) -> str:
    if database_url.startswith("sqlite"):
        pytest.skip("several processes need PostgreSQL")
    return database_url


@pytest.fixture
def pair(pg_url: str, tmp_path: Path) -> Iterator[tuple[ServeProcess, ServeProcess, str]]:
    """Processes A and B on one database and Redis, and a hook's key."""
    key = prepare(pg_url, {"ServiceSettings.IncomingWebhookKeyGracePeriodSeconds": 60})
    env = {"INBOUND_REDIS_URL": REDIS_URL}
    a = ServeProcess(pg_url, tmp_path / "a.log", env=env)
    try:
        b = ServeProcess(pg_url, tmp_path / "b.log", env=env)
    except BaseException:
        a.stop()
        raise
    try:
        _until_redis(a)
        _until_redis(b)
        yield a, b, key
    finally:
        b.stop()
        a.stop()


@needs_redis
def test_a_hook_deleted_on_b_is_refused_on_a_at_once(
    pair: tuple[ServeProcess, ServeProcess, str],
) -> None:
    a, b, key = pair
    assert _send(a, key) == 200  # A has the hook cached now
    admin_b = _admin(b)
    assert admin_b.delete(f"/api/v4/hooks/incoming/{key}").status_code == 200
    assert _send(a, key) == 400  # no sleep: B answered after A could know
    assert _send(b, key) == 400


@needs_redis
def test_a_regenerated_keys_old_alias_works_everywhere_in_its_grace(
    pair: tuple[ServeProcess, ServeProcess, str],
) -> None:
    a, b, key = pair
    assert _send(a, key) == 200 and _send(b, key) == 200
    fresh = _admin(b).post(f"/api/v4/hooks/incoming/{key}/regenerate").json()["id"]
    assert fresh != key
    assert [_send(a, key), _send(b, key), _send(a, fresh), _send(b, fresh)] == [200] * 4


@needs_redis
def test_deactivation_on_a_ends_the_users_token_and_websocket_on_b(
    pair: tuple[ServeProcess, ServeProcess, str],
) -> None:
    a, b, _ = pair
    admin_a = _admin(a)
    body = {"username": "carol", "email": "carol@example.com", "password": "password-123"}
    carol = admin_a.post("/api/v4/users", json=body).json()
    token = _login(_client(b), "carol", "password-123")
    ws_url = f"ws://127.0.0.1:{b.port}/api/v4/websocket"
    with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        assert "hello" in str(ws.recv(timeout=5))
        answer = admin_a.put(f"/api/v4/users/{carol['id']}/active", json={"active": False})
        assert answer.status_code == 200, answer.text
        me = _client(b).get("/api/v4/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
        _until_closed(ws, seconds=1.0)


@needs_redis
def test_logout_on_a_closes_that_sessions_websocket_on_b(
    pair: tuple[ServeProcess, ServeProcess, str],
) -> None:
    a, b, _ = pair
    token = _login(_client(a), "admin", ADMIN_PASSWORD)
    ws_url = f"ws://127.0.0.1:{b.port}/api/v4/websocket"
    with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        assert "hello" in str(ws.recv(timeout=5))
        assert _Client(_client(a).base, token).post("/api/v4/users/logout").status_code == 200
        _until_closed(ws, seconds=1.0)


@needs_redis
def test_a_config_patch_on_a_applies_on_b(pair: tuple[ServeProcess, ServeProcess, str]) -> None:
    a, b, key = pair
    assert _send(b, key) == 200
    patch = {"ServiceSettings": {"EnableIncomingWebhooks": False}}
    assert _admin(a).put("/api/v4/config/patch", json=patch).status_code == 200
    started = time.monotonic()
    while _send(b, key) != 501:
        assert time.monotonic() - started < 0.5, "B kept the old config"
        time.sleep(0.01)


@needs_redis
def test_the_clis_config_set_reaches_the_servers(
    pair: tuple[ServeProcess, ServeProcess, str], pg_url: str
) -> None:
    a, b, key = pair
    assert _send(a, key) == 200 and _send(b, key) == 200
    command = [sys.executable, "-m", "inbound", "config", "set", "--database-url", pg_url]
    env = {**os.environ, "INBOUND_REDIS_URL": REDIS_URL}
    done = subprocess.run(
        [*command, "ServiceSettings.EnableIncomingWebhooks", "false"], env=env, check=False
    )
    assert done.returncode == 0
    assert [_send(a, key), _send(b, key)] == [501, 501]  # not a poll later


@needs_redis
def test_without_redis_a_second_process_is_refused(pg_url: str, tmp_path: Path) -> None:
    prepare(pg_url, {})
    first = ServeProcess(pg_url, tmp_path / "a.log")
    try:
        second = ServeProcess(pg_url, tmp_path / "b.log", wait=False)
        assert second.process.wait(timeout=30) != 0
        log = (tmp_path / "b.log").read_text()
        assert "INBOUND_REDIS_URL" in log and "another inbound process" in log
        with_redis = ServeProcess(
            pg_url, tmp_path / "c.log", env={"INBOUND_REDIS_URL": REDIS_URL}, wait=False
        )
        assert with_redis.process.wait(timeout=30) != 0  # the first one has no Redis
        assert "without Redis" in (tmp_path / "c.log").read_text()
    finally:
        first.stop()


def test_with_redis_away_changes_still_arrive_by_the_poller(pg_url: str, tmp_path: Path) -> None:
    key = prepare(pg_url, {})
    env = {"INBOUND_REDIS_URL": DEAD_REDIS_URL}
    a = ServeProcess(pg_url, tmp_path / "a.log", env=env)
    b = ServeProcess(pg_url, tmp_path / "b.log", env=env)
    try:
        status = _client(a).get("/api/v4/system/ping?get_server_status=true").json()
        assert status["redis_status"] == "UNAVAILABLE"
        assert status["database_status"] == "OK"
        assert _send(a, key) == 200
        admin_b = _admin(b)
        started = time.monotonic()
        assert admin_b.delete(f"/api/v4/hooks/incoming/{key}").status_code == 200
        assert time.monotonic() - started < 0.5  # no wait for Redis's timeout
        started = time.monotonic()
        while _send(a, key) != 400:
            assert time.monotonic() - started < 2.0, "the poller did not catch up in 2 s"
            time.sleep(0.05)
    finally:
        b.stop()
        a.stop()


@needs_redis
def test_workers_share_one_port_restart_the_dead_and_stop_together(
    pg_url: str, tmp_path: Path
) -> None:
    prepare(pg_url, {})
    env = {"INBOUND_REDIS_URL": REDIS_URL}
    serving = ServeProcess(pg_url, tmp_path / "w.log", env=env, args=("--workers", "2"))
    try:
        nodes = _nodes_seen(serving, 2)
        pids = _children(serving.process.pid)
        assert len(pids) == 2
        os.kill(pids[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while len(set(_children(serving.process.pid)) - {pids[0]}) < 2:
            assert time.monotonic() < deadline, "the dead worker was not replaced"
            time.sleep(0.1)
        assert _nodes_seen(serving, 2) != nodes  # the new worker answers with its own node id
    finally:
        assert serving.stop() == 0
    assert not [pid for pid in pids[1:] if _running(pid)]


@pytest.mark.parametrize(
    ("database", "env", "says"),
    [
        ("sqlite", {}, "needs PostgreSQL"),
        ("postgresql", {}, "needs Redis"),
    ],
    ids=["sqlite", "postgresql-without-redis"],
)
def test_workers_are_refused_where_they_cannot_work(
    database_url: str, tmp_path: Path, database: str, env: dict[str, str], says: str
) -> None:
    if not database_url.startswith(database):
        pytest.skip("one database per case")
    refused = ServeProcess(database_url, tmp_path / "w.log", args=("--workers", "2"), wait=False)
    assert refused.process.wait(timeout=30) == 1
    assert says in (tmp_path / "w.log").read_text()


# -- helpers ----------------------------------------------------------------------------------


class _Client:
    """One-shot HTTP calls to a process (nothing left open), with a token when given."""

    def __init__(self, base: str, token: str = "") -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        return httpx.request(method, self.base + path, headers=headers, timeout=10, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)


def _client(process: ServeProcess) -> _Client:
    return _Client(f"http://127.0.0.1:{process.port}")


def _login(client: _Client, username: str, password: str) -> str:
    answer = client.post("/api/v4/users/login", json={"login_id": username, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.headers["Token"]


def _admin(process: ServeProcess) -> _Client:
    client = _client(process)
    return _Client(client.base, _login(client, "admin", ADMIN_PASSWORD))


def _send(process: ServeProcess, key: str) -> int:
    return _client(process).post(f"/hooks/{key}", json={"text": "cluster"}).status_code


def _until_redis(process: ServeProcess, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while (
        _client(process).get("/api/v4/system/ping?get_server_status=true").json()["redis_status"]
        != "OK"
    ):
        assert time.monotonic() < deadline, "Redis did not come up"
        time.sleep(0.02)


def _nodes_seen(process: ServeProcess, count: int, seconds: float = 20.0) -> set[str]:
    """The node ids answering on the port, once ``count`` different ones have answered."""
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while len(seen) < count:
        assert time.monotonic() < deadline, f"only {seen} answered"
        answer = _client(process).get("/api/v4/system/ping?get_server_status=true")
        if answer.status_code == 200:
            seen.add(answer.json()["node_id"])
    return seen


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _until_closed(ws: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    with pytest.raises(ConnectionClosed):
        while True:
            ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            assert time.monotonic() < deadline, "the websocket stayed open"


def test_sqlite_registers_nothing_and_beats_no_heart(tmp_path: Path) -> None:
    """SQLite is one process: no node row, and no write transaction every few seconds that
    would take SQLite's one write lock (and hold a shutdown on a locked database)."""

    async def scenario() -> int:
        runtime = Runtime(Settings(database_url=f"sqlite:///{tmp_path / 'one.db'}"))
        await runtime.start(serving=False)
        try:
            await cluster.register(runtime.context)
            await asyncio.wait_for(cluster.keep_registered(runtime.context), 1)
            async with runtime.context.db.connect() as conn:
                return int(
                    (await conn.execute(text("SELECT count(*) FROM cluster_nodes"))).scalar_one()
                )
        finally:
            await runtime.stop()

    assert run_async(scenario) == 0
