"""What one group commit of posts writes, and the SQL its rows bind to.

A ``WritePlan`` is built from the messages of one group commit: the post rows, and the
counters those posts move summed per channel, member and hook. Its statements are SQLAlchemy
Core built from ``tables``, compiled once per dialect into the raw driver's paramstyle (the
writer runs them on sqlite3 or asyncpg directly: SQLAlchemy costs several times more per row on
the one write path every post takes). Each row list of the plan binds, in order, the
parameters of one statement; ``statements`` checks that when it compiles them.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from sqlalchemy import bindparam, func, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import BindParameter

from inbound.models import DeliveryDraft, Post
from inbound.store import deliveries
from inbound.store.posts import post_values
from inbound.store.tables import (
    channel_members,
    channels,
    hook_idempotency_keys,
    incoming_hooks,
    posts,
)

Notified = dict[tuple[str, str], list[str]]  # (channel, excluded) → member ids
IDEMPOTENCY_MS = 24 * 3600 * 1000  # how long a hook's Idempotency-Key holds (senders.md §3)


class Claim(NamedTuple):
    """An ``Idempotency-Key`` a message is stored under: at most once per hook lineage and key."""

    hook_id: str  # the hook's lineage (the same across regenerates)
    key: str
    body_hash: str


class Stored(NamedTuple):
    """What the first request under a key stored: a repeat answers it."""

    body_hash: str
    channel_id: str
    post_ids: list[str]


_COLUMNS = [c.name for c in posts.c]
_MESSAGE, _SEARCH_TEXT = _COLUMNS.index("message"), _COLUMNS.index("search_text")


class Message(Protocol):
    """The posts of one message and the counters they move (the writer's ``PostBatch``)."""

    @property
    def channel_id(self) -> str: ...
    @property
    def posts(self) -> Sequence[Post]: ...
    @property
    def last_post_at(self) -> int: ...
    @property
    def mentioned_user_ids(self) -> Sequence[str]: ...
    @property
    def mention_everyone(self) -> bool: ...  # every member but exclude_from_mentions
    @property
    def exclude_from_mentions(self) -> str: ...
    @property
    def viewed_by(self) -> str: ...
    @property
    def hook_id(self) -> str: ...
    @property
    def idempotency(self) -> Claim | None: ...
    @property
    def delivery(self) -> DeliveryDraft | None: ...  # the request's history row, if recorded


@dataclass
class WritePlan:
    """The rows of one group commit, each list in its statement's parameter order; counters
    are summed, so a burst into one channel updates its row once."""

    posts: list[tuple[Any, ...]] = field(default_factory=list)
    channels: dict[str, tuple[int, int]] = field(default_factory=dict)  # id → (count, last_post_at)
    mentions: list[tuple[int, int, str, str]] = field(
        default_factory=list
    )  # count, at, channel, user
    everyone: dict[tuple[str, str], tuple[int, int]] = field(
        default_factory=dict
    )  # (channel, excluded) → (count, at): @channel/@all/@here, summed per channel
    viewed: list[tuple[str, int, int, str, str]] = field(default_factory=list)
    hooks: dict[str, int] = field(default_factory=dict)  # id → last used at
    messages: list[Message] = field(default_factory=list)
    # (message index, claim row) for messages with an Idempotency-Key, in one lock order
    claims: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    # filled in by the backend: message index → what an earlier request stored under its key
    # (that message's posts were not written)
    replays: dict[int, Stored] = field(default_factory=dict)
    deliveries: list[tuple[Any, ...]] = field(default_factory=list)  # history rows (§6)

    @classmethod
    def of(cls, messages: Sequence[Message]) -> WritePlan:
        plan = cls()
        for message in messages:
            plan.add(message)
        if plan.claims:
            plan.claims.sort(key=lambda claim: claim[1][:2])
        return plan

    def without(self, skip: Container[int]) -> WritePlan:
        """The plan of the messages not in ``skip`` (their keys already claimed: no claims).
        A skipped message's history row stays, naming the posts stored under its key."""
        kept = WritePlan.of([m for i, m in enumerate(self.messages) if i not in skip])
        kept.hooks = {h: at for h, at in kept.hooks.items() if h in self.hooks}
        kept.claims = []
        for index, stored in self.replays.items():
            draft = self.messages[index].delivery
            if index in skip and draft is not None:
                kept.deliveries.append(_delivery_row(draft, stored.post_ids))
        return kept

    def claim_rows(self, now: int) -> list[tuple[int, tuple[Any, ...]]]:
        """``claim`` rows: the key's row, and the time before which an old row is expired."""
        return [(index, (*row, now, now - IDEMPOTENCY_MS)) for index, row in self.claims]

    def add(self, message: Message) -> None:
        """Add one message's rows; its counters are summed with the plan's."""
        claim = message.idempotency
        if claim is not None:
            post_ids = " ".join(p.id for p in message.posts)
            self.claims.append((len(self.messages), (*claim, message.channel_id, post_ids)))
        self.messages.append(message)
        channel_id, count, at = message.channel_id, len(message.posts), message.last_post_at
        self.posts.extend(post_values(p) for p in message.posts)
        total, latest = self.channels.get(channel_id, (0, 0))
        self.channels[channel_id] = (total + count, max(latest, at))
        named = message.mentioned_user_ids
        if message.mention_everyone:
            key = (channel_id, message.exclude_from_mentions)
            n, latest = self.everyone.get(key, (0, 0))
            self.everyone[key] = (n + count, max(latest, at))
            # @channel already counts every member but the excluded one, once per message
            named = [u for u in named if u == message.exclude_from_mentions]
        self.mentions.extend((count, at, channel_id, u) for u in named)
        if message.viewed_by:
            self.viewed.append((channel_id, at, at, channel_id, message.viewed_by))
        if message.hook_id:
            self.hooks[message.hook_id] = max(self.hooks.get(message.hook_id, 0), at)
        if message.delivery is not None:
            self.deliveries.append(_delivery_row(message.delivery, [p.id for p in message.posts]))

    def channel_rows(self) -> list[tuple[int, int, str]]:
        """``bump_channel`` rows, in id order (one lock order for concurrent commits)."""
        return [(n, at, cid) for cid, (n, at) in sorted(self.channels.items())]

    def search_rows(self) -> list[tuple[Any, Any, Any]]:
        """(id, message, search_text) of each post, for SQLite's full-text index."""
        return [(row[0], row[_MESSAGE], row[_SEARCH_TEXT]) for row in self.posts]

    def hook_rows(self) -> list[tuple[int, str, int]]:
        return [(at, hook_id, at) for hook_id, at in sorted(self.hooks.items())]


def _delivery_row(draft: DeliveryDraft, post_ids: Sequence[str]) -> tuple[Any, ...]:
    """A posted request's history row; its latency runs to the group commit that writes it."""
    latency_us = int((time.perf_counter() - draft.started) * 1_000_000)
    return deliveries.row(
        draft, status=200, outcome="posted", post_ids=post_ids, latency_us=latency_us
    )


class Statements(NamedTuple):
    """The plan's SQL in one driver's paramstyle (``?`` for sqlite3, ``$n`` for asyncpg)."""

    insert_post: str
    bump_channel: str
    mention: str
    mention_all: str  # RETURNING the members it notified
    viewed: str
    touch_hook: str
    claim: str  # RETURNING a row only when the key was free (or expired)
    replay: str  # what the key's first request stored
    insert_delivery: str  # into the row's slot, over what was there


_AT: BindParameter[Any] = bindparam("at")
_COUNT: BindParameter[Any] = bindparam("count")
_CHANNEL: BindParameter[Any] = bindparam("channel")
_USER: BindParameter[Any] = bindparam("user")
Bound = tuple[Any, tuple[str, ...]]  # a statement and the parameter order its rows bind


def _bump_channel(greatest: Any) -> Bound:
    total, last = channels.c.total_msg_count, channels.c.last_post_at
    stmt = update(channels).ordered_values((total, total + _COUNT), (last, greatest(last, _AT)))
    return stmt.where(channels.c.id == _CHANNEL), ("count", "at", "channel")


def _mentioned() -> Any:
    member = channel_members.c
    return update(channel_members).ordered_values(
        (member.mention_count, member.mention_count + _COUNT), (member.last_update_at, _AT)
    )


def _mention() -> Bound:
    member = channel_members.c
    stmt = _mentioned().where(member.channel_id == _CHANNEL, member.user_id == _USER)
    return stmt, ("count", "at", "channel", "user")


def _mention_all() -> Bound:
    member = channel_members.c
    excluded = member.user_id != bindparam("excluded")
    stmt = _mentioned().where(member.channel_id == _CHANNEL, excluded).returning(member.user_id)
    return stmt, ("count", "at", "channel", "excluded")


def _viewed() -> Bound:
    member = channel_members.c
    total = select(channels.c.total_msg_count).where(channels.c.id == bindparam("total_of"))
    stmt = update(channel_members).ordered_values(
        (member.msg_count, total.scalar_subquery()),
        (member.mention_count, literal_column("0")),
        (member.last_viewed_at, _AT),
        (member.last_update_at, bindparam("updated_at")),
    )
    stmt = stmt.where(member.channel_id == _CHANNEL, member.user_id == _USER)
    return stmt, ("total_of", "at", "updated_at", "channel", "user")


def _touch_hook() -> Bound:
    hook = incoming_hooks.c
    stmt = update(incoming_hooks).values(last_used_at=_AT)
    stmt = stmt.where(hook.id == bindparam("hook"), hook.last_used_at < bindparam("before"))
    return stmt, ("at", "hook", "before")


def _claim(insert: Any) -> Bound:
    """Take ``key`` for this message, unless a request within 24 hours already did."""
    table = hook_idempotency_keys
    stmt = insert(table).values(
        hook_id=bindparam("hook"),
        key=bindparam("key"),
        body_hash=bindparam("hash"),
        channel_id=_CHANNEL,
        post_ids=bindparam("posts"),
        create_at=_AT,
    )
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.hook_id, table.c.key],
        set_={
            name: excluded[name] for name in ("body_hash", "channel_id", "post_ids", "create_at")
        },
        where=table.c.create_at < bindparam("expired_before"),
    ).returning(table.c.hook_id)
    return stmt, ("hook", "key", "hash", "channel", "posts", "at", "expired_before")


def _replay() -> Bound:
    table = hook_idempotency_keys.c
    stmt = select(table.body_hash, table.channel_id, table.post_ids).where(
        table.hook_id == bindparam("hook"), table.key == bindparam("key")
    )
    return stmt, ("hook", "key")


def _compile(stmt: Any, order: tuple[str, ...], dialect: Dialect) -> str:
    compiled = stmt.compile(dialect=dialect)
    if tuple(compiled.positiontup or ()) != order:  # the plan's rows would bind wrongly
        raise RuntimeError(f"parameters {compiled.positiontup} are not {order}: {compiled}")
    return str(compiled)


@functools.cache
def statements(backend: str) -> Statements:
    """The plan's statements for ``"sqlite"`` (sqlite3) or ``"postgresql"`` (asyncpg)."""
    dialect: Dialect
    greatest: Any
    if backend == "sqlite":
        dialect, greatest = sqlite.dialect(paramstyle="qmark"), func.max  # max(a, b) is scalar
        insert: Any = sqlite.insert
    else:
        dialect, greatest = asyncpg.dialect(), func.greatest  # $1, $2, …
        insert = postgresql.insert
    bound = (
        (posts.insert(), tuple(c.name for c in posts.c)),
        _bump_channel(greatest),
        _mention(),
        _mention_all(),
        _viewed(),
        _touch_hook(),
        _claim(insert),
        _replay(),
        (deliveries.upsert(insert), deliveries.COLUMNS),
    )
    return Statements(*(_compile(stmt, order, dialect) for stmt, order in bound))
