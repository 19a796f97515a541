"""``inbound db backup``: an online copy of the SQLite database (PostgreSQL: pg_dump)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from inbound.store.backup import backup_sqlite


async def backup_database(database_url: str, target: Path) -> int:
    """Copy the database to ``target`` while the server keeps serving; the copy's size."""
    return await asyncio.to_thread(backup_sqlite, database_url, target)
