"""Domain events as the Mattermost websocket messages clients get (``posted``, ``reaction_added``…).

Mattermost's shapes, kept exactly: ``post`` and ``mentions`` are JSON strings inside ``data``, and
``broadcast`` names who may hear the message. Each message is encoded once, whatever the number of
connections; a connection only appends its own ``seq``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, assert_never

import orjson

from inbound.models import Post, Reaction
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
from inbound.web import wire


@dataclass(frozen=True)
class LiveMessage:
    head: str  # the message's JSON object without its closing brace (``seq`` comes last)
    channel_id: str = ""  # only for those who may read this channel
    user_id: str = ""  # only for this user

    def encode(self, seq: int) -> str:
        return f'{self.head},"seq":{seq}}}'


def live_message(
    event: str, data: dict[str, Any], *, channel_id: str = "", team_id: str = "", user_id: str = ""
) -> LiveMessage:
    broadcast = {
        "omit_users": None,
        "user_id": user_id,
        "channel_id": channel_id,
        "team_id": team_id,
    }
    message = {"event": event, "data": data, "broadcast": broadcast}
    head = orjson.dumps(message).decode()[:-1]
    return LiveMessage(head, channel_id=channel_id, user_id=user_id)


def messages_for(event: DomainEvent) -> list[LiveMessage]:
    match event:
        case PostsCreated():
            return [_posted(event, post) for post in event.posts]
        case PostEdited():
            return [_post_message("post_edited", event.post)]
        case PostDeleted():
            return [_post_message("post_deleted", event.post)]
        case ReactionAdded():
            return [_reaction_message("reaction_added", event.reaction)]
        case ReactionRemoved():
            return [_reaction_message("reaction_removed", event.reaction)]
        case ChannelViewed():
            data = {"channel_id": event.channel_id}
            return [live_message("channel_viewed", data, user_id=event.user_id)]
        case ChannelUpdated():
            channel = orjson.dumps(wire.channel_json(event.channel)).decode()
            return [
                live_message("channel_updated", {"channel": channel}, channel_id=event.channel.id)
            ]
        case PreferencesChanged():
            return [_preferences_message("preferences_changed", event)]
        case PreferencesDeleted():
            return [_preferences_message("preferences_deleted", event)]
        case _:
            assert_never(event)


def _posted(event: PostsCreated, post: Post) -> LiveMessage:
    channel = event.channel
    data = {
        "channel_id": channel.id,
        "channel_name": channel.name,
        "channel_type": channel.type,
        "channel_display_name": channel.display_name,
        "post": orjson.dumps(wire.post_json(post)).decode(),
        "sender_name": event.sender_name,
        "set_online": not event.from_hook,
        "team_id": channel.team_id,
    }
    if event.notified:  # Mattermost sends the key only when someone is mentioned
        data["mentions"] = orjson.dumps(event.notified).decode()
    return live_message("posted", data, channel_id=channel.id, team_id=channel.team_id)


def _post_message(name: str, post: Post) -> LiveMessage:
    data = {"post": orjson.dumps(wire.post_json(post)).decode()}
    return live_message(name, data, channel_id=post.channel_id)


def _reaction_message(name: str, reaction: Reaction) -> LiveMessage:
    data = {"reaction": orjson.dumps(wire.reaction_json(reaction)).decode()}
    return live_message(name, data, channel_id=reaction.channel_id)


def _preferences_message(name: str, event: PreferencesChanged | PreferencesDeleted) -> LiveMessage:
    found = [wire.preference_json(p) for p in event.preferences]
    data = {"preferences": orjson.dumps(found).decode()}
    return live_message(name, data, user_id=event.user_id)


class Translation:
    """The messages of the latest event. The hub calls every connection's listener in turn with
    the same event, so remembering only the last one encodes each event once. (One tuple, read
    once: apps in other threads may share it and only cost each other a re-encoding.)"""

    def __init__(self) -> None:
        self._last: tuple[DomainEvent, Sequence[LiveMessage]] | None = None

    def messages(self, event: DomainEvent) -> Sequence[LiveMessage]:
        last = self._last
        if last is None or last[0] is not event:
            last = (event, messages_for(event))
            self._last = last
        return last[1]
