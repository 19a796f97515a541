"""Start-up settings come from ``INBOUND_*`` variables, typed."""

from __future__ import annotations

import asyncio

from inbound.settings import Settings
from inbound.store.db import Database


def test_numbers_from_the_environment_are_numbers() -> None:
    settings = Settings.from_env({"INBOUND_PORT": "9000", "INBOUND_DB_POOL_SIZE": "3"})
    assert (settings.port, settings.db_pool_size) == (9000, 3)
    assert Settings.from_env({}).db_pool_size == 10


def test_the_pool_size_reaches_the_postgresql_engine() -> None:
    db = Database("postgresql://inbound@127.0.0.1/unused", pool_size=3)  # nothing connects
    assert db.engine.pool.size() == 3
    asyncio.run(db.dispose())
