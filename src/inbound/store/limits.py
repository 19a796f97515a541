"""Rate limits' state in Redis, shared by every process (``INBOUND_REDIS_URL``).

One GCRA step per request, done atomically in Redis by a Lua script (one round trip for all the
requests waiting at that moment): the same formula as ``services.rate_limit.MemoryLimiter``, in
microseconds (Lua's numbers are doubles, exact to 2^53: microseconds since 1970 fit, nanoseconds
do not). The clock is Redis's own
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
SOCKET_TIMEOUT_SECONDS = 1.0  # a batch Redis never answers fails after this (requests do sooner)
MAX_CONNECTIONS = 4
MAX_BATCH = 256

# KEYS: the keys; ARGV[1] "now" in µs ("" → Redis's TIME), then each key's interval and
# tolerance in µs. Returns {limited, tat - now, ttl} for each key in turn, as
# MemoryLimiter.take_now computes them before its step (a key named twice is stepped twice).
GCRA = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local out = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local tolerance = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', key)) or now
  if tat < now then tat = now end
  local ttl = tat + interval - now
  local limited = 1
  if ttl <= tolerance then
    limited = 0
    redis.call('SET', key, string.format('%d', tat + interval), 'PX', math.ceil(ttl / 1000) + 1)
  end
  out[#out + 1] = limited
  out[#out + 1] = tat - now
  out[#out + 1] = ttl
end
return out
"""

Step = tuple[bool, int, int]  # limited, µs the schedule runs ahead of now, that plus an interval
Pending = tuple[str, int, int, "asyncio.Future[Step]"]


class RedisLimits:
    """A Redis client for the limits. Requests made while a batch is in flight go together in
    the next one: one script call, one round trip, however many requests are waiting."""

    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        import redis.asyncio as redis

        self.prefix = prefix
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            timeout=None,  # waiting for a free connection: the caller bounds it
        )
        self._client: Any = redis.Redis.from_pool(pool)  # closing the client closes the pool
        self._gcra = self._client.register_script(GCRA)
        self._waiting: list[Pending] = []
        self._sender: asyncio.Task[None] | None = None

    async def take(self, key: str, *, interval_us: int, tolerance_us: int) -> Step:
        """One GCRA step for ``key`` on Redis's clock, in the next batch."""
        future: asyncio.Future[Step] = asyncio.get_running_loop().create_future()
        self._waiting.append((self.prefix + key, interval_us, tolerance_us, future))
        if self._sender is None:
            self._sender = asyncio.create_task(self._send(), name="rate-limit-batches")
        return await future

    async def take_many(
        self, steps: list[tuple[str, int, int]], *, now_us: int | None = None
    ) -> list[Step]:
        """GCRA steps for (key, interval µs, tolerance µs), in order, in one script call."""
        args: list[int | str] = ["" if now_us is None else now_us]
        for _key, interval, tolerance in steps:
            args += (interval, tolerance)
        flat = await self._gcra(keys=[key for key, _, _ in steps], args=args)
        return [(bool(flat[i]), int(flat[i + 1]), int(flat[i + 2])) for i in range(0, len(flat), 3)]

    async def _send(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                await self._send_batch(batch)
        finally:
            self._sender = None

    async def _send_batch(self, batch: list[Pending]) -> None:
        try:
            steps = await self.take_many([(key, i, t) for key, i, t, _ in batch])
        except Exception as error:
            for *_, future in batch:
                if not future.done():  # done: its request gave up waiting
                    future.set_exception(error)
            return
        for (*_, future), step in zip(batch, steps, strict=True):
            if not future.done():
                future.set_result(step)

    async def connect(self) -> None:
        """Open the pool's connections and load the script, so requests find them ready."""
        await asyncio.gather(*(self._client.ping() for _ in range(MAX_CONNECTIONS)))
        await self._client.script_load(GCRA)

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            await asyncio.gather(self._sender, return_exceptions=True)
        await self._client.aclose()
