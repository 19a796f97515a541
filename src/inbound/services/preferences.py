"""A user's preferences (Mattermost's ``/users/{id}/preferences``): the web and mobile apps keep
their settings here — theme, display options, favourite channels, saved posts, tutorial steps.

Mattermost's rules: only the user themself or a system admin (``edit_other_users``) reads or
changes them; a batch holds 1 to 100 preferences, each naming that same user; a saved post
(``flagged_post``) must be one the caller can read; ``model/preference.go``'s limits apply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.errors import BadRequestError, ForbiddenError, NotFoundError, permission_denied
from inbound.models import Preference, User
from inbound.services.context import Context
from inbound.services.events import PreferencesChanged, PreferencesDeleted
from inbound.services.permissions import can_read_channel
from inbound.store import channels as channel_store
from inbound.store import posts as post_store
from inbound.store import preferences as preference_store

MAX_PER_REQUEST = 100
MAX_KEY_BYTES = 32  # category and name, in bytes (Go's len)
MAX_VALUE_LENGTH = 20_000  # characters (Mattermost's MaxPreferenceValueLength, in runes)
THEME = "theme"
FLAGGED_POST = "flagged_post"
SIDEBAR_SETTINGS = "sidebar_settings"
LIMIT_VISIBLE_DMS_GMS = "limit_visible_dms_gms"
MAX_VISIBLE_DMS_GMS = 40
_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
_THEME_FREE_KEYS = frozenset({"image", "type", "codeTheme"})  # not colours
_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")


def check_access(actor: User, user_id: str) -> None:
    """Mattermost's ``SessionHasPermissionToUser``: oneself, or ``edit_other_users``."""
    if actor.id != user_id and not actor.is_system_admin:
        raise permission_denied()


def check_batch(count: int) -> None:
    """A batch holds 1 to ``MAX_PER_REQUEST`` preferences (checked before anything is read)."""
    if not 0 < count <= MAX_PER_REQUEST:
        raise BadRequestError(
            "api.context.invalid_body_param.app_error",
            f"Invalid or missing preferences in request body: send 1 to {MAX_PER_REQUEST}.",
        )


async def get_preferences(ctx: Context, actor: User, user_id: str) -> list[Preference]:
    check_access(actor, user_id)
    async with ctx.db.connect() as conn:
        return await preference_store.get_preferences(conn, user_id)


async def get_category(ctx: Context, actor: User, user_id: str, category: str) -> list[Preference]:
    check_access(actor, user_id)
    async with ctx.db.connect() as conn:
        found = await preference_store.get_preferences_by_category(conn, user_id, category)
    if not found:
        raise NotFoundError(
            "api.preference.preferences_category.get.app_error",
            "Unable to find preferences for the user in this category.",
        )
    return found


async def get_preference(
    ctx: Context, actor: User, user_id: str, category: str, name: str
) -> Preference:
    check_access(actor, user_id)
    async with ctx.db.connect() as conn:
        found = await preference_store.get_preference(conn, user_id, category, name)
    if found is None:  # Mattermost answers 400 here, not 404
        raise BadRequestError("app.preference.get.app_error", "Unable to find the preference.")
    return found


async def save_preferences(
    ctx: Context, actor: User, user_id: str, wanted: Sequence[Preference]
) -> list[Preference]:
    """Upsert the batch in one transaction (all or nothing); a key sent twice keeps its last
    value. Tells the user's connections ``preferences_changed``."""
    check_access(actor, user_id)
    check_batch(len(wanted))
    async with ctx.db.begin() as conn:
        for preference in wanted:
            if preference.category == FLAGGED_POST:
                await _check_saved_post(conn, actor, preference.name)
        _check_owner(wanted, user_id, "api.preference.update_preferences.set.app_error")
        unique = {(p.category, p.name): _checked(p) for p in wanted}
        saved = list(unique.values())
        await preference_store.upsert_preferences(conn, saved)
    ctx.events.publish(PreferencesChanged(user_id, tuple(saved)))
    return saved


async def delete_preferences(
    ctx: Context, actor: User, user_id: str, doomed: Sequence[Preference]
) -> None:
    """Delete these keys (absent ones are no error); tells ``preferences_deleted``."""
    check_access(actor, user_id)
    check_batch(len(doomed))
    _check_owner(doomed, user_id, "api.preference.delete_preferences.delete.app_error")
    async with ctx.db.begin() as conn:
        keys = list(dict.fromkeys((p.category, p.name) for p in doomed))
        await preference_store.delete_preferences(conn, user_id, keys)
    ctx.events.publish(PreferencesDeleted(user_id, tuple(doomed)))


def _check_owner(batch: Sequence[Preference], user_id: str, error_id: str) -> None:
    if any(p.user_id != user_id for p in batch):
        raise ForbiddenError(error_id, "Every preference must belong to the user in the URL.")


async def _check_saved_post(conn: AsyncConnection, actor: User, post_id: str) -> None:
    """A saved post must exist (400, as Mattermost) and be readable by the caller (403)."""
    post = await post_store.get_post_by_id(conn, post_id)
    channel = await channel_store.get_channel_by_id(conn, post.channel_id) if post else None
    if post is None or channel is None:
        raise BadRequestError(
            "api.context.invalid_body_param.app_error",
            "Invalid or missing preference.name in request body: no such post.",
        )
    if not await can_read_channel(conn, actor, channel):
        raise permission_denied()


def invalid(field: str, message: str) -> BadRequestError:
    return BadRequestError(f"model.preference.is_valid.{field}.app_error", message)


def _checked(preference: Preference) -> Preference:
    """Mattermost's ``Preference.PreUpdate`` then ``IsValid``: the preference as it is stored."""
    if not preference.category or len(preference.category.encode()) > MAX_KEY_BYTES:
        raise invalid("category", "category must be 1 to 32 bytes.")
    if len(preference.name.encode()) > MAX_KEY_BYTES:
        raise invalid("name", "name must be at most 32 bytes.")
    if len(preference.value) > MAX_VALUE_LENGTH:
        raise invalid("value", f"value must be at most {MAX_VALUE_LENGTH} characters.")
    if preference.category == THEME:
        preference = replace(preference, value=_sanitized_theme(preference.value))
    if preference.category == SIDEBAR_SETTINGS and preference.name == LIMIT_VISIBLE_DMS_GMS:
        _check_visible_limit(preference.value)
    return preference


def _sanitized_theme(value: str) -> str:
    """A theme is a JSON object of strings; a colour that is not ``#rgb``/``#rrggbb`` becomes
    ``#ffffff`` (keys sorted, as Go writes a map)."""
    try:
        theme = orjson.loads(value)
    except orjson.JSONDecodeError:
        theme = []
    if theme is None:
        return "null"
    if not isinstance(theme, dict) or not all(isinstance(v, str) for v in theme.values()):
        raise invalid("theme", "A theme must be a JSON object of strings.")
    for key, colour in theme.items():
        if key not in _THEME_FREE_KEYS and not _COLOR.fullmatch(colour):
            theme[key] = "#ffffff"
    return orjson.dumps(theme, option=orjson.OPT_SORT_KEYS).decode()


def _check_visible_limit(value: str) -> None:
    if not _INTEGER.fullmatch(value) or not 1 <= int(value) <= MAX_VISIBLE_DMS_GMS:
        raise invalid(
            "limit_visible_dms_gms", f"limit_visible_dms_gms must be 1 to {MAX_VISIBLE_DMS_GMS}."
        )
