"""The nouns of inbound as plain dataclasses. No I/O here.

Ids are 26-character lowercase base32 strings and times are milliseconds since the epoch, as in
Mattermost; deletes are soft (``delete_at`` != 0).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

ID_LENGTH = 26
SYSTEM_ADMIN = "system_admin"
SYSTEM_USER = "system_user"
TEAM_ADMIN = "team_admin"
TEAM_USER = "team_user"
CHANNEL_USER = "channel_user"
CHANNEL_ADMIN = "channel_admin"

OPEN, PRIVATE, DIRECT, GROUP = "O", "P", "D", "G"
_ID_RE = re.compile(r"[a-z0-9]{26}")
EMOJI_NAME_MAX_LENGTH = 64
_EMOJI_NAME_RE = re.compile(r"[a-zA-Z0-9\-+_]+")  # Mattermost's Reaction.IsValid

# Props only the server sets: a client may never spoof a webhook, bot or plugin post.
SERVER_OWNED_PROPS = frozenset(
    {
        "from_webhook",
        "override_username",
        "override_icon_url",
        "override_icon_emoji",
        "webhook_display_name",
        "from_bot",
        "from_plugin",
        "attachments",
    }
)


_random_pool = bytearray()
# A forked child (``--workers``) must not hand out its parent's next random bytes: the same
# ids, tokens and hook keys would come out of every worker.
os.register_at_fork(after_in_child=_random_pool.clear)
# Mattermost's id alphabet is 32 characters: each random byte's low 5 bits pick one.
_ALPHABET = b"234567abcdefghijklmnopqrstuvwxyz"  # ascending, so time prefixes sort as text
_BYTE_TO_CHAR = bytes(_ALPHABET[b & 31] for b in range(256))
_TIME_CHARS = 10  # 50 bits of milliseconds: enough until the year 37,000
_last_prefix: tuple[int, bytes] = (-1, b"")
_PAIRS = [bytes((_ALPHABET[v >> 5], _ALPHABET[v & 31])) for v in range(1024)]  # 10 bits each


def _random_chars(count: int) -> bytes:
    """``count`` random id characters; the bits come from os.urandom, 4 KiB at a time."""
    if len(_random_pool) < count:
        _random_pool.extend(os.urandom(4096))
    chunk = bytes(_random_pool[-count:])
    del _random_pool[-count:]
    return chunk.translate(_BYTE_TO_CHAR)


def new_id() -> str:
    """A random 26-character id of lowercase letters and digits (130 random bits), as
    Mattermost's. Secrets (hook keys, tokens) are ids like this one."""
    return _random_chars(ID_LENGTH).decode("ascii")


def new_time_id(at_ms: int, seq: int | None = None) -> str:
    """An id that sorts by creation time: the millisecond clock in 10 characters, then 16
    random ones (80 bits). For rows inserted in time order whose time is public anyway
    (posts): their primary-key index takes them at its right edge instead of all over, so a
    group commit dirties a few index pages instead of one per post. Never for secrets.
    With ``seq`` (a counter), its low 20 bits come first and 12 random characters follow
    (60 bits): ids of one millisecond then sort in the counter's order (the history's rows,
    shown newest first)."""
    global _last_prefix
    last_ms, prefix = _last_prefix
    if at_ms != last_ms:
        chars = bytearray(_TIME_CHARS)
        value = at_ms
        for i in range(_TIME_CHARS - 1, -1, -1):
            chars[i] = _ALPHABET[value & 31]
            value >>= 5
        prefix = bytes(chars)
        _last_prefix = (at_ms, prefix)
    if seq is None:
        return (prefix + _random_chars(ID_LENGTH - _TIME_CHARS)).decode("ascii")
    order = _PAIRS[(seq >> 10) & 1023] + _PAIRS[seq & 1023]
    return (prefix + order + _random_chars(ID_LENGTH - _TIME_CHARS - 4)).decode("ascii")


def is_valid_id(value: str) -> bool:
    return _ID_RE.fullmatch(value) is not None


def is_valid_emoji_name(name: str) -> bool:
    """Mattermost's rule for a reaction's emoji name: 1 to 64 of ``[a-zA-Z0-9-+_]``."""
    return len(name) <= EMOJI_NAME_MAX_LENGTH and _EMOJI_NAME_RE.fullmatch(name) is not None


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def has_role(roles: str, role: str) -> bool:
    return role in roles.split()


@dataclass
class User:
    id: str
    username: str
    email: str
    create_at: int = 0
    update_at: int = 0
    delete_at: int = 0
    password_hash: str = field(default="", repr=False)
    first_name: str = ""
    last_name: str = ""
    nickname: str = ""
    roles: str = SYSTEM_USER
    locale: str = "en"
    failed_attempts: int = 0  # consecutive failed logins (Mattermost's FailedAttempts)
    last_failed_at: int = 0  # when the last one was, in ms

    @property
    def is_system_admin(self) -> bool:
        return has_role(self.roles, SYSTEM_ADMIN)

    @property
    def is_active(self) -> bool:
        return self.delete_at == 0


@dataclass
class Session:
    id: str
    token: str
    user_id: str
    create_at: int
    expires_at: int
    is_access_token: bool = False


@dataclass
class AccessToken:
    id: str
    token: str
    user_id: str
    description: str
    is_active: bool = True


@dataclass
class Team:
    id: str
    name: str
    display_name: str
    type: str = OPEN
    create_at: int = 0
    update_at: int = 0
    delete_at: int = 0
    description: str = ""
    email: str = ""
    allow_open_invite: bool = False
    invite_id: str = ""


@dataclass
class TeamMember:
    team_id: str
    user_id: str
    roles: str = TEAM_USER
    delete_at: int = 0

    @property
    def is_admin(self) -> bool:
        return has_role(self.roles, TEAM_ADMIN)


@dataclass
class Channel:
    id: str
    team_id: str
    name: str
    display_name: str
    type: str = OPEN
    create_at: int = 0
    update_at: int = 0
    delete_at: int = 0
    header: str = ""
    purpose: str = ""
    creator_id: str = ""
    last_post_at: int = 0
    total_msg_count: int = 0

    @property
    def is_direct(self) -> bool:
        return self.type in (DIRECT, GROUP)


@dataclass
class ChannelMember:
    channel_id: str
    user_id: str
    roles: str = CHANNEL_USER
    last_viewed_at: int = 0
    msg_count: int = 0
    mention_count: int = 0
    last_update_at: int = 0


@dataclass
class Post:
    id: str
    channel_id: str
    user_id: str
    message: str
    create_at: int = 0
    update_at: int = 0
    edit_at: int = 0
    delete_at: int = 0
    root_id: str = ""
    type: str = ""
    props: dict[str, Any] = field(default_factory=dict)
    hashtags: str = ""
    is_pinned: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    has_reactions: bool = False
    hook_id: str = ""  # the hook lineage that created it ("" for people's posts)
    reactions: list[Reaction] = field(default_factory=list)  # not a column: read beside it


@dataclass
class Reaction:
    """One user's emoji on one post (Mattermost's ``Reaction``; unique per user, post, name)."""

    user_id: str
    post_id: str
    emoji_name: str
    create_at: int = 0
    channel_id: str = ""


@dataclass
class IncomingHook:
    id: str
    channel_id: str
    team_id: str
    user_id: str
    create_at: int = 0
    update_at: int = 0
    delete_at: int = 0
    display_name: str = ""
    description: str = ""
    username: str = ""
    icon_url: str = ""
    channel_locked: bool = False
    message_format: str = "markdown"
    last_used_at: int = 0
    rate_limit_per_sec: int = 0  # 0: RateLimitSettings.IncomingWebhookPerSec
    rate_limit_burst: int = 0  # 0: RateLimitSettings.IncomingWebhookMaxBurst
    origin_id: str = ""  # the first id of this hook (regenerate keeps it); "" = ``id``
    # never leaves the server after it is created (nor appears in a repr, a log or a traceback)
    signing_secret: str = field(default="", repr=False)
    allowed_cidrs: str = ""  # space-separated networks; "" = from anywhere

    @property
    def lineage(self) -> str:
        """What stays the same across regenerates: the posts' and idempotency keys' owner."""
        return self.origin_id or self.id

    @property
    def cidrs(self) -> list[str]:
        return self.allowed_cidrs.split()


# The caller of a public endpoint without a session: a user with no roles and no rights.
ANONYMOUS = User(id="", username="", email="", roles="")


@dataclass
class Preference:
    """One of a user's settings (Mattermost's ``Preference``): the key is (user, category, name)."""

    user_id: str
    category: str
    name: str
    value: str = ""


@dataclass(slots=True)
class DeliveryDraft:
    """What a request to a hook's key brought (senders.md §6), before its outcome is known:
    the delivery history's row once the answer is decided. Secrets in ``headers`` are
    already masked; ``body`` is the first 64 KiB."""

    started: float  # time.perf_counter() when the request arrived: the latency's start
    at: int  # ms
    remote_addr: str
    content_type: str
    size: int  # the whole body's bytes
    body: bytes
    body_truncated: bool
    headers: str  # masked "name: value" lines
    query: str
    source: str = ""  # "" for Slack/Mattermost payloads, else a native source's name
    hook_id: str = ""  # the hook's lineage, once the key is known
    node_id: str = ""  # the process recording it, and its place in that process's ring
    slot: int = 0
    seq: int = 0  # this process's count of placed requests: orders its id within a millisecond
    written: bool = False  # its row was committed with the posts
