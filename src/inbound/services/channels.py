"""Channels: create, read, membership, direct messages, archive, unread and view."""

from __future__ import annotations

import re
from dataclasses import dataclass

from inbound.errors import BadRequestError, NotFoundError, permission_denied
from inbound.models import (
    CHANNEL_ADMIN,
    CHANNEL_USER,
    DIRECT,
    OPEN,
    PRIVATE,
    Channel,
    ChannelMember,
    User,
    is_valid_id,
    new_id,
    now_ms,
)
from inbound.services.changes import ChannelChanged
from inbound.services.context import Context
from inbound.services.events import ChannelViewed
from inbound.services.permissions import (
    CREATE_PRIVATE_CHANNEL,
    CREATE_PUBLIC_CHANNEL,
    MANAGE_TEAM,
    can_read_channel,
    has_team_permission,
    readable_channel,
    readable_team,
    require_team_permission,
)
from inbound.store import channels as channel_store
from inbound.store import hooks as hook_store
from inbound.store import teams as team_store
from inbound.store import users as user_store

CHANNEL_NAME_RE = re.compile(r"^[a-z0-9\-_]{1,64}$")
UNDELETABLE = frozenset({"town-square"})


def channel_not_found() -> NotFoundError:
    return NotFoundError("app.channel.get.existing.app_error", "Unable to find the channel.")


def direct_channel_name(user_a: str, user_b: str) -> str:
    return "__".join(sorted((user_a, user_b)))


async def create_channel(
    ctx: Context,
    actor: User | None,
    *,
    team_id: str,
    name: str,
    display_name: str,
    channel_type: str = OPEN,
    purpose: str = "",
    header: str = "",
) -> Channel:
    if channel_type not in (OPEN, PRIVATE):
        raise BadRequestError(
            "model.channel.is_valid.type.app_error", "Channel type must be O or P."
        )
    if not CHANNEL_NAME_RE.match(name):
        raise BadRequestError(
            "model.channel.is_valid.name.app_error",
            "Channel name must be 1–64 lowercase letters, numbers, '-' or '_'.",
        )
    if not display_name.strip() or len(display_name) > 64:
        raise BadRequestError(
            "model.channel.is_valid.display_name.app_error",
            "Display name must be 1–64 characters.",
        )
    now = now_ms()
    channel = Channel(new_id(), team_id, name, display_name.strip(), channel_type, now, now)
    channel.purpose, channel.header = purpose[:250], header[:1024]
    channel.creator_id = actor.id if actor else ""
    async with ctx.db.begin() as conn:
        if await team_store.get_team_by_id(conn, team_id) is None:
            raise NotFoundError("app.team.get.find.app_error", "Unable to find the team.")
        if actor is not None:
            wanted = CREATE_PUBLIC_CHANNEL if channel_type == OPEN else CREATE_PRIVATE_CHANNEL
            await require_team_permission(conn, ctx.config, actor, team_id, wanted)
        if await channel_store.get_channel_by_name(conn, team_id, name) is not None:
            raise BadRequestError(
                "store.sql_channel.save_channel.exists.app_error",
                f"A channel with the name {name!r} already exists on this team.",
            )
        await channel_store.insert_channel(conn, channel)
        if actor is not None:
            member = ChannelMember(channel.id, actor.id, f"{CHANNEL_USER} {CHANNEL_ADMIN}", now)
            await channel_store.insert_channel_member(conn, member)
    return channel


async def get_channel(ctx: Context, actor: User, channel_id: str) -> Channel:
    async with ctx.db.connect() as conn:
        return await readable_channel(conn, actor, channel_id)


async def get_channel_by_name(ctx: Context, actor: User | None, team_id: str, name: str) -> Channel:
    async with ctx.db.connect() as conn:
        channel = await channel_store.get_channel_by_name(conn, team_id, name)
        if channel is None:
            raise channel_not_found()
        if actor is not None:
            await readable_channel(conn, actor, channel.id)
    return channel


async def list_public(
    ctx: Context, actor: User, team_id: str, *, page: int, per_page: int
) -> list[Channel]:
    async with ctx.db.connect() as conn:
        await readable_team(conn, actor, team_id)
        return await channel_store.list_public_channels(
            conn, team_id, offset=page * per_page, limit=per_page
        )


async def can_read(ctx: Context, user: User, channel_id: str) -> bool:
    """Whether live events of this channel may reach the user (no error: events are dropped)."""
    async with ctx.db.connect() as conn:
        channel = await channel_store.get_channel_by_id(conn, channel_id)
        return channel is not None and await can_read_channel(conn, user, channel)


async def linkable_names(ctx: Context, actor: User, team_id: str) -> frozenset[str]:
    """The channel names a ``~name`` in the actor's posts links to: the team's public channels
    (the first thousand) and the actor's own, direct messages aside."""
    async with ctx.db.connect() as conn:
        public = await channel_store.list_public_channels(conn, team_id, limit=1000)
        mine = await channel_store.list_channels_for_user(conn, actor.id, team_id)
    return frozenset(c.name for c in (*public, *mine) if not c.is_direct)


async def memberships(
    ctx: Context, actor: User, channel_ids: list[str]
) -> dict[str, ChannelMember]:
    """The actor's membership (unread and mention counts) of each of these channels they belong
    to, by channel id."""
    async with ctx.db.connect() as conn:
        found = await channel_store.get_members_for_user(conn, actor.id, channel_ids)
    return {m.channel_id: m for m in found}


async def list_for_user(ctx: Context, actor: User, user_id: str, team_id: str) -> list[Channel]:
    if actor.id != user_id and not actor.is_system_admin:
        raise permission_denied()
    async with ctx.db.connect() as conn:
        return await channel_store.list_channels_for_user(conn, user_id, team_id)


async def add_member(
    ctx: Context, actor: User | None, channel_id: str, user_id: str
) -> ChannelMember:
    async with ctx.db.begin() as conn:
        channel = await channel_store.get_channel_by_id(conn, channel_id)
        if channel is None:
            raise channel_not_found()
        if channel.delete_at:
            raise BadRequestError(
                "api.channel.add_user.to.channel.failed.deleted.app_error",
                "The channel has been archived.",
            )
        if channel.is_direct:
            raise BadRequestError(
                "api.channel.add_user_to_channel.type.app_error",
                "Members cannot be added to a direct message channel.",
            )
        if actor is not None:
            await readable_channel(conn, actor, channel_id)
        if await user_store.get_user_by_id(conn, user_id) is None:
            raise NotFoundError("app.user.missing_account.const", "Unable to find the user.")
        if await team_store.get_team_member(conn, channel.team_id, user_id) is None:
            raise BadRequestError(
                "api.channel.add_members.user_denied",
                "The user must be a member of the team before joining its channels.",
            )
        member = ChannelMember(channel.id, user_id, CHANNEL_USER, now_ms(), 0)
        member.msg_count = channel.total_msg_count
        await channel_store.insert_channel_member(conn, member)
        found = await channel_store.get_channel_member(conn, channel.id, user_id)
    assert found is not None
    return found


async def remove_member(ctx: Context, actor: User, channel_id: str, user_id: str) -> None:
    async with ctx.db.begin() as conn:
        channel = await readable_channel(conn, actor, channel_id)
        if channel.is_direct:
            raise BadRequestError(
                "api.channel.remove_user_from_channel.type.app_error",
                "Members cannot be removed from a direct message channel.",
            )
        if channel.name in UNDELETABLE:
            raise BadRequestError(
                "api.channel.remove.default.app_error",
                f"Members cannot leave the {channel.name} channel.",
            )
        if actor.id != user_id and not await _can_manage(ctx, actor, channel):
            raise permission_denied()
        if not await channel_store.delete_channel_member(conn, channel_id, user_id):
            raise NotFoundError(
                "app.channel.get_member.missing.app_error", "The user is not a member."
            )


async def list_members(
    ctx: Context, actor: User, channel_id: str, *, page: int, per_page: int
) -> list[ChannelMember]:
    async with ctx.db.connect() as conn:
        await readable_channel(conn, actor, channel_id)
        return await channel_store.list_channel_members(
            conn, channel_id, offset=page * per_page, limit=per_page
        )


async def get_member(ctx: Context, actor: User, channel_id: str, user_id: str) -> ChannelMember:
    async with ctx.db.connect() as conn:
        await readable_channel(conn, actor, channel_id)
        member = await channel_store.get_channel_member(conn, channel_id, user_id)
    if member is None:
        raise NotFoundError("app.channel.get_member.missing.app_error", "The user is not a member.")
    return member


async def get_or_create_direct(
    ctx: Context, actor: User | None, user_a: str, user_b: str
) -> tuple[Channel, bool]:
    """The DM channel of two users (a user may DM themselves); ``True`` when just created."""
    if not (is_valid_id(user_a) and is_valid_id(user_b)):
        raise BadRequestError(
            "api.context.invalid_body_param.app_error", "Two user ids are required."
        )
    if actor is not None and actor.id not in (user_a, user_b) and not actor.is_system_admin:
        raise permission_denied()
    name = direct_channel_name(user_a, user_b)
    async with ctx.db.begin() as conn:
        existing = await channel_store.get_channel_by_name(conn, "", name)
        if existing is not None:
            return existing, False
        if len(await user_store.get_users_by_ids(conn, list({user_a, user_b}))) != len(
            {user_a, user_b}
        ):
            raise NotFoundError("app.user.missing_account.const", "Unable to find the user.")
        now = now_ms()
        channel = Channel(new_id(), "", name, "", DIRECT, now, now, creator_id=user_a)
        await channel_store.insert_channel(conn, channel)
        for user_id in {user_a, user_b}:
            await channel_store.insert_channel_member(
                conn, ChannelMember(channel.id, user_id, CHANNEL_USER, now)
            )
    return channel, True


async def _can_manage(ctx: Context, actor: User, channel: Channel) -> bool:
    if actor.is_system_admin:
        return True
    async with ctx.db.connect() as conn:
        member = await channel_store.get_channel_member(conn, channel.id, actor.id)
        if member is not None and CHANNEL_ADMIN in member.roles.split():
            return True
        return await has_team_permission(conn, ctx.config, actor, channel.team_id, MANAGE_TEAM)


async def archive(ctx: Context, actor: User | None, channel_id: str) -> list[str]:
    """Archive the channel and disable its incoming webhooks; returns the disabled hook ids."""
    async with ctx.db.connect() as conn:
        channel = await channel_store.get_channel_by_id(conn, channel_id)
    if channel is None or channel.delete_at:
        raise channel_not_found()
    if channel.is_direct or channel.name in UNDELETABLE:
        raise BadRequestError(
            "api.channel.delete_channel.cannot.app_error",
            f"The {channel.name or 'direct message'} channel cannot be archived.",
        )
    if actor is not None and not await _can_manage(ctx, actor, channel):
        raise permission_denied()
    now = now_ms()
    async with ctx.mutate() as (conn, changed):
        hook_ids = await hook_store.list_hook_ids_by_channel(conn, channel_id)
        await channel_store.update_channel(conn, channel_id, delete_at=now, update_at=now)
        await hook_store.delete_hooks_by_channel(conn, channel_id, at=now)
        changed(ChannelChanged(channel_id))
    return hook_ids


@dataclass(frozen=True)
class Unread:
    team_id: str
    channel_id: str
    msg_count: int
    mention_count: int


async def unread(ctx: Context, actor: User, user_id: str, channel_id: str) -> Unread:
    if actor.id != user_id and not actor.is_system_admin:
        raise permission_denied()
    async with ctx.db.connect() as conn:
        channel = await readable_channel(conn, actor, channel_id)
        member = await channel_store.get_channel_member(conn, channel_id, user_id)
    if member is None:
        raise NotFoundError("app.channel.get_member.missing.app_error", "The user is not a member.")
    return Unread(
        channel.team_id,
        channel.id,
        max(channel.total_msg_count - member.msg_count, 0),
        member.mention_count,
    )


async def view(ctx: Context, actor: User, user_id: str, channel_id: str) -> None:
    """Mark the channel read for the user (Mattermost's ``channels/members/{id}/view``)."""
    if actor.id != user_id:
        raise permission_denied()
    if not channel_id:
        return
    async with ctx.db.begin() as conn:
        channel = await readable_channel(conn, actor, channel_id)
        await channel_store.mark_channel_viewed(conn, channel.id, user_id, at=now_ms())
    ctx.events.publish(ChannelViewed(user_id, channel_id))


async def list_all_for_user(
    ctx: Context, actor: User, user_id: str, *, include_deleted: bool, last_delete_at: int
) -> list[Channel]:
    """``GET /users/{id}/channels``: the user's channels across teams, DMs included; someone
    else's only for a system admin (Mattermost's ``edit_other_users``)."""
    if actor.id != user_id and not actor.is_system_admin:
        raise permission_denied()
    async with ctx.db.connect() as conn:
        return await channel_store.list_all_channels_for_user(
            conn, user_id, include_deleted=include_deleted, last_delete_at=last_delete_at
        )


async def members_for_user_in_team(
    ctx: Context, actor: User, user_id: str, team_id: str
) -> list[ChannelMember]:
    """``GET /users/{id}/teams/{team_id}/channels/members``: Mattermost checks ``view_team``
    first (a member of the team, or a system admin: an unknown team is a 403 too), then
    ``manage_system`` for anyone but oneself."""
    async with ctx.db.connect() as conn:
        if (
            not actor.is_system_admin
            and await team_store.get_team_member(conn, team_id, actor.id) is None
        ):
            raise permission_denied()
        if actor.id != user_id and not actor.is_system_admin:
            raise permission_denied()
        return await channel_store.list_members_for_user_in_team(conn, user_id, team_id)
