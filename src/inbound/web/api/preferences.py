"""``/api/v4/users/{user_id}/preferences``: a user's settings, as the official apps store them."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.errors import BadRequestError, NotFoundError
from inbound.models import Preference, User
from inbound.services import preferences
from inbound.web import wire
from inbound.web.api.deps import ContextDep, CurrentUser, json_body, path_id
from inbound.web.responses import json_response, status_ok

router = APIRouter(prefix="/api/v4/users/{user_id}/preferences")

# Mattermost's routes only match these (anything else is no route: 404).
_PATH_WORD = re.compile(r"[A-Za-z0-9_]+")
_FIELDS = ("user_id", "category", "name", "value")


def _user(user_id: str, actor: User) -> str:
    return actor.id if user_id == "me" else path_id(user_id, "user_id")


def _word(value: str) -> str:
    if not _PATH_WORD.fullmatch(value):
        raise NotFoundError("api.context.404.app_error", "Sorry, we could not find the page.")
    return value


def _bad_body() -> BadRequestError:
    return BadRequestError(
        "api.context.invalid_body_param.app_error",
        "Invalid or missing preferences in request body: a list of "
        "{user_id, category, name, value} objects with text values.",
    )


async def _batch(request: Request) -> list[Preference]:
    """The body: a JSON list of preferences (missing or null fields are empty, as in Go)."""
    body = await json_body(request)
    if body is None:
        body = []
    if not isinstance(body, list):
        raise _bad_body()
    preferences.check_batch(len(body))
    return [_preference(item) for item in body]


def _preference(item: Any) -> Preference:
    if not isinstance(item, dict):
        raise _bad_body()
    values: list[str] = []
    for name in _FIELDS:
        value = item.get(name)
        if not isinstance(value, str | None):
            raise _bad_body()
        values.append(value or "")
    return Preference(*values)


@router.get("")
async def get_preferences(user_id: str, actor: CurrentUser, ctx: ContextDep) -> Response:
    found = await preferences.get_preferences(ctx, actor, _user(user_id, actor))
    return json_response([wire.preference_json(p) for p in found])


@router.put("")
async def save_preferences(
    user_id: str, request: Request, actor: CurrentUser, ctx: ContextDep
) -> Response:
    target = _user(user_id, actor)
    preferences.check_access(actor, target)  # before the body, as Mattermost
    await preferences.save_preferences(ctx, actor, target, await _batch(request))
    return status_ok()


@router.post("/delete")
async def delete_preferences(
    user_id: str, request: Request, actor: CurrentUser, ctx: ContextDep
) -> Response:
    target = _user(user_id, actor)
    preferences.check_access(actor, target)
    await preferences.delete_preferences(ctx, actor, target, await _batch(request))
    return status_ok()


@router.get("/{category}")
async def get_category(
    user_id: str, category: str, actor: CurrentUser, ctx: ContextDep
) -> Response:
    found = await preferences.get_category(ctx, actor, _user(user_id, actor), _word(category))
    return json_response([wire.preference_json(p) for p in found])


@router.get("/{category}/name/{preference_name}")
async def get_preference(
    user_id: str, category: str, preference_name: str, actor: CurrentUser, ctx: ContextDep
) -> Response:
    found = await preferences.get_preference(
        ctx, actor, _user(user_id, actor), _word(category), _word(preference_name)
    )
    return json_response(wire.preference_json(found))
