"""SQL for posts: reads and keyset pages by channel and time, edits and deletes. New posts
are written by the post writer (``write_plan``, ``post_writer``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import and_, func, literal, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.models import Post
from inbound.search.text import search_text
from inbound.store.tables import posts


def _replies_to(root_id: str) -> Any:
    """Replies of ``root_id``, phrased so the partial index on replies applies."""
    return and_(posts.c.root_id == root_id, posts.c.root_id != "")


def post_values(post: Post) -> tuple[Any, ...]:
    """The row in the posts table's column order (the writer's hot path; a dict per row would
    cost more than the insert)."""
    return (
        post.id,
        post.create_at,
        post.update_at,
        post.edit_at,
        post.delete_at,
        post.user_id,
        post.channel_id,
        post.root_id,
        post.message,
        post.type,
        orjson.dumps(post.props).decode() if post.props else "",
        post.hashtags,
        post.is_pinned,
        orjson.dumps(post.metadata).decode() if post.metadata else "",
        post.has_reactions,
        search_text(post.props) if post.props else "",
        post.hook_id,
    )


def to_post(row: Any) -> Post:
    values = dict(row)
    del values["search_text"]
    values["props"] = orjson.loads(values["props"]) if values["props"] else {}
    values["metadata"] = orjson.loads(values["metadata"]) if values["metadata"] else {}
    return Post(**values)


async def _fetch(conn: AsyncConnection, stmt: Any) -> list[Post]:
    return [to_post(row) for row in (await conn.execute(stmt)).mappings()]


async def get_post_by_id(
    conn: AsyncConnection, post_id: str, *, include_deleted: bool = False
) -> Post | None:
    stmt = select(posts).where(posts.c.id == post_id)
    if not include_deleted:
        stmt = stmt.where(posts.c.delete_at == 0)
    found = await _fetch(conn, stmt)
    return found[0] if found else None


async def get_posts_by_ids(conn: AsyncConnection, post_ids: Sequence[str]) -> list[Post]:
    """The posts with these ids that are not deleted (one query; any order)."""
    if not post_ids:
        return []
    return await _fetch(conn, select(posts).where(posts.c.id.in_(post_ids), posts.c.delete_at == 0))


async def get_thread(conn: AsyncConnection, root_id: str) -> list[Post]:
    stmt = (
        select(posts)
        .where(or_(posts.c.id == root_id, _replies_to(root_id)), posts.c.delete_at == 0)
        .order_by(posts.c.create_at, posts.c.id)
    )
    return await _fetch(conn, stmt)


async def count_replies(conn: AsyncConnection, root_ids: Sequence[str]) -> dict[str, int]:
    if not root_ids:
        return {}
    stmt = (
        select(posts.c.root_id, func.count())
        .where(posts.c.root_id.in_(root_ids), posts.c.root_id != "", posts.c.delete_at == 0)
        .group_by(posts.c.root_id)
    )
    return {root: int(n) for root, n in (await conn.execute(stmt)).all()}


def _newest_first(channel_id: str) -> Any:
    return (
        select(posts)
        .where(posts.c.channel_id == channel_id, posts.c.delete_at == 0)
        .order_by(posts.c.create_at.desc(), posts.c.id.desc())
    )


async def get_posts_page(
    conn: AsyncConnection, channel_id: str, *, offset: int, limit: int
) -> list[Post]:
    """Newest first. ``offset`` is Mattermost's ``page * per_page``; page 0 is a pure index read."""
    return await _fetch(conn, _newest_first(channel_id).offset(offset).limit(limit))


async def get_posts_before(
    conn: AsyncConnection, channel_id: str, anchor: Post, *, limit: int
) -> list[Post]:
    """Keyset page of posts older than ``anchor``, newest first."""
    older = tuple_(posts.c.create_at, posts.c.id) < tuple_(
        literal(anchor.create_at), literal(anchor.id)
    )
    return await _fetch(conn, _newest_first(channel_id).where(older).limit(limit))


async def get_posts_after(
    conn: AsyncConnection, channel_id: str, anchor: Post, *, limit: int
) -> list[Post]:
    """Keyset page of posts newer than ``anchor``, newest first."""
    newer = tuple_(posts.c.create_at, posts.c.id) > tuple_(
        literal(anchor.create_at), literal(anchor.id)
    )
    stmt = (
        select(posts)
        .where(posts.c.channel_id == channel_id, posts.c.delete_at == 0, newer)
        .order_by(posts.c.create_at, posts.c.id)
        .limit(limit)
    )
    return list(reversed(await _fetch(conn, stmt)))


async def get_posts_since(conn: AsyncConnection, channel_id: str, since: int) -> list[Post]:
    """Everything created, edited or deleted at or after ``since`` (deleted posts included)."""
    stmt = (
        select(posts)
        .where(posts.c.channel_id == channel_id, posts.c.update_at >= since)
        .order_by(posts.c.create_at.desc(), posts.c.id.desc())
        .limit(1000)
    )
    return await _fetch(conn, stmt)


async def update_post(conn: AsyncConnection, post_id: str, **values: Any) -> None:
    if "props" in values:
        values["search_text"] = search_text(values["props"])
    for key in ("props", "metadata"):
        if key in values:
            values[key] = orjson.dumps(values[key]).decode() if values[key] else ""
    await conn.execute(update(posts).where(posts.c.id == post_id).values(**values))


async def delete_thread(conn: AsyncConnection, root_id: str, *, at: int) -> None:
    await conn.execute(
        update(posts)
        .where(or_(posts.c.id == root_id, _replies_to(root_id)), posts.c.delete_at == 0)
        .values(delete_at=at, update_at=at)
    )
