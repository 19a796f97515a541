"""Live events (Mattermost websocket shapes) fanned out to connected clients in this process.

A cluster relays these through Redis (see ``inbound.services.cluster``); this hub only knows its
own subscribers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    event: str
    data: dict[str, Any]
    channel_id: str = ""
    team_id: str = ""
    user_id: str = ""  # only this user (e.g. channel_viewed)
    omit_users: frozenset[str] = frozenset()

    def to_message(self, seq: int) -> dict[str, Any]:
        return {
            "event": self.event,
            "data": self.data,
            "broadcast": {
                "omit_users": {u: True for u in self.omit_users} or None,
                "user_id": self.user_id,
                "channel_id": self.channel_id,
                "team_id": self.team_id,
            },
            "seq": seq,
        }


Listener = Callable[[Event], None]


@dataclass
class EventHub:
    listeners: set[Listener] = field(default_factory=set)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self.listeners.add(listener)
        return lambda: self.listeners.discard(listener)

    def publish(self, event: Event) -> None:
        for listener in list(self.listeners):
            listener(event)
