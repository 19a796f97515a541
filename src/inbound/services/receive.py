"""``POST /hooks/{key}``: the rules, in Mattermost's order, after the body is decoded.

1 decoded (by the caller) → 2 enabled → 3 has content → 4 known key → 5 target channel →
6 channel lock → 7 active creator → 8 the creator is a member of a private channel, DM or
group (membership, for system admins too: a hook never posts where its creator is not) → 9
write every piece in one transaction through the group-committing writer, then answer.

An I/O shell around pure steps: step 3 is ``message.check``; after the reads, one
``message.build`` call makes the posts' pieces and mentions; then the write.

The common case — a public channel, no root, no Slack ids to resolve, no @names — reads nothing
from the database: the hook, its creator and its channel come from the hook cache.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import TypeAlias

from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.config import ServiceSettings
from inbound.errors import (
    AppError,
    BadRequestError,
    DisabledError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
)
from inbound.models import (
    DIRECT,
    OPEN,
    Channel,
    DeliveryDraft,
    IncomingHook,
    Post,
    User,
    is_valid_id,
    new_time_id,
    now_ms,
)
from inbound.services import hook_guard, idempotency
from inbound.services.channels import direct_channel_name, get_or_create_direct
from inbound.services.context import Context
from inbound.services.hook_cache import ResolvedHook, TooManyMissesError
from inbound.services.idempotency import Receipt
from inbound.services.permissions import is_channel_member
from inbound.services.posts import check_root, mentioned_members
from inbound.services.writer import PostBatch
from inbound.store import channels as channel_store
from inbound.store import hooks as hook_store
from inbound.store import users as user_store
from inbound.store.write_plan import Claim
from inbound.webhooks import message
from inbound.webhooks.native import Source
from inbound.webhooks.payload import WebhookRequest
from inbound.webhooks.slack import NO_LOOKUPS, Lookups

MAX_USER_LOOKUPS = 1000  # distinct <@ID> a message may name (a statement binds ≤ 32,767)
NO_HEADERS: Mapping[bytes, bytes] = {}
Target: TypeAlias = Channel | User  # a channel, or the user whose DM is created on demand


async def receive(
    ctx: Context,
    key: str,
    request: WebhookRequest | None,
    *,
    address: str = "",
    large: bool = False,
    headers: Mapping[bytes, bytes] = NO_HEADERS,
    body: bytes = b"",
    query: bytes = b"",
    idempotency_key: str = "",
    delivery: DeliveryDraft | None = None,
    source: Source | None = None,
    guarded: bool = True,
) -> Receipt:
    """Store the request's message (or find that it was stored under its Idempotency-Key).

    ``request`` is ``None`` for a native source's event that is not handled: the key and its
    guard are checked, nothing is stored (``Receipt.ignored``). ``delivery`` learns the hook's
    lineage once the key is known and rides with the posts into their commit. ``guarded=False``
    (a replay by the hook's manager) skips the allow-list and signature, which the stored
    request passed or failed when it arrived."""
    service = ctx.config.service
    if not service.enable_incoming_webhooks:
        raise DisabledError(
            "web.incoming_webhook.disabled.app_error",
            "Incoming webhooks have been disabled by the system admin.",
        )
    checked = None if request is None else message.check(request)
    resolved = await resolve_key(ctx, key, address=address)
    hook = resolved.hook
    if delivery is not None:
        ctx.deliveries.place(delivery, hook.lineage)
    if guarded and (hook.allowed_cidrs or hook.signing_secret):
        hook_guard.check(
            hook, address=address, headers=headers, body=body, query=query, source=source
        )
    if checked is None:
        return Receipt("", [], ignored=True)
    await ctx.rate_limits.check_hook(ctx.config.rate_limit, hook)  # 429 before any storage
    post = partial(_post, ctx, resolved, checked, large, delivery)
    if idempotency_key:  # at most once per hook and key (services.idempotency)
        claim = idempotency.claim_for(hook.lineage, idempotency_key, checked.request)
        return await ctx.idempotency.once(claim, partial(_post_or_replay, ctx, post))
    return await post(None)


async def _post_or_replay(
    ctx: Context, post: Callable[[Claim], Awaitable[Receipt]], claim: Claim
) -> Receipt:
    """A repeat that a rule now refuses (its channel archived since, after a restart or on
    another process) answers the stored message rather than a 4xx that says "not stored"."""
    try:
        return await post(claim)
    except AppError as error:
        if error.status >= 500:
            raise
        first = await idempotency.stored(ctx.db, claim)
        if first is None:
            raise
        return idempotency.replay(first, claim)


async def _post(
    ctx: Context,
    resolved: ResolvedHook,
    checked: message.Checked,
    large: bool,
    delivery: DeliveryDraft | None,
    claim: Claim | None,
) -> Receipt:
    """Steps 5–9 for a message that is not a repeat."""
    hook, request = resolved.hook, checked.request
    channel, creator = await _channel_and_creator(ctx, resolved, request.channel)
    lookups = await _look_up(ctx, creator, channel, request)
    built = await build_message(ctx, hook, checked, lookups, large=large)
    return await _write(
        ctx,
        built,
        hook=hook,
        channel=channel,
        creator=creator,
        request=request,
        claim=claim,
        delivery=delivery,
    )


async def build_message(
    ctx: Context,
    hook: IncomingHook,
    checked: message.Checked,
    lookups: Lookups,
    *,
    large: bool,
) -> message.Built:
    """The message's pieces and mentions, as the hook's settings and the server's make them."""
    service = ctx.config.service
    build = partial(
        message.build,
        checked,
        lookups,
        identity=hook_identity(hook, service),
        limit=service.post_message_max_runes,
        slack=hook.message_format == "slack",
    )
    # Linear, but a 300 KB message is ~100 ms of translation, splitting and scanning: large
    # ones take turns in a worker thread so the event loop keeps answering everyone else.
    return await ctx.off_loop(build) if large else build()


async def _write(
    ctx: Context,
    built: message.Built,
    *,
    hook: IncomingHook,
    channel: Channel,
    creator: User,
    request: WebhookRequest,
    claim: Claim | None,
    delivery: DeliveryDraft | None,
) -> Receipt:
    """Step 9: the pieces as posts, with whom they notify, through the group-committing writer."""
    pieces, mentions = built
    mentioned: list[str] = []
    if mentions.usernames or channel.type == DIRECT:
        async with ctx.db.connect() as conn:
            mentioned = await mentioned_members(
                conn, channel, mentions, poster_id=creator.id, notify_poster=True
            )
    batch = PostBatch(
        channel,
        _posts(pieces, channel, creator, request, hook_id=hook.lineage),
        mentioned_user_ids=mentioned,
        mention_everyone=mentions.everyone,
        hook_id=hook.id,
        sender_name=str(pieces[0].props.get("override_username") or creator.username),
        idempotency=claim,
        delivery=delivery,
    )
    await ctx.writer.write(batch)
    if delivery is not None:
        delivery.written = True  # its history row committed with the posts
    if claim is not None and batch.replay_of is not None:  # another process stored it first
        return idempotency.replay(batch.replay_of, claim)
    return Receipt(channel.id, [p.id for p in batch.posts])


def hook_identity(hook: IncomingHook, service: ServiceSettings) -> message.Identity:
    """How the posts present themselves: the hook's names, and the overrides the server allows."""
    return message.Identity(
        display_name=hook.display_name,
        username=hook.username,
        icon_url=hook.icon_url,
        username_override=service.enable_post_username_override,
        icon_override=service.enable_post_icon_override,
    )


async def _channel_and_creator(
    ctx: Context, resolved: ResolvedHook, override: str
) -> tuple[Channel, User]:
    """Steps 5–7: where the posts go (a DM to ``@user`` is created here), and who posts them."""
    target, creator = await target_and_creator(ctx, resolved, override)
    if isinstance(target, User):
        channel, _created = await get_or_create_direct(ctx, None, creator.id, target.id)
        return channel, creator
    return target, creator


async def target_and_creator(
    ctx: Context, resolved: ResolvedHook, override: str
) -> tuple[Target, User]:
    """Steps 5–7 without writing anything (the preview's too): the target, and the creator."""
    target = await _override_target(ctx, resolved, override) if override else resolved.channel
    if target is None:
        raise channel_not_found(resolved.hook.channel_id)
    creator = resolved.creator
    if creator is None or not creator.is_active:
        raise ForbiddenError(
            "web.incoming_webhook.user.app_error", "The webhook's creator has been deactivated."
        )
    return target, creator


async def _override_target(ctx: Context, resolved: ResolvedHook, override: str) -> Target:
    async with ctx.db.connect() as conn:
        return await target_channel(conn, resolved, override)


async def _look_up(
    ctx: Context, creator: User, channel: Channel, request: WebhookRequest
) -> Lookups:
    user_ids, channel_ids = message.referenced(request)
    if channel.type == OPEN and not request.root_id and not user_ids and not channel_ids:
        return NO_LOOKUPS  # the common case: nothing to check or look up
    return await _check_and_look_up(ctx, creator, channel, request, user_ids, channel_ids)


async def _check_and_look_up(
    ctx: Context,
    creator: User,
    channel: Channel,
    request: WebhookRequest,
    user_ids: set[str],
    channel_ids: set[str],
) -> Lookups:
    """Step 8 and the root check, then resolve the Slack ids the message references."""
    async with ctx.db.connect() as conn:
        if channel.type != OPEN and not await is_channel_member(conn, creator, channel):
            raise ForbiddenError(
                "web.incoming_webhook.permissions.app_error",
                f"The webhook's creator is not a member of the channel {channel.name!r}.",
            )
        await check_root(conn, channel, request.root_id)
        return await referenced_names(conn, user_ids, channel_ids)


def _posts(
    pieces: list[message.Piece],
    channel: Channel,
    creator: User,
    request: WebhookRequest,
    *,
    hook_id: str,
) -> list[Post]:
    now = now_ms()
    metadata = {"priority": request.priority} if request.priority else {}
    return [
        Post(
            new_time_id(now + i),
            channel.id,
            creator.id,
            piece.message,
            create_at=now + i,  # distinct, ordered timestamps keep the pieces in order
            update_at=now + i,
            root_id=request.root_id,
            type=piece.type,
            props=piece.props,
            metadata=metadata,
            hook_id=hook_id,
        )
        for i, piece in enumerate(pieces)
    ]


def invalid_hook() -> BadRequestError:
    return BadRequestError(
        "web.incoming_webhook.invalid.app_error",
        "Invalid webhook: the URL's key is unknown or was deleted.",
    )


async def resolve_key(ctx: Context, key: str, *, address: str = "") -> ResolvedHook:
    """The hook behind ``key``; unknown keys are answered from memory when asked lately, and an
    address that keeps trying unknown keys gets 429 instead of database reads."""
    try:
        resolved = await ctx.hooks.get(key, lambda k: _load_hook(ctx, k), address=address)
    except TooManyMissesError as error:
        raise RateLimitedError(
            "web.incoming_webhook.rate_limited.app_error",
            "Too many requests with unknown webhook keys from this address; slow down.",
            retry_after=max(1, math.ceil(error.retry_after)),
        ) from None
    if resolved is None:
        raise invalid_hook()
    return resolved


async def _load_hook(ctx: Context, key: str) -> ResolvedHook | None:
    async with ctx.db.connect() as conn:
        hook = await hook_store.get_hook_by_id(conn, key)
        if hook is None:
            hook = await hook_store.get_hook_by_retired_key(conn, key, now=now_ms())
        if hook is None:
            return None
        creator = await user_store.get_user_by_id(conn, hook.user_id)
        channel = await channel_store.get_channel_by_id(
            conn, hook.channel_id, include_deleted=False
        )
    return ResolvedHook(hook, creator, channel)


def channel_not_found(name: str) -> NotFoundError:
    return NotFoundError(
        "web.incoming_webhook.channel.app_error", f"Couldn't find the channel {name!r}."
    )


async def target_channel(conn: AsyncConnection, resolved: ResolvedHook, override: str) -> Target:
    """The override channel, or for ``@user`` that user: the DM with them, not yet created (the
    user is read once, here, and carried to the DM's creation)."""
    hook = resolved.hook
    if override.startswith("@"):
        user = await user_store.get_user_by_username(conn, override[1:])
        if user is None or not user.is_active:
            raise BadRequestError(
                "web.incoming_webhook.user.app_error", f"Couldn't find the user {override!r}."
            )
        if hook.channel_locked:
            raise _locked(override)
        return user
    name = override[1:] if override.startswith("#") else override
    channel = await channel_store.get_channel_by_name(
        conn, hook.team_id, name, include_deleted=False
    )
    if channel is None:
        channel = await channel_store.get_channel_by_name(
            conn, "", _direct_name(name), include_deleted=False
        )
    if channel is None:
        raise channel_not_found(override)
    if hook.channel_locked and channel.id != hook.channel_id:
        raise _locked(override)
    return channel


def _direct_name(name: str) -> str:
    """``a__b`` names the DM of users a and b in either order (stored with the ids sorted)."""
    first, separator, second = name.partition("__")
    if separator and is_valid_id(first) and is_valid_id(second):
        return direct_channel_name(first, second)
    return name


def _locked(override: str) -> ForbiddenError:
    return ForbiddenError(
        "web.incoming_webhook.channel_locked.app_error",
        f"This webhook is locked to its channel and cannot post to {override!r}.",
    )


async def referenced_names(
    conn: AsyncConnection, user_ids: set[str], channel_ids: set[str]
) -> Lookups:
    """What the referenced ids name: usernames, and public channels' names."""
    ids = sorted(user_ids)[:MAX_USER_LOOKUPS]  # one bounded query; the rest stay <@ID>
    usernames = {u.id: u.username for u in await user_store.get_users_by_ids(conn, ids)}
    names: dict[str, str] = {}
    for channel_id in sorted(channel_ids)[:50]:
        channel = await channel_store.get_channel_by_id(conn, channel_id, include_deleted=False)
        if channel is not None and channel.type == OPEN:
            names[channel_id] = channel.name
    return Lookups(usernames, names)
