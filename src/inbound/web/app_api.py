"""``/web/api``: JSON the web app needs beyond API v4 (sidebar badges, posts as HTML)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.render.emojis import catalogue_json
from inbound.web import views
from inbound.web.api.deps import ContextDep, CurrentUser, path_id
from inbound.web.api.hook_preview import preview_json, run_preview
from inbound.web.api.search import search_request
from inbound.web.responses import JSON, json_response, request_id

router = APIRouter(prefix="/web/api")


@router.get("/teams/{team_name}/sidebar")
async def sidebar(team_name: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    return json_response(await views.sidebar(ctx, actor, team_name))


@router.post("/teams/{team_name}/search")
async def search(team_name: str, request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    """The web app's search: the API's body (``search_request``), results rendered."""
    found = await views.search(ctx, actor, team_name, search_request(await request.body()))
    return json_response(found)


@router.get("/channels/{channel_id}/posts")
async def channel_posts(
    channel_id: str,
    actor: CurrentUser,
    ctx: ContextDep,
    team: str = "",
    before: str = "",
    per_page: int = 60,
) -> Response:
    page = await views.channel_page(
        ctx,
        actor,
        path_id(channel_id, "channel_id"),
        team_name=team,
        before=path_id(before, "before") if before else "",
        per_page=per_page,
    )
    return json_response(page)


@router.get("/posts/{post_id}")
async def one_post(
    post_id: str,
    actor: CurrentUser,
    ctx: ContextDep,
    team: str = "",
) -> Response:
    return json_response(
        await views.one_post(ctx, actor, path_id(post_id, "post_id"), team_name=team)
    )


@router.get("/posts/{post_id}/thread")
async def thread(
    post_id: str,
    actor: CurrentUser,
    ctx: ContextDep,
    team: str = "",
) -> Response:
    return json_response(
        await views.thread(ctx, actor, path_id(post_id, "post_id"), team_name=team)
    )


@router.post("/hooks/{hook_id}/preview")
async def hook_preview(
    hook_id: str,
    request: Request,
    actor: CurrentUser,
    ctx: ContextDep,
    team: str = "",
    source: str = "",
) -> Response:
    """The test console: the API's preview, and each post as the channel view draws it."""
    found = await run_preview(request, actor, ctx, hook_id, source)
    answer = preview_json(found, request_id(request))
    answer["views"] = await views.preview_views(ctx, actor, found.posts, team_name=team)
    return json_response(answer)


@router.get("/emoji")
async def emoji_catalogue() -> Response:
    """The emoji picker's catalogue (public, the same for everyone, built once)."""
    headers = {"Cache-Control": "public, max-age=86400"}
    return Response(catalogue_json(), media_type=JSON, headers=headers)
