"""The hook cache: one lookup per key at a time, stale answers only while refreshing."""

from __future__ import annotations

import asyncio

import pytest

from inbound.models import IncomingHook
from inbound.services.changes import (
    Change,
    ChangedElsewhere,
    ChannelChanged,
    ConfigChanged,
    HookChanged,
    TeamChanged,
    UserChanged,
)
from inbound.services.hook_cache import (
    MISS_BURST,
    MISS_PER_SEC,
    HookCache,
    ResolvedHook,
    TooManyMissesError,
)


def _resolved(name: str) -> ResolvedHook:
    return ResolvedHook(
        IncomingHook("k" * 26, "c" * 26, "t" * 26, "u" * 26, display_name=name), None, None
    )


class Loader:
    def __init__(self) -> None:
        self.calls = 0
        self.gate = asyncio.Event()
        self.name = "v1"

    async def __call__(self, key: str) -> ResolvedHook:
        self.calls += 1
        await self.gate.wait()
        return _resolved(self.name)


def test_concurrent_misses_share_one_lookup() -> None:
    async def main() -> None:
        cache, load = HookCache(), Loader()
        waiters = [asyncio.create_task(cache.get("key", load)) for _ in range(50)]
        await asyncio.sleep(0)
        load.gate.set()
        results = await asyncio.gather(*waiters)
        assert load.calls == 1 and {r.hook.display_name for r in results} == {"v1"}
        assert (await cache.get("key", load)).hook.display_name == "v1" and load.calls == 1

    asyncio.run(main())


def test_expired_entry_is_served_while_one_refresh_runs() -> None:
    async def main() -> None:
        cache, load = HookCache(ttl=0.0), Loader()
        load.gate.set()
        await cache.get("key", load)
        load.gate.clear()
        load.name = "v2"
        refresh = asyncio.create_task(cache.get("key", load))
        await asyncio.sleep(0)
        stale = await asyncio.gather(*(cache.get("key", load) for _ in range(20)))
        assert {r.hook.display_name for r in stale} == {"v1"} and load.calls == 2
        load.gate.set()
        assert (await refresh).hook.display_name == "v2"

    asyncio.run(main())


def test_clear_forgets_at_once_even_during_a_load() -> None:
    async def main() -> None:
        cache, load = HookCache(), Loader()
        pending = asyncio.create_task(cache.get("key", load))
        await asyncio.sleep(0)
        cache.clear()
        load.gate.set()
        await pending
        load.name = "v2"
        assert (await cache.get("key", load)).hook.display_name == "v2" and load.calls == 2

    asyncio.run(main())


def test_a_failed_lookup_reaches_every_waiter_and_is_not_cached() -> None:
    async def main() -> None:
        cache = HookCache()
        calls = 0

        async def failing(key: str) -> ResolvedHook:
            nonlocal calls
            calls += 1
            await asyncio.sleep(0.01)
            raise LookupError(key)

        results = await asyncio.gather(
            *(cache.get("key", failing) for _ in range(5)), return_exceptions=True
        )
        assert calls == 1 and all(isinstance(r, LookupError) for r in results)
        with pytest.raises(LookupError):
            await cache.get("key", failing)
        assert calls == 2

    asyncio.run(main())


class Unknown:
    """A loader for a database that knows no key but ``known``."""

    def __init__(self, known: str = "") -> None:
        self.calls = 0
        self.known = known

    async def __call__(self, key: str) -> ResolvedHook | None:
        self.calls += 1
        return _resolved("real") if key == self.known else None


def test_an_unknown_key_is_read_once_then_answered_from_memory() -> None:
    async def go() -> None:
        cache, load = HookCache(), Unknown()
        answers = [await cache.get("gone", load, address="1.2.3.4") for _ in range(100)]
        assert answers == [None] * 100 and load.calls == 1
        cache.clear()  # a hook changed: the next ask reads again
        assert await cache.get("gone", load) is None and load.calls == 2

    asyncio.run(go())


def test_an_address_trying_random_keys_runs_out_of_database_reads() -> None:
    async def go() -> None:
        cache, load = HookCache(), Unknown()
        for i in range(int(MISS_BURST)):
            assert await cache.get(f"random{i}", load, address="1.2.3.4") is None
        with pytest.raises(TooManyMissesError) as raised:
            await cache.get("one-more", load, address="1.2.3.4")
        assert 0 < raised.value.retry_after <= 1 / MISS_PER_SEC
        assert load.calls == MISS_BURST  # the refused one cost no read
        # another address is not affected, nor are keys already answered
        assert await cache.get("fresh", load, address="5.6.7.8") is None
        assert await cache.get("random0", load, address="1.2.3.4") is None

    asyncio.run(go())


def test_valid_keys_cost_an_address_nothing() -> None:
    async def go() -> None:
        cache, load = HookCache(ttl=0.0), Unknown(known="real")
        for _ in range(int(MISS_BURST) * 3):
            cache.clear()
            assert await cache.get("real", load, address="1.2.3.4") is not None
        assert await cache.get("typo", load, address="1.2.3.4") is None

    asyncio.run(go())


def test_a_working_key_survives_a_clear_after_its_address_spent_its_misses() -> None:
    """A change made elsewhere clears the cache while the address that sends a working hook
    has also made typos: the working key is still looked up (free), a new typo is refused."""

    async def go() -> None:
        cache, load = HookCache(), Unknown(known="real")
        assert await cache.get("real", load, address="1.2.3.4") is not None
        for i in range(int(MISS_BURST)):
            assert await cache.get(f"typo{i}", load, address="1.2.3.4") is None
        for _ in range(3):  # more clears: still a free lookup each time it was valid
            cache.clear()
            assert await cache.get("real", load, address="1.2.3.4") is not None
        with pytest.raises(TooManyMissesError):
            await cache.get("another-typo", load, address="1.2.3.4")
        cache.clear()
        load.known = ""  # the hook was deleted meanwhile: one free read, then remembered gone
        assert await cache.get("real", load, address="1.2.3.4") is None
        cache.clear()
        with pytest.raises(TooManyMissesError):  # no longer a key known to work
            await cache.get("real", load, address="1.2.3.4")

    asyncio.run(go())


def test_waiters_of_a_cancelled_lookup_get_a_timeout_not_a_cancellation() -> None:
    async def go() -> None:
        cache, load = HookCache(), Loader()  # never finishes until the gate opens
        first = asyncio.create_task(cache.get("key", load))
        await asyncio.sleep(0)
        waiter = asyncio.create_task(cache.get("key", load))
        await asyncio.sleep(0)
        first.cancel()  # the first request's deadline passed
        with pytest.raises(asyncio.CancelledError):
            await first
        with pytest.raises(TimeoutError):
            await waiter

    asyncio.run(go())


def _hook(key: str, *, channel: str, team: str, user: str) -> ResolvedHook:
    return ResolvedHook(IncomingHook(key, channel, team, user), None, None)


FORGETS = [
    pytest.param(HookChanged("a" * 26), {"b" * 26, "c" * 26}, id="hook"),
    pytest.param(ChannelChanged("C" * 26), {"a" * 26, "b" * 26}, id="channel"),
    pytest.param(UserChanged("V" * 26), {"a" * 26}, id="user"),
    pytest.param(TeamChanged("S" * 26), {"a" * 26, "b" * 26}, id="team"),
    pytest.param(ChangedElsewhere(), set(), id="elsewhere"),
    pytest.param(ConfigChanged(1), {"a" * 26, "b" * 26, "c" * 26}, id="config-keeps-all"),
]


@pytest.mark.parametrize(("change", "kept"), FORGETS)
def test_a_change_drops_exactly_the_entries_that_depend_on_it(
    change: Change, kept: set[str]
) -> None:
    hooks = {
        "a" * 26: _hook("a" * 26, channel="D" * 26, team="T" * 26, user="U" * 26),
        "b" * 26: _hook("b" * 26, channel="D" * 26, team="T" * 26, user="V" * 26),
        "c" * 26: _hook("c" * 26, channel="C" * 26, team="S" * 26, user="V" * 26),
    }

    async def load(key: str) -> ResolvedHook:
        return hooks[key]

    async def main() -> set[str]:
        cache = HookCache()
        for key in hooks:
            await cache.get(key, load)
        cache.forget(change)
        calls: set[str] = set()

        async def counting(key: str) -> ResolvedHook:
            calls.add(key)
            return await load(key)

        for key in hooks:
            await cache.get(key, counting)
        return set(hooks) - calls

    assert asyncio.run(main()) == kept


def test_a_load_under_way_when_its_hook_changes_is_not_stored() -> None:
    async def main() -> None:
        cache, load = HookCache(), Loader()
        pending = asyncio.create_task(cache.get("key", load))
        await asyncio.sleep(0)
        cache.forget(HookChanged("k" * 26))
        load.gate.set()
        await pending
        await cache.get("key", load)
        assert load.calls == 2  # the answer read before the change was not kept

    asyncio.run(main())
