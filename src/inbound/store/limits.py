"""Rate limits' state in Redis, shared by every process (``INBOUND_REDIS_URL``).

One GCRA step per request, done atomically in Redis by a Lua script (one round trip): the same
formula as ``services.rate_limit.MemoryLimiter``, in microseconds (Lua's numbers are doubles,
exact to 2^53: microseconds since 1970 fit, nanoseconds do not). The clock is Redis's own
(``TIME``), so processes on machines whose clocks disagree still count as one. Only the
theoretical arrival time is kept, under ``inbound:rl:<key>``, and it expires once it is in the
past (an expired key and an idle one mean the same: a whole burst).

This module only talks to Redis: what to do when Redis is away (count in this process) is the
service's choice.
"""

from __future__ import annotations

import asyncio
from typing import Any

PREFIX = "inbound:rl:"
CONNECT_TIMEOUT_SECONDS = 1.0
MAX_CONNECTIONS = 8

# KEYS[1] the key; ARGV: interval and tolerance (µs), and "now" in µs ("" → Redis's TIME).
# Returns {limited, tat - now, ttl}: as MemoryLimiter.take_now computes them, before the step.
GCRA = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local ttl = tat + interval - now
if ttl > tolerance then
  return {1, tat - now, ttl}
end
redis.call('SET', KEYS[1], string.format('%d', tat + interval), 'PX', math.ceil(ttl / 1000) + 1)
return {0, tat - now, ttl}
"""


class RedisLimits:
    """A Redis client for the limits; connects on first use, at most ``MAX_CONNECTIONS``."""

    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        import redis.asyncio as redis

        self.prefix = prefix
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            timeout=None,  # waiting for a free connection: the caller bounds it
        )
        self._client: Any = redis.Redis.from_pool(pool)  # closing the client closes the pool
        self._gcra = self._client.register_script(GCRA)

    async def take(
        self, key: str, *, interval_us: int, tolerance_us: int, now_us: int | None = None
    ) -> tuple[bool, int, int]:
        """One GCRA step for ``key``: (limited, µs the schedule runs ahead, ttl in µs)."""
        args = (interval_us, tolerance_us, "" if now_us is None else now_us)
        limited, ahead, ttl = await self._gcra(keys=(self.prefix + key,), args=args)
        return bool(limited), int(ahead), int(ttl)

    async def connect(self) -> None:
        """Open every connection of the pool and load the script, so requests find them ready."""
        await asyncio.gather(*(self._client.ping() for _ in range(MAX_CONNECTIONS)))
        await self._client.script_load(GCRA)

    async def close(self) -> None:
        await self._client.aclose()
