"""SQL for the running processes (``cluster_nodes``): register, heartbeat, forget, list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.store.db import fetch_all
from inbound.store.tables import cluster_nodes


@dataclass
class Node:
    node_id: str
    host: str
    pid: int
    with_redis: int
    started_at: int
    seen_at: int


async def insert_node(conn: AsyncConnection, node: Node) -> None:
    await conn.execute(cluster_nodes.insert().values(**node.__dict__))


async def update_node_seen(conn: AsyncConnection, node_id: str, *, at: int) -> bool:
    """Refresh the heartbeat; False when the row is gone (another process reaped it)."""
    stmt = cluster_nodes.update().where(cluster_nodes.c.node_id == node_id).values(seen_at=at)
    return bool((await conn.execute(stmt)).rowcount)


async def delete_node(conn: AsyncConnection, node_id: str) -> None:
    await conn.execute(cluster_nodes.delete().where(cluster_nodes.c.node_id == node_id))


async def delete_nodes_seen_before(conn: AsyncConnection, at: int) -> None:
    await conn.execute(cluster_nodes.delete().where(cluster_nodes.c.seen_at < at))


async def get_nodes_seen_since(conn: AsyncConnection, at: int) -> list[Node]:
    stmt = select(cluster_nodes).where(cluster_nodes.c.seen_at >= at)
    return await fetch_all(conn, stmt.order_by(cluster_nodes.c.started_at), Node)
