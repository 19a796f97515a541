"""Index pinned posts by channel: ``GET /channels/{id}/stats`` counted them by scanning the channel.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_posts_channel_id_pinned",
        "posts",
        ["channel_id"],
        sqlite_where=sa.text("is_pinned = 1"),
        postgresql_where=sa.text("is_pinned"),
    )


def downgrade() -> None:
    op.drop_index("ix_posts_channel_id_pinned", table_name="posts")
