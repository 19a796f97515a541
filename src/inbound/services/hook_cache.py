"""Resolved hooks by key, kept in memory so the hot path skips three lookups per request.

Entries are dropped at once when a hook, its channel or its creator changes through this
process (``Server.hooks_changed``), and refreshed every ``TTL_SECONDS`` to see changes made
elsewhere (the CLI, another node; the server's change poller also clears the cache on those).
One lookup per key runs at a time: when an entry expires under load, the requests that find it
stale keep using it while a single refresh runs, instead of all querying the database at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from inbound.models import Channel, IncomingHook, User

TTL_SECONDS = 2.0


@dataclass(frozen=True)
class ResolvedHook:
    hook: IncomingHook
    creator: User | None
    channel: Channel | None  # the hook's own channel (None when it is gone)


Loader = Callable[[str], Awaitable[ResolvedHook]]


@dataclass
class HookCache:
    ttl: float = TTL_SECONDS
    _entries: dict[str, tuple[float, ResolvedHook]] = field(default_factory=dict)
    _loading: dict[str, asyncio.Future[ResolvedHook]] = field(default_factory=dict)

    async def get(self, key: str, load: Loader) -> ResolvedHook:
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        if entry is not None and key in self._loading:
            return entry[1]  # a refresh is under way: this request may use the last answer
        pending = self._loading.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        return await self._load(key, load)

    async def _load(self, key: str, load: Loader) -> ResolvedHook:
        future: asyncio.Future[ResolvedHook] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        generation = id(self._entries)
        try:
            resolved = await load(key)
        except BaseException as error:
            self._entries.pop(key, None)
            future.set_exception(error)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it twice
            raise
        finally:
            self._loading.pop(key, None)
        if generation == id(self._entries):  # not cleared while loading
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.ttl, resolved)
        future.set_result(resolved)
        return resolved

    def clear(self) -> None:
        """Forget everything now (a new dict, so loads already under way are not stored)."""
        self._entries = {}
