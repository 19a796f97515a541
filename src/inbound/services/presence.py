"""Presence: who is online (Mattermost's ``online`` / ``offline``), derived, never stored.

inbound keeps no status table. A user is ``online`` while they hold an open websocket to this
process, or for ``ONLINE_MS`` after their last authenticated API request to it; otherwise
``offline``. ``away``, ``dnd`` and manual statuses do not exist here (``manual`` is always
false). The activity map lives in memory, per process, bounded to ``CAPACITY`` users (the
least recently active are forgotten first), so after a restart everyone is offline until they
come back, and in a cluster a user connected to another node reads as offline here.

Statuses are not secret in Mattermost (any session may ask for any id, and unknown ids are
``offline``); inbound only hides the activity of users the caller may not see (no shared team
or channel): they read as ``offline``, like an unknown id.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from inbound.models import now_ms

ONLINE, OFFLINE = "online", "offline"
ONLINE_MS = 5 * 60_000  # Mattermost's UserStatusAwayTimeout default: 300 s
CAPACITY = 100_000


@dataclass(frozen=True)
class UserStatus:
    user_id: str
    status: str
    last_activity_at: int = 0  # ms; 0 when this process has not seen the user


class Presence:
    """Who is connected or recently active, in this process."""

    def __init__(self, *, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._sockets: Counter[str] = Counter()
        self._last: OrderedDict[str, int] = OrderedDict()

    def active(self, user_id: str, at: int | None = None) -> None:
        """The user did something just now (an authenticated request)."""
        self._last[user_id] = now_ms() if at is None else at
        self._last.move_to_end(user_id)
        while len(self._last) > self.capacity:
            self._last.popitem(last=False)

    @contextmanager
    def connected(self, user_id: str) -> Iterator[None]:
        """Online for as long as the block runs (an open websocket)."""
        self._sockets[user_id] += 1
        self.active(user_id)
        try:
            yield
        finally:
            self._sockets[user_id] -= 1
            if self._sockets[user_id] <= 0:
                del self._sockets[user_id]
            self.active(user_id)

    def status(self, user_id: str, now: int) -> UserStatus:
        last = self._last.get(user_id, 0)
        if user_id in self._sockets or (last and now - last < ONLINE_MS):
            return UserStatus(user_id, ONLINE, last)
        return UserStatus(user_id, OFFLINE, last)

    def known(self, user_id: str) -> bool:
        return user_id in self._last or user_id in self._sockets
