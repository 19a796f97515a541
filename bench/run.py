"""inbound's benchmark: durable webhook ingest against the bare-ASGI floor, on this machine.

    make bench                      # SQLite (WAL, synchronous=FULL), BENCH_SECONDS=20
    BENCH_SECONDS=10 make bench     # shorter
    INBOUND_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/scratch make bench
                                    # also PostgreSQL (the database is wiped: use a scratch one)

Server on core 0 (taskset), wrk with a Lua script on core 1, 64 connections, a mix of real
payloads (short text, the Markdown table, attachments, an 8,200-character log that splits into
3 posts, an @channel mention). In the same run: the baseline (a bare raw ASGI app on the same
uvicorn settings and core), the issue's prototype as a yardstick (bench/prototype_app.py: parse,
one row, group commit; BENCH_PROTOTYPE=0 skips it), the read path on a channel of BENCH_READ_POSTS posts (default
1,000,000), fan-out to 200 websocket clients, and the same mix to a hook with a signing secret,
every request signed and under its own Idempotency-Key (BENCH_SENDERS=0 skips it). Every request carries a unique token, so after
the run the stored posts are checked against the 200s: zero lost, zero duplicated, no half
messages. Ends with one machine-readable RESULT line per database.

    INBOUND_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/scratch BENCH_WORKERS=2 make bench
                                    # also two processes on that database (needs Redis)

BENCH_WORKERS=2 (PostgreSQL only; Redis at INBOUND_BENCH_REDIS_URL, default
redis://127.0.0.1:6379/13) adds a phase after the one-process load: two `inbound serve`
processes on the same database and Redis, on their own ports (one pinned to core 0, one to
core 1), each loaded by its own wrk (half the connections each, pinned to the other process's
core) on a hook of its own channel, after a 2-second warm-up of both. It reports both
processes' throughput together and apart, server CPU per request (both processes' CPU over
both's requests), the servers' and the load generators' CPU share, beside the one-process
figures of the same run, and checks that phase's posts like the others. Then, once each
process has delivered the other's backlog of the load's events (how long that took is
reported), fan-out across processes: BENCH_FANOUT_CLIENTS websocket clients on B, posts through
A's hook at the rate clients and posts both on A reached just before (reported beside it). On a
2-core machine the wrks share the cores with the servers: read the CPU per request (what a
second process costs), not the throughput, as the figure that carries to bigger machines.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hostile  # bench/hostile.py: run.py runs as a script, so its folder is on the path
import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PAYLOADS = ROOT / "tests" / "payloads"
CONNECTIONS = 64
PASSWORD = "bench-password-1"
TOKEN = re.compile(r"tok-\d+-\d+")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


SECONDS = env_int("BENCH_SECONDS", 20)
READ_POSTS = env_int("BENCH_READ_POSTS", 1_000_000)
FANOUT_CLIENTS = env_int("BENCH_FANOUT_CLIENTS", 200)
FANOUT_RATE = env_int("BENCH_FANOUT_RATE", 100)
PROTOTYPE = env_int("BENCH_PROTOTYPE", 1)  # 0: skip the prototype yardstick
HISTORY = env_int("BENCH_HISTORY", 1)  # 0: skip the delivery history on/off comparison
HOSTILE = env_int("BENCH_HOSTILE", 1)  # 0: skip the hostile mix and the flood
SENDERS = env_int("BENCH_SENDERS", 1)  # 0: skip the signed + Idempotency-Key phase
WORKERS = env_int("BENCH_WORKERS", 1)  # 2: also two processes (PostgreSQL + Redis)
REDIS_URL = os.environ.get("INBOUND_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SENDERS_SECRET = "bench" * 12 + "0000"  # 64 characters, as the server's own secrets


def taskset(core: int) -> list[str]:
    return (
        ["taskset", "-c", str(core)]
        if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1
        else []
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------- payloads ----------


def write_payloads(directory: Path) -> None:
    """Real payloads with a ``@@TOKEN@@`` at the start of the text (wrk fills in a unique one)."""

    def load(name: str) -> dict[str, Any]:
        body: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
        body.pop("channel", None)
        return body

    table = load("mmdocs_test_results_markdown_table.json")
    table["text"] = "@@TOKEN@@ " + table["text"]
    attachments = load("slackdocs_legacy_attachment_full.json")
    attachments["text"] = "@@TOKEN@@ build finished"
    line = "2026-11-27T12:00:00Z INFO worker[42] processed batch ok " + "x" * 43  # 99 chars + \n
    long_text = "@@TOKEN@@ LONG\n" + "\n".join([line] * 82)
    assert 8150 < len(long_text) < 8300
    bodies = {
        "short": {"text": "@@TOKEN@@ Hello, this is some text\nThis is more text. :tada:"},
        "table": table,
        "attachments": attachments,
        "long": {"text": long_text},
        "mention": {"text": "@@TOKEN@@ <!channel> deploy of *api* to production finished"},
    }
    for name, body in bodies.items():
        (directory / f"{name}.json").write_text(json.dumps(body))


LUA_TOKEN_PATCH = """
local template_init = init
function init(args)
  template_init(args)
  for i = 1, #bodies do
    local s, e = string.find(bodies[i], "@@TOKEN@@", 1, true)
    bodies[i] = { string.sub(bodies[i], 1, s - 1), string.sub(bodies[i], e + 1) }
  end
  thread_id = args[2]  -- unique per wrk run, so tokens never repeat across runs
end
local template_request = request
function request()
  counter = counter + 1
  local kind = cycle[(counter - 1) % #cycle + 1]
  local parts = bodies[kind]
  local body = parts[1] .. "tok-" .. thread_id .. "-" .. counter .. parts[2]
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end
function response(status, headers, body)
  if status == 200 then ok[1] = ok[1] + 1 else errors = errors + 1 end
end
"""


LUA_SENDERS_PATCH = """
local template_init = init
function init(args)
  template_init(args)
  thread_id = args[2]
  local f = assert(io.open(args[1] .. "/signed.txt", "rb"))
  stamp = f:read("*l")
  signatures = {}
  for i = 1, #bodies do signatures[i] = f:read("*l") end
  f:close()
end
function request()
  counter = counter + 1
  local kind = cycle[(counter - 1) % #cycle + 1]
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Slack-Request-Timestamp"] = stamp,
    ["X-Slack-Signature"] = signatures[kind],
    ["Idempotency-Key"] = "bench-" .. thread_id .. "-" .. counter,
  }, bodies[kind])
end
function response(status, headers, body)
  if status == 200 then ok[1] = ok[1] + 1 else errors = errors + 1 end
end
"""


def write_signed_payloads(source: Path, directory: Path, secret: str) -> None:
    """The payloads without their token (one body per kind, so Lua needs no HMAC: the
    signature of each kind is computed here once, valid for the signature's 300 s window)."""
    directory.mkdir(exist_ok=True)
    stamp = str(int(time.time()))
    signatures = []
    for kind in ("short", "table", "attachments", "long", "mention"):
        body = (source / f"{kind}.json").read_bytes().replace(b"@@TOKEN@@", b"signed")
        (directory / f"{kind}.json").write_bytes(body)
        digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
        signatures.append("v0=" + digest.hexdigest())
    (directory / "signed.txt").write_text("\n".join([stamp, *signatures]) + "\n")


# ---------- processes ----------


@dataclass
class Proc:
    popen: subprocess.Popen[bytes]
    rss_samples: list[float] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()


def wait_ready(url: str, path: str = "/api/v4/system/ping", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + path, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


def start_inbound(
    database_url: str, port: int, log: Path, *, core: int = 0, env: dict[str, str] | None = None
) -> Proc:
    env = {
        **os.environ,
        "INBOUND_DATABASE_URL": database_url,
        "INBOUND_ADMIN_PASSWORD": PASSWORD,
        "INBOUND_PORT": str(port),
        **(env or {}),
    }
    popen = subprocess.Popen(
        [*taskset(core), str(VENV_BIN / "inbound"), "serve"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    wait_ready(f"http://127.0.0.1:{port}")
    return Proc(popen)


def start_bare(app: str, port: int, log: Path, env: dict[str, str] | None = None) -> Proc:
    """A bench-only ASGI app (the baseline or the prototype) on inbound's uvicorn settings."""
    command = [
        *taskset(0),
        str(VENV_BIN / "python"),
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    popen = subprocess.Popen(
        command,
        cwd=Path(__file__).parent,
        env={**os.environ, **(env or {})},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    wait_ready(f"http://127.0.0.1:{port}", "/")
    return Proc(popen)


# ---------- load ----------


@dataclass
class Load:
    requests: int
    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    server_cpu_us: float
    generator_cpu_pct: float

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def run_wrk(
    url: str,
    payload_dir: Path,
    seconds: int,
    server: Proc,
    script: Path,
    *,
    connections: int = CONNECTIONS,
    core: int | None = 1,
) -> Load:
    sampler_stop = threading.Event()

    def sample() -> None:
        while not sampler_stop.wait(1.0):
            server.rss_samples.append(server.rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    before_cpu = server.cpu_seconds()
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler.start()
    command = [
        *(taskset(core) if core is not None else []),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
        "--",
        str(payload_dir),
        str(time.time_ns()),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    sampler_stop.set()
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = server.cpu_seconds() - before_cpu
    line = next(text for text in output.splitlines() if text.startswith("WRK "))
    data = json.loads(line[4:])
    generator_cpu = (after_children.ru_utime + after_children.ru_stime) - (
        before_children.ru_utime + before_children.ru_stime
    )
    elapsed = data["duration_us"] / 1e6
    ok = sum(data["ok"])
    return Load(
        requests=data["requests"],
        ok=ok,
        errors=data["errors"] + data["socket_errors"],
        seconds=elapsed,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        p999_ms=data["p999_us"] / 1000,
        server_cpu_us=server_cpu / max(data["requests"], 1) * 1e6,
        generator_cpu_pct=generator_cpu / elapsed * 100 if elapsed else 0.0,
    )


# ---------- the database ----------


class Db:
    """Direct access for setup and verification (sqlite3, or asyncpg in its own loop)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite:///")
        self.path = url[len("sqlite:///") :] if self.sqlite else ""

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        if self.sqlite:
            with sqlite3.connect(self.path) as conn:
                return list(conn.execute(sql, args).fetchall())
        return asyncio.run(self._pg(sql, *args))

    async def _pg(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        import asyncpg

        parts = sql.split("?")
        numbered = "".join(
            p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts)
        )
        conn = await asyncpg.connect(self.url)
        try:
            return [tuple(r) for r in await conn.fetch(numbered, *args)]
        finally:
            await conn.close()

    def wipe(self) -> None:
        if self.sqlite:
            for suffix in ("", "-wal", "-shm"):
                Path(self.path + suffix).unlink(missing_ok=True)
        else:
            self.query("DROP SCHEMA public CASCADE")
            self.query("CREATE SCHEMA public")


@dataclass
class Check:
    promised: int
    stored_messages: int
    stored_posts: int
    lost: int
    duplicated: int
    half_messages: int
    unacknowledged_stored: int


def verify(db: Db, channel_id: str, promised: int) -> Check:
    rows = db.query("SELECT message FROM posts WHERE channel_id = ?", channel_id)
    tokens: dict[str, int] = {}
    long_tokens = 0
    for (message,) in rows:
        match = TOKEN.match(message)
        if match:
            tokens[match.group(0)] = tokens.get(match.group(0), 0) + 1
            long_tokens += message.startswith(f"{match.group(0)} LONG")
    duplicated = sum(n - 1 for n in tokens.values() if n > 1)
    expected_posts = len(tokens) + 2 * long_tokens + duplicated
    return Check(
        promised=promised,
        stored_messages=len(tokens),
        stored_posts=len(rows),
        lost=max(promised - len(tokens), 0),
        duplicated=duplicated,
        half_messages=abs(len(rows) - expected_posts),
        unacknowledged_stored=max(len(tokens) - promised, 0),
    )


# ---------- phases ----------


@dataclass
class Setup:
    url: str
    token: str
    hook_id: str
    channel_id: str


def set_up(url: str) -> Setup:
    login = httpx.post(
        f"{url}/api/v4/users/login", json={"login_id": "admin", "password": PASSWORD}
    )
    token = login.headers["Token"]
    headers = {"Authorization": f"Bearer {token}"}
    channel = httpx.get(
        f"{url}/api/v4/teams/name/main/channels/name/town-square", headers=headers
    ).json()
    hook = httpx.post(
        f"{url}/api/v4/hooks/incoming",
        headers=headers,
        json={"channel_id": channel["id"], "display_name": "bench"},
    ).json()
    return Setup(url, token, hook["id"], channel["id"])


SEED_WORDS = (
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
)


def seed_posts(db: Db, channel_id: str, user_id: str, count: int) -> None:
    """Bulk-insert ``count`` posts into their own channel (one transaction, executemany), and
    index them for search as the writer would (PostgreSQL's generated column needs nothing)."""
    start = 1_600_000_000_000
    rows = (
        (
            f"seed{i:022d}",
            start + i,
            start + i,
            channel_id,
            user_id,
            f"seeded post {i} {SEED_WORDS[i % len(SEED_WORDS)]}",
        )
        for i in range(count)
    )
    sql = "INSERT INTO posts (id, create_at, update_at, channel_id, user_id, message) VALUES (?, ?, ?, ?, ?, ?)"
    if db.sqlite:
        with sqlite3.connect(db.path) as conn:
            conn.executemany(sql, rows)
            conn.execute(
                "UPDATE channels SET total_msg_count = ? WHERE id = ?", (count, channel_id)
            )
            conn.execute(
                "INSERT INTO post_search(rowid, message, search_text) "
                "SELECT rowid, message, search_text FROM posts WHERE channel_id = ?",
                (channel_id,),
            )
        return

    async def copy() -> None:
        import asyncpg

        conn = await asyncpg.connect(db.url)
        try:
            await conn.copy_records_to_table(
                "posts",
                records=list(rows),
                columns=["id", "create_at", "update_at", "channel_id", "user_id", "message"],
            )
            await conn.execute(
                "UPDATE channels SET total_msg_count = $1 WHERE id = $2", count, channel_id
            )
            await conn.execute("ANALYZE posts")  # what autovacuum does after a bulk load
        finally:
            await conn.close()

    asyncio.run(copy())


def page_ms(
    setup: Setup, path: str, params: dict[str, Any], samples: int = 200
) -> tuple[float, float]:
    """First and median time of ``samples`` GETs of a 60-post page (checked to hold 60)."""
    headers = {"Authorization": f"Bearer {setup.token}"}
    times = []
    with httpx.Client(base_url=setup.url, headers=headers) as client:
        for _ in range(samples):
            t0 = time.perf_counter()
            response = client.get(path, params={"per_page": 60, **params})
            times.append((time.perf_counter() - t0) * 1000)
            body = response.json() if response.status_code == 200 else {}
            count = len(body.get("order") or body.get("posts") or ())
            assert response.status_code == 200 and count == 60, response.text[:200]
    return times[0], statistics.median(times)


def seed_history(setup: Setup, db: Db, count: int) -> tuple[str, float]:
    """A channel ``history`` holding ``count`` seeded posts (indexed for search): its id, and
    the seconds seeding took."""
    headers = {"Authorization": f"Bearer {setup.token}"}
    team = httpx.get(f"{setup.url}/api/v4/teams/name/main", headers=headers).json()
    channel = httpx.post(
        f"{setup.url}/api/v4/channels",
        headers=headers,
        json={"team_id": team["id"], "name": "history", "display_name": "History"},
    ).json()
    admin = httpx.get(f"{setup.url}/api/v4/users/me", headers=headers).json()
    t0 = time.perf_counter()
    seed_posts(db, channel["id"], admin["id"], count)
    return channel["id"], time.perf_counter() - t0


def measure_reads(setup: Setup, channel_id: str, deep_anchor: str) -> dict[str, float]:
    """API v4 pages, and the web app's rendered pages (what opening the channel fetches)."""
    api = f"/api/v4/channels/{channel_id}/posts"
    web = f"/web/api/channels/{channel_id}/posts"
    # the hook's channel after the ingest run holds real payloads (tables, attachments, logs)
    mix = f"/web/api/channels/{setup.channel_id}/posts"
    mix_first, mix_median = page_ms(setup, mix, {"team": "main"})
    return {
        "read_page1_ms": page_ms(setup, api, {})[1],
        "read_deep_ms": page_ms(setup, api, {"before": deep_anchor})[1],
        "web_page1_ms": page_ms(setup, web, {"team": "main"})[1],
        "web_deep_ms": page_ms(setup, web, {"team": "main", "before": deep_anchor})[1],
        "web_mix_first_ms": mix_first,
        "web_mix_ms": mix_median,
    }


SEARCHES = {  # name → terms: over the seeded channel, and over every channel of the searcher
    "word": "bravo",
    "rare word": "777",
    "phrase": '"seeded post"',
    "from": "from:admin",
    "in": "in:history",
    "in + word": "in:history charlie",
}


def search_ms(setup: Setup, samples: int = 30) -> dict[str, float]:
    """Median time of ``samples`` searches of each of ``SEARCHES`` (20 results, as the web app
    asks; each checked to find something)."""
    headers = {"Authorization": f"Bearer {setup.token}"}
    medians: dict[str, float] = {}
    with httpx.Client(base_url=setup.url, headers=headers, timeout=60) as client:
        team = client.get("/api/v4/teams/name/main").json()
        path = f"/api/v4/teams/{team['id']}/posts/search"
        for name, terms in SEARCHES.items():
            times = []
            for _ in range(samples):
                t0 = time.perf_counter()
                response = client.post(path, json={"terms": terms, "per_page": 20})
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200 and response.json()["order"], response.text[:200]
            medians[name] = statistics.median(times)
    return medians


async def fanout(
    setup: Setup, clients: int, rate: int, seconds: int, *, ws_base: str | None = None
) -> dict[str, float]:
    """``clients`` websocket clients on the channel; posts sent at ``rate``/s for ``seconds``
    through the hook at ``setup.url``. ``ws_base`` connects the clients to another process
    instead (BENCH_WORKERS=2: written on one process, delivered by the other through Redis).
    Latency is from the post's create_at (the writing process's clock, same machine) to receipt."""
    import websockets

    ws_url = (ws_base or setup.url).replace("http://", "ws://") + "/api/v4/websocket"
    latencies: list[float] = []
    received: dict[int, int] = {}
    seen: dict[int, set[str]] = {}
    connected = []
    for index in range(clients):
        ws = await websockets.connect(
            ws_url, additional_headers={"Authorization": f"Bearer {setup.token}"}, max_queue=None
        )
        await ws.recv()  # hello
        connected.append(ws)
        received[index] = 0
        seen[index] = set()

    async def listen(index: int, ws: Any) -> None:
        async for raw in ws:
            now = time.time() * 1000
            message = json.loads(raw)
            if message.get("event") == "posted":
                post = json.loads(message["data"]["post"])
                if post["channel_id"] != setup.channel_id:
                    continue  # another channel of the user's (BENCH_WORKERS=2: the load's)
                latencies.append(now - post["create_at"])
                received[index] += 1
                seen[index].add(post["id"])

    listeners = [asyncio.create_task(listen(i, ws)) for i, ws in enumerate(connected)]
    sent = 0
    cpu_start = time.process_time()  # this process's CPU: the clients' share of the machine
    wall_start = time.perf_counter()
    async with httpx.AsyncClient(base_url=setup.url) as client:
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            target = int((time.perf_counter() - start) * rate)
            while sent < target:
                response = await client.post(
                    f"/hooks/{setup.hook_id}", json={"text": f"fan-out {sent}"}
                )
                assert response.status_code == 200
                sent += 1
            await asyncio.sleep(0.002)
        elapsed = time.perf_counter() - start
    await asyncio.sleep(2)
    for _ in range(140):  # stragglers: wait for them, up to 28 s more
        if min(received.values()) >= sent:
            break
        await asyncio.sleep(0.2)
    client_cpu_pct = (time.process_time() - cpu_start) / (time.perf_counter() - wall_start) * 100
    for task in listeners:
        task.cancel()
    for ws in connected:
        await ws.close()
    latencies.sort()
    return {
        "clients": clients,
        "sent": sent,
        "ingest_rps": sent / elapsed,
        "all_received": float(all(n == sent for n in received.values())),
        "min_received": min(received.values()),
        "max_received": max(received.values()),
        "client_cpu_pct": client_cpu_pct,
        "duplicated": sum(n - len(seen[i]) for i, n in received.items()),
        "p50_ms": latencies[len(latencies) // 2] if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99)] if latencies else 0.0,
    }


# ---------- one database ----------


def bench_database(database_url: str, work: Path, *, label: str) -> dict[str, Any]:
    db = Db(database_url)
    db.wipe()
    payload_dir = work / "payloads"
    payload_dir.mkdir(exist_ok=True)
    write_payloads(payload_dir)
    script = work / "mix.lua"
    script.write_text((Path(__file__).parent / "mix.lua").read_text() + LUA_TOKEN_PATCH)
    log = work / f"server-{label}.log"

    port = free_port()
    server = start_inbound(database_url, port, log)
    setup = set_up(f"http://127.0.0.1:{port}")
    rss_start = server.rss_mb()
    run_wrk(f"{setup.url}/hooks/{setup.hook_id}", payload_dir, 2, server, script)  # warm-up
    warm = verify(db, setup.channel_id, 0).stored_messages
    server.rss_samples.clear()
    load = run_wrk(f"{setup.url}/hooks/{setup.hook_id}", payload_dir, SECONDS, server, script)
    rss = [rss_start, *server.rss_samples]
    phases: dict[str, Any] = {}
    if SENDERS:
        phases.update(senders_phase(setup, db, work, server))
    if HOSTILE:
        phases = hostile_phases(setup, work, payload_dir, script, server, clean=load)
    server.stop()
    extra_ok = phases["hostile_good"].ok if "hostile_good" in phases else 0
    check = verify(db, setup.channel_id, load.ok + warm + extra_ok)
    if HISTORY:
        phases.update(history_phase(database_url, setup, db, work, payload_dir, script, port))
    if WORKERS == 2 and not db.sqlite:
        phases.update(workers_phase(database_url, setup, db, work, script))

    base_port = free_port()
    baseline = start_bare("baseline_app:app", base_port, log)
    base = run_wrk(f"http://127.0.0.1:{base_port}/hooks/x", payload_dir, SECONDS, baseline, script)
    baseline.stop()
    prototype_load = None
    if PROTOTYPE:
        proto_url = database_url if not db.sqlite else f"sqlite:///{work / 'prototype.db'}"
        proto = start_bare(
            "prototype_app:app", base_port, log, {"PROTOTYPE_DATABASE_URL": proto_url}
        )
        url = f"http://127.0.0.1:{base_port}/hooks/x"
        run_wrk(url, payload_dir, 2, proto, script)  # warm-up, as for inbound
        prototype_load = run_wrk(url, payload_dir, SECONDS, proto, script)
        proto.stop()

    result: dict[str, Any] = {
        "label": label,
        "load": load,
        "baseline": base,
        "prototype": prototype_load,
        "check": check,
        "rss": rss,
        **phases,
    }
    if READ_POSTS:
        server = start_inbound(database_url, port, log)
        channel_id, result["seed_seconds"] = seed_history(setup, db, READ_POSTS)
        deep = f"seed{READ_POSTS // 50:022d}"  # 98% of the way back in history
        result.update(measure_reads(setup, channel_id, deep))
        result["search_ms"] = search_ms(setup)
        server.stop()
    if FANOUT_CLIENTS:
        server = start_inbound(database_url, port, log)
        result["fanout"] = asyncio.run(
            fanout(setup, FANOUT_CLIENTS, FANOUT_RATE, max(SECONDS // 2, 5))
        )
        server.stop()
    return result


def workers_phase(
    database_url: str, setup: Setup, db: Db, work: Path, script: Path
) -> dict[str, Any]:
    """BENCH_WORKERS=2: two processes on one database and Redis, each under its own wrk, then
    fan-out across them (clients on B, posts through A) beside fan-out on one of them."""
    env = {"INBOUND_REDIS_URL": REDIS_URL}
    ports = [free_port(), free_port()]
    servers = [
        start_inbound(database_url, port, work / f"server-worker{core}.log", core=core, env=env)
        for core, port in enumerate(ports)
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    channel_id, hook_id = workers_hook(urls[0], setup.token)

    def both(seconds: int) -> list[Load]:
        """One wrk per process, half the connections each, each pinned to the other process's
        core: every core runs one server and one wrk, as one-process runs one of each."""
        loads: list[Load | None] = [None, None]

        def load(index: int) -> None:
            loads[index] = run_wrk(
                f"{urls[index]}/hooks/{hook_id}",
                work / "payloads",
                seconds,
                servers[index],
                script,
                connections=CONNECTIONS // 2,
                core=1 - index,
            )

        threads = [threading.Thread(target=load, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [one for one in loads if one is not None]

    warm = both(2)  # warm-up for both processes, as for the one-process load
    asyncio.run(drain(urls, setup.token, setup.hook_id, setup.channel_id))
    idle_before = [server.cpu_seconds() for server in servers]
    time.sleep(2)  # what the two cost doing nothing (pollers, heartbeats, Redis)
    idle = [
        (server.cpu_seconds() - b) / 2 * 100 for server, b in zip(servers, idle_before, strict=True)
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    loads = both(SECONDS)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    generator = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    seconds = max(one.seconds for one in loads)
    requests = sum(one.requests for one in loads)
    cpu_us = sum(one.server_cpu_us * one.requests for one in loads) / max(requests, 1)
    server_cpu = sum(one.server_cpu_us * one.requests for one in loads) / 1e6
    check = verify(db, channel_id, sum(one.ok for one in loads + warm))
    phases: dict[str, Any] = {
        "workers": {
            "rps": sum(one.rps for one in loads),
            "per_process": [(one.rps, one.server_cpu_us, one.p99_ms) for one in loads],
            "p99_ms": max(one.p99_ms for one in loads),
            "errors": sum(one.errors for one in loads),
            "server_cpu_us": cpu_us,
            "server_cpu_pct": server_cpu / seconds * 100 if seconds else 0.0,
            "idle_cpu_pct": idle,
            "generator_cpu_pct": generator / seconds * 100 if seconds else 0.0,
        },
        "workers_check": check,
    }
    # each process delivers the other's posts through Redis: how long after wrk stopped they
    # were still arriving (the backlog a process under load builds), before the fan-out starts
    stopped = time.perf_counter()
    closed = asyncio.run(drain(urls, setup.token, setup.hook_id, setup.channel_id))
    phases["workers"]["drain_seconds"] = time.perf_counter() - stopped
    phases["workers"]["drain_closed"] = closed
    if FANOUT_CLIENTS:
        # town-square's hook: that channel's posts were checked before this phase
        a = Setup(urls[0], setup.token, setup.hook_id, setup.channel_id)
        fan_seconds = max(SECONDS // 2, 5)
        phases["workers_fanout_same"] = asyncio.run(
            fanout(a, FANOUT_CLIENTS, FANOUT_RATE, fan_seconds)
        )
        # at the rate the one-process run reached (posting waits for each 200, so a process
        # busy delivering slows its own ingest): the same work, only across processes
        rate = max(1, min(FANOUT_RATE, round(phases["workers_fanout_same"]["ingest_rps"])))
        phases["workers_fanout_cross"] = asyncio.run(
            fanout(a, FANOUT_CLIENTS, rate, fan_seconds, ws_base=urls[1])
        )
    for server in servers:
        server.stop()
    return phases


async def drain(urls: list[str], token: str, hook_id: str, channel_id: str) -> int:
    """Until each process has delivered a marker posted through the other: the bus keeps one
    sender's order, so everything that sender published before it has been delivered too.
    Returns how many times a process closed the waiting socket (1013: its queue overflowed)."""
    import websockets

    closed = 0
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 120
    for writer, reader in ((0, 1), (1, 0)):
        ws_url = urls[reader].replace("http://", "ws://") + "/api/v4/websocket"
        arrived = False
        while not arrived and time.monotonic() < deadline:
            marker = f"drain {time.time_ns()}"
            try:
                async with websockets.connect(
                    ws_url, additional_headers=headers, max_queue=None
                ) as ws:
                    await ws.recv()  # hello
                    async with httpx.AsyncClient() as client:
                        response = await client.post(
                            f"{urls[writer]}/hooks/{hook_id}", json={"text": marker}
                        )
                        assert response.status_code == 200
                    while not arrived:
                        message = json.loads(await ws.recv())
                        if message.get("event") == "posted":
                            post = json.loads(message["data"]["post"])
                            arrived = post["channel_id"] == channel_id and post["message"] == marker
            except websockets.ConnectionClosed:
                closed += 1
                await asyncio.sleep(0.5)
    return closed


def workers_hook(url: str, token: str) -> tuple[str, str]:
    """A channel and hook of the workers phase's own, so its posts are checked apart."""
    headers = {"Authorization": f"Bearer {token}"}
    team = httpx.get(f"{url}/api/v4/teams/name/main", headers=headers).json()
    body = {"team_id": team["id"], "name": "bench-workers", "display_name": "bench", "type": "O"}
    channel = httpx.post(f"{url}/api/v4/channels", headers=headers, json=body).json()
    hook = httpx.post(
        f"{url}/api/v4/hooks/incoming",
        headers=headers,
        json={"channel_id": channel["id"], "display_name": "bench-workers"},
    ).json()
    return channel["id"], hook["id"]


def report_workers(result: dict[str, Any], one: Load) -> list[str]:
    two, check = result["workers"], result["workers_check"]
    cores = os.cpu_count() or 1
    each = "; ".join(
        f"{name} {rps:.0f} req/s {cpu:.1f} µs/req p99 {p99:.2f} ms"
        for name, (rps, cpu, p99) in zip("AB", two["per_process"], strict=False)
    )
    lines = [
        f"workers=2 {two['rps']:9.0f} req/s ({two['rps'] / one.rps:.2f}x one process)  p99 {two['p99_ms']:6.2f} ms  "
        f"errors {two['errors']}  server CPU {two['server_cpu_us']:6.1f} µs/req (one process {one.server_cpu_us:.1f})  "
        f"servers {two['server_cpu_pct']:.0f}% + wrks {two['generator_cpu_pct']:.0f}% of {cores * 100}% CPU "
        f"(one process: wrk {one.generator_cpu_pct:.0f}%)",
        f"          per process (each on its core, its wrk pinned to the other core, {CONNECTIONS // 2} connections): {each}; "
        f"idle CPU before the load A {two['idle_cpu_pct'][0]:.1f}%, B {two['idle_cpu_pct'][1]:.1f}%; "
        f"the load's events were still being delivered {two.get('drain_seconds', 0):.1f} s after wrk stopped "
        f"(a websocket waiting for them closed by the server {two.get('drain_closed', 0)} times)",
        f"          stored {check.stored_messages} messages for {check.promised} 200s: lost {check.lost}, "
        f"duplicated {check.duplicated}, half {check.half_messages}",
    ]
    for key, where in (
        ("workers_fanout_same", "clients and posts on process A"),
        ("workers_fanout_cross", "posts through A, clients on B"),
    ):
        if key in result:
            f = result[key]
            lines.append(
                f"fan-out 2 {f['clients']} clients, {f['sent']} posts at {f['ingest_rps']:.0f}/s, {where}: "
                f"every client got every post: {'yes' if f['all_received'] else 'NO'} (per client min "
                f"{f['min_received']}, max {f['max_received']}, duplicated {f['duplicated']}); "
                f"delivery p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms; the clients' own CPU "
                f"{f['client_cpu_pct']:.0f}%"
            )
    return lines


def history_phase(
    database_url: str,
    setup: Setup,
    db: Db,
    work: Path,
    payload_dir: Path,
    script: Path,
    port: int,
) -> dict[str, Any]:
    """What the delivery history costs the hook path (senders.md §6): the same mix to a hook
    of its own channel, on a server with the history off (INBOUND_HOOK_HISTORY=0) and on,
    in the order off, on, on, off (a fresh server and a 2-second warm-up each): the database
    grows through the phases, and this order gives both the same average size and drift."""
    log = work / "server-history.log"
    server = start_inbound(database_url, port, log)  # to make the hook
    headers = {"Authorization": f"Bearer {setup.token}"}
    team = httpx.get(f"{setup.url}/api/v4/teams/name/main", headers=headers).json()
    channel = httpx.post(
        f"{setup.url}/api/v4/channels",
        headers=headers,
        json={"team_id": team["id"], "name": "history-bench", "display_name": "H", "type": "O"},
    ).json()
    hook = httpx.post(
        f"{setup.url}/api/v4/hooks/incoming",
        headers=headers,
        json={"channel_id": channel["id"], "display_name": "bench-history"},
    ).json()
    server.stop()
    url = f"{setup.url}/hooks/{hook['id']}"
    seconds = max(SECONDS // 2, 4)
    loads: dict[str, list[Load]] = {"0": [], "1": []}
    promised = 0
    for flag in ("0", "1", "1", "0"):
        server = start_inbound(database_url, port, log, env={"INBOUND_HOOK_HISTORY": flag})
        promised += run_wrk(url, payload_dir, 2, server, script).ok
        load = run_wrk(url, payload_dir, seconds, server, script)
        promised += load.ok
        loads[flag].append(load)
        server.stop()
    (rows,) = db.query("SELECT count(*) FROM hook_deliveries WHERE hook_id = ?", hook["id"])[0]
    return {
        "history_off": loads["0"],
        "history_on": loads["1"],
        "history_check": verify(db, channel["id"], promised),
        "history_rows": rows,
    }


def report_history(result: dict[str, Any]) -> list[str]:
    off: list[Load] = result["history_off"]
    on: list[Load] = result["history_on"]
    rps_off = statistics.mean(one.rps for one in off)
    rps_on = statistics.mean(one.rps for one in on)
    cpu_off = statistics.mean(one.server_cpu_us for one in off)
    cpu_on = statistics.mean(one.server_cpu_us for one in on)
    check: Check = result["history_check"]
    return [
        f"history   off {rps_off:9.0f} req/s ({', '.join(f'{one.rps:.0f}' for one in off)}) "
        f"{cpu_off:6.1f} µs/req  p99 {max(one.p99_ms for one in off):.2f} ms; "
        f"on {rps_on:9.0f} req/s ({', '.join(f'{one.rps:.0f}' for one in on)}) "
        f"{cpu_on:6.1f} µs/req  p99 {max(one.p99_ms for one in on):.2f} ms: "
        f"{rps_on / rps_off if rps_off else 0:.3f}× the rate, {cpu_on - cpu_off:+.1f} µs/req",
        f"          {result['history_rows']} history rows kept (cap 1,000); lost {check.lost}, "
        f"duplicated {check.duplicated}, half messages {check.half_messages}",
    ]


def senders_phase(setup: Setup, db: Db, work: Path, server: Proc) -> dict[str, Any]:
    """The same mix, each request signed (Slack v0) and under its own Idempotency-Key, to a
    hook with a signing secret in its own channel: what the two opt-in checks cost."""
    headers = {"Authorization": f"Bearer {setup.token}"}
    channel = httpx.get(
        f"{setup.url}/api/v4/teams/name/main/channels/name/off-topic", headers=headers
    ).json()
    hook = httpx.post(
        f"{setup.url}/api/v4/hooks/incoming",
        headers=headers,
        json={"channel_id": channel["id"], "display_name": "bench-signed"},
    ).json()
    db.query(
        "UPDATE incoming_hooks SET signing_secret = ? WHERE id = ?", SENDERS_SECRET, hook["id"]
    )
    signed = work / "signed"
    write_signed_payloads(work / "payloads", signed, SENDERS_SECRET)
    script = work / "senders.lua"
    script.write_text((Path(__file__).parent / "mix.lua").read_text() + LUA_SENDERS_PATCH)
    url = f"{setup.url}/hooks/{hook['id']}"
    warm = run_wrk(url, signed, 2, server, script)
    load = run_wrk(url, signed, SECONDS, server, script)
    time.sleep(1.0)  # what was in flight when wrk stopped commits (keys and posts together)
    keys = db.query("SELECT post_ids FROM hook_idempotency_keys WHERE hook_id = ?", hook["id"])
    (posts,) = db.query("SELECT count(*) FROM posts WHERE channel_id = ?", channel["id"])[0]
    promised = warm.ok + load.ok
    return {
        "senders": load,
        "senders_check": {
            "promised": promised,
            "stored": len(keys),
            "lost": max(promised - len(keys), 0),
            "half": abs(sum(len(k.split()) for (k,) in keys) - posts),
        },
    }


def report_senders(result: dict[str, Any], clean: Load) -> list[str]:
    signed: Load = result["senders"]
    check = result["senders_check"]
    return [
        f"senders   {signed.rps:9.0f} req/s  p50 {signed.p50_ms:6.2f} ms  p99 {signed.p99_ms:6.2f} ms  "
        f"errors {signed.errors}  server CPU {signed.server_cpu_us:6.1f} µs/req — every request signed "
        f"and with its own Idempotency-Key: {signed.rps / clean.rps if clean.rps else 0:.2f}× the plain "
        f"rate, {signed.server_cpu_us - clean.server_cpu_us:+.1f} µs/req",
        f"          {check['stored']} keys stored for {check['promised']} acknowledged: lost "
        f"{check['lost']}, half messages {check['half']}",
    ]


def hostile_phases(
    setup: Setup, work: Path, payload_dir: Path, script: Path, server: Proc, *, clean: Load
) -> dict[str, Any]:
    """The hostile mix (5 % adversarial requests to a second hook) beside the normal mix, then
    a flood of one hook with the rate limits on while another is timed."""
    seconds = max(SECONDS // 2, 5)
    corpus_dir = work / "hostile"
    hostile.write_corpus(corpus_dir)
    bad_hook = hostile.second_hook(setup.url, setup.token, channel="off-topic")
    bad = hostile.start_hostile(
        f"{setup.url}/hooks/{bad_hook}",
        corpus_dir,
        seconds=seconds,
        rate=clean.rps * hostile.HOSTILE_SHARE,
        connections=4,
        cpu=taskset(1),
    )
    good = run_wrk(f"{setup.url}/hooks/{setup.hook_id}", payload_dir, seconds, server, script)
    bad_load = hostile.finish_hostile(bad)

    steady = hostile.write_steady(work / "steady", json.dumps({"text": "steady"}).encode())
    timed_hook = hostile.second_hook(
        setup.url, setup.token, channel="off-topic", per_sec=100_000, burst=100_000
    )
    flooded_hook = hostile.second_hook(setup.url, setup.token, channel="off-topic")
    hostile.set_limits(setup.url, setup.token, enable=True)
    flood_seconds = max(SECONDS // 4, 5)

    def timed(rate: float, *, sender: str) -> Any:
        return hostile.start_hostile(
            f"{setup.url}/hooks/{timed_hook}",
            steady,
            seconds=flood_seconds,
            rate=rate,
            connections=8,
            cpu=taskset(1),
            sender=sender,
        )

    alone = hostile.finish_hostile(timed(200, sender="timed-alone"))
    flood = hostile.start_hostile(
        f"{setup.url}/hooks/{flooded_hook}",
        steady,
        seconds=flood_seconds,
        rate=0,
        connections=48,
        cpu=taskset(1),
        sender="flood",
    )
    during = hostile.finish_hostile(timed(200, sender="timed-flood"))
    flooded = hostile.finish_hostile(flood)
    hostile.set_limits(setup.url, setup.token, enable=False)
    return {
        "hostile_good": good,
        "hostile_bad": bad_load,
        "flood_alone": alone,
        "flood_during": during,
        "flood": flooded,
        "flood_seconds": flood_seconds,
    }


def report_hostile(result: dict[str, Any], clean: Load) -> list[str]:
    good: Load = result["hostile_good"]
    bad: hostile.HostileLoad = result["hostile_bad"]
    alone: hostile.HostileLoad = result["flood_alone"]
    during: hostile.HostileLoad = result["flood_during"]
    flood: hostile.HostileLoad = result["flood"]
    share = good.rps / clean.rps if clean.rps else 0.0
    return [
        f"hostile   good senders {good.rps:9.0f} req/s ({share:.2f} of clean)  p99 {good.p99_ms:6.2f} ms "
        f"(clean {clean.p99_ms:.2f})  errors {good.errors}; hostile sender {bad.requests} requests "
        f"({bad.requests / max(good.requests + bad.requests, 1):.1%}): {bad.ok} stored, {bad.client_errors} 4xx, "
        f"{bad.server_errors} 5xx, {bad.socket_errors} socket errors, p99 {bad.p99_ms:.1f} ms",
        f"flood     limits on; one hook flooded by 48 connections: {flood.requests / result['flood_seconds']:.0f} req/s, "
        f"{flood.ok} stored, {flood.client_errors} refused (429); another hook at ~200/s: p99 alone "
        f"{alone.p99_ms:.2f} ms, during the flood {during.p99_ms:.2f} ms ({during.ok} of {during.requests} ok)",
    ]


def report(result: dict[str, Any]) -> str:
    load: Load = result["load"]
    base: Load = result["baseline"]
    check: Check = result["check"]
    rss = result["rss"]
    ratio = load.rps / base.rps if base.rps else 0.0
    lines = [
        f"== {result['label']}: {SECONDS}s, {CONNECTIONS} connections, server on core 0, wrk on core 1",
        f"webhook   {load.rps:9.0f} req/s  p50 {load.p50_ms:6.2f} ms  p99 {load.p99_ms:6.2f} ms  p99.9 {load.p999_ms:6.2f} ms  "
        f"errors {load.errors}  server CPU {load.server_cpu_us:6.1f} µs/req  wrk CPU {load.generator_cpu_pct:4.0f}%",
        f"baseline  {base.rps:9.0f} req/s  p50 {base.p50_ms:6.2f} ms  p99 {base.p99_ms:6.2f} ms  p99.9 {base.p999_ms:6.2f} ms  "
        f"errors {base.errors}  server CPU {base.server_cpu_us:6.1f} µs/req  wrk CPU {base.generator_cpu_pct:4.0f}%",
        f"ratio     {ratio:.2f}  (webhook throughput / baseline throughput)",
    ]
    proto: Load | None = result["prototype"]
    if proto is not None:
        lines += [
            f"prototype {proto.rps:9.0f} req/s  p50 {proto.p50_ms:6.2f} ms  p99 {proto.p99_ms:6.2f} ms  p99.9 {proto.p999_ms:6.2f} ms  "
            f"errors {proto.errors}  server CPU {proto.server_cpu_us:6.1f} µs/req  (the issue's prototype: parse, one row, group commit)",
            f"          prototype / baseline {proto.rps / base.rps:.2f} (the issue measured 0.61-0.76 on its machine); "
            f"webhook / prototype {load.rps / proto.rps:.2f}",
        ]
    lines += [
        f"stored    {check.stored_posts} posts for {check.stored_messages} messages; promised {check.promised}; "
        f"lost {check.lost}, duplicated {check.duplicated}, half messages {check.half_messages}, "
        f"stored-but-unacknowledged (in flight at stop) {check.unacknowledged_stored}",
        f"RSS       start {rss[0]:.0f} MB, middle {rss[len(rss) // 2]:.0f} MB, end {rss[-1]:.0f} MB, max {max(rss):.0f} MB",
    ]
    if "workers" in result:
        lines += report_workers(result, load)
    if "senders" in result:
        lines += report_senders(result, load)
    if "history_on" in result:
        lines += report_history(result)
    if "hostile_good" in result:
        lines += report_hostile(result, load)
    if "read_page1_ms" in result:
        lines.append(
            f"reads     {READ_POSTS:,} posts seeded in {result['seed_seconds']:.1f}s; GET posts?per_page=60 median: "
            f"page 1 {result['read_page1_ms']:.2f} ms, deep {result['read_deep_ms']:.2f} ms"
        )
        lines.append(
            f"web app   channel page (60 posts rendered to HTML) median: page 1 {result['web_page1_ms']:.2f} ms, "
            f"deep {result['web_deep_ms']:.2f} ms; the hook's channel of real payloads: first open "
            f"{result['web_mix_first_ms']:.1f} ms (renders), then {result['web_mix_ms']:.2f} ms"
        )
    if "search_ms" in result:
        searches = result["search_ms"]
        lines.append(
            "search    median over the seeded channel: "
            + ", ".join(f"{name} {ms:.1f} ms" for name, ms in searches.items())
            + f"; median of medians {statistics.median(searches.values()):.1f} ms (budget 50)"
        )
    if "fanout" in result:
        f = result["fanout"]
        lines.append(
            f"fan-out   {f['clients']} websocket clients, {f['sent']} posts at {f['ingest_rps']:.0f}/s: "
            f"every client got every post: {'yes' if f['all_received'] else 'NO (min ' + str(f['min_received']) + ')'}; "
            f"delivery p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms"
        )
    lines.append(
        f"RESULT db={result['label']} ratio={ratio:.3f} webhook_rps={load.rps:.0f} baseline_rps={base.rps:.0f} "
        f"p50_ms={load.p50_ms:.2f} p99_ms={load.p99_ms:.2f} cpu_us={load.server_cpu_us:.1f} "
        f"lost={check.lost} duplicated={check.duplicated} rss_mb={max(rss):.0f}"
        + (f" prototype_rps={proto.rps:.0f}" if proto is not None else "")
        + (
            f" hostile_good_share={result['hostile_good'].rps / load.rps:.3f}"
            f" hostile_good_p99_ms={result['hostile_good'].p99_ms:.2f}"
            f" hostile_5xx={result['hostile_bad'].server_errors}"
            f" flood_other_p99_ms={result['flood_during'].p99_ms:.2f}"
            if "hostile_good" in result and load.rps
            else ""
        )
        + (
            f" workers2_rps={result['workers']['rps']:.0f}"
            f" workers2_cpu_us={result['workers']['server_cpu_us']:.1f}"
            f" workers2_lost={result['workers_check'].lost}"
            f" workers2_duplicated={result['workers_check'].duplicated}"
            if "workers" in result
            else ""
        )
        + (
            f" fanout_cross_p99_ms={result['workers_fanout_cross']['p99_ms']:.1f}"
            f" fanout_cross_all={result['workers_fanout_cross']['all_received']:.0f}"
            if "workers_fanout_cross" in result
            else ""
        )
        + (
            f" history_ratio={statistics.mean(o.rps for o in result['history_on']) / statistics.mean(o.rps for o in result['history_off']):.3f}"
            f" history_lost={result['history_check'].lost}"
            if "history_on" in result
            else ""
        )
        + (
            f" senders_rps={result['senders'].rps:.0f}"
            f" senders_cpu_us={result['senders'].server_cpu_us:.1f}"
            if "senders" in result
            else ""
        )
    )
    return "\n".join(lines)


def main() -> int:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    failed = False
    with tempfile.TemporaryDirectory(prefix="inbound-bench-") as tmp:
        work = Path(tmp)
        targets = [("sqlite", f"sqlite:///{work / 'bench.db'}")]
        if os.environ.get("INBOUND_BENCH_DATABASE_URL"):
            targets.append(("postgresql", os.environ["INBOUND_BENCH_DATABASE_URL"]))
        for label, url in targets:
            result = bench_database(url, work, label=label)
            print(report(result), flush=True)
            check: Check = result["check"]
            hostile_5xx = result["hostile_bad"].server_errors if "hostile_bad" in result else 0
            if check.lost or check.duplicated or check.half_messages or result["load"].errors:
                print(
                    f"FAILED: {label}: lost={check.lost} duplicated={check.duplicated} "
                    f"half={check.half_messages} errors={result['load'].errors}",
                    file=sys.stderr,
                )
                failed = True
            two = result.get("workers_check")
            if two and (two.lost or two.duplicated or two.half_messages):
                print(f"FAILED: {label}: the two-process phase: {two}", file=sys.stderr)
                failed = True
            cross = result.get("workers_fanout_cross")
            if cross and not cross["all_received"]:
                print(
                    f"FAILED: {label}: fan-out across processes lost posts: {cross}",
                    file=sys.stderr,
                )
                failed = True
            history = result.get("history_check")
            if history and (history.lost or history.duplicated or history.half_messages):
                print(f"FAILED: {label}: the history phase: {history}", file=sys.stderr)
                failed = True
            senders = result.get("senders_check")
            if senders and (senders["lost"] or senders["half"] or result["senders"].errors):
                print(f"FAILED: {label}: the signed phase: {senders}", file=sys.stderr)
                failed = True
            if hostile_5xx or ("hostile_good" in result and result["hostile_good"].errors):
                print(f"FAILED: {label}: the hostile phase got {hostile_5xx} 5xx", file=sys.stderr)
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
