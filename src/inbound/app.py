"""``create_app(settings)``: the only wiring. Importing this module creates nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inbound.errors import AppError, BadRequestError, PayloadTooLargeError
from inbound.models import new_id
from inbound.runtime import Runtime
from inbound.settings import Settings
from inbound.web import app_api, pages
from inbound.web.api import (
    channels,
    deliveries,
    hooks,
    posts,
    reactions,
    roles,
    search,
    system,
    teams,
    user_extras,
    users,
)
from inbound.web.api import preferences as preference_api
from inbound.web.hook_posts import HookPostEndpoint, is_hook_post_path
from inbound.web.hooks import NOSNIFF, HookEndpoint, is_hook_path
from inbound.web.pages import STATIC
from inbound.web.rate_limit import RateLimitLayer
from inbound.web.responses import error_response, handle_app_error, request_id
from inbound.web.version import version_header
from inbound.web.ws import websocket_endpoint


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> ASGIApp:
    runtime = runtime or Runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    api = FastAPI(
        title="inbound",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    api.state.runtime = runtime
    api.state.context = runtime.context
    for module in (users, teams, channels, posts, reactions, search, hooks, system, app_api):
        api.include_router(module.router)
    api.include_router(user_extras.router)
    api.include_router(preference_api.router)
    api.include_router(roles.router)
    api.include_router(deliveries.router)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    api.include_router(pages.router)
    api.add_api_websocket_route("/api/v4/websocket", websocket_endpoint)
    api.add_exception_handler(AppError, handle_app_error)
    api.add_exception_handler(RequestValidationError, _handle_validation_error)
    api.add_exception_handler(HTTPException, _handle_http_exception)
    api.add_exception_handler(Exception, _handle_failure)
    inbound = Inbound(api, HookEndpoint(runtime), HookPostEndpoint(runtime))
    return RateLimitLayer(inbound, runtime.context)


class Inbound:
    """Outermost layer: an id for every request (echoed in ``X-Request-Id``),
    ``X-Content-Type-Options: nosniff`` and ``X-Version-Id`` on every answer, then
    ``POST /hooks/{key}`` to the raw hook handler, ``/hooks/{key}/posts/{id}`` (edit, delete)
    to its sibling, and everything else to the API."""

    def __init__(self, api: ASGIApp, hooks: HookEndpoint, hook_posts: HookPostEndpoint) -> None:
        self.api = api
        self.hooks = hooks
        self.hook_posts = hook_posts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.api(scope, receive, send)
            return
        rid = new_id()
        scope["request_id"] = rid
        if scope["method"] == "POST" and is_hook_path(scope["path"]):
            await self.hooks(scope, receive, send)  # the hot path sets its headers itself
            return
        if is_hook_post_path(scope["path"]):
            await self.hook_posts(scope, receive, send)  # so does its edit and delete
            return
        headers = [(b"x-request-id", rid.encode()), NOSNIFF, version_header(self.hooks.ctx)]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        limit = self.hooks.ctx.config.service.maximum_payload_size_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await error_response(_body_too_large(limit), rid)(scope, receive, send_with_id)
            return
        size = 0

        async def receive_bounded() -> Message:
            """Mattermost's ``MaximumPayloadSizeBytes`` for every API request: a body that
            grows past it (chunked, or longer than declared) is a 413, never read on."""
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if size > limit:
                raise _body_too_large(limit)
            return message

        try:
            await self.api(scope, receive_bounded, send_with_id)
        except Exception as error:
            # Already answered and logged (once per kind per interval) by _handle_failure;
            # Starlette re-raises it so servers can log it, which would log every one.
            if not getattr(error, _ANSWERED, False):
                raise


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) < 20 else None
    return None


def _body_too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        "api.context.request_body_too_large.app_error",
        f"The request body is larger than the {limit}-byte limit (ServiceSettings.MaximumPayloadSizeBytes).",
    )


async def _handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    where = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors())
    error = BadRequestError(
        "api.context.invalid_url_param.app_error", f"Invalid or missing parameter: {where}."
    )
    return error_response(error, request_id(request))


async def _handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = AppError(_HTTP_IDS.get(exc.status_code, "api.context.http_error"), str(exc.detail))
    error.status = exc.status_code
    return error_response(error, request_id(request))


_ANSWERED = "_inbound_answered"


async def _handle_failure(request: Request, exc: Exception) -> Response:
    """Any other exception: 503 with Retry-After when the database is away, else a 500 in
    Mattermost's shape; either way logged without flooding the log."""
    runtime: Runtime = request.app.state.runtime
    failure = runtime.failures.classify_api(exc, request_id(request))
    setattr(exc, _ANSWERED, True)
    return error_response(failure, request_id(request))  # with Retry-After for a 503


_HTTP_IDS: dict[int, Any] = {
    404: "api.context.404.app_error",
    405: "api.context.405.app_error",
}
