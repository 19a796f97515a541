"""``/api/v4/teams``: teams, membership, and channels by team."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.services import channels, teams
from inbound.web import wire
from inbound.web.api.deps import (
    ContextDep,
    CurrentUser,
    PagingDep,
    json_object,
    path_id,
    text_field,
)
from inbound.web.responses import json_response, status_ok

router = APIRouter(prefix="/api/v4/teams")


@router.post("")
async def create_team(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    body = await json_object(request)
    team = await teams.create_team(
        ctx,
        actor,
        name=text_field(body, "name", required=True),
        display_name=text_field(body, "display_name", required=True),
        team_type=text_field(body, "type") or "O",
    )
    return json_response(wire.team_json(team), status=201)


@router.get("")
async def list_teams(
    pages: PagingDep,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    found = await teams.list_teams(ctx, actor, page=pages.page, per_page=pages.per_page)
    return json_response([wire.team_json(t) for t in found])


@router.get("/name/{name}")
async def get_team_by_name(name: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    return json_response(wire.team_json(await teams.get_team_by_name(ctx, actor, name)))


@router.get("/name/{team_name}/channels/name/{channel_name}")
async def channel_by_team_name(
    team_name: str,
    channel_name: str,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    team = await teams.get_team_by_name(ctx, actor, team_name)
    channel = await channels.get_channel_by_name(ctx, actor, team.id, channel_name)
    return json_response(wire.channel_json(channel))


@router.get("/{team_id}")
async def get_team(team_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    team = await teams.get_team(ctx, actor, path_id(team_id, "team_id"))
    return json_response(wire.team_json(team))


@router.post("/{team_id}/members")
async def add_member(
    team_id: str,
    request: Request,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    body = await json_object(request)
    user_id = path_id(text_field(body, "user_id", required=True), "user_id")
    member = await teams.add_member(ctx, actor, path_id(team_id, "team_id"), user_id)
    return json_response(wire.team_member_json(member), status=201)


@router.put("/{team_id}/members/{user_id}/roles")
async def update_member_roles(
    team_id: str,
    user_id: str,
    request: Request,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    body = await json_object(request)
    await teams.update_member_roles(
        ctx,
        actor,
        path_id(team_id, "team_id"),
        path_id(user_id, "user_id"),
        text_field(body, "roles", required=True),
    )
    return status_ok()


@router.get("/{team_id}/members")
async def list_members(
    team_id: str,
    pages: PagingDep,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    found = await teams.list_members(
        ctx, actor, path_id(team_id, "team_id"), page=pages.page, per_page=pages.per_page
    )
    return json_response([wire.team_member_json(m) for m in found])


@router.get("/{team_id}/channels")
async def public_channels(
    team_id: str,
    pages: PagingDep,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    found = await channels.list_public(
        ctx, actor, path_id(team_id, "team_id"), page=pages.page, per_page=pages.per_page
    )
    return json_response([wire.channel_json(c) for c in found])


@router.get("/{team_id}/channels/name/{channel_name}")
async def channel_by_name(
    team_id: str,
    channel_name: str,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    channel = await channels.get_channel_by_name(
        ctx, actor, path_id(team_id, "team_id"), channel_name
    )
    return json_response(wire.channel_json(channel))


@router.get("/{team_id}/members/{user_id}")
async def get_member(team_id: str, user_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    target = actor.id if user_id == "me" else path_id(user_id, "user_id")
    member = await teams.get_member(ctx, actor, path_id(team_id, "team_id"), target)
    return json_response(wire.team_member_json(member))
