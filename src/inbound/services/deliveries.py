"""Reading a hook's delivery history and replaying a request from it (senders.md §6).

Only those who may manage the hook read its history: the rows hold what senders sent. A
replay re-sends the stored body through the same rules as a new request — decoded again, the
hook's current key, channel rules, rate limit — except the allow-list and signature, which
the original request met (or not) when it arrived; the caller is the hook's manager. It
answers like ``?wait=true`` and is recorded as a delivery of its own.
"""

from __future__ import annotations

import time
from functools import partial

from inbound.errors import AppError, BadRequestError, NotFoundError
from inbound.models import IncomingHook, User, is_valid_id
from inbound.services import delivery_log
from inbound.services.context import Context
from inbound.services.delivery_log import parse_headers
from inbound.services.hooks import check_enabled, get_hook
from inbound.services.idempotency import Receipt
from inbound.services.receive import receive
from inbound.store import deliveries as store
from inbound.store.deliveries import Counts, Delivery
from inbound.webhooks import native

__all__ = ["Counts", "Delivery", "counts_24h", "list_deliveries", "parse_headers", "replay"]
LARGE_BODY_BYTES = 32 * 1024
MAX_PER_PAGE = 200
STATUSES = {"": "", "failed": "failed", "ignored": "ignored", "posted": "posted"}
DAY_MS = 24 * 3600 * 1000


async def list_deliveries(
    ctx: Context,
    actor: User | None,
    hook_id: str,
    *,
    page: int = 0,
    per_page: int = 60,
    status: str = "",
) -> list[Delivery]:
    """Newest first; ``status`` ``failed``, ``ignored`` or ``posted`` filters."""
    if status not in STATUSES:
        raise BadRequestError(
            "api.context.invalid_param.app_error",
            "status must be failed, ignored or posted (or absent for all).",
        )
    hook = await get_hook(ctx, actor, hook_id)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    async with ctx.db.connect() as conn:
        return await store.list_for_hook(
            conn, hook.lineage, outcome=status, offset=page * per_page, limit=per_page
        )


async def counts_24h(ctx: Context, hooks: list[IncomingHook]) -> dict[str, Counts]:
    """Per hook id: its requests of the last 24 hours (whole hours), by outcome."""
    now = int(time.time() * 1000)
    since = now - now % delivery_log.HOUR_MS - DAY_MS + delivery_log.HOUR_MS
    async with ctx.db.connect() as conn:
        by_lineage = await store.counts_since(conn, [h.lineage for h in hooks], since)
    return {h.id: by_lineage.get(h.lineage, Counts()) for h in hooks}


async def replay(
    ctx: Context, actor: User | None, hook_id: str, delivery_id: str, *, address: str
) -> Receipt:
    """Send the stored request again; raise its failure as the hook endpoint would."""
    check_enabled(ctx.config)
    hook = await get_hook(ctx, actor, hook_id)
    if not is_valid_id(delivery_id):
        raise _not_found()
    async with ctx.db.connect() as conn:
        stored = await store.get_delivery(conn, hook.lineage, delivery_id)
    if stored is None:
        raise _not_found()
    if stored.body_truncated:
        raise BadRequestError(
            "web.incoming_webhook.replay.truncated.app_error",
            "Only the first 64 KiB of this request's body were kept: it cannot be sent again.",
        )
    headers = _headers(stored.headers)
    query = stored.query.encode("latin-1")
    draft = delivery_log.draft(
        started=time.perf_counter(),
        remote_addr=address,
        content_type=stored.content_type,
        headers=[*headers.items(), (b"x-inbound-replay-of", delivery_id.encode())],
        body=stored.body,
        query=query,
        source=stored.source,
    )
    ctx.deliveries.place(draft, hook.lineage)
    try:
        source = native.SOURCES.get(stored.source) if stored.source else None
        read = partial(native.decode, source, headers, stored.body, stored.content_type, query)
        large = len(stored.body) > LARGE_BODY_BYTES
        request = await ctx.off_loop(read) if large else read()
        receipt = await receive(
            ctx,
            hook.id,
            request,
            address=address,
            large=large,
            query=query,
            delivery=draft,
            source=source,
            guarded=False,
        )
    except AppError as error:
        ctx.deliveries.record(
            draft,
            status=error.status,
            outcome="failed",
            error_id=error.error_id,
            error_message=error.message,
        )
        raise
    if not draft.written:
        outcome = "ignored" if receipt.ignored else "posted"
        ctx.deliveries.record(draft, status=200, outcome=outcome, post_ids=receipt.post_ids)
    return receipt


def _headers(stored: str) -> dict[bytes, bytes]:
    """The stored headers (masked ones stay ``***``: a replay is not signed)."""
    return {
        name.encode("latin-1"): value.encode("latin-1")
        for name, value in delivery_log.parse_headers(stored).items()
    }


def _not_found() -> NotFoundError:
    return NotFoundError(
        "api.incoming_webhook.delivery.not_found.app_error",
        "No delivery with that id in this hook's history.",
    )
