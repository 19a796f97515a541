"""Resolved hooks by key, kept in memory so the hot path skips three lookups per request.

Entries live for a short TTL and are dropped at once when a hook, its channel or its creator
changes through this process (``Server.hooks_changed``). Changes made elsewhere (the CLI,
another node) are seen within the TTL, or sooner through the server's change poller.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from inbound.models import Channel, IncomingHook, User

TTL_SECONDS = 2.0


@dataclass(frozen=True)
class ResolvedHook:
    hook: IncomingHook
    creator: User | None
    channel: Channel | None  # the hook's own channel (None when it is gone)


@dataclass
class HookCache:
    ttl: float = TTL_SECONDS
    _entries: dict[str, tuple[float, ResolvedHook]] = field(default_factory=dict)

    def get(self, key: str) -> ResolvedHook | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, resolved: ResolvedHook) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl, resolved)

    def clear(self) -> None:
        self._entries.clear()
