"""SQL for teams and team membership."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.models import Team, TeamMember
from inbound.store.db import fetch_all, fetch_one
from inbound.store.tables import channel_members, channels, team_members, teams


async def insert_team(conn: AsyncConnection, team: Team) -> None:
    await conn.execute(teams.insert().values(**asdict(team)))


async def get_team_by_id(conn: AsyncConnection, team_id: str) -> Team | None:
    stmt = select(teams).where(teams.c.id == team_id, teams.c.delete_at == 0)
    return await fetch_one(conn, stmt, Team)


async def get_team_by_name(conn: AsyncConnection, name: str) -> Team | None:
    stmt = select(teams).where(teams.c.name == name.lower(), teams.c.delete_at == 0)
    return await fetch_one(conn, stmt, Team)


async def list_teams(conn: AsyncConnection, *, offset: int = 0, limit: int = 200) -> list[Team]:
    stmt = (
        select(teams)
        .where(teams.c.delete_at == 0)
        .order_by(teams.c.name)
        .offset(offset)
        .limit(limit)
    )
    return await fetch_all(conn, stmt, Team)


async def list_teams_for_user(conn: AsyncConnection, user_id: str) -> list[Team]:
    joined = teams.join(team_members, team_members.c.team_id == teams.c.id)
    stmt = (
        select(teams)
        .select_from(joined)
        .where(
            team_members.c.user_id == user_id,
            team_members.c.delete_at == 0,
            teams.c.delete_at == 0,
        )
        .order_by(teams.c.name)
    )
    return await fetch_all(conn, stmt, Team)


async def upsert_team_member(conn: AsyncConnection, member: TeamMember) -> None:
    existing = await get_team_member(conn, member.team_id, member.user_id, include_deleted=True)
    if existing is None:
        await conn.execute(team_members.insert().values(**asdict(member)))
        return
    await conn.execute(
        update(team_members)
        .where(
            team_members.c.team_id == member.team_id,
            team_members.c.user_id == member.user_id,
        )
        .values(roles=member.roles, delete_at=member.delete_at)
    )


async def get_team_member(
    conn: AsyncConnection, team_id: str, user_id: str, *, include_deleted: bool = False
) -> TeamMember | None:
    stmt = select(team_members).where(
        team_members.c.team_id == team_id, team_members.c.user_id == user_id
    )
    if not include_deleted:
        stmt = stmt.where(team_members.c.delete_at == 0)
    return await fetch_one(conn, stmt, TeamMember)


async def list_team_members(
    conn: AsyncConnection, team_id: str, *, offset: int = 0, limit: int = 200
) -> list[TeamMember]:
    stmt = (
        select(team_members)
        .where(team_members.c.team_id == team_id, team_members.c.delete_at == 0)
        .order_by(team_members.c.user_id)
        .offset(offset)
        .limit(limit)
    )
    return await fetch_all(conn, stmt, TeamMember)


async def get_team_members_for_user(conn: AsyncConnection, user_id: str) -> list[TeamMember]:
    """Every team membership of the user, left ones (``delete_at`` set) included, as
    Mattermost's ``GetTeamMembersForUser(user, "", includeDeleted=true)``."""
    stmt = (
        select(team_members)
        .where(team_members.c.user_id == user_id)
        .order_by(team_members.c.team_id)
    )
    return await fetch_all(conn, stmt, TeamMember)


async def count_unread_by_team(
    conn: AsyncConnection, user_id: str, *, exclude_team_id: str = ""
) -> list[tuple[str, int, int]]:
    """(team id, unread posts, mentions) summed over the user's channels that are not
    archived, one grouped query. As Mattermost's ``GetChannelUnreadsForAllTeams``, channels of
    ``exclude_team_id`` are left out, so by default ('') direct and group messages are too."""
    unread = channels.c.total_msg_count - channel_members.c.msg_count
    joined = channels.join(channel_members, channel_members.c.channel_id == channels.c.id)
    stmt = (
        select(
            channels.c.team_id,
            func.sum(case((unread > 0, unread), else_=0)),
            func.sum(channel_members.c.mention_count),
        )
        .select_from(joined)
        .where(
            channel_members.c.user_id == user_id,
            channels.c.delete_at == 0,
            channels.c.team_id != exclude_team_id,
        )
        .group_by(channels.c.team_id)
        .order_by(channels.c.team_id)
    )
    return [(row[0], int(row[1]), int(row[2])) for row in await conn.execute(stmt)]
