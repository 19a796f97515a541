"""A channel's properties (display name, name, header, purpose) and its statistics.

Mattermost's rules: a public or private channel's members may edit its properties
(``manage_public_channel_properties`` / ``manage_private_channel_properties`` belong to
``channel_user``), team admins may edit a public channel's too, system admins any; in a direct or
group message only the header, and only by its members.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.errors import BadRequestError, ForbiddenError, permission_denied
from inbound.models import OPEN, Channel, User, now_ms
from inbound.services.changes import ChannelChanged
from inbound.services.channels import CHANNEL_NAME_RE, UNDELETABLE, channel_not_found
from inbound.services.context import Context
from inbound.services.events import ChannelUpdated
from inbound.services.permissions import MANAGE_TEAM, has_team_permission, readable_channel
from inbound.store import channels as channel_store
from inbound.store import teams as team_store

DISPLAY_NAME_MAX = 64
HEADER_MAX = 1024
PURPOSE_MAX = 250
MEMBER_COUNT_IDS_MAX = 1000


@dataclass(frozen=True)
class ChannelPatch:
    """What a patch sets; ``None`` leaves the field as it is."""

    display_name: str | None = None
    name: str | None = None
    header: str | None = None
    purpose: str | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in (self.display_name, self.name, self.header, self.purpose))


@dataclass(frozen=True)
class ChannelStats:
    channel_id: str
    member_count: int
    pinnedpost_count: int


def check_patch(channel: Channel, patch: ChannelPatch) -> None:
    """The patch's own rules against the channel as it is (no permissions, no I/O)."""
    if patch.is_empty():
        raise BadRequestError(
            "api.channel.patch_update_channel.no_changes.app_error", "Nothing to change."
        )
    if channel.delete_at:
        raise BadRequestError(
            "api.channel.update_channel.deleted.app_error", "The channel has been archived."
        )
    if channel.is_direct and _changes_more_than_header(channel, patch):
        raise BadRequestError(
            "api.channel.patch_update_channel.update_direct_or_group_messages_not_allowed.app_error",
            "Only the header of a direct or group message can be changed.",
        )
    if patch.name is not None and patch.name != channel.name:
        if channel.name in UNDELETABLE:
            raise BadRequestError(
                "api.channel.update_channel.tried.app_error",
                f"The name of {channel.name} cannot be changed.",
            )
        if not CHANNEL_NAME_RE.match(patch.name):
            raise BadRequestError(
                "model.channel.is_valid.name.app_error",
                "Channel name must be 1–64 lowercase letters, numbers, '-' or '_'.",
            )
    _check_lengths(patch)


def _changes_more_than_header(channel: Channel, patch: ChannelPatch) -> bool:
    return (
        (patch.name is not None and patch.name != channel.name)
        or (patch.display_name is not None and patch.display_name != channel.display_name)
        or (patch.purpose is not None and patch.purpose != channel.purpose)
    )


def _check_lengths(patch: ChannelPatch) -> None:
    if patch.display_name is not None and not (
        patch.display_name.strip() and len(patch.display_name) <= DISPLAY_NAME_MAX
    ):
        raise BadRequestError(
            "model.channel.is_valid.display_name.app_error",
            f"Display name must be 1–{DISPLAY_NAME_MAX} characters.",
        )
    if patch.header is not None and len(patch.header) > HEADER_MAX:
        raise BadRequestError(
            "model.channel.is_valid.header.app_error",
            f"The header can be at most {HEADER_MAX} characters.",
        )
    if patch.purpose is not None and len(patch.purpose) > PURPOSE_MAX:
        raise BadRequestError(
            "model.channel.is_valid.purpose.app_error",
            f"The purpose can be at most {PURPOSE_MAX} characters.",
        )


async def patch_channel(ctx: Context, actor: User, channel_id: str, patch: ChannelPatch) -> Channel:
    async with ctx.db.connect() as conn:
        channel = await channel_store.get_channel_by_id(conn, channel_id)
        if channel is None:
            raise channel_not_found()
        await _require_may_edit(ctx, conn, actor, channel)
    check_patch(channel, patch)
    values = {k: v for k, v in vars(patch).items() if v is not None}
    if "display_name" in values:
        values["display_name"] = values["display_name"].strip()
    values["update_at"] = now_ms()
    async with ctx.mutate() as (conn, changed):
        renamed = patch.name if patch.name not in (None, channel.name) else None
        if renamed and await channel_store.get_channel_by_name(conn, channel.team_id, renamed):
            raise BadRequestError(
                "store.sql_channel.update.exists.app_error",
                f"A channel with the name {renamed!r} already exists on this team.",
            )
        await channel_store.update_channel(conn, channel.id, **values)
        changed(ChannelChanged(channel.id))
        updated = await channel_store.get_channel_by_id(conn, channel.id)
    assert updated is not None
    ctx.events.publish(ChannelUpdated(updated))
    return updated


async def _require_may_edit(
    ctx: Context, conn: AsyncConnection, actor: User, channel: Channel
) -> None:
    member = await channel_store.get_channel_member(conn, channel.id, actor.id)
    if channel.is_direct:
        if member is None:
            raise ForbiddenError(
                "api.channel.patch_update_channel.forbidden.app_error",
                "Only members may change a direct or group message's header.",
            )
        return
    if member is not None or actor.is_system_admin:
        return
    if channel.type == OPEN and await has_team_permission(
        conn, ctx.config, actor, channel.team_id, MANAGE_TEAM
    ):
        return
    raise permission_denied()


async def get_stats(ctx: Context, actor: User, channel_id: str) -> ChannelStats:
    """Mattermost's ``GET /channels/{id}/stats``: whoever may read the channel."""
    async with ctx.db.connect() as conn:
        channel = await readable_channel(conn, actor, channel_id)
        counts = await channel_store.count_channel_members(conn, [channel.id])
        pinned = await channel_store.count_pinned_posts(conn, channel.id)
    return ChannelStats(channel.id, counts[channel.id], pinned)


async def member_counts(ctx: Context, actor: User, channel_ids: list[str]) -> dict[str, int]:
    """Members per channel for ``POST /channels/stats/member_count``: every channel named must
    be readable by the actor (403 otherwise); ids of no channel are left out."""
    wanted = list(dict.fromkeys(channel_ids))
    if len(wanted) > MEMBER_COUNT_IDS_MAX:
        raise BadRequestError(
            "api.context.invalid_body_param.app_error",
            f"At most {MEMBER_COUNT_IDS_MAX} channel ids at once.",
        )
    async with ctx.db.connect() as conn:
        found = await channel_store.get_channels_by_ids(conn, wanted)
        if not actor.is_system_admin:
            teams = {t.id for t in await team_store.list_teams_for_user(conn, actor.id)}
            mine = await channel_store.get_members_for_user(conn, actor.id, [c.id for c in found])
            joined = {m.channel_id for m in mine}
            for channel in found:
                public = channel.type == OPEN and channel.team_id in teams
                if not public and channel.id not in joined:
                    raise permission_denied()
        return await channel_store.count_channel_members(conn, [c.id for c in found])
