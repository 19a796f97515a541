"""User statuses: Mattermost's ``POST /users/status/ids`` and ``GET /users/{id}/status`` over
the process's ``Presence`` (see ``services/presence.py`` for what online means here)."""

from __future__ import annotations

from inbound.errors import BadRequestError
from inbound.models import User, is_valid_id, now_ms
from inbound.services.context import Context
from inbound.services.presence import OFFLINE, UserStatus
from inbound.store import visibility as visibility_store

MAX_IDS = 1_000


def invalid_user_ids() -> BadRequestError:
    return BadRequestError(
        "api.context.invalid_body_param.app_error", "Invalid or missing user_ids in request body."
    )


async def statuses_by_ids(ctx: Context, viewer: User, user_ids: list[str]) -> list[UserStatus]:
    """``POST /users/status/ids``: one status per distinct id, in the order given. An empty
    list, a malformed id or more than ``MAX_IDS`` ids is a 400 (Mattermost's rule for empty
    lists and ids that are not 26 characters)."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted or len(wanted) > MAX_IDS or not all(is_valid_id(i) for i in wanted):
        raise invalid_user_ids()
    hidden = await _hidden(ctx, viewer, [i for i in wanted if ctx.presence.known(i)])
    now = now_ms()
    return [UserStatus(i, OFFLINE) if i in hidden else ctx.presence.status(i, now) for i in wanted]


async def status_of(ctx: Context, viewer: User, user_id: str) -> UserStatus:
    """``GET /users/{id}/status``: an unknown id is ``offline``, as in Mattermost."""
    found = await statuses_by_ids(ctx, viewer, [user_id])
    return found[0]


async def _hidden(ctx: Context, viewer: User, user_ids: list[str]) -> set[str]:
    """Those of ``user_ids`` whose activity the viewer may not see (one query, or none)."""
    others = [i for i in user_ids if i != viewer.id]
    if viewer.is_system_admin or not others:
        return set()
    async with ctx.db.connect() as conn:
        shared = await visibility_store.get_users_sharing_with(conn, viewer.id, others)
    return set(others) - shared
