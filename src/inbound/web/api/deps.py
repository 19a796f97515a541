"""Request-scoped pieces the endpoints share: the ctx, the caller, paging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import Depends, Query, Request

from inbound.errors import BadRequestError, UnauthorizedError, invalid_url_param
from inbound.models import User, is_valid_id
from inbound.services import auth
from inbound.services.context import Context
from inbound.webhooks.decode import clean_escapes

COOKIE = "MMAUTHTOKEN"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


ContextDep = Annotated[Context, Depends(get_context)]


def token_from(request: Request) -> str:
    """Bearer/Token header first; else the session cookie, with Mattermost's CSRF rule."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    cookie = request.cookies.get(COOKIE, "")
    csrf_ok = request.headers.get("x-requested-with", "").lower() == "xmlhttprequest"
    if cookie and request.method not in SAFE_METHODS and not csrf_ok:
        raise UnauthorizedError(
            "api.context.session_expired.app_error",
            "Cookie-authenticated requests that change state need the header "
            "X-Requested-With: XMLHttpRequest.",
        )
    return cookie


async def current_user(request: Request, ctx: ContextDep) -> User:
    token = token_from(request)
    if not token:
        raise UnauthorizedError(
            "api.context.session_expired.app_error",
            "Invalid or expired session, please login again.",
        )
    user = await auth.user_for_token(ctx, token)
    request.state.token = token
    ctx.presence.active(user.id)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int


def paging(page: str = Query("0"), per_page: str = Query("60")) -> Paging:
    try:
        number, size = int(page), int(per_page)
    except ValueError:
        raise invalid_url_param("page") from None
    if number < 0 or size < 0:
        raise invalid_url_param("page")
    return Paging(number, min(size or 60, 200))


PagingDep = Annotated[Paging, Depends(paging)]


def path_id(value: str, name: str) -> str:
    if not is_valid_id(value):
        raise invalid_url_param(name)
    return value


async def json_body(request: Request) -> Any:
    """The request's JSON (any type); a clear 400 when it is not JSON. NUL and lone surrogate
    escapes become U+FFFD, as on the hook path: no database stores them."""
    raw = await request.body()
    if not raw.strip():
        return None
    if b"\\u0000" in raw:
        raw = clean_escapes(raw)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    if b"\\u" in raw:
        try:
            return orjson.loads(clean_escapes(raw))
        except orjson.JSONDecodeError:
            pass
    raise BadRequestError(
        "api.context.invalid_body_param.app_error", "The request body is not valid JSON."
    )


async def json_object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadRequestError(
            "api.context.invalid_body_param.app_error", "The request body must be a JSON object."
        )
    return body


def text_field(body: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or (required and not value):
        raise BadRequestError(
            "api.context.invalid_body_param.app_error",
            f"Invalid or missing {name} in request body.",
        )
    return value
