"""The schema on one screen. Change it only together with a migration in ``migrations/``."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()


def _id(name: str = "id", *, primary_key: bool = True) -> Column[str]:
    return Column(name, String(26), primary_key=primary_key, nullable=False)


def _ms(name: str) -> Column[int]:
    return Column(name, BigInteger, nullable=False, server_default="0")


def _text(name: str, length: int | None = None) -> Column[str]:
    kind = String(length) if length else Text
    return Column(name, kind, nullable=False, server_default="")


users = Table(
    "users",
    metadata,
    _id(),
    _ms("create_at"),
    _ms("update_at"),
    _ms("delete_at"),
    _text("username", 64),
    _text("email", 128),
    _text("password_hash", 256),
    _text("first_name", 64),
    _text("last_name", 64),
    _text("nickname", 64),
    _text("roles", 256),
    _text("locale", 5),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    _ms("last_failed_at"),
    UniqueConstraint("username", name="uq_users_username"),
    UniqueConstraint("email", name="uq_users_email"),
)

sessions = Table(
    "sessions",
    metadata,
    _id(),
    _text("token", 64),
    _id("user_id", primary_key=False),
    _ms("create_at"),
    _ms("expires_at"),
    Column("is_access_token", Boolean, nullable=False, server_default="0"),
    UniqueConstraint("token", name="uq_sessions_token"),
    Index("ix_sessions_user_id", "user_id"),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    _id(),
    _text("token", 64),
    _id("user_id", primary_key=False),
    _text("description", 512),
    Column("is_active", Boolean, nullable=False, server_default="1"),
    UniqueConstraint("token", name="uq_access_tokens_token"),
)

teams = Table(
    "teams",
    metadata,
    _id(),
    _ms("create_at"),
    _ms("update_at"),
    _ms("delete_at"),
    _text("name", 64),
    _text("display_name", 64),
    _text("description", 255),
    _text("email", 128),
    _text("type", 1),
    Column("allow_open_invite", Boolean, nullable=False, server_default="0"),
    _text("invite_id", 32),
    UniqueConstraint("name", name="uq_teams_name"),
)

team_members = Table(
    "team_members",
    metadata,
    _id("team_id"),
    _id("user_id"),
    _text("roles", 256),
    _ms("delete_at"),
    Index("ix_team_members_user_id", "user_id"),
)

channels = Table(
    "channels",
    metadata,
    _id(),
    _ms("create_at"),
    _ms("update_at"),
    _ms("delete_at"),
    Column("team_id", String(26), nullable=False, server_default=""),
    _text("type", 1),
    _text("name", 64),
    _text("display_name", 64),
    _text("header", 1024),
    _text("purpose", 250),
    Column("creator_id", String(26), nullable=False, server_default=""),
    _ms("last_post_at"),
    _ms("total_msg_count"),
    UniqueConstraint("team_id", "name", name="uq_channels_team_id_name"),
)

channel_members = Table(
    "channel_members",
    metadata,
    _id("channel_id"),
    _id("user_id"),
    _text("roles", 256),
    _ms("last_viewed_at"),
    _ms("msg_count"),
    Column("mention_count", Integer, nullable=False, server_default="0"),
    _ms("last_update_at"),
    Index("ix_channel_members_user_id", "user_id"),
)

posts = Table(
    "posts",
    metadata,
    _id(),
    _ms("create_at"),
    _ms("update_at"),
    _ms("edit_at"),
    _ms("delete_at"),
    _id("user_id", primary_key=False),
    _id("channel_id", primary_key=False),
    Column("root_id", String(26), nullable=False, server_default=""),
    _text("message"),
    _text("type", 64),
    _text("props"),
    _text("hashtags", 1000),
    Column("is_pinned", Boolean, nullable=False, server_default="0"),
    _text("metadata"),
    # Mattermost's HasReactions: a page reads reactions only for the posts that have some.
    Column("has_reactions", Boolean, nullable=False, server_default="0"),
    # Attachment and Block Kit text (``search.text``), indexed with the message: see ``search.py``
    _text("search_text"),
    # The hook lineage (``incoming_hooks.origin_id``) that created the post: it may edit it.
    Column("hook_id", String(26), nullable=False, server_default=""),
    Index("ix_posts_channel_id_create_at_id", "channel_id", "create_at", "id"),
    Index("ix_posts_channel_id_update_at", "channel_id", "update_at"),
    # Most posts are roots: index only replies (queries add ``root_id <> ''`` to use it).
    Index(
        "ix_posts_root_id",
        "root_id",
        sqlite_where=text("root_id <> ''"),
        postgresql_where=text("root_id <> ''"),
    ),
    # Few posts are pinned: a channel's pinned count (``/channels/{id}/stats``) reads only them.
    Index(
        "ix_posts_channel_id_pinned",
        "channel_id",
        sqlite_where=text("is_pinned = 1"),
        postgresql_where=text("is_pinned"),
    ),
)

# One row per user, post and emoji; the primary key (post first) serves a page's batched read.
reactions = Table(
    "reactions",
    metadata,
    _id("post_id"),
    _id("user_id"),
    Column("emoji_name", String(64), primary_key=True, nullable=False),
    _ms("create_at"),
    Column("channel_id", String(26), nullable=False, server_default=""),
)

incoming_hooks = Table(
    "incoming_hooks",
    metadata,
    _id(),
    _ms("create_at"),
    _ms("update_at"),
    _ms("delete_at"),
    _id("user_id", primary_key=False),
    _id("channel_id", primary_key=False),
    _id("team_id", primary_key=False),
    _text("display_name", 64),
    _text("description", 500),
    _text("username", 64),
    _text("icon_url", 1024),
    Column("channel_locked", Boolean, nullable=False, server_default="0"),
    _text("message_format", 16),
    _ms("last_used_at"),
    Column("rate_limit_per_sec", Integer, nullable=False, server_default="0"),
    Column("rate_limit_burst", Integer, nullable=False, server_default="0"),
    # The id the hook was created with; regenerate keeps it ("" on rows from before 0009: the id)
    Column("origin_id", String(26), nullable=False, server_default=""),
    _text("signing_secret"),  # "" = requests need no signature (senders.md §4)
    _text("allowed_cidrs"),  # space-separated networks; "" = from anywhere (§5)
    Index("ix_incoming_hooks_team_id", "team_id"),
    Index("ix_incoming_hooks_channel_id", "channel_id"),
)

# Keys retired by "regenerate": they keep posting to ``hook_id`` until ``expire_at``.
retired_hook_keys = Table(
    "retired_hook_keys",
    metadata,
    _id("key"),
    _id("hook_id", primary_key=False),
    _ms("expire_at"),
)

# ``Idempotency-Key``s a hook lineage has stored posts under (senders.md §3), kept 24 hours: a
# repeat answers the first request's posts. Written in the posts' own transaction.
hook_idempotency_keys = Table(
    "hook_idempotency_keys",
    metadata,
    Column("hook_id", String(26), primary_key=True, nullable=False),
    Column("key", String(255), primary_key=True, nullable=False),
    _text("body_hash", 64),
    _text("channel_id", 26),
    _text("post_ids"),  # space-separated, in order
    _ms("create_at"),
    Index("ix_hook_idempotency_keys_create_at", "create_at"),
)

# What arrived at each hook (senders.md §6): a ring of 1,000 rows per hook lineage and process
# (``node_id``): request n of a process takes ``slot`` n mod 1,000 and overwrites what was there,
# so keeping "the last 1,000" costs one row write per request and no deletes. ``id`` is
# time-ordered (newest first = ``id`` descending). The body is kept to 64 KiB as bytes; secret
# headers are masked before they get here. A posted request's row commits with its posts.
hook_deliveries = Table(
    "hook_deliveries",
    metadata,
    Column("hook_id", String(26), primary_key=True, nullable=False),  # the hook's lineage
    Column("node_id", String(26), primary_key=True, nullable=False),  # the process that wrote it
    Column("slot", Integer, primary_key=True, nullable=False),
    Column("id", String(26), nullable=False),
    _ms("create_at"),
    _text("remote_addr", 64),
    _text("content_type", 255),
    Column("size", Integer, nullable=False, server_default="0"),  # the whole body's bytes
    Column("status_code", Integer, nullable=False, server_default="0"),
    _text("error_id", 128),
    _text("error_message"),
    Column("latency_us", BigInteger, nullable=False, server_default="0"),
    _text("post_ids"),  # space-separated, in order
    Column("body", LargeBinary, nullable=False),  # the first 64 KiB
    Column("body_truncated", Boolean, nullable=False, server_default="0"),
    _text("headers"),  # "name: value" lines, secrets masked
    _text("query", 2048),
    _text("outcome", 8),  # posted | failed | ignored
    _text("source", 16),  # "" for Slack/Mattermost payloads, else the native source's name
)

# Requests per hook lineage and hour, by outcome: the hook list's 24-hour counts (the history
# itself keeps only the last 1,000).
hook_delivery_counts = Table(
    "hook_delivery_counts",
    metadata,
    Column("hook_id", String(26), primary_key=True, nullable=False),
    Column("hour", BigInteger, primary_key=True, nullable=False),  # ms at the hour's start
    Column("posted", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    Column("ignored", Integer, nullable=False, server_default="0"),
)

config = Table(
    "config",
    metadata,
    Column("id", String(32), primary_key=True),
    _text("value"),
    _ms("update_at"),
)

# The running ``inbound serve`` processes (``cluster.md``): each registers on start, refreshes
# ``seen_at`` every few seconds and deletes its row on a clean stop; older rows are dead.
cluster_nodes = Table(
    "cluster_nodes",
    metadata,
    Column("node_id", String(26), primary_key=True),
    _text("host"),
    Column("pid", Integer, nullable=False, server_default="0"),
    Column("with_redis", Integer, nullable=False, server_default="0"),  # 1: INBOUND_REDIS_URL
    _ms("started_at"),
    _ms("seen_at"),
)

# A user's settings, as Mattermost's ``Preferences``: the key is (user, category, name).
preferences = Table(
    "preferences",
    metadata,
    _id("user_id"),
    Column("category", String(32), primary_key=True, nullable=False),
    Column("name", String(32), primary_key=True, nullable=False),
    _text("value"),
)
