"""The roles inbound has, as Mattermost role objects: what each lets its holder do here.

Clients (the web and mobile apps) fetch these with ``POST /api/v4/roles/names`` and show or hide
actions by the permission names they list, so each list states what *this* server allows
(``services/permissions.py`` and the rules beside each endpoint), in Mattermost's names. Roles
add up as in Mattermost: a team admin holds ``team_user team_admin`` and a channel's creator
``channel_user channel_admin``, so the admin roles list what they add; ``system_admin`` lists
everything, as a system admin may act where they hold no other role.

Where inbound differs from Mattermost's default scheme:
- channel members may also *add* members to channels they can read (Mattermost has no add-only
  permission; ``manage_*_channel_members`` also means removing, which only channel admins, team
  admins for public channels, and system admins may do here);
- ``view_members``: users see the people they share a team or channel with, not everyone;
- team members may not list or join other teams (no ``list_public_teams`` / ``join_public_teams``);
- no guests, bots, file uploads, slash commands or outgoing webhooks: none of their permissions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from inbound.config import Config
from inbound.models import ID_LENGTH
from inbound.services.permissions import (
    ADD_TEAM_MEMBERS,
    BYPASS_CHANNEL_LOCK,
    CREATE_PRIVATE_CHANNEL,
    CREATE_PUBLIC_CHANNEL,
    DELETE_OTHERS_POSTS,
    MANAGE_OTHERS_HOOKS,
    MANAGE_OWN_HOOKS,
    MANAGE_TEAM,
    TEAM_ADMIN_PERMISSIONS,
    team_user_permissions,
)

SYSTEM_USER, SYSTEM_ADMIN = "system_user", "system_admin"
TEAM_USER, TEAM_ADMIN = "team_user", "team_admin"
CHANNEL_USER, CHANNEL_ADMIN = "channel_user", "channel_admin"
# Mattermost before 10.x names the right to manage one's own hooks "manage_incoming_webhooks";
# clients of that level look for it, newer ones for manage_own_incoming_webhooks.
MANAGE_HOOKS = "manage_incoming_webhooks"

CHANNEL_USER_PERMISSIONS = (
    "read_channel",
    "read_channel_content",
    "create_post",
    "edit_post",
    "delete_post",
    "add_reaction",
    "remove_reaction",
    "use_channel_mentions",
    "manage_public_channel_properties",
    "manage_private_channel_properties",
)
CHANNEL_ADMIN_PERMISSIONS = (
    "manage_public_channel_members",
    "manage_private_channel_members",
    "delete_public_channel",
    "delete_private_channel",
)
TEAM_VIEW_PERMISSIONS = (
    "view_team",
    "list_team_channels",
    "join_public_channels",
    "read_public_channel",
    "create_post_public",  # team members post in their team's public channels without joining
)
TEAM_ADMIN_EXTRA = (
    "manage_team_roles",
    "manage_public_channel_members",
    "manage_public_channel_properties",
    "delete_public_channel",
    "delete_private_channel",
)
SYSTEM_USER_PERMISSIONS = ("create_team", "create_direct_channel", "view_members")
ACCESS_TOKENS = "create_user_access_token"
SYSTEM_ADMIN_EXTRA = (
    "manage_system",
    "manage_roles",
    "edit_other_users",
    "list_users_without_team",
    "read_other_users_teams",
    "edit_others_posts",
    "remove_others_reactions",
)


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    display_name: str
    description: str
    permissions: tuple[str, ...]
    scheme_managed: bool = True
    built_in: bool = True


# Mattermost's i18n keys: its clients translate them.
_I18N = {
    SYSTEM_USER: "global_user",
    SYSTEM_ADMIN: "global_admin",
    TEAM_USER: "team_user",
    TEAM_ADMIN: "team_admin",
    CHANNEL_USER: "channel_user",
    CHANNEL_ADMIN: "channel_admin",
}
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


def role_id(name: str) -> str:
    """A stable 26-character id per role name: the same on every server and every start."""
    digest = hashlib.sha256(b"inbound.role." + name.encode()).digest()
    number = int.from_bytes(digest[:17], "big")
    return "".join(_ALPHABET[(number >> (5 * i)) & 31] for i in range(ID_LENGTH))


def _role(name: str, permissions: tuple[str, ...]) -> Role:
    key = f"authentication.roles.{_I18N[name]}"
    unique = tuple(dict.fromkeys(permissions))
    return Role(role_id(name), name, f"{key}.name", f"{key}.description", unique)


def _hooks(granted: frozenset[str]) -> tuple[str, ...]:
    """The webhook permissions among ``granted``, with the older name beside the own-hooks one."""
    own = (MANAGE_HOOKS, MANAGE_OWN_HOOKS) if MANAGE_OWN_HOOKS in granted else ()
    others = tuple(p for p in (MANAGE_OTHERS_HOOKS, BYPASS_CHANNEL_LOCK) if p in granted)
    return own + others


def _team_rights(granted: frozenset[str]) -> tuple[str, ...]:
    order = (ADD_TEAM_MEMBERS, CREATE_PUBLIC_CHANNEL, CREATE_PRIVATE_CHANNEL, MANAGE_TEAM)
    return tuple(p for p in order if p in granted) + _hooks(granted)


def catalogue(config: Config) -> dict[str, Role]:
    """Every role by name, for this config (integration and token settings change them)."""
    team_user = TEAM_VIEW_PERMISSIONS + _team_rights(team_user_permissions(config))
    team_admin = (*_team_rights(TEAM_ADMIN_PERMISSIONS), DELETE_OTHERS_POSTS, *TEAM_ADMIN_EXTRA)
    system_user: tuple[str, ...] = SYSTEM_USER_PERMISSIONS
    if config.service.enable_user_access_tokens:
        system_user += (ACCESS_TOKENS,)
    everything = (
        *SYSTEM_USER_PERMISSIONS,
        ACCESS_TOKENS,
        *SYSTEM_ADMIN_EXTRA,
        *TEAM_VIEW_PERMISSIONS,
        *_team_rights(TEAM_ADMIN_PERMISSIONS),
        DELETE_OTHERS_POSTS,
        *TEAM_ADMIN_EXTRA,
        *CHANNEL_USER_PERMISSIONS,
        *CHANNEL_ADMIN_PERMISSIONS,
    )
    roles = (
        _role(SYSTEM_USER, system_user),
        _role(SYSTEM_ADMIN, everything),
        _role(TEAM_USER, team_user),
        _role(TEAM_ADMIN, team_admin),
        _role(CHANNEL_USER, CHANNEL_USER_PERMISSIONS),
        _role(CHANNEL_ADMIN, CHANNEL_ADMIN_PERMISSIONS),
    )
    return {role.name: role for role in roles}


_cached: tuple[Config, dict[str, Role]] | None = None


def roles_for(config: Config) -> dict[str, Role]:
    """``catalogue(config)``, built once per config document."""
    global _cached
    cached = _cached
    if cached is None or cached[0] is not config:
        cached = _cached = (config, catalogue(config))
    return cached[1]


def by_names(config: Config, names: list[str]) -> list[Role]:
    """The roles among ``names`` that exist, in the order asked; unknown names are skipped."""
    roles = roles_for(config)
    return [roles[name] for name in dict.fromkeys(names) if name in roles]


def by_id(config: Config, role_id_: str) -> Role | None:
    return next((r for r in roles_for(config).values() if r.id == role_id_), None)
