"""``PATCH|DELETE /hooks/{key}/posts/{post_id}``: the hook endpoint's edit and delete.

The same raw ASGI handling as ``POST /hooks/{key}`` (it is a ``HookEndpoint``): the body read up
to ``MaximumPayloadSizeBytes`` (413), the URL limit (414), the deadline (503), the answers'
headers (``X-Request-Id``, ``X-Version-Id``, ``nosniff``) and the metrics. Any other method on
this path → 405.
"""

from __future__ import annotations

import re
from functools import partial

import orjson
from starlette.types import Receive, Scope, Send

from inbound.errors import MethodNotAllowedError
from inbound.models import Post
from inbound.services import hook_posts
from inbound.web.hooks import (
    JSON_TYPE,
    LARGE_BODY_BYTES,
    PREFIX,
    ClientGoneError,
    HookEndpoint,
    _send,
    wants_wait,
)
from inbound.webhooks.edit import decode_edit

PATH = re.compile(r"/hooks/([A-Za-z0-9]+)/posts/([^/]+)")
METHODS = ("PATCH", "DELETE")
ALLOW = (b"allow", b"PATCH, DELETE")


def is_hook_post_path(path: str) -> bool:
    return path.startswith(PREFIX) and PATH.fullmatch(path) is not None


class HookPostEndpoint(HookEndpoint):
    async def _handle(
        self, scope: Scope, receive_: Receive, send: Send, started: float
    ) -> tuple[int, str]:
        """Answer one edit or delete; return its status and error id (0 when the sender left)."""
        request_id = str(scope.get("request_id", ""))
        if scope["method"] not in METHODS:
            return await self._refuse_method(send, scope["method"], request_id)
        try:
            post = await self._serve(scope, receive_)
        except ClientGoneError:
            return 0, ""
        except Exception as error:
            failure = await self._send_failure(send, error, request_id)
            return failure.status, failure.error_id
        await self._answer(send, scope, post, request_id)
        return 200, ""

    async def _serve(self, scope: Scope, receive_: Receive) -> Post:
        method = scope["method"]
        key, _, post_id = self._key(scope).partition("/posts/")
        headers = dict(scope["headers"])
        body = await self._body(headers.get(b"content-length"), receive_)
        query = scope.get("query_string", b"")
        sender = hook_posts.Sender(self._client_address(scope, headers), headers, body, query)
        if method == "DELETE":
            work = hook_posts.delete_post(self.ctx, key, post_id, sender=sender)
            return await self.deadlines.run(work, seconds=self._deadline())
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        decode = partial(decode_edit, body, content_type, scope.get("query_string", b""))
        large = len(body) > LARGE_BODY_BYTES
        edit = await self.ctx.off_loop(decode) if large else decode()
        work = hook_posts.edit_post(self.ctx, key, post_id, edit, sender=sender, large=large)
        return await self.deadlines.run(work, seconds=self._deadline())

    async def _answer(self, send: Send, scope: Scope, post: Post, request_id: str) -> None:
        """``ok``; for an edit with ``?wait=true``, the JSON ``POST ?wait=true`` gives."""
        if scope["method"] == "PATCH" and wants_wait(scope.get("query_string", b"")):
            answer = {"ok": True, "channel_id": post.channel_id, "post_ids": [post.id]}
            body = orjson.dumps(answer)
            await _send(send, 200, body, JSON_TYPE, request_id, extra=[self._version()])
            return
        self._version()  # restamps the ok answer's headers when the config changed
        headers = [*self.ok_headers, (b"x-request-id", request_id.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    async def _refuse_method(self, send: Send, method: str, request_id: str) -> tuple[int, str]:
        error = MethodNotAllowedError(
            message=f"{method} is not allowed here: edit a hook's post with PATCH, "
            "delete it with DELETE."
        )
        body = orjson.dumps(error.to_dict(request_id))
        extra = [self._version(), ALLOW]
        await _send(send, error.status, body, JSON_TYPE, request_id, extra=extra)
        return error.status, error.error_id
