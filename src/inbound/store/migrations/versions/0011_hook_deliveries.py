"""Senders (``shared/spec/senders.md`` §6): what arrived at each hook, and per-hour counts.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str, length: int | None = None) -> sa.Column[str]:
    kind = sa.String(length) if length else sa.Text
    return sa.Column(name, kind, nullable=False, server_default="")


def upgrade() -> None:
    op.create_table(
        "hook_deliveries",
        sa.Column("hook_id", sa.String(26), primary_key=True, nullable=False),
        sa.Column("node_id", sa.String(26), primary_key=True, nullable=False),
        sa.Column("slot", sa.Integer, primary_key=True, nullable=False),
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("create_at", sa.BigInteger, nullable=False, server_default="0"),
        _text("remote_addr", 64),
        _text("content_type", 255),
        sa.Column("size", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status_code", sa.Integer, nullable=False, server_default="0"),
        _text("error_id", 128),
        _text("error_message"),
        sa.Column("latency_us", sa.BigInteger, nullable=False, server_default="0"),
        _text("post_ids"),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("body_truncated", sa.Boolean, nullable=False, server_default="0"),
        _text("headers"),
        _text("query", 2048),
        _text("outcome", 8),
        _text("source", 16),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Bodies are written once per request and read rarely: PostgreSQL's default would
        # compress each one over 2 KB (pglz) on a server that shares the machine's cores.
        op.execute("ALTER TABLE hook_deliveries ALTER COLUMN body SET STORAGE EXTERNAL")
    op.create_table(
        "hook_delivery_counts",
        sa.Column("hook_id", sa.String(26), primary_key=True, nullable=False),
        sa.Column("hour", sa.BigInteger, primary_key=True, nullable=False),
        sa.Column("posted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ignored", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("hook_delivery_counts")
    op.drop_table("hook_deliveries")
