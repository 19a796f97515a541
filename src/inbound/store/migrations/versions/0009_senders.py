"""Senders (``shared/spec/senders.md`` §1–5): which hook made a post (edits and deletes through
the hook), a hook's lineage across regenerates, its signing secret and address allow-list, and
the idempotency keys a hook has seen in the last 24 hours.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: an O(1) change on SQLite and PostgreSQL ≥ 11, whatever the table's size.
    # Plain ALTER TABLE … ADD COLUMN (no table copy: the posts' full-text triggers stay).
    op.add_column("posts", sa.Column("hook_id", sa.String(26), nullable=False, server_default=""))
    for name, kind in (("origin_id", sa.String(26)), ("signing_secret", sa.Text)):
        op.add_column("incoming_hooks", sa.Column(name, kind, nullable=False, server_default=""))
    op.add_column(
        "incoming_hooks", sa.Column("allowed_cidrs", sa.Text, nullable=False, server_default="")
    )
    op.create_table(
        "hook_idempotency_keys",
        sa.Column("hook_id", sa.String(26), primary_key=True, nullable=False),
        sa.Column("key", sa.String(255), primary_key=True, nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("channel_id", sa.String(26), nullable=False, server_default=""),
        sa.Column("post_ids", sa.Text, nullable=False, server_default=""),
        sa.Column("create_at", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("ix_hook_idempotency_keys_create_at", "hook_idempotency_keys", ["create_at"])


def downgrade() -> None:
    op.drop_index("ix_hook_idempotency_keys_create_at", "hook_idempotency_keys")
    op.drop_table("hook_idempotency_keys")
    with op.batch_alter_table("incoming_hooks") as batch:
        batch.drop_column("allowed_cidrs")
        batch.drop_column("signing_secret")
        batch.drop_column("origin_id")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("hook_id")
