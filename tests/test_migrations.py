"""The migrations build exactly the schema that store/tables.py describes."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from inbound.search.query import Term
from inbound.store.db import Database
from inbound.store.migrate import alembic_config, migrate
from inbound.store.search import PostQuery, include_name, search_posts
from inbound.store.tables import metadata
from tests.conftest import run_async


def test_migrated_schema_matches_tables(sqlite_template: Path) -> None:
    engine = create_engine(f"sqlite:///{sqlite_template}")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_search_migration_indexes_existing_posts_and_goes_down(database_url: str) -> None:
    """0006 on a database with posts from before it: their message and attachment text are
    found; down to 0004 and up again is clean."""
    attachment = orjson.dumps({"attachments": [{"title": "old kiwi"}]}).decode()

    async def go() -> list[list[str]]:
        db = Database(database_url)
        found = []
        try:
            await _downgrade(db, "0004")
            async with db.begin() as conn:
                for pid, message, props in (
                    ("a" * 26, "old mango", ""),
                    ("b" * 26, "x", attachment),
                ):
                    await conn.execute(
                        text(
                            "INSERT INTO posts (id, channel_id, user_id, message, props, create_at)"
                            " VALUES (:id, 'c', 'u', :message, :props, 1)"
                        ),
                        {"id": pid, "message": message, "props": props},
                    )
            await migrate(db)
            for word in ("mango", "kiwi"):
                query = PostQuery(channel_ids=["c"], terms=(Term((word,)),))
                async with db.connect() as conn:
                    found.append([p.message for p in await search_posts(conn, query)])
            await _downgrade(db, "0004")
            await migrate(db)
        finally:
            await db.dispose()
        return found

    assert run_async(go) == [["old mango"], ["x"]]


async def _downgrade(db: Database, revision: str) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_preferences_migration_goes_down_and_up(database_url: str) -> None:
    """0008 down drops the preferences table; up again makes it empty and usable."""

    async def go() -> list[str]:
        db = Database(database_url)
        try:
            await _downgrade(db, "0007")
            async with db.connect() as conn:
                tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            assert "preferences" not in tables
            await migrate(db)
            async with db.begin() as conn:
                await conn.execute(
                    text("INSERT INTO preferences (user_id, category, name) VALUES ('u', 'c', 'n')")
                )
                rows = await conn.execute(text("SELECT value FROM preferences"))
                return [row[0] for row in rows]
        finally:
            await db.dispose()

    assert run_async(go) == [""]
