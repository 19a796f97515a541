"""What happened, as domain events, fanned out to this process's listeners (the websocket).

Services say what happened in their own nouns; the web layer (``inbound.web.live``) decides what
clients see of it, so the services know nothing of Mattermost's websocket shapes. The hub only
knows its own subscribers: nothing crosses to other processes yet.
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

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self.listeners.add(listener)
        return lambda: self.listeners.discard(listener)

    def publish(self, event: DomainEvent) -> None:
        for listener in list(self.listeners):
            listener(event)
