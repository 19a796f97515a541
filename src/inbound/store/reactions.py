"""SQL for reactions: add (once), remove, and read them for a page of posts in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.models import Reaction
from inbound.store.db import fetch_all, fetch_one
from inbound.store.tables import posts, reactions

IDS_PER_QUERY = 1000  # a statement binds ≤ 32,767 values


async def insert_reaction(conn: AsyncConnection, reaction: Reaction) -> bool:
    """Add the reaction; False (and nothing written) when the user already reacted so."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(reactions).values(**asdict(reaction)).on_conflict_do_nothing()
    return bool((await conn.execute(stmt)).rowcount)


async def get_reaction(
    conn: AsyncConnection, post_id: str, user_id: str, emoji_name: str
) -> Reaction | None:
    stmt = select(reactions).where(
        reactions.c.post_id == post_id,
        reactions.c.user_id == user_id,
        reactions.c.emoji_name == emoji_name,
    )
    return await fetch_one(conn, stmt, Reaction)


async def delete_reaction(conn: AsyncConnection, reaction: Reaction) -> bool:
    """Remove the reaction; False when there was none."""
    stmt = delete(reactions).where(
        reactions.c.post_id == reaction.post_id,
        reactions.c.user_id == reaction.user_id,
        reactions.c.emoji_name == reaction.emoji_name,
    )
    return bool((await conn.execute(stmt)).rowcount)


async def count_emoji_on_post(conn: AsyncConnection, post_id: str) -> int:
    """How many different emoji the post carries (Mattermost's unique-reaction limit)."""
    stmt = select(func.count(func.distinct(reactions.c.emoji_name))).where(
        reactions.c.post_id == post_id
    )
    return int((await conn.execute(stmt)).scalar_one())


async def has_emoji_on_post(conn: AsyncConnection, post_id: str, emoji_name: str) -> bool:
    stmt = (
        select(reactions.c.post_id)
        .where(reactions.c.post_id == post_id, reactions.c.emoji_name == emoji_name)
        .limit(1)
    )
    return (await conn.execute(stmt)).first() is not None


async def get_reactions_for_posts(
    conn: AsyncConnection, post_ids: Sequence[str]
) -> dict[str, list[Reaction]]:
    """Each post's reactions, oldest first (posts without any are absent)."""
    found: dict[str, list[Reaction]] = {}
    ids = sorted(set(post_ids))
    for start in range(0, len(ids), IDS_PER_QUERY):
        stmt = (
            select(reactions)
            .where(reactions.c.post_id.in_(ids[start : start + IDS_PER_QUERY]))
            .order_by(reactions.c.create_at, reactions.c.user_id, reactions.c.emoji_name)
        )
        for reaction in await fetch_all(conn, stmt, Reaction):
            found.setdefault(reaction.post_id, []).append(reaction)
    return found


async def touch_post(conn: AsyncConnection, post_id: str, *, at: int) -> None:
    """A reaction came or went: the post changes (Mattermost's ``UpdateAt``, so ``since``
    readers see it) and says whether it has any left."""
    left = select(reactions.c.post_id).where(reactions.c.post_id == post_id).exists()
    stmt = update(posts).where(posts.c.id == post_id).values(update_at=at, has_reactions=left)
    await conn.execute(stmt)
