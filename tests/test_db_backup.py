"""``inbound db backup``: an online copy of the SQLite database, taken while a real server
writes to it, is a whole database with every post acknowledged before the copy began."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from inbound.cli import app
from tests.serve_process import ServeProcess, prepare


def test_backup_copies_sqlite_and_refuses_what_it_cannot(
    cli, database_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "copy.db"
    code, out = cli("db", "backup", str(target))
    if database_url.startswith("postgresql"):
        assert code == 1 and "back up PostgreSQL with pg_dump" in out, out
        assert not target.exists()
        return
    assert code == 0 and f"to {target}" in out, out
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT username FROM users").fetchall() == [("admin",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    code, out = cli("db", "backup", str(target))
    assert code == 1 and "already exists" in out, out
    assert not target.with_name("copy.db.partial").exists()


@pytest.mark.slow
def test_backup_while_serving_keeps_every_acknowledged_post(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    key = prepare(url, {})
    server = ServeProcess(url, tmp_path / "serve.log")
    acked: list[str] = []
    stop = threading.Event()

    def send() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as client:
            for i in range(100_000):
                if stop.is_set():
                    return
                if client.post(f"/hooks/{key}", json={"text": f"b-{i}"}).status_code == 200:
                    acked.append(f"b-{i}")

    sender = threading.Thread(target=send)
    sender.start()
    try:
        while len(acked) < 50:
            threading.Event().wait(0.05)
        before = list(acked)
        target = tmp_path / "copy.db"
        result = CliRunner().invoke(app, ["db", "backup", str(target), "--database-url", url])
        assert result.exit_code == 0, result.output
        while len(acked) < len(before) + 20:  # the server was not held up by the copy
            threading.Event().wait(0.05)
        stop.set()
        sender.join()
    finally:
        stop.set()
        server.stop()
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {row[0] for row in copy.execute("SELECT message FROM posts")}
    assert set(before) <= stored
