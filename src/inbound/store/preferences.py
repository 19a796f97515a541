"""SQL for a user's preferences: read them all, by category or one; upsert and delete a batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.models import Preference
from inbound.store.db import fetch_all, fetch_one
from inbound.store.tables import preferences

_ORDER = (preferences.c.category, preferences.c.name)


async def get_preferences(conn: AsyncConnection, user_id: str) -> list[Preference]:
    stmt = select(preferences).where(preferences.c.user_id == user_id).order_by(*_ORDER)
    return await fetch_all(conn, stmt, Preference)


async def get_preferences_by_category(
    conn: AsyncConnection, user_id: str, category: str
) -> list[Preference]:
    stmt = (
        select(preferences)
        .where(preferences.c.user_id == user_id, preferences.c.category == category)
        .order_by(*_ORDER)
    )
    return await fetch_all(conn, stmt, Preference)


async def get_preference(
    conn: AsyncConnection, user_id: str, category: str, name: str
) -> Preference | None:
    stmt = select(preferences).where(
        preferences.c.user_id == user_id,
        preferences.c.category == category,
        preferences.c.name == name,
    )
    return await fetch_one(conn, stmt, Preference)


async def upsert_preferences(conn: AsyncConnection, found: Sequence[Preference]) -> None:
    """Insert or overwrite each (one statement). The keys must be distinct: PostgreSQL refuses
    a statement that updates one row twice."""
    if not found:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(preferences).values([asdict(p) for p in found])
    stmt = stmt.on_conflict_do_update(
        index_elements=[preferences.c.user_id, *_ORDER], set_={"value": stmt.excluded.value}
    )
    await conn.execute(stmt)


async def delete_preferences(
    conn: AsyncConnection, user_id: str, keys: Sequence[tuple[str, str]]
) -> None:
    """Delete the user's preferences with these (category, name) keys; absent ones are no error."""
    if not keys:
        return
    wanted = or_(*(and_(preferences.c.category == c, preferences.c.name == n) for c, n in keys))
    await conn.execute(delete(preferences).where(preferences.c.user_id == user_id, wanted))
