"""The running server's state: database, config, live events and the post writer.

``create_app`` builds one ``Server``; the CLI builds one too (without the writer task) to work on
the database directly, like Mattermost's local mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from inbound.config import Config, validate
from inbound.models import now_ms
from inbound.services.events import EventHub, PostsCreated
from inbound.services.failures import Failures
from inbound.services.hook_cache import HookCache
from inbound.services.login_throttle import LoginThrottle
from inbound.services.metrics import Metrics, MetricsListener
from inbound.services.rate_limit import RateLimits
from inbound.services.writer import PostBatch, PostWriter
from inbound.settings import Settings
from inbound.store import config as config_store
from inbound.store import hooks as hook_store
from inbound.store.db import Database
from inbound.store.migrate import migrate
from inbound.store.post_writer import writer_backend

log = logging.getLogger(__name__)
T = TypeVar("T")
CONFIG_POLL_SECONDS = 1.0


class Server:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url, pool_size=settings.db_pool_size)
        self.config = Config.default()
        self.events = EventHub()
        self.writer = PostWriter(
            writer_backend(self.db),
            on_commit=self._publish_posted,
            on_group_commit=lambda messages, posts: self.metrics.committed(
                messages=messages, posts=posts
            ),
        )
        self._poller: asyncio.Task[None] | None = None
        self.hook_cache = HookCache()
        self.rate_limits = RateLimits()
        self.login_throttle = LoginThrottle()  # failed logins per client address
        self.failures = Failures()
        self.metrics = Metrics()
        self._metrics_listener: MetricsListener | None = None  # only while serving
        self._register_gauges()
        self._hooks_version = (0, 0)
        # argon2 hashing (logins, new users): two threads, so 20 logins a second cannot take
        # both cores or the event loop; a burst queues here instead.
        self.password_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="password")
        # Large webhook messages (see web/hooks.py LARGE_BODY_BYTES) are translated and split
        # here one at a time: the GIL still lets the event loop run every few milliseconds.
        self._heavy_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="large-message")

    async def start(self, *, background: bool = True) -> None:
        await migrate(self.db)
        await self.reload_config()
        if background:
            # Everything loaded at start-up lives for the whole process: keep it out of the
            # collector's way, and collect young objects less often (the hot path makes many
            # short-lived ones; full collections of a big heap stall every request in flight).
            gc.collect()
            gc.freeze()
            gc.set_threshold(50_000, 20, 100)
            self.writer.start()
            self._poller = asyncio.create_task(self._poll_config(), name="config-poller")
            self._metrics_listener = MetricsListener(self.metrics)
            self._follow_config()

    def _register_gauges(self) -> None:
        pool = self.db.engine.pool
        self.metrics.gauges.update(
            {
                "inbound_websocket_clients": (
                    "Open websocket connections.",
                    lambda: len(self.events.listeners),
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

    def _follow_config(self) -> None:
        """Start or stop what the config switches on while serving (the metrics listener)."""
        if self._metrics_listener is not None:
            metrics = self.config.metrics
            self._metrics_listener.follow(enabled=metrics.enable, address=metrics.listen_address)

    async def stop(self) -> None:
        if self._metrics_listener is not None:
            self._metrics_listener.stop()
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        await self.writer.stop()
        await self.db.dispose()
        self.password_pool.shutdown(wait=False, cancel_futures=True)
        self._heavy_pool.shutdown(wait=False, cancel_futures=True)

    async def off_loop(self, work: Callable[[], T]) -> T:
        """Run CPU-heavy pure ``work`` in the large-message thread, not on the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._heavy_pool, work)

    @property
    def site_url(self) -> str:
        return self.config.service.site_url or self.settings.public_url

    async def reload_config(self) -> None:
        async with self.db.connect() as conn:
            stored = await config_store.get_config(conn)
        if stored is None:
            self.config = Config.default()
            self._apply_timeouts()
            return
        document, version = stored
        self.config = Config(validate(document), version)
        self._apply_timeouts()

    def _apply_timeouts(self) -> None:
        timeout = self.config.sql.query_timeout
        self.db.query_timeout = timeout  # new connections take it
        self.writer.backend.query_timeout = timeout

    async def save_config(self, document: dict[str, dict[str, object]]) -> Config:
        at = max(now_ms(), self.config.version + 1)
        async with self.db.begin() as conn:
            await config_store.save_config(conn, document, at=at)
        self.config = Config(document, at)
        self._apply_timeouts()
        self._follow_config()
        return self.config

    def hooks_changed(self) -> None:
        """Forget cached hooks after an update, delete, regenerate, archive or deactivation."""
        self.hook_cache.clear()

    async def _poll_config(self) -> None:
        """Pick up config and hook changes made by another node or by the CLI."""
        while True:
            await asyncio.sleep(CONFIG_POLL_SECONDS)
            with contextlib.suppress(Exception):
                async with self.db.connect() as conn:
                    version = await config_store.get_config_version(conn)
                    hooks_version = await hook_store.get_hooks_version(conn)
                if version != self.config.version:
                    await self.reload_config()
                    self._follow_config()
                if hooks_version != self._hooks_version:
                    self._hooks_version = hooks_version
                    self.hook_cache.clear()

    def _publish_posted(self, batch: PostBatch) -> None:
        if not self.events.listeners:
            return
        created = PostsCreated(
            batch.channel,
            batch.posts,
            sender_name=batch.sender_name,
            from_hook=bool(batch.hook_id),
            notified=batch.notified,
        )
        self.events.publish(created)
