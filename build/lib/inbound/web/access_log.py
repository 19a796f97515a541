"""``inbound serve --access-log``: one structured line per request, never a secret.

``request_id=… method=POST route=/hooks/{key} key=abcd… status=200 ms=2.41 client=10.0.0.5``.
Hook keys (which are also the hooks' ids in ``/api/v4/hooks/incoming/{id}``) appear as their
first four characters; query strings (which may carry ``access_token``) are never logged.
"""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("inbound.access")
_KEYED = re.compile(r"^(/hooks/|/api/v4/hooks/incoming/)([A-Za-z0-9]+)(.*)$")


def route_of(path: str) -> tuple[str, str]:
    """The path with any hook key replaced by ``{key}``, and the key's shown prefix."""
    match = _KEYED.match(path[:2048])
    if match is None:
        return path[:512], ""
    prefix, key, rest = match.groups()
    return f"{prefix}{{key}}{rest[:256]}", key[:4] + "…"


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            self._line(scope, status, time.perf_counter() - started)

    def _line(self, scope: Scope, status: int, seconds: float) -> None:
        route, key = route_of(str(scope.get("path", "")))
        client = scope.get("client")
        log.info(
            "request_id=%s method=%s route=%s%s status=%d ms=%.2f client=%s",
            scope.get("request_id", "-"),
            scope.get("method", "-"),
            route,
            f" key={key}" if key else "",
            status,
            seconds * 1000,
            client[0] if client else "-",
        )
