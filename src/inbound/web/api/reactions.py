"""Reactions: ``POST /api/v4/reactions``, ``GET /api/v4/posts/{id}/reactions`` and
``DELETE /api/v4/users/{id}/posts/{id}/reactions/{emoji_name}``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.errors import BadRequestError, invalid_url_param
from inbound.models import EMOJI_NAME_MAX_LENGTH, Reaction, is_valid_emoji_name, is_valid_id
from inbound.services import reactions
from inbound.web import wire
from inbound.web.api.deps import ContextDep, CurrentUser, json_object, path_id, text_field
from inbound.web.responses import json_response, status_ok

router = APIRouter(prefix="/api/v4")


@router.post("/reactions")
async def add_reaction(request: Request, actor: CurrentUser, ctx: ContextDep) -> Response:
    body = await json_object(request)
    reaction = Reaction(
        text_field(body, "user_id"), text_field(body, "post_id"), text_field(body, "emoji_name")
    )
    if not (
        is_valid_id(reaction.user_id)
        and is_valid_id(reaction.post_id)
        and 0 < len(reaction.emoji_name) <= EMOJI_NAME_MAX_LENGTH
    ):
        raise BadRequestError(
            "api.reaction.save_reaction.invalid.app_error",
            "A reaction needs a user_id, a post_id and an emoji_name of at most 64 characters.",
        )
    saved = await reactions.add_reaction(ctx, actor, reaction)
    return json_response(wire.reaction_json(saved))


@router.get("/posts/{post_id}/reactions")
async def get_reactions(post_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    found = await reactions.get_reactions(ctx, actor, path_id(post_id, "post_id"))
    return json_response([wire.reaction_json(r) for r in found])


@router.delete("/users/{user_id}/posts/{post_id}/reactions/{emoji_name}")
async def remove_reaction(
    user_id: str, post_id: str, emoji_name: str, actor: CurrentUser, ctx: ContextDep
) -> Response:
    user = actor.id if user_id == "me" else path_id(user_id, "user_id")
    if not is_valid_emoji_name(emoji_name):
        raise invalid_url_param("emoji_name")
    reaction = Reaction(user, path_id(post_id, "post_id"), emoji_name)
    await reactions.remove_reaction(ctx, actor, reaction)
    return status_ok()
