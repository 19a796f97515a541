"""Domain events to bytes and back (``services/event_codec.py``): every event type, every field;
what a websocket client gets of the decoded event is exactly what it gets of the original."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbound.models import Channel, Post, Preference, Reaction
from inbound.services.event_codec import EVENT_TYPES, decode_event, encode_event
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
from inbound.web.live import messages_for

CHANNEL = Channel(
    id="c" * 26,
    team_id="t" * 26,
    name="secret",
    display_name="Secret ☂",
    type="P",
    create_at=1,
    update_at=2,
    delete_at=3,
    header="**head**",
    purpose="why",
    creator_id="u" * 26,
    last_post_at=4,
    total_msg_count=5,
)
REACTION = Reaction("u" * 26, "p" * 26, "+1", create_at=7, channel_id="c" * 26)
POST = Post(
    id="p" * 26,
    channel_id="c" * 26,
    user_id="u" * 26,
    message="hey @ann 🎉\n```x```",
    create_at=10,
    update_at=11,
    edit_at=12,
    delete_at=0,
    root_id="r" * 26,
    type="slack_attachment",
    props={
        "from_webhook": "true",
        "override_username": "bot",
        "attachments": [{"fields": [{"title": "a", "short": True}], "color": None, "n": 1.5}],
    },
    hashtags="#tag",
    is_pinned=True,
    metadata={"embeds": [{"type": "message_attachment"}], "priority": {"priority": "urgent"}},
    has_reactions=True,
    hook_id="h" * 26,
    reactions=[REACTION, Reaction("v" * 26, "p" * 26, "smile")],
)
PREFERENCES = (
    Preference("u" * 26, "display_settings", "theme", "{}"),
    Preference("u" * 26, "a", "b"),
)

CASES = [
    pytest.param(
        PostsCreated(CHANNEL, (POST, Post("q" * 26, "c" * 26, "u" * 26, "2")), "admin", True),
        id="posts-created-from-hook",
    ),
    pytest.param(
        PostsCreated(CHANNEL, [POST], "ann", False, notified=["a" * 26, "b" * 26]),
        id="posts-created-with-mentions",
    ),
    pytest.param(PostEdited(POST), id="post-edited"),
    pytest.param(PostDeleted(dataclasses.replace(POST, delete_at=99)), id="post-deleted"),
    pytest.param(ReactionAdded(REACTION), id="reaction-added"),
    pytest.param(ReactionRemoved(REACTION), id="reaction-removed"),
    pytest.param(ChannelViewed("u" * 26, "c" * 26), id="channel-viewed"),
    pytest.param(ChannelUpdated(CHANNEL), id="channel-updated"),
    pytest.param(PreferencesChanged("u" * 26, PREFERENCES), id="preferences-changed"),
    pytest.param(PreferencesDeleted("u" * 26, ()), id="preferences-deleted-none"),
]


def fields_of(event: DomainEvent) -> dict[str, Any]:
    """An event's fields, sequences as tuples (events compare by identity)."""
    return {f.name: _plain(getattr(event, f.name)) for f in dataclasses.fields(event)}


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def test_every_event_type_has_a_case() -> None:
    assert {type(case.values[0]).__name__ for case in CASES} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", CASES)
def test_round_trip_keeps_every_field(event: DomainEvent) -> None:
    decoded = decode_event(encode_event(event))
    assert type(decoded) is type(event)
    assert fields_of(decoded) == fields_of(event)
    assert [m.head for m in messages_for(decoded)] == [m.head for m in messages_for(event)]


@pytest.mark.parametrize(
    "data",
    [b"", b"[]", b'{"event": "Nope", "fields": {}}', b'{"event": "PostEdited", "fields": {}}'],
    ids=["empty", "not-an-object", "unknown-event", "missing-field"],
)
def test_garbage_is_a_value_error(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a domain event"):
        decode_event(data)


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
INTS = st.integers(-(2**63), 2**63 - 1)
JSON = st.recursive(
    st.none() | st.booleans() | INTS | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
PROPS = st.dictionaries(TEXT, JSON, max_size=4)
REACTIONS = st.builds(Reaction, TEXT, TEXT, TEXT, create_at=INTS, channel_id=TEXT)
POSTS = st.builds(
    Post,
    TEXT,
    TEXT,
    TEXT,
    TEXT,
    create_at=INTS,
    edit_at=INTS,
    root_id=TEXT,
    type=TEXT,
    props=PROPS,
    is_pinned=st.booleans(),
    metadata=PROPS,
    has_reactions=st.booleans(),
    hook_id=TEXT,
    reactions=st.lists(REACTIONS, max_size=2),
)
CHANNELS = st.builds(Channel, TEXT, TEXT, TEXT, TEXT, type=TEXT, header=TEXT, last_post_at=INTS)
PREFERENCE_LISTS = st.lists(st.builds(Preference, TEXT, TEXT, TEXT, TEXT), max_size=3)
EVENTS = st.one_of(
    st.builds(
        PostsCreated,
        CHANNELS,
        st.lists(POSTS, min_size=1, max_size=3),
        TEXT,
        st.booleans(),
        notified=st.lists(TEXT, max_size=3),
    ),
    st.builds(PostEdited, POSTS),
    st.builds(PostDeleted, POSTS),
    st.builds(ReactionAdded, REACTIONS),
    st.builds(ReactionRemoved, REACTIONS),
    st.builds(ChannelViewed, TEXT, TEXT),
    st.builds(ChannelUpdated, CHANNELS),
    st.builds(PreferencesChanged, TEXT, PREFERENCE_LISTS),
    st.builds(PreferencesDeleted, TEXT, PREFERENCE_LISTS),
)


@given(EVENTS)
def test_any_event_survives_the_round_trip(event: DomainEvent) -> None:
    decoded = decode_event(encode_event(event))
    assert type(decoded) is type(event)
    assert fields_of(decoded) == fields_of(event)
