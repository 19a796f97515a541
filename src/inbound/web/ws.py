"""``/api/v4/websocket``: Mattermost's event stream (hello, posted, post_edited, …).

Authentication: the ``Authorization`` header, the session cookie, or Mattermost's
``authentication_challenge`` action as the first message. A browser's upgrade from a foreign
``Origin`` (not the site's own, not in ``ServiceSettings.AllowCorsFrom``) is refused with 403
before anything else, as Mattermost does; clients that send no ``Origin`` (bots) are not
browsers and pass. Each connection receives only events for channels its user can read; the
answer is cached briefly per connection so a busy channel costs one permission check per user,
not one per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from inbound.errors import AppError, ForbiddenError
from inbound.models import User
from inbound.services import auth, channels
from inbound.services.context import Context
from inbound.services.events import DomainEvent
from inbound.web.live import LiveMessage, Translation, live_message
from inbound.web.origins import origin_allowed
from inbound.web.responses import error_response

QUEUE_LIMIT = 1000
CHALLENGE_SECONDS = 10.0
READ_CACHE_SECONDS = 2.0
TRANSLATION = Translation()  # shared by every connection: each event is encoded once


async def websocket_endpoint(websocket: WebSocket) -> None:
    ctx: Context = websocket.app.state.context
    origin = websocket.headers.get("origin")
    if origin is not None and not origin_allowed(ctx, websocket.scope, origin):
        await _refuse_origin(websocket)
        return
    await websocket.accept()
    user = await _authenticate(websocket, ctx)
    if user is None:
        await websocket.close(code=4001)
        return
    with ctx.presence.connected(user.id):
        await Connection(websocket, ctx, user).run()


async def _refuse_origin(websocket: WebSocket) -> None:
    """403 before the upgrade (a close before accept is a plain 403 where the server cannot
    send a denial response)."""
    if "websocket.http.response" not in websocket.scope.get("extensions", {}):
        await websocket.close()
        return
    error = ForbiddenError(
        "api.web_socket.origin.app_error",
        "This Origin may not open the websocket (ServiceSettings.AllowCorsFrom).",
    )
    await websocket.send_denial_response(error_response(error))


def _token(websocket: WebSocket) -> str:
    scheme, _, value = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("bearer", "token") and value:
        return value.strip()
    return websocket.cookies.get("MMAUTHTOKEN", "")


async def _authenticate(websocket: WebSocket, ctx: Context) -> User | None:
    token = _token(websocket)
    seq = None
    if not token:
        try:
            first = orjson.loads(
                await asyncio.wait_for(websocket.receive_text(), CHALLENGE_SECONDS)
            )
        except (TimeoutError, WebSocketDisconnect, orjson.JSONDecodeError):
            return None
        if not isinstance(first, dict) or first.get("action") != "authentication_challenge":
            return None
        seq = first.get("seq")
        token = str((first.get("data") or {}).get("token") or "")
    try:
        user = await auth.user_for_token(ctx, token)
    except AppError:
        if seq is not None:
            await websocket.send_text(orjson.dumps({"status": "FAIL", "seq_reply": seq}).decode())
        return None
    if seq is not None:
        await websocket.send_text(orjson.dumps({"status": "OK", "seq_reply": seq}).decode())
    return user


class Connection:
    def __init__(self, websocket: WebSocket, ctx: Context, user: User) -> None:
        self.websocket = websocket
        self.ctx = ctx
        self.user = user
        self.queue: asyncio.Queue[LiveMessage] = asyncio.Queue(QUEUE_LIMIT)
        self.seq = 0
        self.readable: dict[str, tuple[float, bool]] = {}

    def listen(self, event: DomainEvent) -> None:
        for message in TRANSLATION.messages(event):
            if not message.user_id or message.user_id == self.user.id:
                self._enqueue(message)

    def _enqueue(self, message: LiveMessage) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:  # a client this far behind is dropped rather than buffered
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().create_task(self.websocket.close(code=1013))

    async def run(self) -> None:
        unsubscribe = self.ctx.events.subscribe(self.listen)
        reader = asyncio.create_task(self._read())
        try:
            await self._send(
                live_message("hello", {"server_version": "inbound"}, user_id=self.user.id)
            )
            while not reader.done():
                getter = asyncio.create_task(self.queue.get())
                done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    break
                message = getter.result()
                if await self._may_see(message):
                    await self._send(message)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            unsubscribe()
            reader.cancel()

    async def _read(self) -> None:
        """Answer client actions (only pings matter here) until the client goes away."""
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                raw = await self.websocket.receive_text()
                with contextlib.suppress(orjson.JSONDecodeError, AttributeError):
                    message = orjson.loads(raw)
                    if message.get("seq") is not None:
                        reply = {"status": "OK", "seq_reply": message["seq"]}
                        if message.get("action") == "ping":
                            reply["data"] = {"text": "pong"}
                        await self.websocket.send_text(orjson.dumps(reply).decode())

    async def _may_see(self, message: LiveMessage) -> bool:
        if not message.channel_id or self.user.is_system_admin:
            return True
        cached = self.readable.get(message.channel_id)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        allowed = await channels.can_read(self.ctx, self.user, message.channel_id)
        self.readable[message.channel_id] = (now + READ_CACHE_SECONDS, allowed)
        return allowed

    async def _send(self, message: LiveMessage) -> None:
        text = message.encode(self.seq)
        self.seq += 1
        await self.websocket.send_text(text)
