"""Cluster (``shared/spec/cluster.md``): the running ``inbound serve`` processes register here,
so a second process on one PostgreSQL database without Redis can be refused.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cluster_nodes",
        sa.Column("node_id", sa.String(26), primary_key=True),
        sa.Column("host", sa.Text, nullable=False, server_default=""),
        sa.Column("pid", sa.Integer, nullable=False, server_default="0"),
        sa.Column("with_redis", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("seen_at", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("cluster_nodes")
