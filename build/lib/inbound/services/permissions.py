"""Who may do what. Roles: system_admin > team_admin > team_user; channel membership for P/D/G.

Permission names follow Mattermost's so the rules read like its docs.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.config import Config
from inbound.errors import ForbiddenError, NotFoundError, permission_denied
from inbound.models import OPEN, Channel, Team, User
from inbound.store import channels as channel_store
from inbound.store import teams as team_store

MANAGE_OWN_HOOKS = "manage_own_incoming_webhooks"
MANAGE_OTHERS_HOOKS = "manage_others_incoming_webhooks"
BYPASS_CHANNEL_LOCK = "bypass_incoming_webhook_channel_lock"
MANAGE_TEAM = "manage_team"
ADD_TEAM_MEMBERS = "add_user_to_team"
CREATE_PUBLIC_CHANNEL = "create_public_channel"
CREATE_PRIVATE_CHANNEL = "create_private_channel"
DELETE_OTHERS_POSTS = "delete_others_posts"

TEAM_ADMIN_PERMISSIONS = frozenset(
    {
        MANAGE_OWN_HOOKS,
        MANAGE_OTHERS_HOOKS,
        BYPASS_CHANNEL_LOCK,
        MANAGE_TEAM,
        ADD_TEAM_MEMBERS,
        CREATE_PUBLIC_CHANNEL,
        CREATE_PRIVATE_CHANNEL,
        DELETE_OTHERS_POSTS,
    }
)
TEAM_USER_PERMISSIONS = frozenset({ADD_TEAM_MEMBERS, CREATE_PUBLIC_CHANNEL, CREATE_PRIVATE_CHANNEL})


def team_user_permissions(config: Config) -> frozenset[str]:
    """What every team member may do; integrations only when not restricted to admins."""
    if config.service.enable_only_admin_integrations:
        return TEAM_USER_PERMISSIONS
    return TEAM_USER_PERMISSIONS | {MANAGE_OWN_HOOKS}


async def has_team_permission(
    conn: AsyncConnection, config: Config, user: User, team_id: str, permission: str
) -> bool:
    if user.is_system_admin:
        return True
    member = await team_store.get_team_member(conn, team_id, user.id)
    if member is None:
        return False
    granted = TEAM_ADMIN_PERMISSIONS if member.is_admin else team_user_permissions(config)
    return permission in granted


async def require_team_permission(
    conn: AsyncConnection, config: Config, user: User, team_id: str, permission: str
) -> None:
    if not await has_team_permission(conn, config, user, team_id, permission):
        raise permission_denied()


async def can_read_channel(conn: AsyncConnection, user: User, channel: Channel) -> bool:
    """Public channels: any team member. Private, direct and group: members only."""
    if user.is_system_admin:
        return True
    if channel.type == OPEN:
        return await team_store.get_team_member(conn, channel.team_id, user.id) is not None
    return await channel_store.get_channel_member(conn, channel.id, user.id) is not None


async def is_channel_member(conn: AsyncConnection, user: User, channel: Channel) -> bool:
    """Membership alone, whatever the user's role. A hook posts as its creator only where the
    creator is a member: a system admin may read every channel, but their hooks may not post
    into other people's DMs or private channels they have not joined."""
    return await channel_store.get_channel_member(conn, channel.id, user.id) is not None


async def readable_channel(conn: AsyncConnection, user: User, channel_id: str) -> Channel:
    """The channel, or 404 when it does not exist and 403 when the user may not read it."""
    channel = await channel_store.get_channel_by_id(conn, channel_id)
    if channel is None:
        raise NotFoundError("app.channel.get.existing.app_error", "Unable to find the channel.")
    if not await can_read_channel(conn, user, channel):
        raise permission_denied()
    return channel


async def readable_team(conn: AsyncConnection, user: User, team_id: str) -> Team:
    team = await team_store.get_team_by_id(conn, team_id)
    if team is None:
        raise NotFoundError("app.team.get.find.app_error", "Unable to find the team.")
    if (
        not user.is_system_admin
        and await team_store.get_team_member(conn, team_id, user.id) is None
    ):
        raise ForbiddenError(
            "api.context.permissions.app_error", "You are not a member of this team."
        )
    return team


def require_system_admin(user: User) -> None:
    if not user.is_system_admin:
        raise permission_denied("You need the system admin role to do this.")
