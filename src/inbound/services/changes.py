"""What changed: typed facts a mutation states once, after its transaction commits.

The hook cache listens here (a hook, its channel, its creator or their team changed → its
entries go); the config follows ``ConfigChanged``. ``ChangedElsewhere`` means another process or
the CLI changed something this one did not see: every cache drops everything. The cluster relays
the same stream between processes (``encode``/``decode``, topic ``changes`` on the bus), so a
mutation never names the caches it affects. ``SessionsRevoked`` ends a user's sessions (one, or
all of them): their open websockets close on every process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import orjson


@dataclass(frozen=True)
class HookChanged:
    hook_id: str


@dataclass(frozen=True)
class ChannelChanged:
    channel_id: str


@dataclass(frozen=True)
class UserChanged:
    user_id: str


@dataclass(frozen=True)
class TeamChanged:
    team_id: str


@dataclass(frozen=True)
class ConfigChanged:
    version: int


@dataclass(frozen=True)
class SessionsRevoked:
    """The user's session ``session_id`` ended (logout), or all of them when it is empty."""

    user_id: str
    session_id: str = ""


@dataclass(frozen=True)
class ChangedElsewhere:
    """Something may have changed that this process did not see: forget what you cached."""


Change = (
    HookChanged
    | ChannelChanged
    | UserChanged
    | TeamChanged
    | ConfigChanged
    | SessionsRevoked
    | ChangedElsewhere
)
Follower = Callable[[Change], None]


@dataclass
class Changes:
    """The stream: ``follow`` to hear every change, ``tell`` to state one."""

    followers: list[Follower] = field(default_factory=list)

    def follow(self, follower: Follower) -> None:
        self.followers.append(follower)

    def tell(self, change: Change) -> None:
        for follower in self.followers:
            follower(change)


CHANGES_TOPIC = "changes"
_KINDS: dict[str, type[Change]] = {
    kind.__name__: kind
    for kind in (
        HookChanged,
        ChannelChanged,
        UserChanged,
        TeamChanged,
        ConfigChanged,
        SessionsRevoked,
        ChangedElsewhere,
    )
}


def encode(change: Change) -> bytes:
    """``change`` as JSON for the other processes: ``{"type": "HookChanged", "hook_id": …}``."""
    return orjson.dumps({"type": type(change).__name__, **asdict(change)})


def decode(data: bytes) -> Change | None:
    """The change ``encode`` made; None for anything else (a newer or broken sender)."""
    try:
        fields = orjson.loads(data)
        kind = _KINDS[fields.pop("type")]
        if not all(type(value) in (str, int) for value in fields.values()):
            return None
        return kind(**fields)
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        return None
