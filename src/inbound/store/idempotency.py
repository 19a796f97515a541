"""SQL for the idempotency keys hooks have stored posts under (the writer claims them in the
posts' own transaction: ``write_plan``)."""

from __future__ import annotations

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.store.tables import hook_idempotency_keys as keys


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
