"""Incoming webhooks: management (create, list, get, update, delete, regenerate, the signing
secret).

Receiving a payload lives in ``inbound.services.receive``; both share ``HookCache``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from dataclasses import fields as dataclass_fields
from typing import Any

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
from inbound.webhooks import signing, sources

HOOK_USERNAME_RE = re.compile(r"^[a-z0-9.\-_]{1,64}$")
RESERVED_HOOK_USERNAMES = frozenset({"all", "channel", "here", "system"})
FORMATS = ("markdown", "slack")
LIMITS = {"display_name": 64, "description": 500, "username": 64, "icon_url": 1024}
MAX_PER_PAGE = 200
RATE_FIELDS = ("rate_limit_per_sec", "rate_limit_burst")  # 0: RateLimitSettings' defaults
MAX_RATE = 1_000_000


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


@dataclass(frozen=True)
class HookFields:
    """The client-settable fields of a hook: what creating one takes, already parsed."""

    channel_id: str
    display_name: str = ""
    description: str = ""
    username: str = ""
    icon_url: str = ""
    channel_locked: bool = False
    message_format: str = "markdown"
    rate_limit_per_sec: int = 0
    rate_limit_burst: int = 0
    allowed_cidrs: str = ""  # normalised networks, space-separated (``allowed_cidrs_text``)

    @classmethod
    def of(cls, hook: IncomingHook) -> HookFields:
        return cls(**{f.name: getattr(hook, f.name) for f in dataclass_fields(cls)})

    def apply_to(self, hook: IncomingHook) -> dict[str, Any]:
        """Set these fields on ``hook``; returns them as column values."""
        values = asdict(self)
        for name, value in values.items():
            setattr(hook, name, value)
        return values


@dataclass(frozen=True)
class HookPatch:
    """A hook update: None leaves a field as it is. ``team_id``, when given, must be the hook's
    own (Mattermost clients send the whole hook back)."""

    channel_id: str | None = None
    display_name: str | None = None
    description: str | None = None
    username: str | None = None
    icon_url: str | None = None
    channel_locked: bool | None = None
    message_format: str | None = None
    rate_limit_per_sec: int | None = None
    rate_limit_burst: int | None = None
    allowed_cidrs: str | None = None  # "" clears the allow-list
    team_id: str | None = None

    def applied_to(self, fields: HookFields) -> HookFields:
        names = (f.name for f in dataclass_fields(HookFields))
        given = {name: getattr(self, name) for name in names if getattr(self, name) is not None}
        return replace(fields, **given)


def check_values(fields: HookFields | HookPatch) -> None:
    """The rules on the values, here rather than where bodies are parsed, so that the API and the
    CLI refuse the same values with the same errors."""
    for name, limit in (("channel_id", 26), *LIMITS.items()):
        value = getattr(fields, name)
        if value is not None and len(value) > limit:
            raise BadRequestError(
                f"model.incoming_hook.{name}.app_error",
                f"{name} must be at most {limit} characters.",
            )
    if fields.message_format is not None and fields.message_format not in FORMATS:
        raise invalid_format()
    for name in RATE_FIELDS:
        value = getattr(fields, name)
        if value is not None and not 0 <= value <= MAX_RATE:
            raise invalid_rate(name)


def allowed_cidrs_text(values: object) -> str:
    """A hook's ``allowed_cidrs`` (a list of networks) as stored: normalised, space-separated."""
    if not isinstance(values, list | tuple):
        raise invalid_cidrs("allowed_cidrs must be a list of networks such as 203.0.113.0/24.")
    try:
        return " ".join(sources.parse_cidrs(values))
    except sources.InvalidCidrError as error:
        reason = str(error)  # "allowed_cidrs[3] (…) is not …" or "at most 100 networks"
        raise invalid_cidrs(
            f"{reason}." if reason.startswith("allowed_cidrs") else f"allowed_cidrs: {reason}."
        ) from None


def invalid_cidrs(message: str) -> BadRequestError:
    return BadRequestError("model.incoming_hook.allowed_cidrs.app_error", message)


def invalid_format() -> BadRequestError:
    return invalid_param("message_format", "message_format must be 'markdown' or 'slack'.")


def invalid_rate(name: str) -> BadRequestError:
    return BadRequestError(
        f"model.incoming_hook.{name}.app_error",
        f"{name} must be a whole number from 0 (the server's default) to {MAX_RATE}.",
    )


def team_mismatch(message: str = "A hook cannot move to another team.") -> BadRequestError:
    return BadRequestError("api.webhook.team_mismatch.app_error", message)


def check_hook_username(username: str, config: Config) -> None:
    if not username or not config.service.enable_post_username_override:
        return
    if not HOOK_USERNAME_RE.match(username) or username in RESERVED_HOOK_USERNAMES:
        raise BadRequestError(
            "api.incoming_webhook.invalid_username.app_error",
            f"Invalid username {username!r}: use 1–64 lowercase letters, numbers, '.', '-' or '_', "
            "not all, channel, here or system.",
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
