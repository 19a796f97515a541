"""What Mattermost's clients ask about users at start-up, beyond the account itself: all my
channels and my channel memberships in a team, statuses, and profile pictures."""

from __future__ import annotations

from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.errors import BadRequestError, invalid_url_param
from inbound.models import User
from inbound.services import avatars, channels, statuses
from inbound.services.avatars import Picture
from inbound.services.presence import UserStatus
from inbound.web import wire
from inbound.web.api.deps import ContextDep, CurrentUser, json_body, path_id
from inbound.web.responses import json_response

router = APIRouter(prefix="/api/v4/users")

INT64_MAX = 2**63 - 1
PICTURE_MAX_AGE = 24 * 60 * 60  # Mattermost's: a day, private


def _me(user_id: str, actor: User) -> str:
    return actor.id if user_id == "me" else path_id(user_id, "user_id")


def _go_bool(value: str) -> bool:
    """Go's ``strconv.ParseBool``, with anything it rejects read as false (as Mattermost)."""
    return value in ("1", "t", "T", "true", "TRUE", "True")


def _last_delete_at(value: str) -> int:
    """Go's ``strconv.Atoi`` as Mattermost reads it: not a number → 0; negative → 400."""
    try:
        number = int(value) if value.strip() == value and len(value) <= 20 else 0
    except ValueError:
        number = 0
    if number < 0:
        raise invalid_url_param("last_delete_at")
    return number if number <= INT64_MAX else 0


@router.get("/{user_id}/channels")
async def all_my_channels(
    user_id: str,
    actor: CurrentUser,
    ctx: ContextDep,
    include_deleted: str = "",
    last_delete_at: str = "",
) -> Response:
    found = await channels.list_all_for_user(
        ctx,
        actor,
        _me(user_id, actor),
        include_deleted=_go_bool(include_deleted),
        last_delete_at=_last_delete_at(last_delete_at),
    )
    return json_response([wire.channel_json(c) for c in found])


@router.get("/{user_id}/teams/{team_id}/channels/members")
async def my_channel_members(
    user_id: str, team_id: str, actor: CurrentUser, ctx: ContextDep
) -> Response:
    found = await channels.members_for_user_in_team(
        ctx, actor, _me(user_id, actor), path_id(team_id, "team_id")
    )
    return json_response([wire.channel_member_json(m) for m in found])


def _status_json(status: UserStatus) -> dict[str, Any]:
    """Mattermost's ``Status`` (``active_channel`` is never sent; ``dnd_end_time`` is in
    seconds in Mattermost, and always 0 here)."""
    return {
        "user_id": status.user_id,
        "status": status.status,
        "manual": False,
        "last_activity_at": status.last_activity_at,
        "dnd_end_time": 0,
    }


@router.post("/status/ids")
async def statuses_by_ids(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    try:
        ids = await json_body(request)
    except BadRequestError:
        raise _unparsable() from None
    if ids is None:
        raise statuses.invalid_user_ids()
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _unparsable()
    found = await statuses.statuses_by_ids(ctx, actor, ids)
    return json_response([_status_json(s) for s in found])


def _unparsable() -> BadRequestError:
    """Mattermost's answer to a body that is not a JSON list of strings."""
    return BadRequestError("api.payload.parse.error", "Expected a JSON list of user ids.")


@router.get("/{user_id}/status")
async def user_status(user_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    found = await statuses.status_of(ctx, actor, _me(user_id, actor))
    return json_response(_status_json(found))


@router.get("/{user_id}/image")
async def profile_image(
    user_id: str, request: Request, actor: CurrentUser, ctx: ContextDep
) -> Response:
    """The user's picture (always the default one: inbound stores no uploads). Clients add
    ``?_=<last_picture_update>`` to bust their cache; it changes nothing here."""
    picture = await avatars.profile_picture(ctx, actor, _me(user_id, actor))
    return _picture_response(request, picture)


@router.get("/{user_id}/image/default")
async def default_profile_image(
    user_id: str, request: Request, actor: CurrentUser, ctx: ContextDep
) -> Response:
    picture = await avatars.profile_picture(ctx, actor, _me(user_id, actor))
    return _picture_response(request, picture)


def _picture_response(request: Request, picture: Picture) -> Response:
    headers = {
        "Cache-Control": f"max-age={PICTURE_MAX_AGE}, private",
        "ETag": picture.etag,
        "Last-Modified": formatdate(picture.last_modified / 1000, usegmt=True),
    }
    if _not_modified(request, picture):
        return Response(status_code=304, headers=headers)
    return Response(picture.png, media_type="image/png", headers=headers)


def _not_modified(request: Request, picture: Picture) -> bool:
    """``If-None-Match`` (any of its tags, weak or strong) decides; else ``If-Modified-Since``."""
    tags = request.headers.get("if-none-match")
    if tags is not None:
        wanted = picture.etag.strip('"')
        return any(
            t.strip().removeprefix("W/").strip('"') in (wanted, "*") for t in tags.split(",")
        )
    since = request.headers.get("if-modified-since")
    if not since:
        return False
    try:
        return parsedate_to_datetime(since).timestamp() >= picture.last_modified // 1000
    except (TypeError, ValueError, OverflowError):
        return False
