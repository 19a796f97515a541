"""SQL for the idempotency keys hooks have stored posts under (the writer claims them in the
posts' own transaction: ``write_plan``)."""

from __future__ import annotations

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.store.tables import hook_idempotency_keys as keys
from inbound.store.write_plan import Stored


async def get_key(conn: AsyncConnection, *, hook_id: str, key: str, since: int) -> Stored | None:
    """What was stored under ``key`` at ``since`` or later, or ``None``."""
    stmt = select(keys.c.body_hash, keys.c.channel_id, keys.c.post_ids).where(
        keys.c.hook_id == hook_id, keys.c.key == key, keys.c.create_at >= since
    )
    row = (await conn.execute(stmt)).first()
    return None if row is None else Stored(row[0], row[1], row[2].split())


async def purge(conn: AsyncConnection, *, before: int, limit: int) -> int:
    """Delete up to ``limit`` keys stored before ``before``; how many went."""
    oldest = (
        select(keys.c.hook_id, keys.c.key)
        .where(keys.c.create_at < before)
        .order_by(keys.c.create_at)
        .limit(limit)
    )
    stmt = delete(keys).where(tuple_(keys.c.hook_id, keys.c.key).in_(oldest))
    return int((await conn.execute(stmt)).rowcount or 0)
