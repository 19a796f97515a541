"""``Context``: what a service call may use, and nothing about how the process runs.

The runtime (``inbound.runtime``) builds one per process and keeps ``config`` current; services
take it as their first argument. Mutations that other parts of the process depend on go through
``ctx.mutate()``, which states what changed once the transaction has committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.config import Config
from inbound.models import new_id
from inbound.services.changes import CHANGES_TOPIC, Change, Changes, encode
from inbound.services.delivery_log import DeliveryLog
from inbound.services.events import EventHub, PostsCreated
from inbound.services.hook_cache import HookCache
from inbound.services.idempotency import InFlight
from inbound.services.login_throttle import LoginThrottle
from inbound.services.presence import Presence
from inbound.services.rate_limit import RateLimits
from inbound.services.writer import PostBatch, PostWriter
from inbound.settings import Settings
from inbound.store.bus import Bus, LocalBus
from inbound.store.db import Database

T = TypeVar("T")


class Mutation(NamedTuple):
    """One write transaction, and ``changed`` to state what it changes once it commits."""

    conn: AsyncConnection
    changed: Callable[[Change], None]


@dataclass(eq=False)
class Context:
    settings: Settings
    db: Database
    writer: PostWriter
    passwords: Executor  # argon2 hashing: a login burst queues here, not on the event loop
    large_messages: Executor  # translating 300 KB messages, one at a time
    config: Config = field(default_factory=Config.default)
    events: EventHub = field(default_factory=EventHub)
    changes: Changes = field(default_factory=Changes)
    hooks: HookCache = field(default_factory=HookCache)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    presence: Presence = field(default_factory=Presence)  # who is online, in this process
    idempotency: InFlight = field(default_factory=InFlight)  # keyed hook requests under way
    deliveries: DeliveryLog = field(default_factory=DeliveryLog)  # hook history not yet written
    # the other processes (Redis pub/sub with INBOUND_REDIS_URL); ``bus.node_id`` is this one's
    bus: Bus = field(default_factory=lambda: LocalBus(new_id()))

    @asynccontextmanager
    async def mutate(self) -> AsyncIterator[Mutation]:
        """A transaction whose ``changed(...)`` facts are told only once it has committed: here,
        then to the other processes (waiting until the bus has them, so the API call that made
        the change answers after every process can know of it)."""
        pending: list[Change] = []
        async with self.db.begin() as conn:
            yield Mutation(conn, pending.append)
        await self.tell_everywhere(pending)

    async def tell_everywhere(self, changes: list[Change]) -> None:
        """Tell ``changes`` here and publish them on the bus (topic ``changes``)."""
        for change in changes:
            self.changes.tell(change)
        for change in changes:
            if self.bus.status == "UNAVAILABLE":  # Redis away: the others' pollers catch up,
                self.bus.publish_soon(CHANGES_TOPIC, encode(change))  # no wait for a timeout
            else:
                await self.bus.publish(CHANGES_TOPIC, encode(change))

    def announce_posts(self, batch: PostBatch) -> None:
        """After a batch's commit (the writer's ``on_commit``): the one place new posts go live."""
        if batch.delivery is not None:
            self.deliveries.committed(batch.delivery.hook_id, batch.delivery.at)
        if not self.events.heard:
            return
        created = PostsCreated(
            batch.channel,
            batch.posts,
            sender_name=batch.sender_name,
            from_hook=bool(batch.hook_id),
            notified=batch.notified,
        )
        self.events.publish(created)

    async def off_loop(self, work: Callable[[], T]) -> T:
        """Run CPU-heavy pure ``work`` in the large-message thread, not on the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.large_messages, work)

    @property
    def site_url(self) -> str:
        return self.config.service.site_url or self.settings.public_url
