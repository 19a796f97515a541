"""What changed: typed facts a mutation states once, after its transaction commits.

The hook cache listens here (a hook, its channel, its creator or their team changed → its
entries go); the config follows ``ConfigChanged``. ``ChangedElsewhere`` means another process or
the CLI changed something this one did not see: every cache drops everything. The cluster relays
the same stream between processes, so a mutation never names the caches it affects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


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
class ChangedElsewhere:
    """Something may have changed that this process did not see: forget what you cached."""


Change = HookChanged | ChannelChanged | UserChanged | TeamChanged | ConfigChanged | ChangedElsewhere
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
