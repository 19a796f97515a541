"""The official Mattermost JavaScript client against a live server.

``tests/js/startup.mjs`` drives ``@mattermost/client`` (``Client4`` and ``WebSocketClient``, the
library under Mattermost's web, desktop and mobile apps; installed from ``package.json`` by
``make test`` and ``.ci/run``) through the web app's start-up (mattermost-redux's ``loadMe``), an
incoming webhook and its post, and the websocket. The websocket goes through a proxy here that
cuts its connections on the network side, as a dropped Wi-Fi or a restarted load balancer does:
the client must reconnect and resume (same connection, continuous ``seq``, the post made while it
was away delivered, no "missed websocket event"). One node process, a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD, LiveServer

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "js" / "startup.mjs"
CLIENT_PACKAGE = ROOT / "node_modules" / "@mattermost" / "client" / "package.json"
NODE_SECONDS = 60  # the run takes a few seconds; this only bounds a hung one
ID = re.compile(r"^[a-z0-9]{26}$")
# X-Version-Id: <Mattermost version>.<build>.<config hash>.<licensed>
VERSION = re.compile(r"^\d+\.\d+\.\d+\..+\.(true|false)$")


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: this tests what goes over the wire, not storage."""
    path = tmp_path / "inbound.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def node() -> str:
    """The node binary, with the client installed; skipped on a developer's machine without
    them, a failure in CI (which installs them)."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node (Debian package nodejs, v20+)")
    if not CLIENT_PACKAGE.exists():
        missing.append("node_modules (run `npm ci` or `make test`)")
    if missing:
        message = "the Mattermost JS client test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    assert node is not None
    return node


class CuttableProxy:
    """A TCP proxy in front of the server, on its own event loop. A line ``cut`` on the control
    port aborts every proxied connection (both sides see a reset, as when a network path dies)
    and holds new connections unforwarded until a line ``release``."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.connections: set[asyncio.StreamWriter] = set()
        self.accepted = 0
        self.cuts = 0
        self.port = 0
        self.control_port = 0
        self.servers: list[asyncio.Server] = []

    def __enter__(self) -> CuttableProxy:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    async def _start(self) -> None:
        self.open = asyncio.Event()
        self.open.set()
        proxy = await asyncio.start_server(self._proxy, "127.0.0.1", 0)
        control = await asyncio.start_server(self._control, "127.0.0.1", 0)
        self.servers = [proxy, control]
        self.port = proxy.sockets[0].getsockname()[1]
        self.control_port = control.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        self._abort_all()
        for server in self.servers:
            server.close()
            await server.wait_closed()
        rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def _abort_all(self) -> None:
        for writer in list(self.connections):
            writer.transport.abort()
        self.connections.clear()

    async def _control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        command = (await reader.readline()).decode().strip()
        if command == "cut":
            self.cuts += 1
            self.open.clear()
            self._abort_all()
            writer.write(b"cut\n")
        elif command == "release":
            self.open.set()
            writer.write(b"released\n")
        else:
            writer.write(b"unknown command\n")
        await writer.drain()
        writer.close()

    async def _proxy(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.connections.add(client_w)
        await self.open.wait()
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_w.transport.abort()
            return
        self.connections.add(server_w)
        await asyncio.gather(
            self._pipe(client_r, server_w), self._pipe(server_r, client_w), return_exceptions=True
        )
        for writer in (client_w, server_w):
            self.connections.discard(writer)
            writer.transport.abort()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()


@pytest.fixture
def proxy(live_server: LiveServer) -> Iterator[CuttableProxy]:
    port = int(live_server.url.rsplit(":", 1)[1])
    with CuttableProxy(port) as running:
        yield running


Check = Callable[[dict[str, Any]], list[str]]


def _expect(**fields: Any) -> Check:
    """The summary has these exact values."""

    def check(summary: dict[str, Any]) -> list[str]:
        return [
            f"{key} is {summary.get(key)!r}, expected {value!r}"
            for key, value in fields.items()
            if summary.get(key) != value
        ]

    return check


def _check_login(s: dict[str, Any]) -> list[str]:
    problems = _expect(username="admin", token_set=True)(s)
    if "system_admin" not in str(s.get("roles")).split():
        problems.append(f"roles {s.get('roles')!r} lack system_admin")
    return problems


def _check_config(s: dict[str, Any]) -> list[str]:
    problems = []
    if not isinstance(s.get("Version"), str) or not re.match(r"^\d+\.\d+\.\d+", s["Version"]):
        problems.append(f"Version {s.get('Version')!r} is not a Mattermost version")
    if not s.get("SiteName"):
        problems.append("no SiteName")
    return problems


def _check_list(kind: str, minimum: int = 1) -> Check:
    def check(s: Any) -> list[str]:
        items = s if isinstance(s, list) else s.get("count", 0)
        count = len(items) if isinstance(items, list) else items
        return [] if count >= minimum else [f"{count} {kind}, expected at least {minimum}"]

    return check


def _check_teams(s: Any) -> list[str]:
    return [] if any(t.get("name") == "main" for t in s) else [f"team main missing: {s}"]


def _check_team_members(s: Any) -> list[str]:
    problems = _check_list("team members")(s)
    if s and "team_user" not in str(s[0].get("roles")).split():
        problems.append(f"roles {s[0].get('roles')!r} lack team_user")
    return problems


def _check_unreads(s: Any) -> list[str]:
    problems = _check_list("team unreads")(s)
    for row in s:
        if not isinstance(row.get("msg_count"), int) or not isinstance(
            row.get("mention_count"), int
        ):
            problems.append(f"counts are not numbers: {row}")
    return problems


def _check_channels(s: Any) -> list[str]:
    names = {c.get("name") for c in s}
    return [] if "town-square" in names else [f"town-square missing: {sorted(names)}"]


def _check_channel_members(s: Any) -> list[str]:
    problems = _check_list("channel members")(s)
    if s and "channel_user" not in str(s[0].get("roles")).split():
        problems.append(f"roles {s[0].get('roles')!r} lack channel_user")
    return problems


def _check_roles(s: dict[str, Any]) -> list[str]:
    problems = []
    missing = set(s["requested"]) - set(s["returned"])
    if missing or not s["requested"]:
        problems.append(f"roles not returned: {sorted(missing)} (asked {s['requested']})")
    for name, count in s["permissions"].items():
        if not isinstance(count, int) or count == 0:
            problems.append(f"role {name} has no permissions list ({count!r})")
    return problems


def _check_stats(s: dict[str, Any]) -> list[str]:
    count = s.get("member_count")
    return [] if isinstance(count, int) and count >= 1 else [f"member_count {count!r}"]


def _check_statuses(s: Any) -> list[str]:
    if len(s) != 1 or s[0].get("status") not in {"online", "away", "dnd", "offline"}:
        return [f"expected one status for the user, got {s}"]
    return []


def _check_picture(s: dict[str, Any]) -> list[str]:
    problems = _expect(status=200, png=True)(s)
    if not str(s.get("content_type", "")).startswith("image/png"):
        problems.append(f"content type {s.get('content_type')!r}")
    return problems


def _check_version(s: dict[str, Any]) -> list[str]:
    value = s.get("value") or ""
    if not VERSION.match(value):
        return [
            f"Client4.getServerVersion() is {value!r}: no X-Version-Id "
            "'<version>.<build>.<config hash>.<licensed>' on answers without Cache-Control"
        ]
    return []


def _check_hook(s: dict[str, Any]) -> list[str]:
    return [] if ID.match(str(s.get("id"))) else [f"hook id {s.get('id')!r}"]


def _check_hello(s: dict[str, Any]) -> list[str]:
    problems = _expect(seq=0)(s)
    query = s.get("url_query") or {}
    if query.get("connection_id") != "" or query.get("sequence_number") != "0":
        problems.append(f"first connection's query {query} (client bug?)")
    if not ID.match(str(s.get("connection_id"))):
        problems.append(f"hello data.connection_id {s.get('connection_id')!r} is not a 26-char id")
    if s.get("client_connection_id") != s.get("connection_id"):
        problems.append("the client did not keep the hello's connection_id")
    if not VERSION.match(str(s.get("server_version"))):
        problems.append(f"hello data.server_version {s.get('server_version')!r}")
    elif s.get("server_version") != s.get("x_version_id"):
        # Mattermost builds both from the same parts; the web app takes a change for an upgrade.
        problems.append(
            f"hello data.server_version {s['server_version']!r} is not the X-Version-Id "
            f"{s.get('x_version_id')!r}"
        )
    return problems


def _check_posted(s: dict[str, Any]) -> list[str]:
    return _expect(from_webhook="true", set_online=False)(s) + (
        [] if ID.match(str(s.get("post_id"))) else [f"post id {s.get('post_id')!r}"]
    )


def _check_posts(s: dict[str, Any]) -> list[str]:
    return _expect(found=True, first_is_hook_post=True, from_webhook="true")(s)


def _check_cut(s: dict[str, Any]) -> list[str]:
    return _expect(proxy="cut")(s)


def _check_resume(s: dict[str, Any]) -> list[str]:
    problems = _expect(reconnects=1, missed_message_listener_calls=0, hellos_after_cut=[])(s)
    expected = s["expected"]
    query = s.get("reconnect_url_query") or {}
    for key in ("connection_id", "sequence_number"):
        if query.get(key) != expected[key]:
            problems.append(f"reconnect URL {key}={query.get(key)!r}, expected {expected[key]!r}")
    if s.get("client_connection_id") != expected["connection_id"]:
        problems.append(
            f"connection id changed: {expected['connection_id']!r} → {s['client_connection_id']!r}"
        )
    if s.get("connections") != 2:
        problems.append(f"{s.get('connections')} connections, expected 2 (one reconnect)")
    if s.get("gap_post_seq") != int(expected["sequence_number"]):
        problems.append(
            f"the post made during the cut came at seq {s.get('gap_post_seq')}, "
            f"expected {expected['sequence_number']} (the next one)"
        )
    return problems


def _check_stream(s: dict[str, Any]) -> list[str]:
    problems = _expect(
        contiguous=True,
        posted_counts={"live": 1, "gap": 1, "after": 1},
        connections=2,
        reconnects=1,
        missed_message_listener_calls=0,
        missed_event_logs=[],
    )(s)
    if s.get("events", [None])[0] != "hello" or s.get("events", []).count("hello") != 1:
        problems.append(f"expected one hello, first: {s.get('events')}")
    return problems


def _ok(s: Any) -> list[str]:
    return []


# Every step the script prints, in order, and what its summary must show.
STEPS: dict[str, Check] = {
    "login": _check_login,
    "getClientConfig": _check_config,
    "getClientLicenseOld": _expect(IsLicensed="false"),
    "getMe": _expect(username="admin"),
    "getMyPreferences": _ok,
    "getMyTeams": _check_teams,
    "getMyTeamMembers": _check_team_members,
    "getMyTeamUnreads": _check_unreads,
    "getMyChannels": _check_channels,
    "getMyChannelMembers": _check_channel_members,
    "getRolesByNames": _check_roles,
    "getChannelStats": _check_stats,
    "getStatusesByIds": _check_statuses,
    "getProfilePictureUrl": _check_picture,
    "serverVersion": _check_version,
    "createIncomingWebhook": _check_hook,
    "ws_hello": _check_hello,
    "hook_post": _expect(status=200),
    "ws_posted": _check_posted,
    "getPosts": _check_posts,
    "ws_cut": _check_cut,
    "hook_post_during_cut": _expect(status=200),
    "ws_release": _expect(proxy="released"),
    "ws_resume": _check_resume,
    "hook_post_after_resume": _expect(status=200),
    "ws_posted_after_resume": _ok,
    "ws_stream": _check_stream,
    "done": _ok,
}


def test_official_js_client_starts_posts_and_resumes(
    node: str, live_server: LiveServer, proxy: CuttableProxy
) -> None:
    env = {**os.environ, "MM_LOGIN_ID": "admin", "MM_PASSWORD": ADMIN_PASSWORD}
    command = [node, str(SCRIPT), "--url", live_server.url]
    command += ["--ws-url", f"ws://127.0.0.1:{proxy.port}", "--control", str(proxy.control_port)]
    run = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=NODE_SECONDS
    )
    print(run.stdout)  # every step's line, shown by pytest when the test fails
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    results = {line["step"]: line for line in lines}

    problems = []
    for line in lines:
        if line["step"] not in STEPS:
            problems.append(f"{line['step']}: {line}")
    for name, check in STEPS.items():
        line = results.get(name)
        if line is None:
            problems.append(f"{name}: step missing (the script stopped before it)")
        elif not line.get("ok"):
            fields = {k: v for k, v in line.items() if k not in ("step", "ok", "ms")}
            problems.append(f"{name}: failed {fields}")
        else:
            problems += [f"{name}: {problem}" for problem in check(line.get("summary"))]
    assert run.returncode == 0, f"node exited {run.returncode}: {run.stderr[-2000:]}"
    assert not problems, "the Mattermost JS client's steps:\n" + "\n".join(problems)
    assert proxy.cuts == 1
