"""Rate limits in Redis (``store.limits`` + ``SharedLimiter``): the Lua script decides exactly as
the in-memory GCRA does, keys expire, and Redis away or slow costs a request nothing."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from inbound.models import new_id
from inbound.runtime import Runtime
from inbound.services import rate_limit
from inbound.services.rate_limit import (
    NS,
    US,
    Decision,
    MemoryLimiter,
    Rate,
    RateLimits,
    SharedLimiter,
    decide,
)
from inbound.settings import Settings
from inbound.store.limits import RedisLimits

REDIS_URL = "redis://127.0.0.1:6379/14"
DEAD_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
T = TypeVar("T")


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


def with_store(url: str, work: Callable[[RedisLimits], Awaitable[T]]) -> T:
    async def run() -> T:
        store = RedisLimits(url, prefix=f"inbound:rl:test-{new_id()}:")
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def shown(decision: Decision) -> tuple[object, ...]:
    """What a client sees of a decision: status, headers, Retry-After."""
    retry = decision.retry_after_seconds if decision.limited else None
    return decision.limited, decision.headers(), retry


def sequence() -> list[tuple[int, str, Rate]]:
    """(µs to wait, key, rate): bursts, waits just under and over an interval, several keys.
    Rates divide a second into whole microseconds, and intervals stay long (≥ 0.2 s) so the
    keys' real expiry never overtakes the fake clock."""
    pick = random.Random(1234)
    rates = {"a": Rate(1, 2), "b": Rate(5, 0), "c": Rate(2, 9), "d": Rate(4, 1)}
    waits = [0] * 12 + [1, 199_999, 200_000, 250_000, 499_999, 500_000, 1_000_000, 3_000_001]
    steps = []
    for _ in range(400):
        key = pick.choice(sorted(rates))
        steps.append((pick.choice(waits), key, rates[key]))
    return steps


def batches() -> list[tuple[int, list[tuple[str, Rate]]]]:
    """``sequence()`` with the requests made at one instant together."""
    grouped: list[tuple[int, list[tuple[str, Rate]]]] = []
    for wait, key, rate in sequence():
        if wait or not grouped:
            grouped.append((wait, []))
        grouped[-1][1].append((key, rate))
    return grouped


@needs_redis
def test_the_lua_script_decides_as_the_memory_limiter_does() -> None:
    """The same (time, request) sequence through both; requests at one instant go to Redis as
    one batch, as concurrent requests do."""
    now_us = 1_700_000_000_000_000  # microseconds since 1970: beyond nanoseconds' exact range
    memory = MemoryLimiter(clock=lambda: now_us * 1000)

    async def compare(store: RedisLimits) -> int:
        nonlocal now_us
        limited = 0
        for wait, batch in batches():
            now_us += wait
            expected = [memory.take_now(key, rate) for key, rate in batch]
            steps = [(k, US // r.per_sec, US // r.per_sec * (r.burst + 1)) for k, r in batch]
            got = await store.take_many(steps, now_us=now_us)
            for (_, rate), step, want in zip(batch, got, expected, strict=True):
                decision = decide(*step, rate=rate, unit=US)
                assert shown(decision) == shown(want), (now_us, batch)
                assert decision.reset_after == pytest.approx(want.reset_after, abs=1e-9)
                assert decision.retry_after == pytest.approx(want.retry_after, abs=1e-9)
                limited += decision.limited
        return limited

    assert with_store(REDIS_URL, compare) > 40  # the sequence does reach the limits


@needs_redis
def test_concurrent_requests_are_counted_one_by_one() -> None:
    async def scenario(store: RedisLimits) -> list[tuple[bool, int]]:
        rate = Rate(1, 4)
        shared = SharedLimiter(store)
        await shared.start()
        decisions = await asyncio.gather(*(shared.take("k", rate) for _ in range(8)))
        return [(d.limited, d.remaining) for d in decisions]

    assert (
        with_store(REDIS_URL, scenario) == [(False, n) for n in range(4, -1, -1)] + [(True, 0)] * 3
    )


def test_decide_matches_take_now_in_nanoseconds() -> None:
    memory = MemoryLimiter(clock=lambda: 5 * NS)
    rate = Rate(3, 1)
    for _ in range(3):
        expected = memory.take_now("k", rate)
        tat = memory._tats["k"] - (0 if expected.limited else NS // 3)
        ahead = tat - 5 * NS
        assert decide(expected.limited, ahead, ahead + NS // 3, rate=rate, unit=NS) == expected


@needs_redis
def test_keys_expire_once_the_burst_is_whole_again() -> None:
    async def scenario(store: RedisLimits) -> tuple[list[bool], int, int]:
        steps = [await store.take("k", interval_us=100_000, tolerance_us=300_000) for _ in range(4)]
        client = store._client
        ttl_ms = await client.pttl(store.prefix + "k")
        await asyncio.sleep(0.35)
        return [s[0] for s in steps], ttl_ms, await client.exists(store.prefix + "k")

    limited, ttl_ms, exists = with_store(REDIS_URL, scenario)
    assert limited == [False, False, False, True]  # Redis's own clock: 3 at once
    assert 0 < ttl_ms <= 301
    assert exists == 0


class FlakyStore:
    """A stand-in for ``RedisLimits``: fails, hangs, or answers as an empty key would."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.calls = 0

    async def connect(self) -> None:
        if self.mode == "fail":
            raise ConnectionError("refused")

    async def take(self, key: str, *, interval_us: int, tolerance_us: int) -> tuple[bool, int, int]:
        self.calls += 1
        if self.mode == "fail":
            raise ConnectionError("refused")
        if self.mode == "hang":
            await asyncio.sleep(10)
        return False, 0, interval_us

    async def close(self) -> None:
        return None


@pytest.mark.parametrize("mode", ["fail", "hang"])
def test_redis_away_or_slow_counts_here_and_is_left_alone_until_it_is_back(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rate_limit, "SHARED_SKIP_SECONDS", 0.2)
    store = FlakyStore("ok")
    shared = SharedLimiter(store)  # type: ignore[arg-type]
    rate = Rate(1, 1)

    async def scenario() -> tuple[list[bool], float, bool, int]:
        loop = asyncio.get_running_loop()
        await shared.start()
        store.mode = mode
        started = loop.time()
        limited = [(await shared.take("k", rate)).limited for _ in range(3)]
        took = loop.time() - started
        calls = store.calls
        store.mode = "ok"
        await asyncio.sleep(0.3)  # the retry connects again
        await shared.take("k", rate)
        await shared.close()
        return limited, took, shared.ready, calls

    limited, took, ready, calls = asyncio.run(scenario())
    assert limited == [False, False, True]  # counted in this process: burst 1 → 2 at once
    assert calls == 1  # the first failure: Redis left alone after it
    assert took < 0.5  # a hang costs one request the timeout (~50 ms), the others nothing
    assert ready and store.calls == 2  # back: asked again


def test_without_start_requests_count_here_until_connected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "SHARED_SKIP_SECONDS", 0.05)
    store = FlakyStore("ok")
    shared = SharedLimiter(store)  # type: ignore[arg-type]

    async def scenario() -> tuple[int, bool, int]:
        first = await shared.take("k", Rate(1, 1))
        await asyncio.sleep(0.2)
        await shared.take("k", Rate(1, 1))
        await shared.close()
        return first.remaining, shared.ready, store.calls

    assert asyncio.run(scenario()) == (1, True, 1)


@needs_redis
def test_redis_url_shares_the_limits_and_none_keeps_them_in_memory(tmp_path: Path) -> None:
    async def limiters() -> list[tuple[type, bool]]:
        url = f"sqlite:///{tmp_path}/x.db"
        kinds = []
        for redis_url in (REDIS_URL, ""):
            runtime = Runtime(Settings(database_url=url, redis_url=redis_url))
            await runtime.start()
            limiter = runtime.context.rate_limits.limiter
            kinds.append((type(limiter), getattr(limiter, "ready", False)))
            await runtime.stop()
        return kinds

    assert asyncio.run(limiters()) == [(SharedLimiter, True), (MemoryLimiter, False)]


def test_a_dead_redis_limits_in_this_process() -> None:
    async def scenario(store: RedisLimits) -> list[bool]:
        limits = RateLimits(SharedLimiter(store))
        await limits.start()
        return [(await limits.limiter.take("k", Rate(1, 2))).limited for _ in range(4)]

    assert with_store(DEAD_URL, scenario) == [False, False, False, True]
