"""Index only replies by root_id: most posts are roots, and every insert paid for them.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPLIES = sa.text("root_id <> ''")


def upgrade() -> None:
    op.drop_index("ix_posts_root_id", table_name="posts")
    op.create_index(
        "ix_posts_root_id", "posts", ["root_id"], sqlite_where=REPLIES, postgresql_where=REPLIES
    )


def downgrade() -> None:
    op.drop_index("ix_posts_root_id", table_name="posts")
    op.create_index("ix_posts_root_id", "posts", ["root_id"])
