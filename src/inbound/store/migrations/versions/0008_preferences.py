"""Preferences: a user's settings as Mattermost stores them (``Preferences``), one row per user,
category and name, for ``/users/{user_id}/preferences``.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "preferences",
        sa.Column("user_id", sa.String(26), primary_key=True, nullable=False),
        sa.Column("category", sa.String(32), primary_key=True, nullable=False),
        sa.Column("name", sa.String(32), primary_key=True, nullable=False),
        sa.Column("value", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("preferences")
