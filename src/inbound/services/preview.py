"""The test console's dry run (senders.md §7): what ``POST /hooks/{key}`` would do with a body.

The same rules in the same order as ``services.receive`` — its steps are called here, not
copied, so the two cannot drift — and the same errors, but nothing is written: no post, no DM
channel (an ``@user`` DM that does not exist yet is reported with ``channel_id`` ""), no
rate-limit token spent, no Idempotency-Key taken, no ``last_used_at`` touched.

Not applied: the signing secret and the allow-list. Those check who sends; the console's caller
is signed in and may manage the hook, and what they try out is what is sent. The rate limit is
not checked either: a preview is not a send, and a sender's 429 depends on the moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial

from inbound.errors import AppError, DisabledError, invalid_param
from inbound.models import DIRECT, Channel, IncomingHook, Post, User
from inbound.services import hooks
from inbound.services.channels import direct_channel_name
from inbound.services.context import Context
from inbound.services.hook_cache import ResolvedHook
from inbound.services.posts import check_root

# receive's private steps, shared rather than copied (their names stay as receive has them)
from inbound.services.receive import (
    _look_up,
    _posts,
    build_message,
    referenced_names,
    target_and_creator,
)
from inbound.store import channels as channel_store
from inbound.store import users as user_store
from inbound.webhooks import message
from inbound.webhooks.decode import decode_value
from inbound.webhooks.native import SOURCES
from inbound.webhooks.payload import WebhookRequest, normalise
from inbound.webhooks.slack import Lookups


@dataclass(frozen=True)
class Body:
    """A webhook request as the sender would send it (``large``: decode it off the loop)."""

    content: bytes
    content_type: str = ""
    query: bytes = b""
    headers: Mapping[bytes, bytes] = field(default_factory=dict)
    large: bool = False


@dataclass(frozen=True)
class Preview:
    """The posts a send would store (without ids), or the error it would get."""

    posts: list[Post]
    error: AppError | None = None


def check_source(source: str) -> None:
    """``source`` names a native sender this server knows ("" is the Slack-style hook)."""
    if source and source not in SOURCES:
        raise invalid_param("source", f"Unknown source {source!r}; known: {sorted(SOURCES)}.")


async def preview(
    ctx: Context, actor: User | None, hook_id: str, body: Body | AppError, *, source: str = ""
) -> Preview:
    """The dry run for a hook ``actor`` may manage (refused as ``hooks.get_hook`` refuses);
    the send's own failure is the answer, not raised. ``body`` is an error when the hook
    endpoint would refuse it before decoding (413)."""
    hook = await hooks.manageable_hook(ctx, actor, hook_id)
    check_source(source)
    if isinstance(body, AppError):
        return Preview([], body)
    try:
        return Preview(await _dry_run(ctx, hook, body, source))
    except AppError as error:
        return Preview([], error)


async def _dry_run(ctx: Context, hook: IncomingHook, body: Body, source: str) -> list[Post]:
    request = await _decoded(ctx, body, source)
    if request is None:
        return []  # a native event its source ignores: 200, nothing posted
    if not ctx.config.service.enable_incoming_webhooks:
        raise DisabledError(
            "web.incoming_webhook.disabled.app_error",
            "Incoming webhooks have been disabled by the system admin.",
        )
    checked = message.check(request)
    resolved = await _resolved(ctx, hook)
    target, creator = await target_and_creator(ctx, resolved, request.channel)
    channel = await _direct(ctx, creator, target) if isinstance(target, User) else target
    if channel.id:
        lookups = await _look_up(ctx, creator, channel, request)
    else:  # the DM is not there yet: its creator will be a member; nothing can be its root
        lookups = await _new_direct_look_up(ctx, channel, request)
    pieces, _mentions = await build_message(ctx, hook, checked, lookups, large=body.large)
    made = _posts(pieces, channel, creator, request, hook_id=hook.lineage)
    return [replace(post, id="") for post in made]


async def _decoded(ctx: Context, body: Body, source: str) -> WebhookRequest | None:
    """The body as the hook path decodes it; for a native source, its translation first."""
    value_of = partial(decode_value, body.content, body.content_type, body.query)
    value = await ctx.off_loop(value_of) if body.large else value_of()
    if not source:
        return normalise(value)
    native = SOURCES[source]
    translated = native.translate(native.event(body.headers, value), value)
    return None if translated is None else normalise(translated)


async def _resolved(ctx: Context, hook: IncomingHook) -> ResolvedHook:
    """What the hook cache would hold for the hook: its creator, and its channel unless gone."""
    async with ctx.db.connect() as conn:
        creator = await user_store.get_user_by_id(conn, hook.user_id)
        channel = await channel_store.get_channel_by_id(
            conn, hook.channel_id, include_deleted=False
        )
    return ResolvedHook(hook, creator, channel)


async def _direct(ctx: Context, creator: User, target: User) -> Channel:
    """The DM of the creator and the ``@user``, or the one a send would create (id "")."""
    name = direct_channel_name(creator.id, target.id)
    async with ctx.db.connect() as conn:
        existing = await channel_store.get_channel_by_name(conn, "", name)
    return existing or Channel("", "", name, "", DIRECT, creator_id=creator.id)


async def _new_direct_look_up(ctx: Context, channel: Channel, request: WebhookRequest) -> Lookups:
    user_ids, channel_ids = message.referenced(request)
    async with ctx.db.connect() as conn:
        await check_root(conn, channel, request.root_id)
        return await referenced_names(conn, user_ids, channel_ids)
