"""Incoming webhooks: management (create, list, get, update, delete, regenerate, the signing
secret).

Receiving a payload lives in ``inbound.services.receive``; both share ``HookCache``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.config import Config
from inbound.errors import (
    BadRequestError,
    DisabledError,
    NotFoundError,
    invalid_param,
    permission_denied,
)
from inbound.models import OPEN, Channel, IncomingHook, User, is_valid_id, new_id, now_ms
from inbound.services.changes import HookChanged
from inbound.services.context import Context
from inbound.services.hook_fields import (
    HookFields,
    HookPatch,
    allowed_cidrs_text,
    check_hook_username,
    check_values,
    team_mismatch,
)
from inbound.services.permissions import (
    BYPASS_CHANNEL_LOCK,
    MANAGE_OTHERS_HOOKS,
    MANAGE_OWN_HOOKS,
    can_read_channel,
    has_team_permission,
    is_channel_member,
)
from inbound.store import channels as channel_store
from inbound.store import hooks as hook_store
from inbound.store import users as user_store
from inbound.webhooks import signing

MAX_PER_PAGE = 200


def hook_not_found() -> NotFoundError:
    return NotFoundError(
        "app.webhooks.get_incoming.app_error", "Unable to find the incoming webhook."
    )


def check_enabled(config: Config) -> None:
    if not config.service.enable_incoming_webhooks:
        raise DisabledError(
            "api.incoming_webhook.disabled.app_error",
            "Incoming webhooks have been disabled by the system admin.",
        )


async def _hook_channel(conn: AsyncConnection, channel_id: str) -> Channel:
    if not is_valid_id(channel_id):
        raise invalid_param("channel_id")
    channel = await channel_store.get_channel_by_id(conn, channel_id)
    if channel is None or channel.delete_at:
        raise NotFoundError("app.channel.get.existing.app_error", "Unable to find the channel.")
    if not channel.team_id:
        raise BadRequestError(
            "api.incoming_webhook.channel_type.app_error",
            "Incoming webhooks post to team channels, not direct or group messages.",
        )
    return channel


# A hook posts as its owner, and only where the owner is a member (system admins included):
# refused at creation rather than by every post after it.
NOT_A_MEMBER = (
    "The hook's owner is not a member of that private channel, so the hook could never post there."
)


async def _check_channel_access(
    conn: AsyncConnection, config: Config, actor: User, channel: Channel
) -> None:
    if not await has_team_permission(conn, config, actor, channel.team_id, MANAGE_OWN_HOOKS):
        raise permission_denied()
    if channel.type != OPEN and not await can_read_channel(conn, actor, channel):
        raise permission_denied()


async def create_hook(
    ctx: Context, actor: User | None, fields: HookFields, *, user_id: str = ""
) -> IncomingHook:
    """``user_id`` names the owner (default: ``actor``; required when ``actor`` is None, the
    CLI's local mode)."""
    config = ctx.config
    check_enabled(config)
    check_values(fields)
    fields = replace(fields, allowed_cidrs=allowed_cidrs_text(fields.allowed_cidrs.split()))
    owner_id = user_id or (actor.id if actor else "")
    async with ctx.db.begin() as conn:
        channel = await _hook_channel(conn, fields.channel_id)
        if actor is not None:
            await _check_channel_access(conn, config, actor, channel)
            if owner_id != actor.id and not await has_team_permission(
                conn, config, actor, channel.team_id, MANAGE_OTHERS_HOOKS
            ):
                raise permission_denied()
        owner = await user_store.get_user_by_id(conn, owner_id) if is_valid_id(owner_id) else None
        if owner is None:
            raise NotFoundError("app.user.missing_account.const", "Unable to find the user.")
        if channel.type != OPEN and not await is_channel_member(conn, owner, channel):
            raise permission_denied(NOT_A_MEMBER)
        if actor is not None and not await has_team_permission(
            conn, config, actor, channel.team_id, BYPASS_CHANNEL_LOCK
        ):
            fields = replace(fields, channel_locked=True)
        fields = _without_overrides(fields, config)
        check_hook_username(fields.username, config)
        now = now_ms()
        hook = IncomingHook(new_id(), channel.id, channel.team_id, owner.id, now, now)
        fields.apply_to(hook)
        await hook_store.insert_hook(conn, hook)
    return hook


def _without_overrides(fields: HookFields, config: Config) -> HookFields:
    """A new hook keeps no username or icon the server would not let it use."""
    if not config.service.enable_post_username_override:
        fields = replace(fields, username="")
    if not config.service.enable_post_icon_override:
        fields = replace(fields, icon_url="")
    return fields


async def _managed_hook(
    conn: AsyncConnection, config: Config, actor: User | None, hook_id: str
) -> IncomingHook:
    """The hook, when ``actor`` may manage it (own: manage_own; others': manage_others)."""
    if not is_valid_id(hook_id):
        raise BadRequestError(
            "api.context.invalid_url_param.app_error", "Invalid or missing hook_id in request URL."
        )
    hook = await hook_store.get_hook_by_id(conn, hook_id)
    if hook is None:
        raise hook_not_found()
    if actor is None:
        return hook
    if not await has_team_permission(conn, config, actor, hook.team_id, MANAGE_OWN_HOOKS):
        raise permission_denied()
    if hook.user_id != actor.id and not await has_team_permission(
        conn, config, actor, hook.team_id, MANAGE_OTHERS_HOOKS
    ):
        raise permission_denied()
    return hook


async def get_hook(ctx: Context, actor: User | None, hook_id: str) -> IncomingHook:
    check_enabled(ctx.config)
    async with ctx.db.connect() as conn:
        return await _managed_hook(conn, ctx.config, actor, hook_id)


async def manageable_hook(ctx: Context, actor: User | None, hook_id: str) -> IncomingHook:
    """``get_hook`` whether or not incoming webhooks are enabled: the test console reports
    "disabled" as the answer a send would get (``services.preview``)."""
    async with ctx.db.connect() as conn:
        return await _managed_hook(conn, ctx.config, actor, hook_id)


@dataclass(frozen=True)
class HookPage:
    hooks: list[IncomingHook]
    total_count: int | None


async def list_hooks(
    ctx: Context,
    actor: User | None,
    *,
    team_id: str = "",
    page: int = 0,
    per_page: int = 60,
    include_total_count: bool = False,
) -> HookPage:
    config = ctx.config
    check_enabled(config)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    user_id = ""
    async with ctx.db.connect() as conn:
        if actor is not None and team_id:
            if not await has_team_permission(conn, config, actor, team_id, MANAGE_OWN_HOOKS):
                raise permission_denied()
            if not await has_team_permission(conn, config, actor, team_id, MANAGE_OTHERS_HOOKS):
                user_id = actor.id
        elif actor is not None and not actor.is_system_admin:
            raise permission_denied(
                "Listing hooks across all teams needs the system admin role; pass team_id."
            )
        hooks = await hook_store.list_hooks(
            conn, team_id=team_id, user_id=user_id, offset=page * per_page, limit=per_page
        )
        total = (
            await hook_store.count_hooks(conn, team_id=team_id, user_id=user_id)
            if include_total_count
            else None
        )
    return HookPage(hooks, total)


async def update_hook(
    ctx: Context, actor: User | None, hook_id: str, patch: HookPatch
) -> IncomingHook:
    config = ctx.config
    check_enabled(config)
    async with ctx.mutate() as (conn, changed):
        hook = await _managed_hook(conn, config, actor, hook_id)
        if patch.team_id not in (None, "", hook.team_id):
            raise team_mismatch()
        check_values(patch)
        if patch.allowed_cidrs is not None:
            patch = replace(patch, allowed_cidrs=allowed_cidrs_text(patch.allowed_cidrs.split()))
        fields = patch.applied_to(HookFields.of(hook))
        channel = await _hook_channel(conn, fields.channel_id)
        if channel.team_id != hook.team_id:
            raise team_mismatch("A hook cannot move to a channel of another team.")
        if actor is not None:
            await _check_channel_access(conn, config, actor, channel)
            if not await has_team_permission(
                conn, config, actor, channel.team_id, BYPASS_CHANNEL_LOCK
            ):
                fields = replace(fields, channel_locked=True)
        if channel.id != hook.channel_id and channel.type != OPEN:
            owner = await user_store.get_user_by_id(conn, hook.user_id)
            if owner is None or not await is_channel_member(conn, owner, channel):
                raise permission_denied(NOT_A_MEMBER)
        check_hook_username(fields.username, config)
        hook.update_at = now_ms()
        await hook_store.update_hook(
            conn, hook.id, update_at=hook.update_at, **fields.apply_to(hook)
        )
        changed(HookChanged(hook.id))
    return hook


async def delete_hook(ctx: Context, actor: User | None, hook_id: str) -> None:
    check_enabled(ctx.config)
    async with ctx.mutate() as (conn, changed):
        hook = await _managed_hook(conn, ctx.config, actor, hook_id)
        now = now_ms()
        await hook_store.update_hook(conn, hook.id, delete_at=now, update_at=now)
        changed(HookChanged(hook.id))


async def regenerate_hook(ctx: Context, actor: User | None, hook_id: str) -> IncomingHook:
    """Give the hook a new id (its URL key); the old key keeps posting for the grace period."""
    config = ctx.config
    check_enabled(config)
    grace_ms = config.service.incoming_webhook_key_grace_period_seconds * 1000
    async with ctx.mutate() as (conn, changed):
        old = await _managed_hook(conn, config, actor, hook_id)
        now = now_ms()
        fresh = replace(old, id=new_id(), update_at=now, origin_id=old.lineage)
        await hook_store.update_hook(conn, old.id, delete_at=now, update_at=now)
        await hook_store.insert_hook(conn, fresh)
        if grace_ms:
            await hook_store.retire_key(
                conn, key=old.id, hook_id=fresh.id, expire_at=now + grace_ms
            )
        changed(HookChanged(old.id))
    return fresh


async def set_signing_secret(ctx: Context, actor: User | None, hook_id: str) -> str:
    """Create or replace the hook's signing secret and return it: the one time it is shown.
    The very next request to the hook needs a signature made with it."""
    secret = signing.new_secret()
    await _change_secret(ctx, actor, hook_id, secret)
    return secret


async def remove_signing_secret(ctx: Context, actor: User | None, hook_id: str) -> None:
    """The hook takes unsigned requests again."""
    await _change_secret(ctx, actor, hook_id, "")


async def _change_secret(ctx: Context, actor: User | None, hook_id: str, secret: str) -> None:
    check_enabled(ctx.config)
    async with ctx.mutate() as (conn, changed):
        hook = await _managed_hook(conn, ctx.config, actor, hook_id)
        # a later update_at, even within the millisecond: other processes' pollers must notice
        update_at = max(now_ms(), hook.update_at + 1)
        await hook_store.update_hook(conn, hook.id, signing_secret=secret, update_at=update_at)
        changed(HookChanged(hook.id))
