"""The post writer's SQL, on the raw drivers: stdlib sqlite3 in one dedicated thread, or an
asyncpg pool. SQLAlchemy's async layer costs several times more per row, and this is the one
write path every post takes.

A ``WritePlan`` is everything one group commit does; ``commit`` runs it in one transaction and
returns, for channels with an @channel/@all/@here mention, the members it notified.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from inbound.store.db import CONNECT_TIMEOUT_SECONDS, SQLITE_PRAGMAS
from inbound.store.faults import OutcomeUnknown
from inbound.store.posts import POST_COLUMNS

INSERT_POST = (
    f"INSERT INTO posts ({', '.join(POST_COLUMNS)}) VALUES ({', '.join('?' * len(POST_COLUMNS))})"
)
BUMP_CHANNEL = "UPDATE channels SET total_msg_count = total_msg_count + ?, last_post_at = {greatest}(last_post_at, ?) WHERE id = ?"
MENTION = "UPDATE channel_members SET mention_count = mention_count + ?, last_update_at = ? WHERE channel_id = ? AND user_id = ?"
MENTION_ALL = (
    "UPDATE channel_members SET mention_count = mention_count + ?, last_update_at = ? "
    "WHERE channel_id = ? AND user_id <> ? RETURNING user_id"
)
VIEWED = (
    "UPDATE channel_members SET msg_count = (SELECT total_msg_count FROM channels WHERE id = ?), "
    "mention_count = 0, last_viewed_at = ?, last_update_at = ? WHERE channel_id = ? AND user_id = ?"
)
TOUCH_HOOK = "UPDATE incoming_hooks SET last_used_at = ? WHERE id = ? AND last_used_at < ?"


@dataclass
class WritePlan:
    posts: list[tuple[Any, ...]] = field(default_factory=list)
    channels: dict[str, tuple[int, int]] = field(default_factory=dict)  # id → (count, last_post_at)
    mentions: list[tuple[int, int, str, str]] = field(
        default_factory=list
    )  # count, at, channel, user
    everyone: dict[tuple[str, str], tuple[int, int]] = field(
        default_factory=dict
    )  # (channel, excluded) → (count, at): @channel/@all/@here, summed per channel
    viewed: list[tuple[str, int, int, str, str]] = field(default_factory=list)
    hooks: dict[str, int] = field(default_factory=dict)  # id → last used at

    def channel_rows(self) -> list[tuple[int, int, str]]:
        """``BUMP_CHANNEL`` parameters, in id order (one lock order for concurrent commits)."""
        return [(n, at, cid) for cid, (n, at) in sorted(self.channels.items())]

    def hook_rows(self) -> list[tuple[int, str, int]]:
        return [(at, hook_id, at) for hook_id, at in sorted(self.hooks.items())]


Notified = dict[tuple[str, str], list[str]]  # (channel, excluded) → member ids


class WriterBackend(Protocol):
    parallel: int  # how many commits may be under way at once
    query_timeout: float  # SqlSettings.QueryTimeout: no statement waits longer

    async def commit(self, plan: WritePlan) -> Notified: ...

    async def close(self) -> None: ...


def _statements(greatest: str) -> tuple[str, ...]:
    return (
        INSERT_POST,
        BUMP_CHANNEL.format(greatest=greatest),
        MENTION,
        MENTION_ALL,
        VIEWED,
        TOUCH_HOOK,
    )


class SqliteWriter:
    """Commits on its own connection, taking turns between two threads.

    The rows are bound and stepped on the event loop's thread (CPU work that must happen
    anyway, and it keeps the GIL in one place: stepping them in another thread makes the two
    threads trade the GIL for every row, which stalls both). Only what may wait on the disk or
    on another writer's lock, ``BEGIN IMMEDIATE`` and ``COMMIT`` (the fsync), runs in the
    writer thread.
    """

    CHECKPOINT_SECONDS = 0.1
    parallel = 1  # SQLite has one writer at a time
    query_timeout = 30.0  # SQLite waits on its lock for busy_timeout; the request has a deadline

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._conn: sqlite3.Connection | None = None
        self._sql = _statements("MAX")
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
            raise OutcomeUnknown(f"COMMIT failed: {error}") from error
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
        insert, bump, mention, mention_all, viewed, touch = self._sql
        conn.executemany(insert, plan.posts)
        conn.executemany(bump, plan.channel_rows())
        if plan.mentions:
            conn.executemany(mention, plan.mentions)
        notified: Notified = {}
        for (channel_id, excluded), (count, at) in plan.everyone.items():
            rows = conn.execute(mention_all, (count, at, channel_id, excluded)).fetchall()
            notified[(channel_id, excluded)] = [r[0] for r in rows]
        if plan.viewed:
            conn.executemany(viewed, plan.viewed)
        if plan.hooks:
            conn.executemany(touch, plan.hook_rows())
        return notified


def _numbered(sql: str) -> str:
    """``?`` placeholders → asyncpg's ``$1, $2, …``."""
    parts = sql.split("?")
    return "".join(p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))


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
        self._sql = tuple(_numbered(s) for s in _statements("GREATEST"))

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
                raise OutcomeUnknown(f"COMMIT failed: {error!r}") from error
        return notified

    async def _write(self, conn: Any, plan: WritePlan) -> Notified:
        insert, bump, mention, mention_all, viewed, touch = self._sql
        notified: Notified = {}
        await _many(conn, insert, plan.posts)
        await _many(conn, mention, sorted(plan.mentions, key=lambda row: row[2:]))
        for (channel_id, excluded), (count, at) in sorted(plan.everyone.items()):
            rows = await conn.fetch(mention_all, count, at, channel_id, excluded)
            notified[(channel_id, excluded)] = [r[0] for r in rows]
        # The rows every concurrent commit touches go last, so their locks are held
        # only until COMMIT; "viewed" reads the bumped count.
        await _many(conn, touch, plan.hook_rows())
        await _many(conn, bump, plan.channel_rows())
        await _many(conn, viewed, plan.viewed)
        return notified

    async def close(self) -> None:
        if self._pool is not None:
            try:  # a hung server must not hold shutdown
                await asyncio.wait_for(self._pool.close(), CONNECT_TIMEOUT_SECONDS)
            except TimeoutError:
                self._pool.terminate()
            self._pool = None


async def _many(conn: Any, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        await conn.executemany(sql, rows)
