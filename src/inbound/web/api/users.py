"""``/api/v4/users``: login, accounts, roles, tokens, and the per-user team/channel views."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.errors import BadRequestError
from inbound.models import ANONYMOUS, User
from inbound.services import auth, channels, teams
from inbound.services import users as user_service
from inbound.services.context import Context
from inbound.web import wire
from inbound.web.api.deps import (
    COOKIE,
    ContextDep,
    CurrentUser,
    PagingDep,
    json_body,
    json_object,
    path_id,
    text_field,
    token_from,
)
from inbound.web.origins import is_https
from inbound.web.responses import json_response, status_ok

router = APIRouter(prefix="/api/v4/users")


def _me(user_id: str, actor: User) -> str:
    return actor.id if user_id == "me" else path_id(user_id, "user_id")


def _seen(ctx: Context, actor: User, user: User) -> dict[str, Any]:
    return wire.visible_user_json(user_service.as_seen_by(ctx, actor, user))


@router.post("/login")
async def login(request: Request, ctx: ContextDep) -> Response:
    body = await json_object(request)
    user, session = await auth.login(
        ctx,
        text_field(body, "login_id", required=True),
        text_field(body, "password"),
        address=request.client.host if request.client else "",
    )
    response = json_response(wire.user_json(user), headers={"Token": session.token})
    max_age = max((session.expires_at - session.create_at) // 1000, 1)
    secure = is_https(ctx, request.scope)
    response.set_cookie(
        COOKIE, session.token, max_age=max_age, httponly=True, samesite="lax", secure=secure
    )
    return response


@router.post("/logout")
async def logout(request: Request, ctx: ContextDep) -> Response:
    token = token_from(request)
    if token:
        await auth.logout(ctx, token)
    response = status_ok()
    secure = is_https(ctx, request.scope)
    response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=secure)
    return response


@router.post("")
async def create_user(request: Request, ctx: ContextDep) -> Response:
    body = await json_object(request)
    actor = await _optional_user(request, ctx)
    user = await user_service.create_user(
        ctx,
        actor,
        username=text_field(body, "username", required=True),
        email=text_field(body, "email", required=True),
        password=text_field(body, "password", required=True),
        first_name=text_field(body, "first_name"),
        last_name=text_field(body, "last_name"),
        nickname=text_field(body, "nickname"),
    )
    return json_response(wire.user_json(user), status=201)


async def _optional_user(request: Request, ctx: Context) -> User | None:
    """Sign-up works without a session (when open); with one, the caller's rights apply."""
    token = token_from(request)
    return await auth.user_for_token(ctx, token) if token else ANONYMOUS


@router.get("")
async def list_users(
    pages: PagingDep,
    actor: CurrentUser,
    ctx: ContextDep,
    in_team: str = "",
    in_channel: str = "",
    role: str = "",
    roles: str = "",
    active: str = "",
    inactive: str = "",
) -> Response:
    """Mattermost's filters too: ``role`` / ``roles`` (comma-separated; ``system_user`` alone
    means plain members) and ``active=true`` or ``inactive=true``."""
    if active == "true" and inactive == "true":
        raise BadRequestError(
            "api.context.invalid_url_param.app_error", "active and inactive cannot both be true."
        )
    found = await user_service.list_visible_users(
        ctx,
        actor,
        page=pages.page,
        per_page=pages.per_page,
        in_team=in_team,
        in_channel=in_channel,
        roles=_role_filter(role, roles.split(",") if roles else []),
        active=True if active == "true" else False if inactive == "true" else None,
    )
    return json_response([_seen(ctx, actor, u) for u in found])


def _role_filter(role: object, roles: object) -> tuple[str, ...]:
    if not isinstance(role, str) or not (
        isinstance(roles, list) and all(isinstance(r, str) for r in roles)
    ):
        raise BadRequestError(
            "api.context.invalid_body_param.app_error", "role and roles must be text."
        )
    return tuple(r for r in [role, *roles] if r)


@router.post("/search")
async def search_users(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    """Mattermost's ``UserSearch`` body: ``term``, ``team_id``, ``allow_inactive``, ``role``,
    ``roles`` and ``limit`` (default 100); the other filters are not supported."""
    body = await json_object(request)
    allow_inactive, limit = body.get("allow_inactive", False), body.get("limit") or 100
    if (
        not isinstance(allow_inactive, bool)
        or isinstance(limit, bool)
        or not isinstance(limit, int)
    ):
        raise BadRequestError(
            "api.context.invalid_body_param.app_error",
            "allow_inactive or limit has the wrong type.",
        )
    found = await user_service.search_users(
        ctx,
        actor,
        term=text_field(body, "term", required=True),
        team_id=text_field(body, "team_id"),
        allow_inactive=allow_inactive,
        roles=_role_filter(body.get("role") or "", body.get("roles") or []),
        limit=limit,
    )
    return json_response([_seen(ctx, actor, u) for u in found])


@router.post("/ids")
async def users_by_ids(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    ids = await json_body(request)
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise BadRequestError(
            "api.context.invalid_body_param.app_error", "Expected a list of user ids."
        )
    found = await user_service.view_users_by_ids(ctx, actor, ids)
    return json_response([_seen(ctx, actor, u) for u in found])


@router.get("/username/{username}")
async def get_by_username(username: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    user = await user_service.view_user_by_username(ctx, actor, username)
    return json_response(_seen(ctx, actor, user))


@router.get("/{user_id}")
async def get_user(user_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    user = await user_service.view_user(ctx, actor, _me(user_id, actor))
    return json_response(_seen(ctx, actor, user))


@router.put("/{user_id}/roles")
async def update_roles(
    user_id: str,
    request: Request,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    body = await json_object(request)
    roles = text_field(body, "roles", required=True)
    await user_service.update_roles(ctx, actor, _me(user_id, actor), roles)
    return status_ok()


@router.post("/{user_id}/reset_failed_attempts")
async def reset_failed_attempts(user_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    """Mattermost's unlock: a system admin sets the user's failed logins back to 0."""
    await auth.unlock(ctx, actor, _me(user_id, actor))
    return status_ok()


@router.put("/{user_id}/active")
async def update_active(
    user_id: str,
    request: Request,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    body = await json_object(request)
    if not isinstance(body.get("active"), bool):
        raise BadRequestError(
            "api.context.invalid_body_param.app_error", "active must be true or false."
        )
    await user_service.set_active(ctx, actor, _me(user_id, actor), active=body["active"])
    return status_ok()


@router.post("/{user_id}/tokens")
async def create_token(
    user_id: str,
    request: Request,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    body = await json_object(request)
    token = await auth.create_access_token(
        ctx, actor, _me(user_id, actor), text_field(body, "description", required=True)
    )
    return json_response(
        {
            "id": token.id,
            "token": token.token,
            "user_id": token.user_id,
            "description": token.description,
            "is_active": token.is_active,
        }
    )


@router.get("/{user_id}/teams")
async def teams_for_user(user_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    found = await teams.list_teams_for_user(ctx, actor, _me(user_id, actor))
    return json_response([wire.team_json(t) for t in found])


@router.get("/{user_id}/teams/{team_id}/channels")
async def channels_for_user(
    user_id: str,
    team_id: str,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    found = await channels.list_for_user(
        ctx, actor, _me(user_id, actor), path_id(team_id, "team_id")
    )
    return json_response([wire.channel_json(c) for c in found])


@router.get("/{user_id}/channels/{channel_id}/unread")
async def unread(
    user_id: str,
    channel_id: str,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    counts = await channels.unread(
        ctx, actor, _me(user_id, actor), path_id(channel_id, "channel_id")
    )
    return json_response(
        {
            "team_id": counts.team_id,
            "channel_id": counts.channel_id,
            "msg_count": counts.msg_count,
            "mention_count": counts.mention_count,
        }
    )


@router.get("/{user_id}/teams/members")
async def team_members_for_user(user_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    found = await teams.list_members_for_user(ctx, actor, _me(user_id, actor))
    return json_response([wire.team_member_json(m) for m in found])


@router.get("/{user_id}/teams/unread")
async def teams_unread_for_user(
    user_id: str,
    actor: CurrentUser,
    ctx: ContextDep,
    exclude_team: str = "",
    include_collapsed_threads: str = "",  # accepted; no followed threads: thread counts are 0
) -> Response:
    found = await teams.unread_for_user(
        ctx, actor, _me(user_id, actor), exclude_team_id=exclude_team
    )
    return json_response([wire.team_unread_json(u) for u in found])
