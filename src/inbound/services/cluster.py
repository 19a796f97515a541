"""Several ``inbound serve`` processes on one database (``shared/spec/cluster.md``).

Changes cross processes on the bus (topic ``changes``): ``Context.mutate`` publishes each one
after its commit, and every other process tells it to its own followers as if it were its own
(a ``ConfigChanged`` reloads the config from the database first). When the bus comes back after
an outage every process drops its caches and reloads the config: it may have missed changes (the
runtime's one-second poller covered them meanwhile).

Each serving process registers in ``cluster_nodes`` and refreshes its row every few seconds; a
row not refreshed for ``DEAD_AFTER_MS`` (or of a dead pid on this host) is a dead process. Two
live processes on one PostgreSQL database without Redis cannot share changes, sessions or
events: the second one is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Coroutine
from typing import Any

from sqlalchemy import text

from inbound.models import now_ms
from inbound.services import config as config_service
from inbound.services.changes import CHANGES_TOPIC, ChangedElsewhere, ConfigChanged, decode
from inbound.services.context import Context
from inbound.store import nodes as node_store
from inbound.store.nodes import Node

HEARTBEAT_SECONDS = 5.0
DEAD_AFTER_MS = 15_000
FORGET_AFTER_MS = 3_600_000  # dead rows are deleted after an hour (kept a while to debug)
_BACKGROUND: set[asyncio.Task[Any]] = set()


class ClusterRefusedError(Exception):
    """This process may not join the others on this database (the message says why)."""


def relay_changes(ctx: Context) -> None:
    """Follow the other processes' changes (call before the bus starts)."""
    ctx.bus.on(CHANGES_TOPIC, lambda data: _receive(ctx, data))
    ctx.bus.on_reconnect.append(lambda: _reconnected(ctx))


def _receive(ctx: Context, data: bytes) -> None:
    change = decode(data)
    if isinstance(change, ConfigChanged):
        _soon(config_service.load_config(ctx))  # tells ConfigChanged here once loaded
    elif change is not None:
        ctx.changes.tell(change)


def _reconnected(ctx: Context) -> None:
    ctx.changes.tell(ChangedElsewhere())
    _soon(config_service.load_config(ctx))


def _soon(work: Coroutine[Any, Any, Any]) -> None:
    task = asyncio.get_running_loop().create_task(work)
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


async def check_can_join(ctx: Context) -> None:
    """Raise ``ClusterRefusedError`` when another live process serves this PostgreSQL database
    and one of the two has no Redis, or ``--workers`` asks for what cannot be. SQLite is one
    process: nothing is registered there."""
    _check_workers(ctx)
    if ctx.db.is_sqlite:
        return
    now = now_ms()
    async with ctx.db.connect() as conn:
        others = await node_store.get_nodes_seen_since(conn, now - DEAD_AFTER_MS)
    for node in others:
        if node.node_id == ctx.bus.node_id or not _alive(node):
            continue
        if not ctx.settings.redis_url:
            raise ClusterRefusedError(
                f"another inbound process ({_describe(node)}) is serving this PostgreSQL "
                "database. Several processes share changes, sessions and live events through "
                "Redis: set INBOUND_REDIS_URL (or --redis-url), e.g. redis://127.0.0.1:6379/0, "
                "on every process."
            )
        if not node.with_redis:
            raise ClusterRefusedError(
                f"another inbound process ({_describe(node)}) is serving this PostgreSQL "
                "database without Redis: restart it with INBOUND_REDIS_URL set as on this one."
            )


def _check_workers(ctx: Context) -> None:
    workers = ctx.settings.workers
    if workers > 1 and ctx.db.is_sqlite:
        raise ClusterRefusedError(
            f"--workers {workers} (INBOUND_WORKERS) needs PostgreSQL: SQLite is served by one "
            "process. Use --workers 1, or INBOUND_DATABASE_URL=postgresql://… with "
            "INBOUND_REDIS_URL."
        )
    if workers > 1 and not ctx.settings.redis_url:
        raise ClusterRefusedError(
            f"--workers {workers} (INBOUND_WORKERS) needs Redis to share changes, sessions and "
            "live events between the processes: set INBOUND_REDIS_URL (or --redis-url), e.g. "
            "redis://127.0.0.1:6379/0."
        )


def _alive(node: Node) -> bool:
    """False for a process of this host that no longer runs (killed, not stopped)."""
    if node.host != socket.gethostname() or node.pid <= 0:
        return True
    try:
        os.kill(node.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return node.pid != os.getpid()


def _describe(node: Node) -> str:
    return f"node {node.node_id} on {node.host}, pid {node.pid}"


async def register(ctx: Context) -> None:
    """Record this process, then check it may join (so two starting at once see each other)."""
    if ctx.db.is_sqlite:
        return
    now = now_ms()
    node = _this_node(ctx, now)
    async with ctx.db.begin() as conn:
        await node_store.delete_nodes_seen_before(conn, now - FORGET_AFTER_MS)
        await node_store.insert_node(conn, node)
    try:
        await check_can_join(ctx)
    except ClusterRefusedError:
        await unregister(ctx)
        raise


def _this_node(ctx: Context, now: int) -> Node:
    return Node(
        node_id=ctx.bus.node_id,
        host=socket.gethostname(),
        pid=os.getpid(),
        with_redis=1 if ctx.settings.redis_url else 0,
        started_at=now,
        seen_at=now,
    )


async def keep_registered(ctx: Context) -> None:
    """The heartbeat: ``seen_at`` every ``HEARTBEAT_SECONDS`` while the process serves (the row
    comes back should it have gone, e.g. the database restored from a backup). Nothing on
    SQLite: one process, nothing registered (and no write transaction every few seconds)."""
    if ctx.db.is_sqlite:
        return
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        with contextlib.suppress(Exception):  # the database away: the next beat tries again
            async with ctx.db.begin() as conn:
                if not await node_store.update_node_seen(conn, ctx.bus.node_id, at=now_ms()):
                    await node_store.insert_node(conn, _this_node(ctx, now_ms()))


async def unregister(ctx: Context) -> None:
    if ctx.db.is_sqlite:
        return
    with contextlib.suppress(Exception):
        async with ctx.db.begin() as conn:
            await node_store.delete_node(conn, ctx.bus.node_id)


async def server_status(ctx: Context) -> dict[str, str]:
    """``GET /system/ping?get_server_status=true``: can this process reach what it needs?"""
    try:
        async with ctx.db.connect() as conn:
            await conn.execute(text("SELECT 1"))
        database = "OK"
    except Exception:  # any failure of the database is its status, not this request's
        database = "UNAVAILABLE"
    return {"database_status": database, "redis_status": ctx.bus.status, "node_id": ctx.bus.node_id}
