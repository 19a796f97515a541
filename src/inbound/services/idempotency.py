"""``Idempotency-Key`` on ``POST /hooks/{key}``: stored at most once per hook and key for 24
hours (senders.md §3), whatever arrives at once, after a restart or on another process.

Three layers, each for what the one before cannot see:
1. in this process, requests with a key already in flight wait for the first and answer what
   it answered (50 identical requests at once → one message written, 50 identical answers);
2. keys this process stored lately are remembered (a retry usually comes back to the same
   process within seconds): answered from memory;
3. the key is claimed in the same transaction as the posts (``write_plan``'s ``claim``): a
   repeat that reaches another process or comes after a restart is built again, but its commit
   finds the key taken, writes nothing and answers the stored posts; a concurrent commit of
   the same key on another process waits on the row. A crash loses both or neither.
No read happens before the write: reading the key first cost more than all the rest of an
idempotent request (a connection checkout per request). A repeat whose message differs → 422.
Requests without the header pay none of this.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import orjson

from inbound.errors import BadRequestError, UnprocessableError
from inbound.models import now_ms
from inbound.store import idempotency as store
from inbound.store.db import Database
from inbound.store.write_plan import IDEMPOTENCY_MS, Claim, Stored
from inbound.webhooks.payload import WebhookRequest

MAX_KEY_CHARS = 255
MAX_REMEMBERED = 10_000
INVALID = "web.incoming_webhook.idempotency.invalid.app_error"
MISMATCH = "web.incoming_webhook.idempotency.mismatch.app_error"
PURGE_BATCH = 5000


class Receipt(NamedTuple):
    """What a stored message answers: its channel and posts, and whether this was a repeat."""

    channel_id: str
    post_ids: list[str]
    replayed: bool = False
    ignored: bool = False  # a native source's event that is not handled: nothing posted


def parse_key(raw: bytes) -> str:
    """The header's value: 1–255 visible ASCII characters, else 400."""
    if not 0 < len(raw) <= MAX_KEY_CHARS or not all(0x21 <= b <= 0x7E for b in raw):
        raise invalid_key(
            f"Idempotency-Key must be 1–{MAX_KEY_CHARS} visible ASCII characters "
            "(letters, digits and punctuation, no spaces)."
        )
    return raw.decode("ascii")


def invalid_key(message: str) -> BadRequestError:
    return BadRequestError(INVALID, message)


def claim_for(hook_lineage: str, key: str, request: WebhookRequest) -> Claim:
    """The key's claim. Its hash covers the decoded message, not the bytes that carried it: a
    multipart retry (``curl -F`` picks a new boundary each time), JSON with other spacing or key
    order, or the same payload moved from the query string to the body is the same message; any
    change to what would be posted is a new one."""
    try:
        canonical = orjson.dumps(request, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # a value orjson cannot write: its repr is still exact
        canonical = repr(request).encode("utf-8", "surrogatepass")
    return Claim(hook_lineage, key, hashlib.sha256(canonical).hexdigest())


def replay(stored: Stored, claim: Claim) -> Receipt:
    """The first request's answer for a repeat of it; 422 when the repeat's message differs."""
    if stored.body_hash != claim.body_hash:
        raise UnprocessableError(
            MISMATCH,
            "This Idempotency-Key was used within the last 24 hours with a different message; "
            "use a new key for a new message.",
        )
    return Receipt(stored.channel_id, stored.post_ids, replayed=True)


async def stored(db: Database, claim: Claim) -> Stored | None:
    """What the key's first request stored, read from the database (not on the hot path)."""
    async with db.connect() as conn:
        since = now_ms() - IDEMPOTENCY_MS
        return await store.get_key(conn, hook_id=claim.hook_id, key=claim.key, since=since)


@dataclass
class InFlight:
    """The keyed requests this process is working on, by (hook lineage, key)."""

    _running: dict[tuple[str, str], tuple[str, asyncio.Future[Receipt]]] = field(
        default_factory=dict
    )
    # keys stored by this process lately, oldest first: (hook, key) → (monotonic time, stored)
    _recent: dict[tuple[str, str], tuple[float, Stored]] = field(default_factory=dict)

    def forget(self) -> None:
        """Drop what this process remembers (the stored keys still decide)."""
        self._recent.clear()

    def _remembered(self, slot: tuple[str, str]) -> Stored | None:
        entry = self._recent.get(slot)
        if entry is None:
            return None
        if time.monotonic() - entry[0] > IDEMPOTENCY_MS / 1000:
            del self._recent[slot]
            return None
        return entry[1]

    def _remember(self, slot: tuple[str, str], stored: Stored) -> None:
        if len(self._recent) >= MAX_REMEMBERED:
            self._recent.pop(next(iter(self._recent)))
        self._recent[slot] = (time.monotonic(), stored)

    async def once(self, claim: Claim, work: Callable[[Claim], Awaitable[Receipt]]) -> Receipt:
        """``work(claim)`` unless the key is in flight or remembered here: then the first
        answer (``work`` itself answers a key stored elsewhere: see the module's text)."""
        slot = (claim.hook_id, claim.key)
        remembered = self._remembered(slot)
        if remembered is not None:
            return replay(remembered, claim)
        running = self._running.get(slot)
        if running is not None:
            if running[0] != claim.body_hash:
                replay(Stored(running[0], "", []), claim)  # raises: 422
            return (await asyncio.shield(running[1]))._replace(replayed=True)
        future: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        self._running[slot] = (claim.body_hash, future)
        try:
            receipt = await work(claim)
        except BaseException as error:
            # The waiters answer what this request answers; a deadline that cancelled it is a
            # timeout for them, not their own cancellation.
            shared = (
                TimeoutError("the first request with this Idempotency-Key did not finish")
                if isinstance(error, asyncio.CancelledError)
                else error
            )
            future.set_exception(shared)
            future.exception()  # retrieved: nobody logs it twice
            raise
        finally:
            del self._running[slot]
        self._remember(slot, Stored(claim.body_hash, receipt.channel_id, receipt.post_ids))
        future.set_result(receipt)
        return receipt


async def purge_expired(db: Database) -> int:
    """Delete keys older than 24 hours, a batch at a time (the change poller calls this)."""
    total = 0
    while True:
        async with db.begin() as conn:
            gone = await store.purge(conn, before=now_ms() - IDEMPOTENCY_MS, limit=PURGE_BATCH)
        total += gone
        if gone < PURGE_BATCH:
            return total
