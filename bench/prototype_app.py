"""The performance issue's throwaway prototype, rebuilt as a yardstick: raw ASGI, parse the JSON,
look the key up in a dict, insert one row through one group-committing writer, answer ``ok``.

Bench-only, never part of the product. The issue measured it at 0.61-0.76 of the bare-ASGI
baseline on its machine; running it here, in the same run as inbound and the baseline, shows
what that ratio becomes on this machine, so inbound's ratio can be read against it.

SQLite (WAL, synchronous=FULL, rows and COMMIT in one writer thread) by default; PostgreSQL via
asyncpg when PROTOTYPE_DATABASE_URL is a postgresql:// URL. Either way the table is its own
(``prototype_posts``), created fresh at start-up.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

OK = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"2")]
URL = os.environ.get("PROTOTYPE_DATABASE_URL", "sqlite:///prototype.db")
HOOKS = {"x": "channel-of-x"}
TABLE = "CREATE TABLE prototype_posts (id TEXT PRIMARY KEY, channel_id TEXT, create_at BIGINT, message TEXT, props TEXT)"
INSERT = "INSERT INTO prototype_posts VALUES (?, ?, ?, ?, ?)"


class SqliteRows:
    def __init__(self, path: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute(TABLE)
        self.executor = ThreadPoolExecutor(max_workers=1)

    def _commit(self, rows: list[tuple[Any, ...]]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.executemany(INSERT, rows)
        self.conn.execute("COMMIT")

    async def commit(self, rows: list[tuple[Any, ...]]) -> None:
        await asyncio.get_running_loop().run_in_executor(self.executor, self._commit, rows)


class PostgresRows:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.pool: Any = None

    async def start(self) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=1)
        await self.pool.execute("DROP TABLE IF EXISTS prototype_posts")
        await self.pool.execute(TABLE)

    async def commit(self, rows: list[tuple[Any, ...]]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.executemany(INSERT.replace("?, ?, ?, ?, ?", "$1, $2, $3, $4, $5"), rows)


class Writer:
    """Everything waiting goes into one transaction; each request awaits its own commit."""

    def __init__(self, rows: Any) -> None:
        self.rows = rows
        self.queue: list[tuple[tuple[Any, ...], asyncio.Future[None]]] = []
        self.wake = asyncio.Event()

    async def run(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.queue:
                taken, self.queue = self.queue, []
                await self.rows.commit([row for row, _ in taken])
                for _, done in taken:
                    done.set_result(None)

    async def write(self, row: tuple[Any, ...]) -> None:
        done = asyncio.get_running_loop().create_future()
        self.queue.append((row, done))
        self.wake.set()
        await done


writer: Writer | None = None


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global writer
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                rows: Any
                if URL.startswith("postgresql"):
                    rows = PostgresRows(URL.replace("postgresql+asyncpg://", "postgresql://"))
                    await rows.start()
                else:
                    rows = SqliteRows(URL.removeprefix("sqlite:///"))
                writer = Writer(rows)
                asyncio.get_running_loop().create_task(writer.run())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    if scope["method"] == "POST":
        assert writer is not None
        data = orjson.loads(body)
        channel = HOOKS[scope["path"].rsplit("/", 1)[-1]]
        props = orjson.dumps({"attachments": data.get("attachments")}).decode()
        row = (
            os.urandom(13).hex(),
            channel,
            time.time_ns() // 1_000_000,
            data.get("text", ""),
            props,
        )
        await writer.write(row)
    await send({"type": "http.response.start", "status": 200, "headers": OK})
    await send({"type": "http.response.body", "body": b"ok"})
