"""uvicorn's httptools protocol with limits: what one client may cost the server.

- a request head (request line and headers) of at most ``MAX_HEADERS`` headers and
  ``MAX_HEAD_BYTES`` bytes, else ``431`` and the connection is closed;
- the whole request (head and body) within ``ServiceSettings.ReadTimeout`` of its first byte,
  else ``408`` and the connection is closed (a new connection silent that long is closed);
- an idle keep-alive connection is closed after ``ServiceSettings.IdleTimeout``;
- at the connection cap (see ``connections``) a new client sheds the oldest idle connection.

Every answer given here is JSON in Mattermost's error shape, like the application's.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any, cast

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from inbound.errors import AppError, BadRequestError, HeadersTooLargeError, RequestTimeoutError
from inbound.models import new_id
from inbound.web.hook_posts import is_hook_post_path
from inbound.web.hooks import is_hook_path

if TYPE_CHECKING:
    from inbound.web.server import InboundConfig

MAX_HEADERS = 100
MAX_HEAD_BYTES = 64 * 1024
SHUTDOWN_MARGIN_SECONDS = 0.25


HOOK_TIMEOUT = RequestTimeoutError(
    "web.incoming_webhook.read_timeout.app_error",
    "The request body did not arrive within ServiceSettings.ReadTimeout.",
)
TIMEOUT = RequestTimeoutError(
    message="The request did not arrive within ServiceSettings.ReadTimeout."
)
TOO_MANY_HEADERS = HeadersTooLargeError(
    message=f"A request may have at most {MAX_HEADERS} headers."
)
HEAD_TOO_LARGE = HeadersTooLargeError(
    message=f"The request line and headers may take at most {MAX_HEAD_BYTES} bytes."
)
MALFORMED = BadRequestError("api.context.invalid_http_request.app_error", "Invalid HTTP request.")


class _RefusedError(Exception):
    """Raised from a parser callback to stop parsing a request that breaks a limit."""

    def __init__(self, error: AppError) -> None:
        super().__init__(error.error_id)
        self.error = error


class InboundProtocol(HttpToolsProtocol):
    def __init__(self, config: Any, server_state: Any, app_state: Any, _loop: Any = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        inbound = cast("InboundConfig", config)
        service = inbound.context.config.service
        self.read_timeout = service.read_timeout
        self.timeout_keep_alive = service.idle_timeout
        self.table = inbound.table
        # One timer per connection, moved lazily: a request due by ``read_deadline`` is
        # "reading" from its first byte (or from the connection's start) to its last.
        self.read_timer: asyncio.TimerHandle | None = None
        self.read_deadline = 0.0
        self.latest_deadline = math.inf  # lowered when the server shuts down
        self.reading = False
        self.head_bytes = 0  # raw bytes of the unfinished head, counted per read
        self.header_bytes = 0  # URL and header names and values, as parsed
        self.finished_in_read = False

    # Connection lifetime

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if not self.table.add(self):
            transport.close()
            return
        self._expect_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self.table.gone(self)
        self._cancel_read_timer()
        super().connection_lost(exc)

    def sheddable(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def shed(self) -> None:
        """Closed to make room for a new client (no request is being answered here)."""
        self._cancel_read_timer()
        self.transport.close()

    def shutdown(self) -> None:
        """The server is stopping: idle connections close now; a request whose head or body
        is still arriving gets until just before the server stops waiting (then ``408``)."""
        super().shutdown()
        wait = self.config.timeout_graceful_shutdown
        if wait is None or self.transport.is_closing():
            return
        self.latest_deadline = self.loop.time() + max(0.0, wait - SHUTDOWN_MARGIN_SECONDS)
        if self.reading and self.latest_deadline < self.read_deadline:
            self._cancel_read_timer()
            self._expect_request()

    def handle_websocket_upgrade(self) -> None:
        self.table.gone(self)
        self.reading = False
        self._cancel_read_timer()
        super().handle_websocket_upgrade()
        # The websocket protocol has the transport now; the parser (which holds this protocol,
        # a cycle the collector would free only in a rare full collection) is done.
        self.parser = None  # type: ignore[assignment]

    # Reading

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        self.finished_in_read = False
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError as error:
            refused = error.__context__
            self._refuse(refused.error if isinstance(refused, _RefusedError) else MALFORMED)
            return
        if self.reading and not self.finished_in_read and self._in_head():
            # Exact unless a pipelined request ended in this same read (then not counted:
            # bounded by one read).
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                self._refuse(HEAD_TOO_LARGE)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head_bytes = self.header_bytes = 0
        self._expect_request()

    def on_url(self, url: bytes) -> None:
        self.url += url
        self.header_bytes += len(url)
        if self.header_bytes > MAX_HEAD_BYTES:
            raise _RefusedError(HEAD_TOO_LARGE)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_bytes += len(name) + len(value)
        if self.header_bytes > MAX_HEAD_BYTES or len(self.headers) >= MAX_HEADERS:
            raise _RefusedError(
                HEAD_TOO_LARGE if self.header_bytes > MAX_HEAD_BYTES else TOO_MANY_HEADERS
            )
        name = name.lower()  # as uvicorn's own on_header, inlined: this runs for every header
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_message_complete(self) -> None:
        self.finished_in_read = True
        self.reading = False
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.table.answered(self)

    # Timeouts and refusals

    def _expect_request(self) -> None:
        self.reading = True
        self.read_deadline = min(self.loop.time() + self.read_timeout, self.latest_deadline)
        if self.read_timer is None:
            self.read_timer = self.loop.call_at(self.read_deadline, self._read_timer_fired)

    def _cancel_read_timer(self) -> None:
        if self.read_timer is not None:
            self.read_timer.cancel()
            self.read_timer = None

    def _read_timer_fired(self) -> None:
        self.read_timer = None
        if not self.reading or self.transport.is_closing():
            return  # between requests the keep-alive (idle) timeout applies
        if self.loop.time() < self.read_deadline:  # a later request: wait for its deadline
            self.read_timer = self.loop.call_at(self.read_deadline, self._read_timer_fired)
            return
        self._read_timed_out()

    def _read_timed_out(self) -> None:
        """The request did not arrive in time: answer 408 unless nothing was asked (a fresh
        connection that never spoke) or an answer is already on its way; then close."""
        cycle = self.cycle
        if self._in_head():
            self._refuse(TIMEOUT)
        elif cycle is not None and not cycle.response_started:
            cycle.disconnected = True  # the application's answer, if any, is dropped
            cycle.message_event.set()  # a body read in progress ends (http.disconnect)
            self._refuse(HOOK_TIMEOUT if self._is_hook_request() else TIMEOUT)
        else:
            self.transport.close()

    def _in_head(self) -> bool:
        """Some of a request head has arrived, not all of it (the method is known at its end)."""
        return self.scope is not None and "method" not in self.scope

    def _is_hook_request(self) -> bool:
        path = self.scope.get("path", "")
        if self.scope.get("method") == "POST" and is_hook_path(path):
            return True
        return is_hook_post_path(path)

    def _refuse(self, error: AppError) -> None:
        """Answer ``error`` (when no other answer is under way) and close the connection."""
        self.reading = False
        self._cancel_read_timer()
        if self.cycle is None or self.cycle.response_complete or self.cycle.disconnected:
            self.transport.write(self._error_bytes(error))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        self._refuse(MALFORMED)

    def _error_bytes(self, error: AppError) -> bytes:
        request_id = new_id()
        body = orjson.dumps(error.to_dict(request_id))
        head = [STATUS_LINE[error.status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"x-request-id: " + request_id.encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        return b"".join(head) + body
