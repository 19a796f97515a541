"""The post writer's backends: a ``WritePlan`` committed on the raw drivers, stdlib sqlite3 in
one dedicated thread or an asyncpg pool. SQLAlchemy's async layer costs several times more per
row, and this is the one write path every post takes; the SQL itself comes from
``write_plan.statements``.

``commit`` runs one plan in one transaction and returns, for channels with an
@channel/@all/@here mention, the members it notified.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from inbound.models import now_ms
from inbound.store.db import CONNECT_TIMEOUT_SECONDS, SQLITE_PRAGMAS, Database, plain_dsn
from inbound.store.faults import OutcomeUnknownError
from inbound.store.search import SQLITE_INDEX_POST
from inbound.store.write_plan import Notified, Stored, WritePlan, statements


class WriterBackend(Protocol):
    parallel: int  # how many commits may be under way at once
    query_timeout: float  # SqlSettings.QueryTimeout: no statement waits longer

    async def commit(self, plan: WritePlan) -> Notified: ...

    async def close(self) -> None: ...


def writer_backend(db: Database) -> WriterBackend:
    """The backend for ``db``: on SQLite it shares ``db.write_lock`` with ``Database.begin``."""
    path = db.sqlite_path
    if path is not None:
        return SqliteWriter(path, write_lock=db.write_lock)
    return AsyncpgWriter(plain_dsn(db.url))


class SqliteWriter:
    """Commits on its own connection, taking turns between two threads.

    SQLite has one writer at a time: ``write_lock`` is the process's one turn to write, taken
    by every transaction of ``Database.begin`` too, so in-process writers queue in order on it
    instead of polling SQLite's lock (busy_timeout then only covers other processes: the CLI,
    the checkpointer).

    The rows are bound and stepped on the event loop's thread (CPU work that must happen
    anyway, and it keeps the GIL in one place: stepping them in another thread makes the two
    threads trade the GIL for every row, which stalls both). Only what may wait on the disk or
    on another writer's lock, ``BEGIN IMMEDIATE`` and ``COMMIT`` (the fsync), runs in the
    writer thread.
    """

    CHECKPOINT_SECONDS = 0.1
    parallel = 1  # SQLite has one writer at a time
    query_timeout = 30.0  # SQLite waits on its lock for busy_timeout; the request has a deadline

    def __init__(self, path: Path, *, write_lock: asyncio.Lock) -> None:
        self.path = path
        self._write_lock = write_lock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._conn: sqlite3.Connection | None = None
        self._sql = statements("sqlite")
        self._checkpointer: threading.Thread | None = None
        self._stop = threading.Event()

    def _checkpoint_loop(self) -> None:
        """Copy the WAL back into the database off the commit path. Left to SQLite, every
        thousandth page's COMMIT would do it (with fsyncs) while the next batch waits."""
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout=1000")
            while not self._stop.wait(self.CHECKPOINT_SECONDS):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:  # busy: try again next round
                    continue
        finally:
            conn.close()

    async def commit(self, plan: WritePlan) -> Notified:
        async with self._write_lock:
            return await self._commit(plan)

    async def _commit(self, plan: WritePlan) -> Notified:
        loop = asyncio.get_running_loop()
        conn = await loop.run_in_executor(self._executor, self._begin)
        try:
            notified = self._write(conn, plan)
        except BaseException:
            await loop.run_in_executor(self._executor, conn.execute, "ROLLBACK")
            raise
        try:
            await loop.run_in_executor(self._executor, conn.execute, "COMMIT")
        except sqlite3.Error as error:
            with contextlib.suppress(sqlite3.Error):  # still open after SQLITE_BUSY/FULL
                await loop.run_in_executor(self._executor, conn.execute, "ROLLBACK")
            raise OutcomeUnknownError(f"COMMIT failed: {error}") from error
        return notified

    async def close(self) -> None:
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)

    def _begin(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            for pragma in SQLITE_PRAGMAS:
                self._conn.execute(pragma)
            self._conn.execute("PRAGMA wal_autocheckpoint=0")
            # Post ids are random, so their index takes inserts all over: keep it in memory.
            self._conn.execute("PRAGMA cache_size=-16384")
            self._checkpointer = threading.Thread(
                target=self._checkpoint_loop, name="sqlite-checkpoint", daemon=True
            )
            self._checkpointer.start()
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _write(self, conn: sqlite3.Connection, plan: WritePlan) -> Notified:
        sql = self._sql
        if plan.claims:
            for index, row in plan.claim_rows(now_ms()):
                if conn.execute(sql.claim, row).fetchone() is None:
                    stored = conn.execute(sql.replay, row[:2]).fetchone()
                    plan.replays[index] = _stored(stored)
            if plan.replays:
                plan = plan.without(plan.replays)
        conn.executemany(sql.insert_post, plan.posts)
        conn.executemany(SQLITE_INDEX_POST, plan.search_rows())
        conn.executemany(sql.bump_channel, plan.channel_rows())
        if plan.mentions:
            conn.executemany(sql.mention, plan.mentions)
        notified: Notified = {}
        for (channel_id, excluded), (count, at) in plan.everyone.items():
            rows = conn.execute(sql.mention_all, (count, at, channel_id, excluded)).fetchall()
            notified[(channel_id, excluded)] = [r[0] for r in rows]
        if plan.viewed:
            conn.executemany(sql.viewed, plan.viewed)
        if plan.hooks:
            conn.executemany(sql.touch_hook, plan.hook_rows())
        if plan.deliveries:
            conn.executemany(sql.insert_delivery, plan.deliveries)
        return notified


class AsyncpgWriter:
    """Commits through a small asyncpg pool of its own, several at once: while one commit
    waits for the server's WAL flush, the next is already inserting. Rows are locked in one
    order (mentions, hooks, then channels, each sorted) so concurrent commits queue behind
    each other's locks instead of deadlocking; the channel row, which every commit to a
    channel updates, is last, so commits to one channel land in order."""

    parallel = 3
    query_timeout = 30.0

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._pool: Any = None
        self._sql = statements("postgresql")

    async def _acquire_pool(self) -> Any:
        if self._pool is None:
            import asyncpg

            self._pool = await asyncpg.create_pool(
                self.dsn,
                min_size=0,  # no floor to restore in the background while the server is away
                max_size=self.parallel,
                timeout=CONNECT_TIMEOUT_SECONDS,
                command_timeout=self.query_timeout,
            )
        return self._pool

    async def commit(self, plan: WritePlan) -> Notified:
        pool = await self._acquire_pool()
        async with pool.acquire(timeout=self.query_timeout) as conn:
            transaction = conn.transaction()
            await transaction.start()
            try:
                notified = await self._write(conn, plan)
            except BaseException:
                with contextlib.suppress(Exception):
                    await transaction.rollback()
                raise
            try:
                await transaction.commit()
            except Exception as error:  # the connection died or hung during COMMIT
                raise OutcomeUnknownError(f"COMMIT failed: {error!r}") from error
        return notified

    async def _write(self, conn: Any, plan: WritePlan) -> Notified:
        sql = self._sql
        notified: Notified = {}
        if plan.claims:  # first: a concurrent commit of the same key waits here for ours
            for index, row in plan.claim_rows(now_ms()):
                if await conn.fetchrow(sql.claim, *row) is None:
                    plan.replays[index] = _stored(await conn.fetchrow(sql.replay, *row[:2]))
            if plan.replays:
                plan = plan.without(plan.replays)
        await _many(conn, sql.insert_post, plan.posts)
        await _many(conn, sql.insert_delivery, plan.deliveries)
        await _many(conn, sql.mention, sorted(plan.mentions, key=lambda row: row[2:]))
        for (channel_id, excluded), (count, at) in sorted(plan.everyone.items()):
            rows = await conn.fetch(sql.mention_all, count, at, channel_id, excluded)
            notified[(channel_id, excluded)] = [r[0] for r in rows]
        # The rows every concurrent commit touches go last, so their locks are held
        # only until COMMIT; "viewed" reads the bumped count.
        await _many(conn, sql.touch_hook, plan.hook_rows())
        await _many(conn, sql.bump_channel, plan.channel_rows())
        await _many(conn, sql.viewed, plan.viewed)
        return notified

    async def close(self) -> None:
        if self._pool is not None:
            try:  # a hung server must not hold shutdown
                await asyncio.wait_for(self._pool.close(), CONNECT_TIMEOUT_SECONDS)
            except TimeoutError:
                self._pool.terminate()
            self._pool = None


def _stored(row: Any) -> Stored:
    body_hash, channel_id, post_ids = row
    return Stored(body_hash, channel_id, post_ids.split())


async def _many(conn: Any, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        await conn.executemany(sql, rows)
