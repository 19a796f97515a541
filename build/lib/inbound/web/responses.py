"""Response helpers and the one renderer of ``AppError`` for HTTP (JSON, Mattermost's shape)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from inbound.errors import AppError, RetryLaterError

JSON = "application/json"


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type=JSON, headers=headers)


def status_ok() -> Response:
    return json_response({"status": "OK"})


def request_id(request: Request) -> str:
    return str(request.scope.get("request_id", ""))


def error_response(error: AppError, request_id: str = "") -> Response:
    retry = {"Retry-After": str(error.retry_after)} if isinstance(error, RetryLaterError) else None
    return json_response(error.to_dict(request_id), status=error.status, headers=retry)


async def handle_app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return error_response(exc, request_id(request))
