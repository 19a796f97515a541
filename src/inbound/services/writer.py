"""The one write path for posts: a group-committing writer.

Every request hands the writer a ``PostBatch`` (all pieces of one message, with the counters they
move) and awaits its commit. The writer drains everything waiting into one transaction, so a
burst of N requests costs one commit instead of N. A group commit that fails is split in two and
each half retried (down to the one message that fails alone), so a bad message cannot take its
neighbours down with it, nor make everyone commit one by one; when the database itself is away,
nothing is retried. A request is acknowledged only after the transaction holding its posts has
committed; the Slack translation, splitting and mention parsing all happen before a batch joins
the queue, so the writer only writes. What to write, and its SQL, is the store's ``WritePlan``.

After each commit, ``on_commit`` is called once for every batch the commit held (in
``_committed``, the one place): that is where the wiring publishes the new posts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from inbound.models import Channel, DeliveryDraft, Post
from inbound.store.faults import is_unavailable
from inbound.store.post_writer import WriterBackend
from inbound.store.write_plan import Claim, Stored, WritePlan

log = logging.getLogger(__name__)
MAX_BATCH = 512
HOOK_TOUCH_MS = 1000


@dataclass
class PostBatch:
    """The posts of one message (a split message has several) and the counters they move
    (a ``write_plan.Message``)."""

    channel: Channel
    posts: Sequence[Post]
    mentioned_user_ids: Sequence[str] = ()
    mention_everyone: bool = False  # @channel/@all/@here: every member but the excluded one
    exclude_from_mentions: str = ""
    viewed_by: str = ""  # the poster has seen their own posts (not for webhook posts)
    hook_id: str = ""
    sender_name: str = ""
    idempotency: Claim | None = None  # stored at most once per hook and key (24 hours)
    delivery: DeliveryDraft | None = None  # the request's history row, committed with the posts
    notified: list[str] = field(default_factory=list)  # filled in by the writer
    # filled in by the writer when an earlier request took the key: nothing was written
    replay_of: Stored | None = None

    @property
    def channel_id(self) -> str:
        return self.channel.id

    @property
    def last_post_at(self) -> int:
        return max(p.create_at for p in self.posts)


@dataclass
class _Pending:
    batch: PostBatch
    done: asyncio.Future[None]


@dataclass
class PostWriter:
    backend: WriterBackend
    # once per committed batch, after its commit and before its writer answers (publishing)
    on_commit: Callable[[PostBatch], None] = lambda batch: None
    # after each group commit: how many messages and posts it held (for the metrics)
    on_group_commit: Callable[[int, int], None] = lambda messages, posts: None
    _queue: list[_Pending] = field(default_factory=list)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _hook_touched: dict[str, int] = field(default_factory=dict)  # hook id → last written
    split_commits: int = 0  # group commits that failed and were retried as two halves
    _stopping: bool = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="post-writer")

    async def stop(self) -> None:
        """Commit everything already queued, then end the writer task."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.backend.close()

    async def write(self, batch: PostBatch) -> None:
        """Queue ``batch`` and return once it is committed (raise if it could not be)."""
        pending = _Pending(batch, asyncio.get_running_loop().create_future())
        if self._task is None:  # the CLI: no group commit, and the database's own error
            await self._commit([batch])
            self._committed([pending])
            return
        self._queue.append(pending)
        self._wake.set()
        await pending.done

    async def _run(self) -> None:
        slots = asyncio.Semaphore(self.backend.parallel)
        flushing: set[asyncio.Task[None]] = set()

        async def flush(taken: list[_Pending]) -> None:
            try:
                await self._flush(taken)
            finally:
                slots.release()

        while True:
            if self._queue:
                await slots.acquire()  # while every slot is busy, the queue grows
                taken, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                task = asyncio.create_task(flush(taken))
                flushing.add(task)
                task.add_done_callback(flushing.discard)
            elif not self._stopping:
                await self._wake.wait()
                self._wake.clear()
            elif flushing:
                await asyncio.wait(set(flushing))  # then commit whatever queued meanwhile
            else:
                return

    async def _flush(self, taken: list[_Pending]) -> None:
        try:
            await self._commit([p.batch for p in taken])
        except Exception as error:
            if len(taken) == 1 or is_unavailable(error):
                _fail(taken, error)  # the database is away: every retry would fail too
                return
            self.split_commits += 1
            log.warning(
                "a group commit of %d messages failed (%s: %s); committing each half apart",
                len(taken),
                type(error).__name__,
                error,
            )
            # Bisect: one bad message costs about 2·log2(n) extra commits, not n, and the
            # others still commit in groups.
            half = len(taken) // 2
            await self._flush(taken[:half])
            await self._flush(taken[half:])
            return
        self._committed(taken)

    def _committed(self, taken: list[_Pending]) -> None:
        """Publish and answer the batches of a commit that succeeded."""
        for pending in taken:
            _settle(pending)
            if pending.batch.replay_of is None:
                self.on_commit(pending.batch)

    async def _commit(self, batches: list[PostBatch]) -> None:
        plan = WritePlan.of(batches)
        # A hook's last use is shown to the second: a busy hook's row is written once a
        # second, not in every commit.
        plan.hooks = {
            hook_id: at
            for hook_id, at in plan.hooks.items()
            if hook_id not in self._hook_touched
            or at - self._hook_touched[hook_id] >= HOOK_TOUCH_MS
        }
        notified = await self.backend.commit(plan)
        replayed = 0
        for index, stored in plan.replays.items():
            batches[index].replay_of = stored
            replayed += len(batches[index].posts)
        self.on_group_commit(len(batches) - len(plan.replays), len(plan.posts) - replayed)
        self._hook_touched.update(plan.hooks)
        for batch in batches:
            everyone = notified.get((batch.channel_id, batch.exclude_from_mentions), [])
            batch.notified = (
                sorted({*batch.mentioned_user_ids, *everyone})
                if batch.mention_everyone
                else list(batch.mentioned_user_ids)
            )


def _fail(taken: list[_Pending], error: Exception) -> None:
    """Answer ``taken`` with ``error`` when the database is away (the caller says 503), else
    with a plain failure that keeps the database's error as its cause (500, logged once)."""
    for pending in taken:
        if is_unavailable(error):
            _settle(pending, error=error)
        else:
            failure = RuntimeError("post could not be stored")
            failure.__cause__ = error
            _settle(pending, error=failure)


def _settle(pending: _Pending, error: Exception | None = None) -> None:
    if pending.done.done():
        return
    if error is None:
        pending.done.set_result(None)
    else:
        pending.done.set_exception(error)
