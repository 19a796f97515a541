"""What happened, as domain events, fanned out to this process's listeners (the websocket).

Services say what happened in their own nouns; the web layer (``inbound.web.live``) decides what
clients see of it, so the services know nothing of Mattermost's websocket shapes. With Redis the
hub's ``outbox`` also sends each event to the other processes, and theirs come in through
``deliver`` (``services/event_relay.py``): every process filters for its own clients.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from inbound.models import Channel, Post, Preference, Reaction


@dataclass(frozen=True, eq=False)
class PostsCreated:
    """The posts of one message (a split message has several), after their commit."""

    channel: Channel
    posts: Sequence[Post]
    sender_name: str
    from_hook: bool
    notified: Sequence[str] = ()  # the users whose mention counts moved


@dataclass(frozen=True, eq=False)
class PostEdited:
    post: Post


@dataclass(frozen=True, eq=False)
class PostDeleted:
    post: Post


@dataclass(frozen=True, eq=False)
class ReactionAdded:
    """Told to those who may read the reaction's channel (``reaction.channel_id``)."""

    reaction: Reaction


@dataclass(frozen=True, eq=False)
class ReactionRemoved:
    reaction: Reaction


@dataclass(frozen=True, eq=False)
class ChannelViewed:
    """Only the user who viewed the channel hears of it."""

    user_id: str
    channel_id: str


@dataclass(frozen=True, eq=False)
class ChannelUpdated:
    """A channel's properties (display name, name, header, purpose) changed."""

    channel: Channel


@dataclass(frozen=True, eq=False)
class PreferencesChanged:
    """Only the user whose preferences these are hears of it (their other devices)."""

    user_id: str
    preferences: Sequence[Preference]


@dataclass(frozen=True, eq=False)
class PreferencesDeleted:
    user_id: str
    preferences: Sequence[Preference]


DomainEvent = (
    PostsCreated
    | PostEdited
    | PostDeleted
    | ReactionAdded
    | ReactionRemoved
    | ChannelViewed
    | ChannelUpdated
    | PreferencesChanged
    | PreferencesDeleted
)
Listener = Callable[[DomainEvent], None]


@dataclass
class EventHub:
    listeners: set[Listener] = field(default_factory=set)
    outbox: Listener | None = None  # the other processes (only with Redis)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self.listeners.add(listener)
        return lambda: self.listeners.discard(listener)

    @property
    def heard(self) -> bool:
        """Someone may hear an event: a listener here, or the other processes."""
        return bool(self.listeners) or self.outbox is not None

    def publish(self, event: DomainEvent) -> None:
        """Something happened here: tell this process's listeners and the other processes."""
        self.deliver(event)
        if self.outbox is not None:
            self.outbox(event)

    def deliver(self, event: DomainEvent) -> None:
        """Tell this process's listeners only (an event from another process ends here)."""
        for listener in list(self.listeners):
            listener(event)
