"""Search: ``posts.search_text`` (attachment and Block Kit text) and the full-text indexes.

SQLite: ``post_search``, an FTS5 table over ``posts`` (external content: it stores no copy of
the text), written by whatever writes a post's text, in that write's transaction.
PostgreSQL: ``posts.search_vector``, a generated ``tsvector`` column, and its GIN index. Both
split text into runs of letters and digits, lowercased, without stemming (see
``store/search.py``). Existing posts are indexed here: their ``search_text`` first, then the
index built from it.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import orjson
import sqlalchemy as sa
from alembic import op

from inbound.search.text import search_text
from inbound.store.search import PG_DDL, PG_DROP, SQLITE_DDL, SQLITE_DROP

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    op.add_column("posts", sa.Column("search_text", sa.Text, nullable=False, server_default=""))
    _backfill_search_text(op.get_bind())
    for statement in SQLITE_DDL if _is_sqlite() else PG_DDL:
        op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_DROP if _is_sqlite() else PG_DROP:
        op.execute(statement)
    with op.batch_alter_table("posts") as batch:  # SQLite cannot drop columns in place
        batch.drop_column("search_text")


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _backfill_search_text(conn: sa.Connection) -> None:
    """``search_text`` for the posts whose props may hold attachments or blocks."""
    select = sa.text(
        "SELECT id, props FROM posts WHERE id > :last "
        "AND (props LIKE '%\"attachments\"%' OR props LIKE '%\"blocks\"%') ORDER BY id LIMIT :n"
    )
    update = sa.text("UPDATE posts SET search_text = :text WHERE id = :id")
    last = ""
    while rows := conn.execute(select, {"last": last, "n": BATCH}).all():
        found = [{"id": pid, "text": _text(props)} for pid, props in rows]
        changed = [row for row in found if row["text"]]
        if changed:
            conn.execute(update, changed)
        last = rows[-1][0]


def _text(props: str) -> str:
    try:
        value = orjson.loads(props)
    except orjson.JSONDecodeError:
        return ""
    return search_text(value) if isinstance(value, dict) else ""
