"""An online copy of a SQLite database, through SQLite's own backup API.

One backup step copies every page under one read transaction: in WAL mode that never blocks the
server's writer, and the copy is the database as it was at one commit. The copy is written
beside the target and renamed into place only once it is whole and checks out, so a file under
the target's name is always a complete database.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from inbound.errors import BadRequestError
from inbound.store.db import sqlite_path


def backup_sqlite(database_url: str, target: Path) -> int:
    """Copy the SQLite database at ``database_url`` to ``target`` (which must not exist);
    return the copy's size in bytes."""
    source = sqlite_path(database_url)
    if source is None:
        raise BadRequestError(
            "inbound.db.backup.not_sqlite.app_error",
            "inbound db backup copies SQLite databases; back up PostgreSQL with pg_dump.",
        )
    if not source.exists():
        raise BadRequestError("inbound.db.backup.missing.app_error", f"{source} does not exist.")
    if target.exists():
        raise BadRequestError("inbound.db.backup.exists.app_error", f"{target} already exists.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def _copy(source: Path, partial: Path) -> None:
    reader = sqlite3.connect(source)
    writer = sqlite3.connect(partial)
    try:
        reader.backup(writer)  # pages=-1: all at once, one consistent snapshot
        writer.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        if writer.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BadRequestError(
                "inbound.db.backup.corrupt.app_error", "The copy failed its check."
            )
        writer.commit()
    finally:
        writer.close()
        reader.close()
