"""Domain events as bytes, so they can cross to the other processes (``services/event_relay.py``).

JSON with the event's class name and its fields; the models inside (``Channel``, ``Post`` with its
``reactions``, ``Reaction``, ``Preference``) are written whole, every field, by orjson. Decoding
builds the same dataclasses back: what a listener gets from another process is what it would have
got here. An unknown event name or a malformed message raises ``ValueError``.
"""

from __future__ import annotations

from typing import Any

import orjson

from inbound.models import Channel, Post, Preference, Reaction
from inbound.services.events import (
    ChannelUpdated,
    ChannelViewed,
    DomainEvent,
    PostDeleted,
    PostEdited,
    PostsCreated,
    PreferencesChanged,
    PreferencesDeleted,
    ReactionAdded,
    ReactionRemoved,
)

EVENT_TYPES: dict[str, type[DomainEvent]] = {
    kind.__name__: kind
    for kind in (
        PostsCreated,
        PostEdited,
        PostDeleted,
        ReactionAdded,
        ReactionRemoved,
        ChannelViewed,
        ChannelUpdated,
        PreferencesChanged,
        PreferencesDeleted,
    )
}


def encode_event(event: DomainEvent) -> bytes:
    return orjson.dumps({"event": type(event).__name__, "fields": event})


def decode_event(data: bytes) -> DomainEvent:
    try:
        message = orjson.loads(data)
        kind = EVENT_TYPES[message["event"]]
        fields = {name: _decode_field(name, value) for name, value in message["fields"].items()}
        return kind(**fields)
    except (KeyError, TypeError, AttributeError, orjson.JSONDecodeError) as error:
        raise ValueError(f"not a domain event: {error!r}") from error


def _decode_field(name: str, value: Any) -> Any:
    """Event fields are named after what they hold, the same in every event."""
    match name:
        case "channel":
            return Channel(**value)
        case "post":
            return _post(value)
        case "posts":
            return tuple(_post(item) for item in value)
        case "reaction":
            return Reaction(**value)
        case "preferences":
            return tuple(Preference(**item) for item in value)
        case "notified":
            return tuple(value)
        case _:
            return value


def _post(value: dict[str, Any]) -> Post:
    reactions = [Reaction(**item) for item in value.pop("reactions", ())]
    return Post(**value, reactions=reactions)
