"""The nouns of inbound as plain dataclasses. No I/O here.

Ids are 26-character lowercase base32 strings and times are milliseconds since the epoch, as in
Mattermost; deletes are soft (``delete_at`` != 0).
"""

from __future__ import annotations

import base64
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


def new_id() -> str:
    """A random 26-char id in Mattermost's alphabet (lowercase base32 of 128 random bits).

    The bits come from os.urandom, read 4 KiB at a time: one system call per 256 ids.
    """
    if len(_random_pool) < 16:
        _random_pool.extend(os.urandom(4096))
    chunk = bytes(_random_pool[-16:])
    del _random_pool[-16:]
    return base64.b32encode(chunk).decode("ascii").lower()[:ID_LENGTH]


def is_valid_id(value: str) -> bool:
    return _ID_RE.fullmatch(value) is not None


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


# The caller of a public endpoint without a session: a user with no roles and no rights.
ANONYMOUS = User(id="", username="", email="", roles="")
