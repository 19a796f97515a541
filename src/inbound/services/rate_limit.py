"""Rate limits (``RateLimitSettings``): per client for every request, and per hook.

The algorithm is GCRA exactly as Mattermost runs it (throttled's ``GCRARateLimiter``): a key
may send ``MaxBurst + 1`` requests at once, then one every ``1 / PerSec`` seconds; a refused
request changes nothing. Only a theoretical arrival time (TAT) is kept per key.

Where the TATs live is the ``Limiter``: ``MemoryLimiter`` keeps them in this process, at most
``MEMORY_STORE_SIZE`` keys (Mattermost's ``MemoryStoreSize``), least recently used first out.
With ``INBOUND_REDIS_URL``, ``SharedLimiter`` keeps them in Redis (``store.limits``), so every
process counts against one limit; when Redis is away or slow it counts in this process's
``MemoryLimiter`` for that request, and leaves Redis alone for a second before trying again.

``RateLimits`` is the policy: which key and which rate, from the live config. The decision a
response reports (its ``X-RateLimit-*`` headers) is kept for the request in a context variable:
the client check sets it, and a hook check replaces it when the hook's limit is the tighter one.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import NamedTuple, Protocol

from inbound.config import RateLimitSettings
from inbound.errors import RateLimitedError
from inbound.models import IncomingHook
from inbound.store.limits import RedisLimits

log = logging.getLogger(__name__)
NS = 1_000_000_000
US = 1_000_000
MEMORY_STORE_SIZE = 10_000
SHARED_TIMEOUT_SECONDS = 0.05  # slower than this, Redis is away for this request…
SHARED_SKIP_SECONDS = 1.0  # …and for the next second: counted in this process meanwhile
SHARED_CONNECT_SECONDS = 1.0  # connecting (beside the requests) may take this long


class Rate(NamedTuple):  # tuples: made on every request, and cheaper than dataclasses
    per_sec: int
    burst: int


class Decision(NamedTuple):
    """throttled's ``RateLimitResult``: what a response tells the client about its limit."""

    limited: bool
    limit: int  # requests allowed at once from an empty state (burst + 1)
    remaining: int  # requests allowed at once now
    reset_after: float  # seconds until the key is back to an empty state
    retry_after: float  # seconds until the next request is allowed (-1 unless limited)

    def headers(self) -> list[tuple[bytes, bytes]]:
        """``X-RateLimit-*`` as Mattermost sends them (seconds rounded up)."""
        return [
            (b"x-ratelimit-limit", b"%d" % self.limit),
            (b"x-ratelimit-remaining", b"%d" % self.remaining),
            (b"x-ratelimit-reset", b"%d" % math.ceil(self.reset_after)),
        ]

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after))


class Limiter(Protocol):
    """Where the limits' state lives: this process, or a store shared by several."""

    async def take(self, key: str, rate: Rate) -> Decision:
        """Count one request for ``key`` unless it is over ``rate``; say which."""
        ...

    async def start(self, namespace: str = "") -> None: ...

    async def close(self) -> None: ...


class MemoryLimiter:
    """GCRA with this process's memory as the store, bounded to ``size`` keys (LRU)."""

    def __init__(
        self, *, size: int = MEMORY_STORE_SIZE, clock: Callable[[], int] = time.monotonic_ns
    ) -> None:
        self.size = size
        self.clock = clock
        self._tats: dict[str, int] = {}  # key → TAT in clock nanoseconds, oldest use first

    async def take(self, key: str, rate: Rate) -> Decision:
        return self.take_now(key, rate)

    def take_now(self, key: str, rate: Rate) -> Decision:
        """One GCRA step (positional tuples and no helper calls: this runs on every request)."""
        now = self.clock()
        per_sec, burst = rate
        interval = NS // per_sec
        tolerance = interval * (burst + 1)
        tats = self._tats
        tat = max(tats.pop(key, now), now)  # popped and put back: last is most recently used
        ttl = tat + interval - now  # how far ahead the schedule runs if this one is allowed
        if ttl > tolerance:  # refused: nothing changes
            tats[key] = tat
            decision = Decision(True, burst + 1, 0, (tat - now) / NS, (ttl - tolerance) / NS)
        else:
            tats[key] = tat + interval
            decision = Decision(False, burst + 1, (tolerance - ttl) // interval, ttl / NS, -1.0)
        if len(tats) > self.size:
            del tats[next(iter(tats))]  # the least recently used
        return decision

    def __len__(self) -> int:
        return len(self._tats)

    async def start(self, namespace: str = "") -> None:
        return None

    async def close(self) -> None:
        return None


def decide(limited: bool, ahead: int, ttl: int, *, rate: Rate, unit: int) -> Decision:
    """A GCRA step's ``Decision`` from its numbers (in ``unit`` a second), as ``take_now``
    makes it: ``ahead`` is how far the schedule ran ahead of now, ``ttl`` that plus one interval."""
    per_sec, burst = rate
    interval = unit // per_sec
    tolerance = interval * (burst + 1)
    if limited:
        return Decision(True, burst + 1, 0, ahead / unit, (ttl - tolerance) / unit)
    return Decision(False, burst + 1, (tolerance - ttl) // interval, ttl / unit, -1.0)


class SharedLimiter:
    """GCRA in Redis, shared by every process; this process's memory while Redis is away.

    A request never waits for a connection to Redis to be made: the pool's connections are
    opened beside the requests (at start, then a second after each failure), and until they are,
    requests count here. Once connected, a request that Redis does not answer within
    ``SHARED_TIMEOUT_SECONDS`` counts here too, and the next ones do until Redis is back.
    """

    def __init__(self, store: RedisLimits, *, local: MemoryLimiter | None = None) -> None:
        self.store = store
        self.local = local or MemoryLimiter()
        self.ready = False  # connected: requests ask Redis
        self._reconnecting: asyncio.Task[None] | None = None
        self._away_logged = False

    async def take(self, key: str, rate: Rate) -> Decision:
        if self.ready:
            interval = US // rate.per_sec
            try:
                async with asyncio.timeout(SHARED_TIMEOUT_SECONDS):
                    limited, ahead, ttl = await self.store.take(
                        key, interval_us=interval, tolerance_us=interval * (rate.burst + 1)
                    )
            except Exception as error:  # away or slow: never fail a request for it
                self.ready = False
                self._away(error)
            else:
                return decide(limited, ahead, ttl, rate=rate, unit=US)
        if self._reconnecting is None:
            self._reconnecting = asyncio.create_task(self._reconnect(), name="rate-limit-redis")
        return self.local.take_now(key, rate)

    async def start(self, namespace: str = "") -> None:
        """Connect, waiting at most ``SHARED_CONNECT_SECONDS`` (requests retry when it fails).
        ``namespace`` (the bus's ``inbound:<cluster id>:``) keeps two deployments sharing one
        Redis from sharing limits."""
        if namespace:
            self.store.prefix = namespace + "rl:"
        await self._connect()

    async def close(self) -> None:
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            await asyncio.gather(self._reconnecting, return_exceptions=True)
        await self.store.close()

    async def _connect(self) -> bool:
        try:
            async with asyncio.timeout(SHARED_CONNECT_SECONDS):
                await self.store.connect()
        except Exception as error:
            self._away(error)
            return False
        if self._away_logged:
            self._away_logged = False
            log.warning("Redis is back: rate limits are shared by every process again")
        self.ready = True
        return True

    async def _reconnect(self) -> None:
        try:
            while True:
                await asyncio.sleep(SHARED_SKIP_SECONDS)
                if await self._connect():
                    return
        finally:
            self._reconnecting = None

    def _away(self, error: Exception) -> None:
        if not self._away_logged:
            self._away_logged = True
            log.warning("Redis is away (%r): rate limits count in each process meanwhile", error)


_reported: ContextVar[Decision | None] = ContextVar("rate_limit_reported", default=None)


def reported() -> Decision | None:
    """The decision this request's response reports in its headers, if any limit applied."""
    return _reported.get()


def report(decision: Decision | None) -> None:
    _reported.set(decision)


class RateLimits:
    """``RateLimitSettings`` applied: the client limit and the per-hook limit."""

    def __init__(self, limiter: Limiter | None = None) -> None:
        self.limiter: Limiter = limiter or MemoryLimiter()

    @classmethod
    def for_redis(cls, redis_url: str) -> RateLimits:
        """Shared by every process through Redis; in this process's memory without a URL."""
        return cls(SharedLimiter(RedisLimits(redis_url)) if redis_url else None)

    async def start(self, namespace: str = "") -> None:
        await self.limiter.start(namespace)

    async def close(self) -> None:
        await self.limiter.close()

    async def check_client(self, settings: RateLimitSettings, key: str) -> Decision:
        """Count a request from the client ``key`` (see ``web.rate_limit.client_key``)."""
        rate = Rate(settings.per_sec, settings.max_burst)
        decision = await self.limiter.take("client:" + key, rate)
        report(decision)
        return decision

    async def check_hook(self, settings: RateLimitSettings, hook: IncomingHook) -> None:
        """Count a request to ``hook``; 429 when it is over its limit. Nothing when disabled."""
        if not settings.enable:
            return
        rate = Rate(
            hook.rate_limit_per_sec or settings.incoming_webhook_per_sec,
            hook.rate_limit_burst or settings.incoming_webhook_max_burst,
        )
        decision = await self.limiter.take("hook:" + hook.id, rate)
        current = _reported.get()
        if current is None or decision.limited or decision.remaining < current.remaining:
            report(decision)
        if decision.limited:
            raise RateLimitedError(
                "web.incoming_webhook.rate_limited.app_error",
                f"This webhook accepts {rate.per_sec} requests a second (bursts of "
                f"{rate.burst + 1}); slow down.",
                retry_after=decision.retry_after_seconds,
            )
