"""``POST /api/v4/hooks/incoming/{id}/preview``: the test console (senders.md §7).

The body and ``Content-Type`` are a real webhook request's; the answer is always 200 (for a
caller who may manage the hook) and says what ``POST /hooks/{key}`` would have answered:
``{"status_code", "error", "posts"}`` — the posts as they would be stored, ids "" — without
storing anything (``services.preview``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inbound.errors import AppError, PayloadTooLargeError
from inbound.services import preview
from inbound.web import wire
from inbound.web.api.deps import ContextDep, CurrentUser
from inbound.web.hooks import LARGE_BODY_BYTES, _too_large
from inbound.web.responses import json_response, request_id

router = APIRouter(prefix="/api/v4/hooks/incoming")
PREVIEW_SUFFIX = "/preview"


def is_preview_path(path: str) -> bool:
    """The console's routes (here and the web app's): a body over ``MaximumPayloadSizeBytes``
    is the send's 413, answered inside the preview, not the API's own 413."""
    return path.endswith(PREVIEW_SUFFIX) and path.startswith(
        ("/api/v4/hooks/incoming/", "/web/api/hooks/")
    )


async def webhook_body(request: Request, limit: int) -> preview.Body | AppError:
    """The request as a sender's: its body (or the hook endpoint's 413 for it), its
    Content-Type, query and headers."""
    try:
        content = await request.body()
    except PayloadTooLargeError:  # the API layer stops reading past the limit
        return _too_large(limit)
    if len(content) > limit:
        return _too_large(limit)
    return preview.Body(
        content,
        request.headers.get("content-type", ""),
        request.scope.get("query_string", b""),
        dict(request.scope["headers"]),
        large=len(content) > LARGE_BODY_BYTES,
    )


def preview_json(found: preview.Preview, rid: str) -> dict[str, Any]:
    error = found.error
    return {
        "status_code": error.status if error else 200,
        "error": error.to_dict(rid) if error else None,
        "posts": [wire.post_json(post) for post in found.posts],
    }


async def run_preview(
    request: Request, actor: Any, ctx: ContextDep, hook_id: str, source: str
) -> preview.Preview:
    body = await webhook_body(request, ctx.config.service.maximum_payload_size_bytes)
    return await preview.preview(ctx, actor, hook_id, body, source=source)


@router.post("/{hook_id}/preview")
async def preview_hook(
    hook_id: str, request: Request, actor: CurrentUser, ctx: ContextDep, source: str = ""
) -> Response:
    found = await run_preview(request, actor, ctx, hook_id, source)
    return json_response(preview_json(found, request_id(request)))
