"""The running process: builds the services' ``Context`` and owns what runs beside requests.

One ``Runtime`` per process, built by the wiring (``create_app`` for the server, ``run_local``
for the CLI). It chooses the post writer's backend, migrates, loads the config, and while
serving runs the change poller (config and hooks changed by the CLI or another process), the
metrics listener and the garbage collector's tuning. Nothing else starts tasks or threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import gc
import logging
import time
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor

from inbound.models import new_id
from inbound.render.posts import start_renderers
from inbound.services import cluster, delivery_log
from inbound.services import config as config_service
from inbound.services.auth import use_password_cost
from inbound.services.changes import Change, ChangedElsewhere, ConfigChanged
from inbound.services.context import Context
from inbound.services.event_relay import relay_events
from inbound.services.failures import Failures
from inbound.services.idempotency import purge_expired
from inbound.services.metrics import Metrics, MetricsListener
from inbound.services.rate_limit import RateLimits
from inbound.services.writer import PostWriter
from inbound.settings import Settings
from inbound.store import config as config_store
from inbound.store import hooks as hook_store
from inbound.store.bus import PREFIX, bus_for
from inbound.store.db import Database
from inbound.store.migrate import migrate
from inbound.store.post_writer import writer_backend

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
PURGE_SECONDS = 600.0  # expired idempotency keys are deleted this often
STOP_STEP_SECONDS = 5.0  # each shutdown step that holds no acknowledged work waits this long
STOP_REPORT_SECONDS = 20.0


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.failures = Failures()
        db = Database(settings.database_url, pool_size=settings.db_pool_size)
        writer = PostWriter(
            writer_backend(db),
            on_group_commit=lambda messages, posts: self.metrics.committed(
                messages=messages, posts=posts
            ),
        )
        self.context = Context(
            settings=settings,
            db=db,
            writer=writer,
            passwords=ThreadPoolExecutor(
                max_workers=2,
                thread_name_prefix="password",
                initializer=use_password_cost,
                initargs=(settings.password_hash_time_cost, settings.password_hash_memory_kib),
            ),
            large_messages=ThreadPoolExecutor(max_workers=1, thread_name_prefix="large-message"),
            rate_limits=RateLimits.for_redis(settings.redis_url),  # shared through Redis, if any
        )
        writer.on_commit = self.context.announce_posts
        self.context.bus = bus_for(settings.redis_url, new_id())
        self.context.deliveries.node_id = self.context.bus.node_id  # its history rows' ring
        relay_events(self.context.events, self.context.bus)  # live events cross processes
        self.context.changes.follow(self._follow)
        cluster.relay_changes(self.context)  # the other processes' changes, told here
        self._poller: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._metrics_listener: MetricsListener | None = None  # only while serving
        self._hooks_version = (0, 0)
        self._register_gauges()

    async def start(self, *, serving: bool = True) -> None:
        """Migrate and load the config; when ``serving``, start the background work too."""
        await migrate(self.context.db)
        await config_service.load_config(self.context)
        self.context.bus.prefix = f"{PREFIX}{await config_service.cluster_id(self.context)}:"
        await self.context.bus.start()  # the CLI's changes reach the servers too
        if not serving:
            return
        await cluster.register(self.context)  # refused: several processes, no Redis
        self._heartbeat = asyncio.create_task(cluster.keep_registered(self.context))
        # Everything loaded at start-up lives for the whole process: keep it out of the
        # collector's way, and collect young objects less often (the hot path makes many
        # short-lived ones; full collections of a big heap stall every request in flight).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        self.context.writer.start()
        self.context.deliveries.start(self.context.db, self.context.writer.backend)
        await self.context.rate_limits.start(self.context.bus.prefix)
        start_renderers()  # in a thread: a second or so of imports, before the first page needs it
        self._metrics_listener = MetricsListener(self.metrics)
        self._follow_metrics_settings()
        self._poller = asyncio.create_task(self._poll(), name="change-poller")

    async def stop(self) -> None:
        # Should a step ever hang, every thread's stack goes to the process's stderr (once).
        watching = _watch_for_a_hang()
        try:
            await self._stop()
        finally:
            if watching:
                faulthandler.cancel_dump_traceback_later()

    async def _stop(self) -> None:
        if self._metrics_listener is not None:
            self._metrics_listener.stop()
        for task in (self._poller, self._heartbeat):
            if task is not None:
                task.cancel()
                await _bounded(asyncio.gather(task, return_exceptions=True), "background task")
        ctx = self.context
        if self._heartbeat is not None:
            await _bounded(cluster.unregister(ctx), "node registry")
        await _bounded(ctx.bus.stop(), "bus")
        await _bounded(ctx.rate_limits.close(), "rate limits")
        await ctx.writer.stop()  # commits what is queued: not cut short
        await _bounded(ctx.deliveries.stop(ctx.db), "delivery history")
        await _bounded(ctx.db.dispose(), "database pool")
        ctx.passwords.shutdown(wait=False, cancel_futures=True)
        ctx.large_messages.shutdown(wait=False, cancel_futures=True)

    def _follow(self, change: Change) -> None:
        """The runtime's part of a change: caches drop entries, the config takes effect."""
        ctx = self.context
        if isinstance(change, ConfigChanged):
            timeout = float(ctx.config.sql.query_timeout)
            ctx.db.query_timeout = timeout  # new connections take it
            ctx.writer.backend.query_timeout = timeout
            self._follow_metrics_settings()
        else:
            ctx.hooks.forget(change)

    def _follow_metrics_settings(self) -> None:
        if self._metrics_listener is not None:
            metrics = self.context.config.metrics
            self._metrics_listener.follow(enabled=metrics.enable, address=metrics.listen_address)

    async def _poll(self) -> None:
        """Pick up config and hook changes made by another process or by the CLI; now and
        then, delete idempotency keys past their 24 hours."""
        purged_at = 0.0
        while True:
            await asyncio.sleep(POLL_SECONDS)
            with contextlib.suppress(Exception):
                await self._poll_once()
            if time.monotonic() - purged_at >= PURGE_SECONDS:
                purged_at = time.monotonic()
                with contextlib.suppress(Exception):
                    await purge_expired(self.context.db)
                with contextlib.suppress(Exception):
                    await delivery_log.purge(self.context.db)

    async def _poll_once(self) -> None:
        ctx = self.context
        async with ctx.db.connect() as conn:
            version = await config_store.get_config_version(conn)
            hooks_version = await hook_store.get_hooks_version(conn)
        if version != ctx.config.version:
            await config_service.load_config(ctx)
        if hooks_version != self._hooks_version:
            self._hooks_version = hooks_version
            ctx.changes.tell(ChangedElsewhere())

    def _register_gauges(self) -> None:
        ctx = self.context
        pool = ctx.db.engine.pool
        self.metrics.gauges.update(
            {
                "inbound_websocket_clients": (
                    "Open websocket connections.",
                    lambda: len(ctx.events.listeners),
                ),
                "inbound_database_connections_in_use": (
                    "Database pool connections checked out.",
                    lambda: float(getattr(pool, "checkedout", lambda: 0)()),
                ),
                "inbound_redis_configured": (
                    "1 when a Redis URL is configured (cross-process state).",
                    lambda: 1.0 if self.settings.redis_url else 0.0,
                ),
            }
        )


def _watch_for_a_hang() -> bool:
    """Arm faulthandler on file descriptor 2 (``sys.stderr`` may be a test runner's buffer)."""
    try:
        faulthandler.dump_traceback_later(STOP_REPORT_SECONDS, file=2)
    except (AttributeError, OSError, RuntimeError, ValueError):  # no real stderr: no report
        return False
    return True


async def _bounded(step: Awaitable[object], name: str) -> None:
    """Wait for a shutdown step, at most ``STOP_STEP_SECONDS``: none holds acknowledged work."""
    try:
        await asyncio.wait_for(step, STOP_STEP_SECONDS)
    except TimeoutError:
        log.warning("shutdown: the %s did not stop within %g s; going on", name, STOP_STEP_SECONDS)
    except Exception:
        log.exception("shutdown: stopping the %s failed", name)
