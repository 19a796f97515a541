"""SQL for the delivery history (senders.md §6): the rows — a ring of ``KEEP`` slots per hook
and process, each new row overwriting its slot (``upsert``) — and the per-hour counts the hook
list shows.

A posted request's row is written by the post writer in the posts' own transaction
(``write_plan``, with ``upsert``); everything else — failures, ignored events, answers replayed
from memory — arrives here in batches from ``services.delivery_log``. The periodic purge drops
rows of deleted hooks, and rows past the newest ``KEEP`` a hook has when several processes (or
restarts: each is a new process id) have written to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.models import DeliveryDraft, new_time_id
from inbound.store.tables import hook_deliveries as deliveries
from inbound.store.tables import hook_delivery_counts as counts
from inbound.store.tables import incoming_hooks

KEEP = 1000  # rows kept per hook (the ring's slots per process)
_KEY = ("hook_id", "node_id", "slot")
COLUMNS = tuple(c.name for c in deliveries.c)  # as ``Delivery`` (the key first)
OUTCOMES = ("posted", "failed", "ignored")
BODY = COLUMNS.index("body")


class Delivery(NamedTuple):
    """One stored request, as the API shows it."""

    hook_id: str
    node_id: str
    slot: int
    id: str
    create_at: int
    remote_addr: str
    content_type: str
    size: int
    status_code: int
    error_id: str
    error_message: str
    latency_us: int
    post_ids: str
    body: bytes
    body_truncated: bool
    headers: str
    query: str
    outcome: str
    source: str


class Counts(NamedTuple):
    posted: int = 0
    failed: int = 0
    ignored: int = 0


def row(
    draft: DeliveryDraft,
    *,
    status: int,
    outcome: str,
    post_ids: Sequence[str] = (),
    error_id: str = "",
    error_message: str = "",
    latency_us: int = 0,
) -> tuple[Any, ...]:
    """The row of ``draft`` with its outcome, in ``COLUMNS`` order."""
    return (
        draft.hook_id,
        draft.node_id,
        draft.slot,
        new_time_id(draft.at, draft.seq),
        draft.at,
        draft.remote_addr,
        draft.content_type,
        draft.size,
        status,
        error_id,
        error_message,
        latency_us,
        " ".join(post_ids),
        draft.body,
        draft.body_truncated,
        draft.headers,
        draft.query,
        outcome,
        draft.source,
    )


def upsert(insert: Any) -> Any:
    """Write a row (parameters in ``COLUMNS`` order) into its slot, over whatever was there
    (``insert``: the sqlite or postgresql dialect's)."""
    stmt = insert(deliveries)
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[deliveries.c[name] for name in _KEY],
        set_={name: excluded[name] for name in COLUMNS if name not in _KEY},
    )


async def write_rows(
    conn: AsyncConnection, rows: Sequence[tuple[Any, ...]], *, postgres: bool
) -> None:
    """Rows in ``COLUMNS`` order, each into its slot (at most one row per slot)."""
    if rows:
        values = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
        await conn.execute(upsert((postgresql if postgres else sqlite).insert), values)


async def trim(conn: AsyncConnection, hook_id: str) -> int:
    """Drop all but the newest ``KEEP`` rows of ``hook_id``; how many went."""
    newest_dropped = (
        select(deliveries.c.id)
        .where(deliveries.c.hook_id == hook_id)
        .order_by(deliveries.c.id.desc())
        .offset(KEEP)
        .limit(1)
        .scalar_subquery()
    )
    stmt = delete(deliveries).where(
        deliveries.c.hook_id == hook_id, deliveries.c.id <= newest_dropped
    )
    return int((await conn.execute(stmt)).rowcount or 0)


async def crowded_hooks(conn: AsyncConnection) -> list[str]:
    """Hooks with more than ``KEEP`` rows (written by several processes, or across restarts)."""
    stmt = select(deliveries.c.hook_id).group_by(deliveries.c.hook_id).having(func.count() > KEEP)
    return [row[0] for row in (await conn.execute(stmt)).all()]


async def add_counts(
    conn: AsyncConnection, rows: dict[tuple[str, int], Counts], *, postgres: bool
) -> None:
    """Add ``(hook, hour) → counts`` to the stored counts."""
    if not rows:
        return
    dialect: Any = postgresql if postgres else sqlite
    stmt = dialect.insert(counts)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[counts.c.hook_id, counts.c.hour],
        set_={name: counts.c[name] + excluded[name] for name in OUTCOMES},
    )
    values = [
        {"hook_id": hook, "hour": hour, **n._asdict()}
        for (hook, hour), n in sorted(rows.items())  # one lock order for concurrent flushes
    ]
    await conn.execute(stmt, values)


async def counts_since(
    conn: AsyncConnection, hook_ids: Sequence[str], since: int
) -> dict[str, Counts]:
    """Per hook: the requests counted in hours starting at ``since`` or later."""
    if not hook_ids:
        return {}
    stmt = (
        select(
            counts.c.hook_id,
            func.sum(counts.c.posted),
            func.sum(counts.c.failed),
            func.sum(counts.c.ignored),
        )
        .where(counts.c.hook_id.in_(sorted(set(hook_ids))), counts.c.hour >= since)
        .group_by(counts.c.hook_id)
    )
    rows = (await conn.execute(stmt)).all()
    return {row[0]: Counts(int(row[1]), int(row[2]), int(row[3])) for row in rows}


def _live_lineages() -> Any:
    """The lineage of every hook not deleted (``origin_id``, or the id on rows from before it)."""
    hooks = incoming_hooks.c
    lineage = case((hooks.origin_id == "", hooks.id), else_=hooks.origin_id)
    return select(lineage).where(hooks.delete_at == 0)


async def purge_orphans(conn: AsyncConnection, *, hooks: int) -> int:
    """Delete the history of up to ``hooks`` deleted hooks; how many hooks it was."""
    doomed = (
        select(deliveries.c.hook_id)
        .where(deliveries.c.hook_id.not_in(_live_lineages()))
        .distinct()
        .limit(hooks)
    )
    gone = [row[0] for row in (await conn.execute(doomed)).all()]
    if gone:
        await conn.execute(delete(deliveries).where(deliveries.c.hook_id.in_(gone)))
    await conn.execute(delete(counts).where(counts.c.hook_id.not_in(_live_lineages())))
    return len(gone)


async def purge_counts(conn: AsyncConnection, *, before: int) -> int:
    stmt = delete(counts).where(counts.c.hour < before)
    return int((await conn.execute(stmt)).rowcount or 0)


async def list_for_hook(
    conn: AsyncConnection, hook_id: str, *, outcome: str = "", offset: int = 0, limit: int = 60
) -> list[Delivery]:
    """Newest first, among the newest ``KEEP`` (what several processes' rings hold beyond
    that, until the purge trims it, is not shown)."""
    newest = (
        select(deliveries.c.id)
        .where(deliveries.c.hook_id == hook_id)
        .order_by(deliveries.c.id.desc())
        .limit(KEEP)
        .subquery()
    )
    stmt = select(*(deliveries.c[name] for name in COLUMNS)).where(
        deliveries.c.hook_id == hook_id, deliveries.c.id.in_(select(newest.c.id))
    )
    if outcome:
        stmt = stmt.where(deliveries.c.outcome == outcome)
    stmt = stmt.order_by(deliveries.c.id.desc()).offset(offset).limit(limit)
    return [_delivery(row) for row in (await conn.execute(stmt)).all()]


async def get_delivery(conn: AsyncConnection, hook_id: str, delivery_id: str) -> Delivery | None:
    stmt = select(deliveries).where(deliveries.c.hook_id == hook_id, deliveries.c.id == delivery_id)
    row = (await conn.execute(stmt)).first()
    return None if row is None else _delivery(row)


def _delivery(row: Any) -> Delivery:
    values = list(row)
    values[COLUMNS.index("body")] = bytes(values[COLUMNS.index("body")])
    values[COLUMNS.index("body_truncated")] = bool(values[COLUMNS.index("body_truncated")])
    return Delivery(*values)
