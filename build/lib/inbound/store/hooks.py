"""SQL for incoming webhooks and the keys that "regenerate" retired."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.models import IncomingHook
from inbound.store.db import fetch_all, fetch_one
from inbound.store.tables import incoming_hooks, retired_hook_keys


async def insert_hook(conn: AsyncConnection, hook: IncomingHook) -> None:
    await conn.execute(incoming_hooks.insert().values(**asdict(hook)))


async def get_hook_by_id(conn: AsyncConnection, hook_id: str) -> IncomingHook | None:
    stmt = select(incoming_hooks).where(
        incoming_hooks.c.id == hook_id, incoming_hooks.c.delete_at == 0
    )
    return await fetch_one(conn, stmt, IncomingHook)


async def get_hook_by_retired_key(
    conn: AsyncConnection, key: str, *, now: int
) -> IncomingHook | None:
    stmt = select(retired_hook_keys.c.hook_id).where(
        retired_hook_keys.c.key == key, retired_hook_keys.c.expire_at > now
    )
    hook_id = (await conn.execute(stmt)).scalar()
    return None if hook_id is None else await get_hook_by_id(conn, hook_id)


def _listing(*, team_id: str, user_id: str) -> list[object]:
    where: list[object] = [incoming_hooks.c.delete_at == 0]
    if team_id:
        where.append(incoming_hooks.c.team_id == team_id)
    if user_id:
        where.append(incoming_hooks.c.user_id == user_id)
    return where


async def list_hooks(
    conn: AsyncConnection, *, team_id: str = "", user_id: str = "", offset: int, limit: int
) -> list[IncomingHook]:
    stmt = (
        select(incoming_hooks)
        .where(*_listing(team_id=team_id, user_id=user_id))  # type: ignore[arg-type]
        .order_by(incoming_hooks.c.create_at, incoming_hooks.c.id)
        .offset(offset)
        .limit(limit)
    )
    return await fetch_all(conn, stmt, IncomingHook)


async def count_hooks(conn: AsyncConnection, *, team_id: str = "", user_id: str = "") -> int:
    stmt = (
        select(func.count())
        .select_from(incoming_hooks)
        .where(*_listing(team_id=team_id, user_id=user_id))  # type: ignore[arg-type]
    )
    return int((await conn.execute(stmt)).scalar_one())


async def list_hook_ids_by_channel(conn: AsyncConnection, channel_id: str) -> list[str]:
    stmt = select(incoming_hooks.c.id).where(
        incoming_hooks.c.channel_id == channel_id, incoming_hooks.c.delete_at == 0
    )
    return list((await conn.execute(stmt)).scalars())


async def update_hook(conn: AsyncConnection, hook_id: str, **values: object) -> None:
    await conn.execute(
        update(incoming_hooks).where(incoming_hooks.c.id == hook_id).values(**values)
    )


async def delete_hooks_by_channel(conn: AsyncConnection, channel_id: str, *, at: int) -> None:
    await conn.execute(
        update(incoming_hooks)
        .where(incoming_hooks.c.channel_id == channel_id, incoming_hooks.c.delete_at == 0)
        .values(delete_at=at, update_at=at)
    )


async def retire_key(conn: AsyncConnection, *, key: str, hook_id: str, expire_at: int) -> None:
    """Point ``key`` (and keys already retired in favour of it) at ``hook_id`` until expiry."""
    await conn.execute(
        update(retired_hook_keys).where(retired_hook_keys.c.hook_id == key).values(hook_id=hook_id)
    )
    await conn.execute(
        retired_hook_keys.insert().values(key=key, hook_id=hook_id, expire_at=expire_at)
    )


async def get_hooks_version(conn: AsyncConnection) -> tuple[int, int]:
    """Changes whenever any hook is created, updated, deleted or regenerated."""
    stmt = select(func.count(), func.max(incoming_hooks.c.update_at)).select_from(incoming_hooks)
    count, latest = (await conn.execute(stmt)).one()
    return int(count), int(latest or 0)
