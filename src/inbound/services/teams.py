"""Teams and team membership. Every team starts with town-square and off-topic."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.errors import BadRequestError, NotFoundError, permission_denied
from inbound.models import (
    CHANNEL_ADMIN,
    CHANNEL_USER,
    OPEN,
    TEAM_ADMIN,
    TEAM_USER,
    Channel,
    ChannelMember,
    Team,
    TeamMember,
    User,
    new_id,
    now_ms,
)
from inbound.services.changes import TeamChanged
from inbound.services.context import Context
from inbound.services.permissions import (
    ADD_TEAM_MEMBERS,
    MANAGE_TEAM,
    readable_team,
    require_team_permission,
)
from inbound.services.users import can_see_user
from inbound.store import channels as channel_store
from inbound.store import teams as team_store
from inbound.store import users as user_store

TEAM_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9\-_]{1,63}$")
DEFAULT_CHANNELS = (("town-square", "Town Square"), ("off-topic", "Off-Topic"))
# Team names are the first segment of web URLs: these would shadow the server's own routes.
RESERVED_TEAM_NAMES = frozenset(
    {"api", "static", "hooks", "login", "admin_console", "web", "plugins", "signup", "error"}
)


def team_not_found() -> NotFoundError:
    return NotFoundError("app.team.get.find.app_error", "Unable to find the team.")


async def create_team(
    ctx: Context, creator: User | None, *, name: str, display_name: str, team_type: str = OPEN
) -> Team:
    slug = name.strip().lower()
    if not TEAM_NAME_RE.match(slug) or slug in RESERVED_TEAM_NAMES:
        raise BadRequestError(
            "model.team.is_valid.name.app_error",
            "Team name must be 2–64 lowercase letters, numbers, '-' or '_', and not a reserved word (api, static, hooks, login, admin_console, web).",
        )
    if team_type not in ("O", "I"):
        raise BadRequestError("model.team.is_valid.type.app_error", "Team type must be O or I.")
    if not display_name.strip() or len(display_name) > 64:
        raise BadRequestError(
            "model.team.is_valid.characters.app_error", "Display name must be 1–64 characters."
        )
    now = now_ms()
    team = Team(new_id(), slug, display_name.strip(), team_type, now, now, invite_id=new_id())
    team.allow_open_invite = team_type == OPEN
    async with ctx.db.begin() as conn:
        if await team_store.get_team_by_name(conn, slug) is not None:
            raise BadRequestError(
                "store.sql_team.save_team.existing.app_error",
                f"A team with the name {slug!r} already exists.",
            )
        await team_store.insert_team(conn, team)
        for channel_name, channel_display in DEFAULT_CHANNELS:
            channel = Channel(new_id(), team.id, channel_name, channel_display, OPEN, now, now)
            channel.creator_id = creator.id if creator else ""
            await channel_store.insert_channel(conn, channel)
        if creator is not None:
            await join_team(conn, team, creator.id, admin=True)
    return team


async def join_team(
    conn: AsyncConnection, team: Team, user_id: str, *, admin: bool = False
) -> TeamMember:
    """Make ``user_id`` a member and put them in the team's default channels."""
    roles = f"{TEAM_USER} {TEAM_ADMIN}" if admin else TEAM_USER
    member = TeamMember(team.id, user_id, roles)
    await team_store.upsert_team_member(conn, member)
    now = now_ms()
    for channel_name, _ in DEFAULT_CHANNELS:
        channel = await channel_store.get_channel_by_name(conn, team.id, channel_name)
        if channel is not None and channel.delete_at == 0:
            role = f"{CHANNEL_USER} {CHANNEL_ADMIN}" if admin else CHANNEL_USER
            await channel_store.insert_channel_member(
                conn, ChannelMember(channel.id, user_id, role, now, channel.total_msg_count)
            )
    return member


async def add_member(
    ctx: Context, actor: User | None, team_id: str, user_id: str, *, admin: bool = False
) -> TeamMember:
    async with ctx.db.begin() as conn:
        team = await team_store.get_team_by_id(conn, team_id)
        if team is None:
            raise team_not_found()
        if actor is not None:
            await require_team_permission(conn, ctx.config, actor, team_id, ADD_TEAM_MEMBERS)
        user = await user_store.get_user_by_id(conn, user_id)
        if user is None:
            raise NotFoundError("app.user.missing_account.const", "Unable to find the user.")
        existing = await team_store.get_team_member(conn, team_id, user_id)
        if existing is not None and not admin:
            return existing
        return await join_team(conn, team, user_id, admin=admin)


async def get_team(ctx: Context, actor: User, team_id: str) -> Team:
    async with ctx.db.connect() as conn:
        return await readable_team(conn, actor, team_id)


async def get_team_by_name(ctx: Context, actor: User | None, name: str) -> Team:
    async with ctx.db.connect() as conn:
        team = await team_store.get_team_by_name(conn, name)
        if team is None:
            raise team_not_found()
        if actor is not None:
            await readable_team(conn, actor, team.id)
    return team


async def list_teams(ctx: Context, actor: User, *, page: int, per_page: int) -> list[Team]:
    async with ctx.db.connect() as conn:
        if actor.is_system_admin:
            return await team_store.list_teams(conn, offset=page * per_page, limit=per_page)
        return await team_store.list_teams_for_user(conn, actor.id)


async def list_teams_for_user(ctx: Context, actor: User, user_id: str) -> list[Team]:
    if actor.id != user_id and not actor.is_system_admin:
        raise permission_denied()
    async with ctx.db.connect() as conn:
        return await team_store.list_teams_for_user(conn, user_id)


async def list_members(
    ctx: Context, actor: User, team_id: str, *, page: int, per_page: int
) -> list[TeamMember]:
    async with ctx.db.connect() as conn:
        await readable_team(conn, actor, team_id)
        return await team_store.list_team_members(
            conn, team_id, offset=page * per_page, limit=per_page
        )


TEAM_ROLES = frozenset({TEAM_USER, TEAM_ADMIN})


async def update_member_roles(
    ctx: Context, actor: User, team_id: str, user_id: str, roles: str
) -> TeamMember:
    """Mattermost's ``PUT /teams/{id}/members/{user_id}/roles``: team admins and system admins."""
    wanted = roles.split()
    if not wanted or not set(wanted) <= TEAM_ROLES or TEAM_USER not in wanted:
        raise BadRequestError(
            "api.team.update_team_member_roles.bad_role",
            "Roles must be 'team_user' or 'team_user team_admin'.",
        )
    async with ctx.mutate() as (conn, changed):
        if await team_store.get_team_by_id(conn, team_id) is None:
            raise team_not_found()
        await require_team_permission(conn, ctx.config, actor, team_id, MANAGE_TEAM)
        member = await team_store.get_team_member(conn, team_id, user_id)
        if member is None:
            raise NotFoundError(
                "app.team.get_member.missing.app_error", "The user is not a member of this team."
            )
        member.roles = " ".join(r for r in (TEAM_USER, TEAM_ADMIN) if r in wanted)
        await team_store.upsert_team_member(conn, member)
        changed(TeamChanged(team_id))
    return member


@dataclass(frozen=True)
class TeamUnread:
    """A team's unread posts and mentions over the user's channels in it."""

    team_id: str
    msg_count: int
    mention_count: int


def _require_self_or_admin(actor: User, user_id: str) -> None:
    if actor.id != user_id and not actor.is_system_admin:
        raise permission_denied()


async def list_members_for_user(ctx: Context, actor: User, user_id: str) -> list[TeamMember]:
    """Mattermost's ``GET /users/{id}/teams/members``: oneself, or a system admin
    (``read_other_users_teams``); memberships the user left are included."""
    _require_self_or_admin(actor, user_id)
    async with ctx.db.connect() as conn:
        return await team_store.get_team_members_for_user(conn, user_id)


async def unread_for_user(
    ctx: Context, actor: User, user_id: str, *, exclude_team_id: str = ""
) -> list[TeamUnread]:
    """Mattermost's ``GET /users/{id}/teams/unread`` (oneself, or ``manage_system``)."""
    _require_self_or_admin(actor, user_id)
    async with ctx.db.connect() as conn:
        rows = await team_store.count_unread_by_team(conn, user_id, exclude_team_id=exclude_team_id)
    return [TeamUnread(*row) for row in rows]


async def get_member(ctx: Context, actor: User, team_id: str, user_id: str) -> TeamMember:
    """Mattermost's ``GET /teams/{id}/members/{user_id}``: the caller may view the team and
    see the user; a membership the user left is still answered (``delete_at`` set)."""
    async with ctx.db.connect() as conn:
        await readable_team(conn, actor, team_id)
        if not await can_see_user(conn, actor, user_id):
            raise permission_denied()
        member = await team_store.get_team_member(conn, team_id, user_id, include_deleted=True)
    if member is None:
        raise NotFoundError(
            "app.team.get_member.missing.app_error", "The user is not a member of this team."
        )
    return member
