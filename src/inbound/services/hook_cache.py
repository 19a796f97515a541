"""Resolved hooks by key, kept in memory so the hot path skips three lookups per request.

Entries are dropped at once when their hook, channel, creator or team changes (``forget``
follows the change stream, ``inbound.services.changes``), and refreshed every ``TTL_SECONDS`` as
a safety net; a change made elsewhere (the CLI, another process) arrives as ``ChangedElsewhere``
and drops everything.
One lookup per key runs at a time: when an entry expires under load, the requests that find it
stale keep using it while a single refresh runs, instead of all querying the database at once.

Unknown keys are cheap: a key the database did not know is remembered as unknown for
``MISSING_TTL_SECONDS`` (a deleted hook that a cron job still calls costs one read, not one per
call), and each client address may cause at most ``MISS_BURST`` lookups of keys the cache does
not know, refilled at ``MISS_PER_SEC`` (a flood of random keys costs a few reads, then none).
Keys are random and made by the server, so a key answered "unknown" cannot become valid later
unless a hook changes, which clears everything. A key that was a working hook when the cache
was last cleared is looked up again free of charge (once): a sender whose address also made
typos keeps working through a change made elsewhere.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from inbound.models import Channel, IncomingHook, User
from inbound.services.changes import (
    Change,
    ChangedElsewhere,
    ChannelChanged,
    HookChanged,
    TeamChanged,
    UserChanged,
)

TTL_SECONDS = 2.0
MISSING_TTL_SECONDS = 60.0
MAX_ENTRIES = 10_000
MAX_MISSING = 50_000
MAX_ADDRESSES = 10_000
MISS_BURST = 20.0
MISS_PER_SEC = 2.0


class TooManyMissesError(Exception):
    """This address has looked up too many unknown keys lately: no database read for it."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("too many unknown webhook keys from this address")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ResolvedHook:
    hook: IncomingHook
    creator: User | None
    channel: Channel | None  # the hook's own channel (None when it is gone)


Loader = Callable[[str], Awaitable[ResolvedHook | None]]  # None: no hook has this key


@dataclass
class HookCache:
    ttl: float = TTL_SECONDS
    _entries: dict[str, tuple[float, ResolvedHook]] = field(default_factory=dict)
    _loading: dict[str, asyncio.Future[ResolvedHook | None]] = field(default_factory=dict)
    _missing: dict[str, float] = field(default_factory=dict)  # key → unknown until
    _budgets: dict[str, tuple[float, float]] = field(default_factory=dict)  # address → (tokens, at)
    missing_ttl: float = MISSING_TTL_SECONDS
    _generation: int = 0  # moves on every forget: a load under way then stores nothing
    _known_before: set[str] = field(default_factory=set)  # valid keys the last clear dropped

    async def get(self, key: str, load: Loader, *, address: str = "") -> ResolvedHook | None:
        """The hook for ``key``, or ``None`` when no hook has it (answered from memory when
        it was asked lately). Raises ``TooManyMissesError`` for an address over its miss budget."""
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        if entry is not None and key in self._loading:
            return entry[1]  # a refresh is under way: this request may use the last answer
        if self._missing.get(key, 0.0) > now:
            return None
        pending = self._loading.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        charged = entry is None and bool(address) and key not in self._known_before
        self._known_before.discard(key)
        if charged:
            self._spend_miss(address, now)
        try:
            resolved = await self._load(key, load)
        except BaseException:
            if charged:  # the database failed: no verdict on the key, nothing to charge
                self.refund_miss(address)
            raise
        if charged and resolved is not None:
            self.refund_miss(address)
        return resolved

    def _spend_miss(self, address: str, now: float) -> None:
        """One lookup of a key this process does not hold, charged to ``address``."""
        tokens, at = self._budgets.pop(address, (MISS_BURST, now))
        tokens = min(MISS_BURST, tokens + (now - at) * MISS_PER_SEC)
        if len(self._budgets) >= MAX_ADDRESSES:
            self._budgets.pop(next(iter(self._budgets)))  # the least recently seen
        if tokens < 1.0:
            self._budgets[address] = (tokens, now)
            raise TooManyMissesError(retry_after=(1.0 - tokens) / MISS_PER_SEC)
        self._budgets[address] = (tokens - 1.0, now)

    def refund_miss(self, address: str) -> None:
        """The key was a real hook after all: lookups of valid keys cost the address nothing."""
        tokens, at = self._budgets.get(address, (MISS_BURST, time.monotonic()))
        self._budgets[address] = (min(MISS_BURST, tokens + 1.0), at)

    async def _load(self, key: str, load: Loader) -> ResolvedHook | None:
        future: asyncio.Future[ResolvedHook | None] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        generation = self._generation
        try:
            resolved = await load(key)
        except BaseException as error:
            # The last answer stays (a database outage does not forget working hooks); the
            # next request past its time tries again. A lookup cancelled with the request that
            # ran it (its deadline passed) fails the waiters as a timeout, not as their own
            # cancellation.
            shared = (
                TimeoutError("the hook lookup did not finish in time")
                if isinstance(error, asyncio.CancelledError)
                else error
            )
            future.set_exception(shared)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it twice
            raise
        finally:
            self._loading.pop(key, None)
        if generation == self._generation:  # nothing was forgotten while loading
            self._remember(key, resolved)
        future.set_result(resolved)
        return resolved

    def _remember(self, key: str, resolved: ResolvedHook | None) -> None:
        if resolved is None:
            if len(self._missing) >= MAX_MISSING:
                self._missing.pop(next(iter(self._missing)))  # the oldest
            self._missing[key] = time.monotonic() + self.missing_ttl
            return
        if len(self._entries) > MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl, resolved)

    def clear(self) -> None:
        """Forget everything now (loads already under way store nothing)."""
        self._generation += 1
        if len(self._known_before) + len(self._entries) > MAX_ENTRIES:
            self._known_before = set()
        self._known_before.update(self._entries)
        self._entries = {}
        self._missing = {}

    def forget(self, change: Change) -> None:
        """Drop the entries ``change`` may have made wrong; other changes leave the cache be."""
        if isinstance(change, ChangedElsewhere):
            self.clear()
            return
        if not isinstance(change, HookChanged | ChannelChanged | UserChanged | TeamChanged):
            return
        self._generation += 1
        self._missing = {}  # cheap to relearn; a key's verdict may depend on what changed
        stale = [key for key, (_, entry) in self._entries.items() if _depends(entry, change)]
        for key in stale:
            del self._entries[key]


def _depends(entry: ResolvedHook, change: Change) -> bool:
    hook = entry.hook
    match change:
        case HookChanged(hook_id):
            return hook.id == hook_id
        case ChannelChanged(channel_id):
            return channel_id == hook.channel_id or (
                entry.channel is not None and entry.channel.id == channel_id
            )
        case UserChanged(user_id):
            return hook.user_id == user_id
        case TeamChanged(team_id):
            return hook.team_id == team_id
    return True
