"""``/api/v4/channels``: channels, members, direct messages, archive, mark-as-viewed, patch and
statistics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.errors import BadRequestError
from inbound.services import channel_properties, channels, posts
from inbound.services.channel_properties import ChannelPatch
from inbound.web import wire
from inbound.web.api.deps import (
    ContextDep,
    CurrentUser,
    PagingDep,
    json_body,
    json_object,
    path_id,
    text_field,
)
from inbound.web.responses import json_response, status_ok

router = APIRouter(prefix="/api/v4/channels")


@router.post("")
async def create_channel(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    body = await json_object(request)
    channel = await channels.create_channel(
        ctx,
        actor,
        team_id=path_id(text_field(body, "team_id", required=True), "team_id"),
        name=text_field(body, "name", required=True),
        display_name=text_field(body, "display_name", required=True),
        channel_type=text_field(body, "type") or "O",
        purpose=text_field(body, "purpose"),
        header=text_field(body, "header"),
    )
    return json_response(wire.channel_json(channel), status=201)


@router.post("/direct")
async def create_direct(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    ids = await json_body(request)
    if not isinstance(ids, list) or len(ids) != 2 or not all(isinstance(i, str) for i in ids):
        raise BadRequestError(
            "api.context.invalid_body_param.app_error", "Expected a list of two user ids."
        )
    channel, _created = await channels.get_or_create_direct(ctx, actor, ids[0], ids[1])
    return json_response(wire.channel_json(channel), status=201)


@router.post("/members/{user_id}/view")
async def view_channel(
    user_id: str,
    request: Request,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    body = await json_object(request)
    user = actor.id if user_id == "me" else path_id(user_id, "user_id")
    channel_id = text_field(body, "channel_id")
    await channels.view(ctx, actor, user, path_id(channel_id, "channel_id") if channel_id else "")
    return json_response({"status": "OK", "last_viewed_at_times": {}})


@router.post("/stats/member_count")
async def member_counts(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    ids = await json_body(request)
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise BadRequestError(
            "api.context.invalid_body_param.app_error", "Expected a list of channel ids."
        )
    wanted = [path_id(i, "channel_ids") for i in ids]
    return json_response(await channel_properties.member_counts(ctx, actor, wanted))


@router.get("/{channel_id}")
async def get_channel(channel_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    channel = await channels.get_channel(ctx, actor, path_id(channel_id, "channel_id"))
    return json_response(wire.channel_json(channel))


@router.delete("/{channel_id}")
async def archive_channel(channel_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    await channels.archive(ctx, actor, path_id(channel_id, "channel_id"))
    return status_ok()


@router.put("/{channel_id}/patch")
async def patch_channel(
    channel_id: str,
    request: Request,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    body = await json_object(request)
    patch = ChannelPatch(**{name: _optional_text(body, name) for name in PATCHABLE})
    channel = await channel_properties.patch_channel(
        ctx, actor, path_id(channel_id, "channel_id"), patch
    )
    return json_response(wire.channel_json(channel))


PATCHABLE = ("display_name", "name", "header", "purpose")


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    """A patch field: absent or null leaves it as it is; anything but a string is a 400."""
    value = body.get(name)
    if value is None:
        return None
    return text_field(body, name)


@router.get("/{channel_id}/stats")
async def channel_stats(channel_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    stats = await channel_properties.get_stats(ctx, actor, path_id(channel_id, "channel_id"))
    return json_response(
        {
            "channel_id": stats.channel_id,
            "member_count": stats.member_count,
            "guest_count": 0,
            "pinnedpost_count": stats.pinnedpost_count,
            "files_count": 0,
        }
    )


@router.post("/{channel_id}/members")
async def add_member(
    channel_id: str,
    request: Request,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    body = await json_object(request)
    user_id = path_id(text_field(body, "user_id", required=True), "user_id")
    member = await channels.add_member(ctx, actor, path_id(channel_id, "channel_id"), user_id)
    return json_response(wire.channel_member_json(member), status=201)


@router.get("/{channel_id}/members")
async def list_members(
    channel_id: str,
    pages: PagingDep,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    found = await channels.list_members(
        ctx, actor, path_id(channel_id, "channel_id"), page=pages.page, per_page=pages.per_page
    )
    return json_response([wire.channel_member_json(m) for m in found])


@router.get("/{channel_id}/members/{user_id}")
async def get_member(
    channel_id: str,
    user_id: str,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    user = actor.id if user_id == "me" else path_id(user_id, "user_id")
    member = await channels.get_member(ctx, actor, path_id(channel_id, "channel_id"), user)
    return json_response(wire.channel_member_json(member))


@router.delete("/{channel_id}/members/{user_id}")
async def remove_member(
    channel_id: str,
    user_id: str,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    user = actor.id if user_id == "me" else path_id(user_id, "user_id")
    await channels.remove_member(ctx, actor, path_id(channel_id, "channel_id"), user)
    return status_ok()


@router.get("/{channel_id}/posts")
async def channel_posts(
    channel_id: str,
    pages: PagingDep,
    actor: CurrentUser,
    ctx: ContextDep,
    since: int = 0,
    before: str = "",
    after: str = "",
) -> Response:
    found = await posts.channel_posts(
        ctx,
        actor,
        path_id(channel_id, "channel_id"),
        page=pages.page,
        per_page=pages.per_page,
        since=since,
        before=path_id(before, "before") if before else "",
        after=path_id(after, "after") if after else "",
    )
    return json_response(wire.post_list_json(found))
