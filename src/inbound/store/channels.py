"""SQL for channels, channel membership and the unread/mention counters."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict

from sqlalchemy import and_, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.models import DIRECT, GROUP, OPEN, Channel, ChannelMember
from inbound.store.db import fetch_all, fetch_one
from inbound.store.tables import channel_members, channels, posts, users


async def insert_channel(conn: AsyncConnection, channel: Channel) -> None:
    await conn.execute(channels.insert().values(**asdict(channel)))


async def get_channel_by_id(
    conn: AsyncConnection, channel_id: str, *, include_deleted: bool = True
) -> Channel | None:
    stmt = select(channels).where(channels.c.id == channel_id)
    if not include_deleted:
        stmt = stmt.where(channels.c.delete_at == 0)
    return await fetch_one(conn, stmt, Channel)


async def get_channel_by_name(
    conn: AsyncConnection, team_id: str, name: str, *, include_deleted: bool = True
) -> Channel | None:
    stmt = select(channels).where(channels.c.team_id == team_id, channels.c.name == name)
    if not include_deleted:
        stmt = stmt.where(channels.c.delete_at == 0)
    return await fetch_one(conn, stmt, Channel)


async def list_public_channels(
    conn: AsyncConnection, team_id: str, *, offset: int = 0, limit: int = 200
) -> list[Channel]:
    stmt = (
        select(channels)
        .where(channels.c.team_id == team_id, channels.c.type == OPEN, channels.c.delete_at == 0)
        .order_by(channels.c.display_name, channels.c.id)
        .offset(offset)
        .limit(limit)
    )
    return await fetch_all(conn, stmt, Channel)


async def list_channels_for_user(
    conn: AsyncConnection, user_id: str, team_id: str, *, include_deleted: bool = False
) -> list[Channel]:
    """The user's channels in a team, plus their direct and group messages (no team)."""
    joined = channels.join(channel_members, channel_members.c.channel_id == channels.c.id)
    in_team = or_(
        channels.c.team_id == team_id,
        and_(channels.c.team_id == "", channels.c.type.in_((DIRECT, GROUP))),
    )
    stmt = (
        select(channels)
        .select_from(joined)
        .where(channel_members.c.user_id == user_id, in_team)
        .order_by(channels.c.display_name, channels.c.id)
    )
    if not include_deleted:
        stmt = stmt.where(channels.c.delete_at == 0)
    return await fetch_all(conn, stmt, Channel)


async def update_channel(conn: AsyncConnection, channel_id: str, **values: object) -> None:
    await conn.execute(update(channels).where(channels.c.id == channel_id).values(**values))


async def insert_channel_member(conn: AsyncConnection, member: ChannelMember) -> bool:
    """Add a member; ``False`` when they already were one."""
    if await get_channel_member(conn, member.channel_id, member.user_id) is not None:
        return False
    await conn.execute(channel_members.insert().values(**asdict(member)))
    return True


async def get_channel_member(
    conn: AsyncConnection, channel_id: str, user_id: str
) -> ChannelMember | None:
    stmt = select(channel_members).where(
        channel_members.c.channel_id == channel_id, channel_members.c.user_id == user_id
    )
    return await fetch_one(conn, stmt, ChannelMember)


async def list_channel_members(
    conn: AsyncConnection, channel_id: str, *, offset: int = 0, limit: int = 200
) -> list[ChannelMember]:
    stmt = (
        select(channel_members)
        .where(channel_members.c.channel_id == channel_id)
        .order_by(channel_members.c.user_id)
        .offset(offset)
        .limit(limit)
    )
    return await fetch_all(conn, stmt, ChannelMember)


async def get_member_ids_by_usernames(
    conn: AsyncConnection, channel_id: str, usernames: Collection[str]
) -> list[str]:
    """Ids of the channel's members among ``usernames`` (lower-case)."""
    joined = users.join(channel_members, channel_members.c.user_id == users.c.id)
    stmt = (
        select(users.c.id)
        .select_from(joined)
        .where(channel_members.c.channel_id == channel_id, users.c.username.in_(list(usernames)))
    )
    return list((await conn.execute(stmt)).scalars())


async def delete_channel_member(conn: AsyncConnection, channel_id: str, user_id: str) -> bool:
    result = await conn.execute(
        channel_members.delete().where(
            channel_members.c.channel_id == channel_id, channel_members.c.user_id == user_id
        )
    )
    return bool(result.rowcount)


async def mark_channel_viewed(
    conn: AsyncConnection, channel_id: str, user_id: str, *, at: int
) -> None:
    """Everything in the channel counts as seen: msg_count catches up, mentions clear."""
    total = select(channels.c.total_msg_count).where(channels.c.id == channel_id)
    await conn.execute(
        update(channel_members)
        .where(channel_members.c.channel_id == channel_id, channel_members.c.user_id == user_id)
        .values(
            msg_count=total.scalar_subquery(),
            mention_count=0,
            last_viewed_at=at,
            last_update_at=at,
        )
    )


async def get_members_for_user(
    conn: AsyncConnection, user_id: str, channel_ids: list[str]
) -> list[ChannelMember]:
    if not channel_ids:
        return []
    stmt = select(channel_members).where(
        channel_members.c.user_id == user_id, channel_members.c.channel_id.in_(channel_ids)
    )
    return await fetch_all(conn, stmt, ChannelMember)


async def get_channels_by_ids(conn: AsyncConnection, channel_ids: Collection[str]) -> list[Channel]:
    if not channel_ids:
        return []
    stmt = select(channels).where(channels.c.id.in_(list(channel_ids)))
    return await fetch_all(conn, stmt, Channel)


async def count_channel_members(
    conn: AsyncConnection, channel_ids: Collection[str]
) -> dict[str, int]:
    """Members per channel, for these channels (one grouped query; absent channels count 0)."""
    if not channel_ids:
        return {}
    stmt = (
        select(channel_members.c.channel_id, func.count())
        .where(channel_members.c.channel_id.in_(list(channel_ids)))
        .group_by(channel_members.c.channel_id)
    )
    counted = {row[0]: int(row[1]) for row in await conn.execute(stmt)}
    return {channel_id: counted.get(channel_id, 0) for channel_id in channel_ids}


async def count_pinned_posts(conn: AsyncConnection, channel_id: str) -> int:
    stmt = select(func.count()).where(
        posts.c.channel_id == channel_id, posts.c.is_pinned == true(), posts.c.delete_at == 0
    )
    return int((await conn.execute(stmt)).scalar_one())


async def list_all_channels_for_user(
    conn: AsyncConnection, user_id: str, *, include_deleted: bool, last_delete_at: int = 0
) -> list[Channel]:
    """Every channel the user is a member of, in every team, direct and group messages
    included, by id (Mattermost's ``GetChannelsByUser``). Archived channels only with
    ``include_deleted``, and then, when ``last_delete_at`` is set, only those archived since."""
    joined = channels.join(channel_members, channel_members.c.channel_id == channels.c.id)
    stmt = (
        select(channels)
        .select_from(joined)
        .where(channel_members.c.user_id == user_id)
        .order_by(channels.c.id)
    )
    if not include_deleted:
        stmt = stmt.where(channels.c.delete_at == 0)
    elif last_delete_at:
        stmt = stmt.where(or_(channels.c.delete_at == 0, channels.c.delete_at >= last_delete_at))
    return await fetch_all(conn, stmt, Channel)


async def list_members_for_user_in_team(
    conn: AsyncConnection, user_id: str, team_id: str
) -> list[ChannelMember]:
    """The user's membership of each channel of the team, and of their direct and group
    messages (no team), archived channels included (Mattermost's ``GetMembersForUser``)."""
    joined = channel_members.join(channels, channels.c.id == channel_members.c.channel_id)
    stmt = (
        select(channel_members)
        .select_from(joined)
        .where(
            channel_members.c.user_id == user_id,
            or_(channels.c.team_id == team_id, channels.c.team_id == ""),
        )
        .order_by(channel_members.c.channel_id)
    )
    return await fetch_all(conn, stmt, ChannelMember)
