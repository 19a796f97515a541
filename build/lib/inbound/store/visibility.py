"""SQL for who shares a team or a channel with whom (Mattermost's view restrictions)."""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.store.tables import channel_members, team_members


async def get_users_sharing_with(
    conn: AsyncConnection, viewer_id: str, user_ids: list[str]
) -> set[str]:
    """Those of ``user_ids`` who are in a team (an active membership) or in a channel (any
    kind, direct messages included) together with ``viewer_id``."""
    if not user_ids:
        return set()
    my_teams = select(team_members.c.team_id).where(
        team_members.c.user_id == viewer_id, team_members.c.delete_at == 0
    )
    by_team = select(team_members.c.user_id).where(
        team_members.c.team_id.in_(my_teams),
        team_members.c.delete_at == 0,
        team_members.c.user_id.in_(user_ids),
    )
    my_channels = select(channel_members.c.channel_id).where(channel_members.c.user_id == viewer_id)
    by_channel = select(channel_members.c.user_id).where(
        channel_members.c.channel_id.in_(my_channels), channel_members.c.user_id.in_(user_ids)
    )
    rows = await conn.execute(union(by_team, by_channel))
    return {row[0] for row in rows}
