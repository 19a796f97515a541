"""Reactions: one row per user, post and emoji name (Mattermost's ``Reactions`` table, without
its soft delete: a removed reaction is gone).

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


def downgrade() -> None:
    op.drop_table("reactions")
