"""SQLite full (reliability.md 1): when the database file cannot grow, hooks answer 503 with
Retry-After and store nothing, and the server recovers by itself once there is room again.
A full disk is simulated with ``PRAGMA max_page_count`` on the post writer's own connection."""

from __future__ import annotations

import sqlite3

import pytest

from inbound.store.post_writer import SqliteWriter
from tests.conftest import Api, assert_error


def _writer_connection(api: Api) -> sqlite3.Connection:
    backend = api.ctx.writer.backend
    if not isinstance(backend, SqliteWriter):
        pytest.skip("SQLite only: a full disk is simulated with PRAGMA max_page_count")
    conn = backend._conn  # the writer's one connection, opened by the first commit
    assert conn is not None
    return conn


def test_full_database_is_503_not_stored_then_recovers(api: Api) -> None:
    hook = api.new_hook()
    assert api.send(hook["id"], {"text": "before"}).status_code == 200
    conn = _writer_connection(api)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages}")  # no room for one more page
    try:
        response = api.send(hook["id"], {"text": "x" * 3900 + " while full"})
        body = assert_error(response, 503, "web.incoming_webhook.unavailable.app_error")
        assert "not stored" in body["message"]
        assert int(response.headers["retry-after"]) >= 1
    finally:
        conn.execute("PRAGMA max_page_count=1073741823")
    assert api.send(hook["id"], {"text": "after"}).status_code == 200
    messages = [p["message"] for p in api.posts(api.channel("town-square")["id"])]
    assert "after" in messages and "before" in messages
    assert not any(m.endswith("while full") for m in messages)
