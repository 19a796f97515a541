"""Websocket resume under churn: does the server's memory stay bounded, and is nothing lost?

    PYTHONPATH=src .venv/bin/python bench/ws_memory.py [--clients 200] [--seconds 600]
    … --url http://127.0.0.1:8065 --pid <server pid> --password <admin password>   (a running server)

Without ``--url`` it starts ``python -m inbound serve`` from this checkout on a fresh SQLite
database. CLIENTS websockets (spread over ``--users`` users) follow Mattermost's client: they
remember the ``connection_id`` of their ``hello`` and the next ``seq`` they expect, and check
every event's ``seq``. A webhook posts ``bench <n>`` continuously (``--rate`` per second). Each
client drops at random (mean ``--drop-every`` seconds; half abort the TCP connection, half close
cleanly), stays away 0.2–5 s, and reconnects with ``?connection_id=…&sequence_number=…``; a
share (``--abandon``) comes back as a fresh client instead, leaving a dead session for the
server to expire. Every 10 s it prints the server's RSS (``/proc/<pid>/status`` VmRSS) and the
counts. ``lost`` counts posts a client never saw although it got no new ``hello`` (must be 0);
``seq errors`` counts events whose ``seq`` was not the one expected (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"


@dataclass
class Totals:
    connects: int = 0
    resumed: int = 0
    hellos: int = 0
    new_ids: int = 0  # a hello with a new id on a resume attempt: the client must refetch
    events: int = 0
    lost: int = 0
    seq_errors: int = 0
    failures: int = 0
    posts: int = 0
    connected: int = 0


class Client:
    """One Mattermost-like websocket client."""

    def __init__(self, url: str, token: str, totals: Totals, args: argparse.Namespace) -> None:
        self.url = url.replace("http", "ws", 1) + "/api/v4/websocket"
        self.token = token
        self.totals = totals
        self.args = args
        self.connection_id = ""
        self.next_seq = 0
        self.last_post = -1  # the number of the last ``bench <n>`` seen; -1 until the first
        self.hello_seen = False

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            try:
                await self._session(until)
            except (TimeoutError, OSError, ConnectionClosed, InvalidStatus):
                self.totals.failures += 1
            await asyncio.sleep(random.uniform(0.2, 5.0))
            if random.random() < self.args.abandon:
                self.connection_id, self.next_seq = "", 0  # come back as a new client

    async def _session(self, until: float) -> None:
        query = f"?connection_id={self.connection_id}&sequence_number={self.next_seq}"
        headers = {"Authorization": f"Bearer {self.token}"}
        async with connect(self.url + query, additional_headers=headers, open_timeout=30) as ws:
            self.totals.connects += 1
            self.totals.connected += 1
            resuming, self.hello_seen = bool(self.connection_id), False
            try:
                stay = min(random.expovariate(1 / self.args.drop_every), until - time.monotonic())
                reading = asyncio.create_task(self._read(ws))
                await asyncio.wait({reading}, timeout=max(stay, 0))
                reading.cancel()
                if random.random() < 0.5:
                    ws.transport.abort()  # the network goes away: no close frame
            finally:
                self.totals.connected -= 1
                if resuming and not self.hello_seen:
                    self.totals.resumed += 1

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            message = orjson.loads(raw)
            if "seq_reply" in message:
                continue
            if message.get("event") == "hello":
                self._hello(message)
            if message["seq"] != self.next_seq:
                self.totals.seq_errors += 1  # the JS client closes with 4001 and reconnects
                self.connection_id, self.next_seq = "", 0
                await ws.close(4001)
                return
            self.next_seq += 1
            self.totals.events += 1
            if message.get("event") == "posted":
                self._posted(message)

    def _hello(self, message: dict[str, Any]) -> None:
        self.totals.hellos += 1
        self.hello_seen = True
        new_id = message["data"].get("connection_id", "")  # none before resume existed
        if self.connection_id and new_id != self.connection_id:
            self.totals.new_ids += 1
        self.connection_id = new_id
        self.next_seq = 0
        self.last_post = -1  # a new stream: the client refetches what it missed

    def _posted(self, message: dict[str, Any]) -> None:
        text = orjson.loads(message["data"]["post"])["message"]
        number = int(text.split()[1])
        if self.last_post >= 0 and number > self.last_post + 1:
            self.totals.lost += number - self.last_post - 1
        self.last_post = max(self.last_post, number)


async def post_continuously(
    url: str, hook_id: str, rate: float, totals: Totals, until: float
) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        while time.monotonic() < until:
            response = await http.post(f"/hooks/{hook_id}", json={"text": f"bench {totals.posts}"})
            if response.status_code == 200:
                totals.posts += 1
            await asyncio.sleep(1 / rate)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def report(pid: int, totals: Totals, until: float, started: float) -> list[float]:
    print(
        f"{'t s':>5} {'RSS MB':>7} {'online':>6} {'connects':>8} {'resumed':>7} {'hellos':>6} "
        f"{'new id':>6} {'posts':>6} {'events':>8} {'lost':>4} {'seq err':>7} {'fail':>4}"
    )
    samples = []
    while True:
        rss = rss_mb(pid)
        samples.append(rss)
        t = totals
        print(
            f"{time.monotonic() - started:5.0f} {rss:7.1f} {t.connected:6d} {t.connects:8d} "
            f"{t.resumed:7d} {t.hellos:6d} {t.new_ids:6d} {t.posts:6d} {t.events:8d} "
            f"{t.lost:4d} {t.seq_errors:7d} {t.failures:4d}",
            flush=True,
        )
        if time.monotonic() >= until:
            return samples
        await asyncio.sleep(min(10, max(0.1, until - time.monotonic())))


def tokens(url: str, password: str, users: int) -> tuple[list[str], str]:
    """Log ``users`` users in (made members of team ``main``) and make a town-square hook."""
    with httpx.Client(base_url=url, timeout=60) as http:
        admin = http.post("/api/v4/users/login", json={"login_id": "admin", "password": password})
        headers = {"Authorization": f"Bearer {admin.headers['Token']}"}
        team = http.get("/api/v4/teams/name/main", headers=headers).json()
        town = http.get(f"/api/v4/teams/{team['id']}/channels/name/town-square", headers=headers)
        hook = http.post(
            "/api/v4/hooks/incoming",
            headers=headers,
            json={"channel_id": town.json()["id"], "display_name": "ws bench"},
        ).json()
        found = []
        tag = secrets.token_hex(3)
        for n in range(users):
            name = f"wsbench{tag}{n}"
            body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
            user = http.post("/api/v4/users", headers=headers, json=body).json()
            http.post(
                f"/api/v4/teams/{team['id']}/members",
                headers=headers,
                json={"team_id": team["id"], "user_id": user["id"]},
            )
            login = http.post("/api/v4/users/login", json={"login_id": name, "password": PASSWORD})
            found.append(login.headers["Token"])
    return found, hook["id"]


def start_server(work: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "INBOUND_DATABASE_URL": f"sqlite:///{work / 'ws.db'}",
        "INBOUND_ADMIN_PASSWORD": PASSWORD,
        "INBOUND_PORT": str(port),
    }
    log = (work / "server.log").open("ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "inbound", "serve"], env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v4/system/ping", timeout=1).is_success:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


async def bench(url: str, pid: int, password: str, args: argparse.Namespace) -> Totals:
    found, hook_id = tokens(url, password, args.users)
    totals = Totals()
    started = time.monotonic()
    until = started + args.seconds
    clients = [Client(url, found[n % len(found)], totals, args) for n in range(args.clients)]
    tasks = [asyncio.create_task(c.run(until)) for c in clients]
    tasks.append(asyncio.create_task(post_continuously(url, hook_id, args.rate, totals, until)))
    samples = await report(pid, totals, until, started)
    await asyncio.wait(tasks, timeout=30)
    for task in tasks:
        task.cancel()
    print(f"RSS: first {samples[0]:.1f} MB, max {max(samples):.1f} MB, last {samples[-1]:.1f} MB")
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rate", type=float, default=5.0, help="webhook posts per second")
    parser.add_argument("--drop-every", type=float, default=30.0, help="mean seconds online")
    parser.add_argument("--abandon", type=float, default=0.2, help="share of fresh reconnects")
    parser.add_argument("--url", help="a running server (else one is started)")
    parser.add_argument("--pid", type=int, help="the running server's process id")
    parser.add_argument("--password", default=PASSWORD, help="the running server's admin's")
    args = parser.parse_args()
    if args.url:
        if not args.pid:
            parser.error("--url needs --pid (to read the server's RSS)")
        totals = asyncio.run(bench(args.url.rstrip("/"), args.pid, args.password, args))
    else:
        with tempfile.TemporaryDirectory(prefix="inbound-ws-") as tmp:
            port = random.randint(20000, 40000)
            server = start_server(Path(tmp), port)
            try:
                url = f"http://127.0.0.1:{port}"
                totals = asyncio.run(bench(url, server.pid, PASSWORD, args))
            finally:
                server.terminate()
                server.wait(timeout=30)
                log = (Path(tmp) / "server.log").read_text(errors="replace")
                print(f"server log: {log.count('Traceback')} tracebacks")
    sys.exit(1 if totals.lost or totals.seq_errors else 0)


if __name__ == "__main__":
    main()
