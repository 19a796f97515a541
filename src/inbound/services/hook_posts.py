"""``PATCH|DELETE /hooks/{key}/posts/{post_id}``: a hook edits or deletes what it posted.

The order follows ``POST /hooks/{key}``: decoded (by the caller) → enabled (501) → the edit says
something (400) → known key (400; a regenerated hook's old key during its grace period counts) →
allow-list and signature → the hook's rate limit (429) → active creator (403) → the post (404,
one answer whatever the reason) → its channel not archived (403) → the creator still a member of
a private channel, DM or group (403) → write, then tell the readers.

A post belongs to a hook when it was created through any of the hook's keys: its ``hook_id`` is
the hook's lineage. Edits notify nobody again (no mention counts); the search index follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.errors import DisabledError, ForbiddenError, NotFoundError
from inbound.models import OPEN, Channel, IncomingHook, Post, User, is_valid_id, now_ms
from inbound.services import hook_guard
from inbound.services.context import Context
from inbound.services.events import PostDeleted, PostEdited
from inbound.services.permissions import is_channel_member
from inbound.services.posts import attach_reactions
from inbound.services.receive import hook_identity, referenced_names, resolve_key
from inbound.store import channels as channel_store
from inbound.store import posts as post_store
from inbound.store import search as search_store
from inbound.webhooks import edit as hook_edit
from inbound.webhooks import message
from inbound.webhooks.slack import NO_LOOKUPS, Lookups

POST_NOT_FOUND = "web.incoming_webhook.post.not_found.app_error"
CHANNEL_ARCHIVED = "web.incoming_webhook.channel_archived.app_error"


@dataclass(frozen=True)
class Sender:
    """Who is asking, as the hook path sees it: for the allow-list, the signature, the 429s."""

    address: str = ""
    headers: Mapping[bytes, bytes] = field(default_factory=dict)
    body: bytes = b""
    query: bytes = b""


NO_SENDER = Sender()


@dataclass(frozen=True)
class HookPost:
    hook: IncomingHook
    creator: User
    post: Post


async def edit_post(
    ctx: Context,
    key: str,
    post_id: str,
    edit: hook_edit.Edit,
    *,
    sender: Sender = NO_SENDER,
    large: bool = False,
) -> Post:
    """Apply ``edit`` to the post; return it as stored."""
    check_enabled(ctx)
    hook_edit.check(edit)
    found = await hook_post(ctx, key, post_id, sender)
    hook, post = found.hook, found.post
    service = ctx.config.service
    lookups = await _look_up(ctx, edit)
    work = partial(
        hook_edit.edited,
        post,
        edit,
        lookups,
        identity=hook_identity(hook, service),
        limit=service.post_message_max_runes,
        slack=hook.message_format == "slack",
    )
    changes = await ctx.off_loop(work) if large else work()
    return await _write_edit(ctx, post, changes)


async def delete_post(
    ctx: Context,
    key: str,
    post_id: str,
    *,
    sender: Sender = NO_SENDER,
) -> Post:
    """Soft-delete the post and, as Mattermost does for a root, its thread's replies."""
    check_enabled(ctx)
    post = (await hook_post(ctx, key, post_id, sender)).post
    now = now_ms()
    async with ctx.db.begin() as conn:
        await post_store.delete_thread(conn, post.id, at=now)
    deleted = replace(post, delete_at=now, update_at=now)
    ctx.events.publish(PostDeleted(deleted))
    return deleted


def check_enabled(ctx: Context) -> None:
    if not ctx.config.service.enable_incoming_webhooks:
        raise DisabledError(
            "web.incoming_webhook.disabled.app_error",
            "Incoming webhooks have been disabled by the system admin.",
        )


async def hook_post(ctx: Context, key: str, post_id: str, sender: Sender) -> HookPost:
    """The hook behind ``key`` and its post ``post_id``, with every check before a write."""
    resolved = await resolve_key(ctx, key, address=sender.address)
    hook = resolved.hook
    if hook.allowed_cidrs or hook.signing_secret:
        hook_guard.check(
            hook,
            address=sender.address,
            headers=sender.headers,
            body=sender.body,
            query=sender.query,
        )
    await ctx.rate_limits.check_hook(ctx.config.rate_limit, hook)
    creator = resolved.creator
    if creator is None or not creator.is_active:
        raise ForbiddenError(
            "web.incoming_webhook.user.app_error", "The webhook's creator has been deactivated."
        )
    async with ctx.db.connect() as conn:
        post = await post_store.get_post_by_id(conn, post_id) if is_valid_id(post_id) else None
        if post is None or post.hook_id != hook.lineage:
            raise post_not_found()
        channel = await channel_store.get_channel_by_id(conn, post.channel_id)
        if channel is None:
            raise post_not_found()
        await _check_channel(conn, creator, channel)
    return HookPost(hook, creator, post)


async def _check_channel(conn: AsyncConnection, creator: User, channel: Channel) -> None:
    if channel.delete_at:
        raise ForbiddenError(
            CHANNEL_ARCHIVED,
            f"The channel {channel.name!r} is archived: its posts can't be edited or deleted "
            "until it is restored.",
        )
    if channel.type != OPEN and not await is_channel_member(conn, creator, channel):
        raise ForbiddenError(
            "web.incoming_webhook.permissions.app_error",
            f"The webhook's creator is not a member of the channel {channel.name!r}.",
        )


def post_not_found() -> NotFoundError:
    return NotFoundError(
        POST_NOT_FOUND, "This webhook has no such post: it did not create it, or it was deleted."
    )


async def _look_up(ctx: Context, edit: hook_edit.Edit) -> Lookups:
    """What the edit's ``<@ID>`` and ``<#ID>`` name (nothing to read in the common case)."""
    user_ids, channel_ids = message.referenced(edit.request)
    if not user_ids and not channel_ids:
        return NO_LOOKUPS
    async with ctx.db.connect() as conn:
        return await referenced_names(conn, user_ids, channel_ids)


async def _write_edit(ctx: Context, post: Post, changes: dict[str, Any]) -> Post:
    """Store the new values (edit_at: the post shows "(edited)"), reindex, tell the readers."""
    now = now_ms()
    async with ctx.db.begin() as conn:
        await search_store.unindex_post(conn, post.id)
        await post_store.update_post(conn, post.id, **changes, update_at=now, edit_at=now)
        await search_store.index_post(conn, post.id)
    updated = replace(post, **changes, update_at=now, edit_at=now)
    if updated.has_reactions:
        async with ctx.db.connect() as conn:
            await attach_reactions(conn, [updated])
    ctx.events.publish(PostEdited(updated))
    return updated
