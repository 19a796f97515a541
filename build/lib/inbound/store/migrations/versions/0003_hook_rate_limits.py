"""Per-hook rate limits: ``rate_limit_per_sec`` and ``rate_limit_burst`` (0: the server's).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("rate_limit_per_sec", "rate_limit_burst")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column(
            "incoming_hooks", sa.Column(name, sa.Integer, nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("incoming_hooks") as batch:  # SQLite cannot drop columns in place
        for name in COLUMNS:
            batch.drop_column(name)
