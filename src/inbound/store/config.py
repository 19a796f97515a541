"""SQL for the runtime config: one JSON document."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.store.tables import config

CONFIG_ID = "config"
CLUSTER_ID = "cluster"  # a random id per database: the processes sharing it are one cluster


async def get_config(conn: AsyncConnection) -> tuple[dict[str, Any], int] | None:
    """The stored document and its ``update_at`` version, or ``None`` before the first save."""
    stmt = select(config.c.value, config.c.update_at).where(config.c.id == CONFIG_ID)
    row = (await conn.execute(stmt)).first()
    if row is None:
        return None
    return orjson.loads(row.value or "{}"), int(row.update_at)


async def get_config_version(conn: AsyncConnection) -> int:
    stmt = select(config.c.update_at).where(config.c.id == CONFIG_ID)
    return int((await conn.execute(stmt)).scalar() or 0)


async def save_config(conn: AsyncConnection, value: dict[str, Any], *, at: int) -> None:
    body = orjson.dumps(value).decode()
    updated = await conn.execute(
        config.update().where(config.c.id == CONFIG_ID).values(value=body, update_at=at)
    )
    if not updated.rowcount:
        await conn.execute(config.insert().values(id=CONFIG_ID, value=body, update_at=at))


async def get_cluster_id(conn: AsyncConnection) -> str:
    stmt = select(config.c.value).where(config.c.id == CLUSTER_ID)
    return str((await conn.execute(stmt)).scalar() or "")


async def insert_cluster_id(conn: AsyncConnection, cluster_id: str) -> None:
    """Raises ``IntegrityError`` when another process stored one first."""
    await conn.execute(config.insert().values(id=CLUSTER_ID, value=cluster_id, update_at=0))
