"""``/api/v4/websocket``: Mattermost's event stream (hello, posted, post_edited, …).

Authentication: the ``Authorization`` header, the session cookie, or Mattermost's
``authentication_challenge`` action as the first message. A browser's upgrade from a foreign
``Origin`` (not the site's own, not in ``ServiceSettings.AllowCorsFrom``) is refused with 403
before anything else, as Mattermost does; clients that send no ``Origin`` (bots) are not
browsers and pass. Each connection receives only events for channels its user can read; the
answer is cached briefly per connection so a busy channel costs one permission check per user,
not one per event.

Resume (Mattermost's reliable websocket, ``web/ws_sessions.py``): ``hello`` carries the
connection's id; a client that reconnects with ``?connection_id=<id>&sequence_number=<next seq>``
gets what it missed with no ``hello``, or a ``hello`` with a new id at seq 0 when that is not
possible (unknown, expired or another user's id, events no longer kept, malformed parameters).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from functools import partial
from weakref import WeakKeyDictionary

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from inbound.errors import AppError, ForbiddenError
from inbound.models import User, is_valid_id
from inbound.services import auth, channels
from inbound.services.changes import Change, SessionsRevoked
from inbound.services.context import Context
from inbound.web.live import LiveMessage, live_message
from inbound.web.origins import origin_allowed
from inbound.web.responses import error_response
from inbound.web.version import server_version
from inbound.web.ws_sessions import WsSession, WsSessions

CHALLENGE_SECONDS = 10.0
READ_CACHE_SECONDS = 2.0
TAKEOVER_SECONDS = 2.0
"""How long a resume waits for the socket that still holds its session to let go."""
SEQUENCE = re.compile(r"[0-9]{1,15}")
_SESSIONS: WeakKeyDictionary[Context, WsSessions] = WeakKeyDictionary()


def sessions_for(ctx: Context) -> WsSessions:
    """The websocket sessions of the app that ``ctx`` serves."""
    sessions = _SESSIONS.get(ctx)
    if sessions is None:
        sessions = _SESSIONS[ctx] = WsSessions(ctx.events)
        ctx.changes.follow(partial(_follow, sessions))
    return sessions


def _follow(sessions: WsSessions, change: Change) -> None:
    """A session ended (here or on another process): its sockets close."""
    if isinstance(change, SessionsRevoked):
        sessions.revoke(change.user_id, change.session_id)


async def websocket_endpoint(websocket: WebSocket) -> None:
    ctx: Context = websocket.app.state.context
    origin = websocket.headers.get("origin")
    if origin is not None and not origin_allowed(ctx, websocket.scope, origin):
        await _refuse_origin(websocket)
        return
    await websocket.accept()
    sessions = sessions_for(ctx)  # following revocations before the token is checked
    authenticated = await _authenticate(websocket, ctx)
    if authenticated is None:
        await websocket.close(code=4001)
        return
    user, session_id = authenticated
    with ctx.presence.connected(user.id):
        await Connection(websocket, ctx, user, session_id=session_id).run(sessions)


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


async def _authenticate(websocket: WebSocket, ctx: Context) -> tuple[User, str] | None:
    """The user and their login session's id ("" for a personal access token)."""
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
    return user, await auth.session_id_for(ctx, token)


class Connection:
    """One socket, attached to a session (new, or resumed from the socket before)."""

    def __init__(
        self, websocket: WebSocket, ctx: Context, user: User, *, session_id: str = ""
    ) -> None:
        self.websocket = websocket
        self.ctx = ctx
        self.user = user
        self.session_id = session_id
        self.readable: dict[str, tuple[float, bool]] = {}
        self.reader: asyncio.Task[None] | None = None
        self.evicted = False
        self.revoked = False

    def overflowed(self) -> None:  # a client this far behind is dropped rather than buffered
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().create_task(self.websocket.close(code=1013))

    def evict(self) -> None:
        self.evicted = True
        if self.reader is not None:
            self.reader.cancel()

    def revoke(self) -> None:
        self.revoked = True
        self.evict()

    async def run(self, sessions: WsSessions) -> None:
        self.reader = asyncio.create_task(self._read())
        session: WsSession | None = None
        try:
            session, first = await self._attach(sessions)
            for text in first:
                await self.websocket.send_text(text)
            await self._pump(session)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:  # synchronous: it also runs when the socket's task is cancelled
            # Let go of the reader: its cancellation's traceback holds its frame, which holds
            # this connection, and a cycle would keep the socket's objects until a full
            # collection (rare, see runtime.py).
            reader, self.reader = self.reader, None
            reader.cancel()
            if session is not None:
                sessions.detach(session, self)
        if self.evicted:  # tell the old socket, should its client still be there
            with contextlib.suppress(Exception):
                await self.websocket.close()

    async def _attach(self, sessions: WsSessions) -> tuple[WsSession, list[str]]:
        resumed = await self._resume(sessions)
        if resumed is not None:
            return resumed
        session = sessions.open(self.user.id, self)
        data = {"connection_id": session.id, "server_version": server_version(self.ctx)}
        return session, [session.number(live_message("hello", data, user_id=self.user.id))]

    async def _resume(self, sessions: WsSessions) -> tuple[WsSession, list[str]] | None:
        """The session the client asks to resume and what it missed; None when there is none
        to resume (a fresh client sends ``connection_id=`` empty)."""
        params = self.websocket.query_params
        connection_id = params.get("connection_id", "")
        seq = params.get("sequence_number", "")
        if not is_valid_id(connection_id) or not SEQUENCE.fullmatch(seq):
            return None
        session = sessions.find(self.user.id, connection_id)
        if session is None or not await sessions.take(session, self, wait=TAKEOVER_SECONDS):
            return None
        missed = session.missed(int(seq))
        if missed is None:  # the client would miss events: it starts again from a hello
            sessions.drop(session)
            return None
        return session, missed

    async def _pump(self, session: WsSession) -> None:
        """Send the session's events this user may see. The one being checked stays in
        ``session.held`` until it is numbered (kept for a resume) or refused, so a socket that
        dies meanwhile (even by cancellation) loses nothing."""
        assert self.reader is not None
        while not self.reader.done():
            if session.held is None:
                getter = asyncio.create_task(session.queue.get())
                done, _ = await asyncio.wait(
                    {getter, self.reader}, return_when=asyncio.FIRST_COMPLETED
                )
                if getter not in done:
                    getter.cancel()
                    return
                session.held = getter.result()
            allowed = await self._may_see(session.held)
            text = session.number(session.held) if allowed else None
            session.held = None
            if text is not None:
                await self.websocket.send_text(text)

    async def _read(self) -> None:
        """Answer client actions (only pings matter here) until the client goes away."""
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, KeyError):
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
