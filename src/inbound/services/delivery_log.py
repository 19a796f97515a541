"""What arrived at each hook (senders.md §6): the request's facts, and the rows that are not
written with posts.

Each process keeps, per hook, a ring of ``KEEP`` slots: once a request's hook is known it
takes the next slot (``place``), and its row overwrites whatever that slot held — "the last
1,000" costs one row write per request and never a delete or a count. A request that posts
carries its ``DeliveryDraft`` into its ``PostBatch``: the writer commits the history row in the
posts' own transaction (a posted row is never missing, and the one group commit stays one
transaction). Everything else — failures, ignored native events, answers replayed from
memory — is buffered here and written by one background task every ``FLUSH_SECONDS`` in one
transaction, with the per-hour counts the hook list shows (posted requests are counted here
too, after their commit: a crash can lose a fraction of a second of counts, never a row).

A flood is bounded in memory: per hook only the newest ``KEEP`` failures wait (older ones
would be overwritten anyway); past ``MAX_BUFFERED_BYTES`` of waiting bodies, new rows keep only
their first ``SHORT_BODY`` bytes; past ``MAX_BUFFERED_ROWS`` rows, new ones are dropped (and
counted) until the next flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from inbound.models import DeliveryDraft, now_ms
from inbound.store import deliveries as store
from inbound.store.db import Database
from inbound.store.deliveries import Counts
from inbound.store.post_writer import WriterBackend
from inbound.store.write_plan import WritePlan

log = logging.getLogger(__name__)
BODY_BYTES = 64 * 1024  # kept per request
SHORT_BODY = 1024  # kept per request while the buffer is full of bodies
MAX_BUFFERED_BYTES = 16 * 1024 * 1024
MAX_BUFFERED_ROWS = 20_000
FLUSH_SECONDS = 0.5
HOUR_MS = 3600 * 1000
COUNTS_KEPT_MS = 25 * HOUR_MS
PURGE_HOOKS = 20
MAX_HEADERS = 64
MAX_HEADER_VALUE = 1024
MASK = b"***"
_SECRET_WORDS = ("auth", "cookie", "signature", "token", "secret", "password", "api-key", "apikey")
_SKIPPED = frozenset({b"content-length", b"connection", b"transfer-encoding", b"keep-alive"})
_secret_names: dict[bytes, bool] = {}


def is_secret(name: bytes) -> bool:
    """Whether a header's value is masked: credentials, cookies, signatures, tokens."""
    known = _secret_names.get(name)
    if known is None:
        text = name.decode("latin-1").lower()
        known = any(word in text for word in _SECRET_WORDS)
        if len(_secret_names) < 4096:
            _secret_names[name] = known
    return known


def headers_text(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The request's headers as ``name: value`` lines, secrets masked, bounded in count and
    size (HTTP allows no line break inside a name or value). ``parse_headers`` reads them back.
    Plain bytes work: this runs for every request."""
    kept = [
        name + b": " + (MASK if is_secret(name) else value[:MAX_HEADER_VALUE])
        for name, value in headers
        if name not in _SKIPPED
    ]
    return b"\n".join(kept[:MAX_HEADERS]).decode("latin-1")


def parse_headers(text: str) -> dict[str, str]:
    """``headers_text`` as an object; a header sent twice has its values joined by ", "."""
    parsed: dict[str, str] = {}
    for line in text.split("\n") if text else ():
        name, _, value = line.partition(": ")
        parsed[name] = f"{parsed[name]}, {value}" if name in parsed else value
    return parsed


def draft(
    *,
    started: float,
    remote_addr: str,
    content_type: str,
    headers: Iterable[tuple[bytes, bytes]],
    body: bytes,
    query: bytes,
    source: str = "",
) -> DeliveryDraft:
    """A request's facts for its history row (the outcome comes later)."""
    return DeliveryDraft(
        started=started,
        at=now_ms(),
        remote_addr=remote_addr[:64],
        content_type=content_type[:255],
        size=len(body),
        body=body[:BODY_BYTES],
        body_truncated=len(body) > BODY_BYTES,
        headers=headers_text(headers),
        query=query[:2048].decode("latin-1"),
        source=source,
    )


def latency_us(draft: DeliveryDraft) -> int:
    return int((time.perf_counter() - draft.started) * 1_000_000)


@dataclass
class DeliveryLog:
    """The rows waiting to be written, and the counts of the current flush."""

    _waiting: dict[str, deque[tuple[Any, ...]]] = field(default_factory=dict)
    _counts: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    node_id: str = ""  # this process (the bus's node id): its rows' ring
    _next_slot: dict[str, int] = field(default_factory=dict)  # hook lineage → its ring's next
    _placed: itertools.count[int] = field(default_factory=itertools.count)  # arrival order
    _rows: int = 0
    _bytes: int = 0
    dropped: int = 0  # rows not recorded: the buffer was full
    _task: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _flushing: asyncio.Lock = field(default_factory=asyncio.Lock)  # one flush at a time
    # The posts' writer: the waiting rows go through it, as a group commit's do (on SQLite a
    # flush through the pool bound its rows in another thread, trading the GIL with the event
    # loop for every row while holding the write lock: a flood of refused requests stalled
    # every other hook's commits for up to 0.7 s).
    backend: WriterBackend | None = None

    def place(self, draft: DeliveryDraft, hook_id: str) -> None:
        """Give ``draft`` its hook and the next slot of this process's ring for that hook."""
        slot = self._next_slot.get(hook_id, 0)
        self._next_slot[hook_id] = (slot + 1) % store.KEEP
        draft.hook_id, draft.node_id, draft.slot = hook_id, self.node_id, slot
        draft.seq = next(self._placed)

    def record(
        self,
        draft: DeliveryDraft,
        *,
        status: int,
        outcome: str,
        post_ids: Iterable[str] = (),
        error_id: str = "",
        error_message: str = "",
    ) -> None:
        """Buffer the history row of a request whose posts (if any) are already written."""
        if not draft.hook_id:
            return
        self._count(draft.hook_id, draft.at, outcome)
        if self._rows >= MAX_BUFFERED_ROWS:
            self.dropped += 1
            return
        if self._bytes + len(draft.body) > MAX_BUFFERED_BYTES:
            draft.body_truncated = draft.body_truncated or len(draft.body) > SHORT_BODY
            draft.body = draft.body[:SHORT_BODY]
        row = store.row(
            draft,
            status=status,
            outcome=outcome,
            post_ids=list(post_ids),
            error_id=error_id,
            error_message=error_message[:1000],
            latency_us=latency_us(draft),
        )
        waiting = self._waiting.setdefault(draft.hook_id, deque(maxlen=store.KEEP))
        if len(waiting) == waiting.maxlen:  # the oldest makes way: its slot is taken again
            self._rows -= 1
            self._bytes -= len(waiting[0][store.BODY])
        waiting.append(row)
        self._rows += 1
        self._bytes += len(draft.body)
        if self._rows >= MAX_BUFFERED_ROWS // 2:
            self._wake.set()

    def committed(self, hook_id: str, at: int) -> None:
        """A posted request's row was committed with its posts (the writer's ``on_commit``)."""
        self._count(hook_id, at, "posted")

    def _count(self, hook_id: str, at: int, outcome: str) -> None:
        key = (hook_id, at - at % HOUR_MS)
        counts = self._counts.get(key)
        if counts is None:
            counts = self._counts[key] = [0, 0, 0]
        counts[store.OUTCOMES.index(outcome)] += 1

    def start(self, db: Database, backend: WriterBackend | None = None) -> None:
        self.backend = backend
        self._task = asyncio.create_task(self._run(db), name="delivery-log")

    async def stop(self, db: Database) -> None:
        """Write what waits, then end the task (the writer is stopped by then)."""
        self.backend = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.flush(db)

    async def _run(self, db: Database) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            self._wake.clear()
            try:
                await self.flush(db)
            except Exception as error:  # the database is away: these rows are lost
                log.warning("delivery history not written: %s: %s", type(error).__name__, error)

    async def flush(self, db: Database) -> None:
        """The waiting rows (through the posts' writer), then the counts. Flushes take
        turns, so when one returns, everything recorded before it was called is written."""
        async with self._flushing:
            await self._flush(db)

    async def _flush(self, db: Database) -> None:
        if not (self._waiting or self._counts):
            return
        waiting, self._waiting = self._waiting, {}
        counts, self._counts = self._counts, {}
        self._rows = self._bytes = 0
        slots: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # the newest row of each slot
        for hook_rows in waiting.values():
            for row in hook_rows:
                slots[row[:3]] = row
        rows = list(slots.values())
        if rows and self.backend is not None:
            await self.backend.commit(WritePlan(deliveries=rows))
            rows = []
        if not (rows or counts):
            return
        async with db.begin() as conn:
            await store.write_rows(conn, rows, postgres=not db.is_sqlite)
            await store.add_counts(
                conn,
                {key: Counts(*n) for key, n in counts.items()},
                postgres=not db.is_sqlite,
            )
        if self.dropped:
            log.warning("delivery history: %d rows not recorded (flood)", self.dropped)
            self.dropped = 0


async def purge(db: Database) -> None:
    """Delete hourly counts older than the hook list shows, and the history of deleted hooks
    (in batches: one transaction never holds the write lock long)."""
    async with db.begin() as conn:
        await store.purge_counts(conn, before=now_ms() - COUNTS_KEPT_MS)
    for _ in range(100):
        async with db.begin() as conn:
            if await store.purge_orphans(conn, hooks=PURGE_HOOKS) < PURGE_HOOKS:
                break
    async with db.connect() as conn:
        crowded = await store.crowded_hooks(conn)
    for hook_id in crowded:  # written by several processes (or across restarts)
        async with db.begin() as conn:
            await store.trim(conn, hook_id)
