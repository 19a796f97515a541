"""``POST /api/v4/teams/{team_id}/posts/search``: Mattermost's post search."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.errors import BadRequestError
from inbound.services import search
from inbound.web import wire
from inbound.web.api.deps import ContextDep, CurrentUser, path_id
from inbound.web.responses import json_response

router = APIRouter()
MAX_BODY = 64 * 1024
MAX_OFFSET_SECONDS = 24 * 3600
FIELDS: dict[str, type] = {
    "terms": str,
    "is_or_search": bool,
    "time_zone_offset": int,
    "page": int,
    "per_page": int,
    "include_deleted_channels": bool,
}


def _invalid_body() -> BadRequestError:
    return BadRequestError(
        "api.post.search_posts.invalid_body.app_error", "The search request is not valid JSON."
    )


def search_request(raw: bytes) -> search.SearchRequest:
    """Mattermost's ``SearchParameter``: a field of the wrong type fails the decode (400
    ``invalid_body``); no terms, ``invalid_body_param``."""
    if len(raw) > MAX_BODY:
        raise _invalid_body()
    try:
        body: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _invalid_body() from None
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise _invalid_body()
    values = {k: body[k] for k in FIELDS if body.get(k) is not None}
    for key, value in values.items():
        kind = FIELDS[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise _invalid_body()
    if not values.get("terms"):
        raise BadRequestError(
            "api.context.invalid_body_param.app_error", "Invalid or missing terms in request body."
        )
    _check_numbers(values)
    return search.SearchRequest(**values)


def _check_numbers(values: dict[str, Any]) -> None:
    if values.get("page", 0) < 0 or values.get("per_page", 60) < 0:
        raise BadRequestError("api.context.invalid_body_param.app_error", "Invalid page.")
    if abs(values.get("time_zone_offset", 0)) > MAX_OFFSET_SECONDS:
        raise BadRequestError(
            "api.context.invalid_body_param.app_error", "Invalid time_zone_offset."
        )


@router.post("/api/v4/teams/{team_id}/posts/search")
async def search_posts(
    team_id: str, request: Request, actor: CurrentUser, ctx: ContextDep
) -> Response:
    team_id = path_id(team_id, "team_id")
    await search.check_team(ctx, actor, team_id)  # as Mattermost: the team, then the body
    found = await search.search_posts(ctx, actor, team_id, search_request(await request.body()))
    response = json_response(wire.search_results_json(found))
    response.headers["Cache-Control"] = "no-cache, no-store, must-revalidate"
    return response
