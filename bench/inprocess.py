"""Where a webhook request's CPU goes without HTTP: the hook endpoint driven in-process.

    .venv/bin/python bench/inprocess.py [REQUESTS]
    INBOUND_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/scratch .venv/bin/python bench/inprocess.py
                                    # PostgreSQL instead (the database is wiped)

Sets up a server on a fresh database (through the real HTTP API, like bench/run.py),
then calls the raw ASGI hook endpoint directly with the same payload mix, 64 requests in
flight, and prints process CPU per request three ways (INBOUND_HOOK_HISTORY=0: without the
delivery history):

- full: decode → rules → translation → posts → group commit (SQLite with synchronous=FULL,
  or PostgreSQL);
- no storage: the same, with the writer answering at once (what the request path costs);
- plan only: as "no storage", plus building the rows the writer would insert.

"full" minus "plan only" is the writer and SQLite; ``make bench``'s CPU per request minus
"full" is uvicorn, the kernel's TCP work and the ASGI cycle.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).parent))
import run as bench

from inbound.runtime import Runtime
from inbound.services.writer import PostBatch
from inbound.settings import Settings
from inbound.store.write_plan import WritePlan
from inbound.web.hooks import HookEndpoint

KINDS = ("short", "table", "attachments", "long", "mention")
CYCLE = (1, 5, 3, 1, 2, 1, 3, 5, 1, 4, 1, 2, 3, 5, 1, 1, 3, 2, 5, 1)  # as bench/mix.lua
IN_FLIGHT = 64


async def drive(url: str, hook_id: str, bodies: list[bytes], requests: int, mode: str) -> float:
    history = int(os.environ.get("INBOUND_HOOK_HISTORY", "1"))  # 0: no delivery history
    runtime = Runtime(Settings(database_url=url, hook_history=history))
    await runtime.start()
    if mode != "full":

        async def no_storage(batch: PostBatch) -> None:
            if mode == "plan only":
                WritePlan.of([batch])

        runtime.context.writer.write = no_storage  # type: ignore[method-assign]
    endpoint = HookEndpoint(runtime)
    path = f"/hooks/{hook_id}"
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"content-type", b"application/json")],
    }
    statuses: dict[int, int] = {}
    counter = 0

    async def one(body: bytes) -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses[message["status"]] = statuses.get(message["status"], 0) + 1

        await endpoint(dict(scope), receive, send)

    async def worker(count: int) -> None:
        nonlocal counter
        for _ in range(count):
            counter += 1
            await one(bodies[CYCLE[counter % len(CYCLE)] - 1])

    run: Callable[[int], Awaitable[Any]] = lambda n: asyncio.gather(  # noqa: E731
        *(worker(n) for _ in range(IN_FLIGHT))
    )
    await run(50)  # warm-up
    before = time.process_time()
    per_worker = requests // IN_FLIGHT
    await run(per_worker)
    spent = time.process_time() - before
    await runtime.stop()
    if set(statuses) != {200}:
        raise SystemExit(f"{mode}: unexpected statuses {statuses}")
    return spent / (per_worker * IN_FLIGHT) * 1e6


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    with tempfile.TemporaryDirectory(prefix="inbound-inprocess-") as tmp:
        work = Path(tmp)
        payloads = work / "payloads"
        payloads.mkdir()
        bench.write_payloads(payloads)
        bodies = [
            (payloads / f"{kind}.json").read_bytes().replace(b"@@TOKEN@@", b"tok-1-1")
            for kind in KINDS
        ]
        url = os.environ.get("INBOUND_BENCH_DATABASE_URL") or f"sqlite:///{work / 'inprocess.db'}"
        bench.Db(url).wipe()
        port = bench.free_port()
        server = bench.start_inbound(url, port, work / "server.log")
        setup = bench.set_up(f"http://127.0.0.1:{port}")
        server.stop()
        for mode in ("full", "no storage", "plan only"):
            cpu = uvloop.run(drive(url, setup.hook_id, bodies, requests, mode))
            print(
                f"{mode:11s} {cpu:6.1f} µs CPU/request ({requests:,} requests, {IN_FLIGHT} in flight)"
            )


if __name__ == "__main__":
    main()
