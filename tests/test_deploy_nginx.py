"""The nginx config of docs/deploy.md (``deploy/nginx.conf``), run for real: Debian's nginx in
front of two ``inbound serve`` processes on one PostgreSQL database and one Redis. Hooks, the
websocket upgrade and the client's address pass through it, and a hook keeps answering while one
process is killed, with every acknowledged post stored exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.conftest import ADMIN_PASSWORD, run_async
from tests.serve_process import ServeProcess, free_port, prepare, stored_messages

NGINX = Path("/usr/sbin/nginx")
SITE = Path(__file__).parent.parent / "deploy" / "nginx.conf"
REDIS_URL = "redis://127.0.0.1:6379/14"
CLIENT = "127.0.0.2"  # the test's own address: nginx itself reaches inbound from 127.0.0.1
PREFIX = "nginx-"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not NGINX.exists(), reason="no nginx: apt-get install nginx (.ci/run does)"),
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),  # several processes
]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class Cluster:
    url: str  # nginx
    nodes: list[ServeProcess]
    key: str
    database_url: str

    def client(self) -> httpx.Client:
        transport = httpx.HTTPTransport(local_address=CLIENT)
        return httpx.Client(base_url=self.url, transport=transport, timeout=15)


def site_config(port: int, upstreams: list[int]) -> str:
    """The repo's site file with only the listen port and the upstream addresses replaced."""
    text = SITE.read_text()
    swaps = [
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("server 10.0.0.11:8065 ", f"server 127.0.0.1:{upstreams[0]} "),
        ("server 10.0.0.12:8065 ", f"server 127.0.0.1:{upstreams[1]} "),
    ]
    for old, new in swaps:
        assert text.count(old) == 1, f"deploy/nginx.conf no longer has {old!r} once"
        text = text.replace(old, new)
    return text


def nginx_config(work: Path, site: str) -> str:
    temp = "\n".join(
        f"  {kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\nevents {{ worker_connections 512; }}\n"
        f"http {{\n  access_log {work / 'access.log'};\n{temp}\n"
        f"  uwsgi_temp_path {work / 'uwsgi'};\n  scgi_temp_path {work / 'scgi'};\n{site}\n}}\n"
    )


def start_nginx(work: Path, port: int, upstreams: list[int]) -> subprocess.Popen[bytes]:
    conf = work / "nginx.conf"
    conf.write_text(nginx_config(work, site_config(port, upstreams)))
    error_log = work / "error.log"
    globals_ = f"daemon off; pid {work / 'nginx.pid'}; error_log {error_log} info;"
    command = [str(NGINX), "-p", str(work), "-e", str(error_log), "-c", str(conf), "-g", globals_]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert process.poll() is None, error_log.read_text() if error_log.exists() else "nginx"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nginx did not start")


@pytest.fixture
def cluster(database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    if not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379 (several processes need one)")
    key = prepare(database_url, {"ServiceSettings.TrustedProxyIPHeader": ["X-Forwarded-For"]})
    env = {"INBOUND_REDIS_URL": REDIS_URL, "INBOUND_TRUSTED_PROXIES": "127.0.0.1/32"}
    nodes: list[ServeProcess] = []
    proxy = None
    try:
        for n in range(2):
            nodes.append(ServeProcess(database_url, tmp_path / f"serve{n}.log", env=env))
        port = free_port()
        proxy = start_nginx(tmp_path, port, [node.port for node in nodes])
        yield Cluster(f"http://127.0.0.1:{port}", nodes, key, database_url)
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=10)
        for node in nodes:
            node.stop(signal.SIGKILL)


def admin(client: httpx.Client) -> tuple[str, str]:
    """Log in through nginx; the admin's token and town-square's id."""
    login = {"login_id": "admin", "password": ADMIN_PASSWORD}
    token = client.post("/api/v4/users/login", json=login).headers["Token"]
    auth = {"Authorization": f"Bearer {token}"}
    path = "/api/v4/teams/name/main/channels/name/town-square"
    return token, client.get(path, headers=auth).json()["id"]


def test_hooks_websocket_and_client_address_pass_through_nginx(cluster: Cluster) -> None:
    with cluster.client() as client:
        answer = client.post(f"/hooks/{cluster.key}", json={"text": f"{PREFIX}hello"})
        assert (answer.status_code, answer.text) == (200, "ok")
        assert stored_messages(cluster.database_url, PREFIX) == [f"{PREFIX}hello"]

        token, channel_id = admin(client)
        ws_url = cluster.url.replace("http", "ws", 1) + "/api/v4/websocket"
        with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            assert orjson.loads(ws.recv(timeout=5))["event"] == "hello"
            # nginx alternates the two processes, so one of these two is written by the
            # websocket's own process (the other's event crosses processes over Redis).
            for n in range(2):
                client.post(f"/hooks/{cluster.key}", json={"text": f"{PREFIX}live-{n}"})
            event = _next_posted(ws)
            assert orjson.loads(event["data"]["post"])["message"].startswith(f"{PREFIX}live-")

        auth = {"Authorization": f"Bearer {token}"}
        for cidrs, status in (
            (f"{CLIENT}/32", 200),
            ("127.0.0.1/32", 403),
            ("203.0.113.0/24", 403),
        ):
            body = {"channel_id": channel_id, "allowed_cidrs": [cidrs]}
            created = client.post("/api/v4/hooks/incoming", json=body, headers=auth)
            assert created.status_code == 201, created.text
            # The address nginx saw, not nginx's own; a sender cannot pass for another one
            # (nginx appends the address it saw to whatever X-Forwarded-For it was sent).
            spoofed = {"X-Forwarded-For": "203.0.113.9"}
            path = f"/hooks/{created.json()['id']}"
            sent = client.post(path, json={"text": "x"}, headers=spoofed)
            assert sent.status_code == status, (cidrs, sent.text)


def _next_posted(ws: ClientConnection, seconds: float = 5) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        event: dict[str, Any] = orjson.loads(ws.recv(timeout=left))
        if event.get("event") == "posted":
            return event
    raise AssertionError("no posted event through nginx")


def test_a_hook_keeps_answering_while_one_process_is_killed(cluster: Cluster) -> None:
    acked = run_async(lambda: _load_while_killing(cluster))
    after = []
    with cluster.client() as client:
        for n in range(20):
            text = f"{PREFIX}after-{n}"
            answer = client.post(f"/hooks/{cluster.key}", json={"text": text})
            assert answer.status_code == 200, answer.text
            after.append(text)
    stored = Counter(stored_messages(cluster.database_url, PREFIX))
    assert not [text for text, count in stored.items() if count > 1], "stored twice"
    missing = [text for text in acked + after if text not in stored]
    assert not missing, f"{len(missing)} of {len(acked) + len(after)} acknowledged posts lost"


async def _load_while_killing(cluster: Cluster) -> list[str]:
    """Four senders through nginx for 3 s; one process is SIGKILLed after 1 s. Returns the
    texts answered 200 (a request in flight on the killed process may get 502, or a cut
    connection when the process died mid-answer: neither is acked)."""
    acked: list[str] = []
    statuses: Counter[int] = Counter()
    stop = time.monotonic() + 3

    async def sender(number: int) -> None:
        transport = httpx.AsyncHTTPTransport(local_address=CLIENT)
        async with httpx.AsyncClient(base_url=cluster.url, transport=transport) as client:
            for i in range(1_000_000):
                if time.monotonic() > stop:
                    return
                text = f"{PREFIX}{number}-{i}"
                try:
                    answer = await client.post(f"/hooks/{cluster.key}", json={"text": text})
                except httpx.RemoteProtocolError:  # killed between the answer's head and body:
                    statuses[0] += 1  # nginx cuts the connection; no answer, nothing acked
                    continue
                statuses[answer.status_code] += 1
                if answer.status_code == 200:
                    acked.append(text)

    async def kill() -> None:
        await asyncio.sleep(1)
        cluster.nodes[0].process.send_signal(signal.SIGKILL)

    await asyncio.gather(kill(), *(sender(n) for n in range(4)))
    assert len(acked) > 20, statuses
    assert set(statuses) <= {200, 502, 0}, statuses
    return acked
