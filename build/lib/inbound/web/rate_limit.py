"""The client rate limit at the door (Mattermost's ``RateLimitHandler``), before any body is read.

With ``RateLimitSettings.Enable``, every HTTP request counts against its client's limit, keyed as
Mattermost keys it: the session token (``VaryByUser``) or else the remote address
(``VaryByRemoteAddr``), plus the value of the ``VaryByHeader`` header. Over the limit → 429
``api.context.rate_limited.app_error`` (``web.incoming_webhook.rate_limited.app_error`` for
``/hooks/``) with ``Retry-After``; every response under the limit carries ``X-RateLimit-*``
(the hook's own limit instead when that one is tighter: see ``services.rate_limit``).
"""

from __future__ import annotations

import hashlib

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inbound.config import RateLimitSettings
from inbound.errors import RateLimitedError
from inbound.models import new_id
from inbound.services.context import Context
from inbound.services.rate_limit import Decision, reported

HOOKS = "/hooks/"
COOKIE = b"MMAUTHTOKEN="


class RateLimitLayer:
    def __init__(self, app: ASGIApp, ctx: Context) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = self.ctx.config.rate_limit
        if scope["type"] != "http" or not settings.enable:
            await self.app(scope, receive, send)
            return
        key = client_key(scope, settings)
        decision = await self.ctx.rate_limits.check_client(settings, key)
        if decision.limited:
            await _refuse(send, decision, hook=scope["path"].startswith(HOOKS))
            return

        async def send_with_limit(message: Message) -> None:
            if message["type"] == "http.response.start":
                shown = reported() or decision
                if shown.limited or message["status"] != 429:  # not another limit's 429
                    message["headers"] = [*message.get("headers", ()), *shown.headers()]
            await send(message)

        await self.app(scope, receive, send_with_limit)


def client_key(scope: Scope, settings: RateLimitSettings) -> str:
    """Mattermost's ``GenerateKey``: token (else address) or address, then the header's value.
    With every ``VaryBy…`` off, all clients share one limit, as in Mattermost."""
    key = ""
    by_address = settings.vary_by_remote_addr
    if settings.vary_by_user:
        token = _token(scope)
        key = "user:" + _digest(token) if token else (_address(scope) if by_address else "")
    elif by_address:
        key = _address(scope)
    header = settings.vary_by_header
    if header:
        key += "|" + _header(scope, header.lower().encode("latin-1")).lower()
    return key


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


def _token(scope: Scope) -> str:
    """The session or access token as Mattermost finds it: header, cookie, ``access_token``."""
    scheme, _, value = _header(scope, b"authorization").partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    for part in _header(scope, b"cookie").encode("latin-1").split(b";"):
        if part.strip().startswith(COOKIE):
            return part.strip()[len(COOKIE) :].decode("latin-1")
    query = bytes(scope.get("query_string", b""))
    for pair in query.split(b"&"):
        if pair.startswith(b"access_token="):
            return pair[len(b"access_token=") :].decode("latin-1")
    return ""


def _digest(token: str) -> str:
    """Tokens are never kept as keys (a shared store would hold them)."""
    return hashlib.blake2b(token.encode(), digest_size=16).hexdigest()


async def _refuse(send: Send, decision: Decision, *, hook: bool) -> None:
    error = RateLimitedError(
        "web.incoming_webhook.rate_limited.app_error"
        if hook
        else "api.context.rate_limited.app_error",
        "Too many requests from this client (RateLimitSettings); slow down.",
        retry_after=decision.retry_after_seconds,
    )
    request_id = new_id()
    body = orjson.dumps(error.to_dict(request_id))
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        (b"x-request-id", request_id.encode()),
        (b"retry-after", b"%d" % error.retry_after),
        (b"x-content-type-options", b"nosniff"),
        *decision.headers(),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
