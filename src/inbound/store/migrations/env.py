"""Alembic environment: runs on the connection that ``inbound.store.migrate`` hands it."""

from alembic import context

from inbound.store.search import include_name
from inbound.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
