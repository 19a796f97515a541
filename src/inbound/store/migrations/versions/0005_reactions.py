"""Reactions: one row per user, post and emoji name (Mattermost's ``Reactions`` table, without
its soft delete: a removed reaction is gone), and ``posts.has_reactions`` (Mattermost's
``HasReactions``) so that a page of posts without any costs no reactions query.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reactions",
        sa.Column("post_id", sa.String(26), primary_key=True, nullable=False),
        sa.Column("user_id", sa.String(26), primary_key=True, nullable=False),
        sa.Column("emoji_name", sa.String(64), primary_key=True, nullable=False),
        sa.Column("create_at", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("channel_id", sa.String(26), nullable=False, server_default=""),
    )
    op.add_column(
        "posts", sa.Column("has_reactions", sa.Boolean, nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:  # SQLite cannot drop columns in place
        batch.drop_column("has_reactions")
    op.drop_table("reactions")
