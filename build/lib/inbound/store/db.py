"""The database handle: one async engine per process, SQLite (WAL) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

T = TypeVar("T")

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=OFF",
)


def async_url(url: str) -> str:
    """Map a user-facing URL (``sqlite:///x.db``, ``postgresql://…``) to its async driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


def plain_dsn(url: str) -> str:
    """A PostgreSQL URL as asyncpg itself takes it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


CONNECT_TIMEOUT_SECONDS = 10


class Database:
    """Owns the engine; hands out connections and transactions.

    Every PostgreSQL statement has a client-side timeout (``query_timeout``, the config's
    ``SqlSettings.QueryTimeout``, read when a connection opens), so a hung server fails
    requests instead of holding them; connecting gives up after ``CONNECT_TIMEOUT_SECONDS``.
    Statement parameters never appear in errors or logs (they can hold hook keys and tokens).
    """

    def __init__(self, url: str, *, pool_size: int = 10, query_timeout: float = 30.0) -> None:
        self.url = url
        self.query_timeout = query_timeout
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(
            async_url(url), hide_parameters=True, **_engine_options(url, pool_size=pool_size)
        )
        # SQLite: the process's one turn to write, taken by ``begin`` and by the post writer
        # (``post_writer.writer_backend``), so they queue here rather than on SQLite's lock.
        self.write_lock = asyncio.Lock()
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_on_connect)
        else:
            event.listen(self.engine.sync_engine, "do_connect", self._pg_connect_args)

    def _pg_connect_args(self, _dialect: Any, _record: Any, _args: Any, params: Any) -> None:
        params["timeout"] = CONNECT_TIMEOUT_SECONDS
        params["command_timeout"] = self.query_timeout

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        return sqlite_path(self.url)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A transaction: committed on success, rolled back on any exception."""
        if not self.is_sqlite:
            async with self.engine.begin() as conn:
                yield conn
            return
        # SQLite has one writer at a time: in this process, whoever holds ``write_lock``. BEGIN
        # IMMEDIATE takes SQLite's lock up front, so a writer in another process (the CLI) makes
        # this one wait (busy_timeout) instead of failing when a read-then-write transaction
        # tries to upgrade.
        async with self.write_lock, self.engine.connect() as conn:
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.exec_driver_sql("ROLLBACK")
                raise
            await conn.exec_driver_sql("COMMIT")

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()


def _engine_options(url: str, *, pool_size: int) -> dict[str, Any]:
    if make_url(url).get_backend_name() == "sqlite":
        # The driver must not open transactions of its own: ``Database.begin`` does, explicitly.
        return {"isolation_level": "AUTOCOMMIT"}
    return {
        "pool_size": pool_size,
        "max_overflow": 10,
        "pool_timeout": CONNECT_TIMEOUT_SECONDS,  # every connection busy: fail, do not queue on
        "pool_pre_ping": False,
    }


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


async def fetch_one(conn: AsyncConnection, stmt: Any, model: type[T]) -> T | None:
    """Run ``stmt`` and map its first row onto the dataclass ``model`` (``None`` when absent)."""
    row = (await conn.execute(stmt)).mappings().first()
    return None if row is None else model(**row)


async def fetch_all(conn: AsyncConnection, stmt: Any, model: type[T]) -> list[T]:
    return [model(**row) for row in (await conn.execute(stmt)).mappings()]
