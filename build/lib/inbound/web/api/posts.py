"""``/api/v4/posts``: create, read, thread, patch, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.errors import BadRequestError
from inbound.services import posts
from inbound.web import wire
from inbound.web.api.deps import ContextDep, CurrentUser, json_object, path_id, text_field
from inbound.web.responses import json_response, status_ok

router = APIRouter(prefix="/api/v4/posts")


@router.post("")
async def create_post(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    body = await json_object(request)
    root_id = text_field(body, "root_id")
    post = await posts.create_post(
        ctx,
        actor,
        channel_id=path_id(text_field(body, "channel_id", required=True), "channel_id"),
        message=text_field(body, "message"),
        root_id=path_id(root_id, "root_id") if root_id else "",
        props=_props(body.get("props")),
    )
    return json_response(wire.post_json(post), status=201)


@router.get("/{post_id}")
async def get_post(post_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    post = await posts.get_post(ctx, actor, path_id(post_id, "post_id"))
    return json_response(wire.post_json(post))


@router.get("/{post_id}/thread")
async def get_thread(post_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    thread = await posts.get_thread(ctx, actor, path_id(post_id, "post_id"))
    return json_response(wire.post_list_json(thread))


@router.put("/{post_id}/patch")
async def patch_post(
    post_id: str,
    request: Request,
    actor: CurrentUser,
    ctx: ContextDep,
) -> Response:
    body = await json_object(request)
    post = await posts.patch_post(ctx, actor, path_id(post_id, "post_id"), post_patch(body))
    return json_response(wire.post_json(post))


@router.delete("/{post_id}")
async def delete_post(post_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    await posts.delete_post(ctx, actor, path_id(post_id, "post_id"))
    return status_ok()


def post_patch(body: dict[str, Any]) -> posts.PostPatch:
    """Mattermost's patch: a message or is_pinned of another type is ignored; props null clears."""
    message, pinned = body.get("message"), body.get("is_pinned")
    return posts.PostPatch(
        message=message if isinstance(message, str) else None,
        props=_props(body["props"]) if "props" in body else None,
        is_pinned=pinned if isinstance(pinned, bool) else None,
    )


def _props(value: Any) -> dict[str, Any]:
    """A body's ``props``: an object, or null/absent for none."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequestError(
            "api.context.invalid_body_param.app_error", "props must be an object."
        )
    return value
