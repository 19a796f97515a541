"""Login lockout: ``users.failed_attempts`` (Mattermost's ``FailedAttempts``) and
``users.last_failed_at`` (ms; failures older than the lock time are forgotten).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column(
        "users", sa.Column("last_failed_at", sa.BigInteger, nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:  # SQLite cannot drop columns in place
        batch.drop_column("last_failed_at")
        batch.drop_column("failed_attempts")
