"""Starlette's ``TestClient`` with a quicker HTTP path for the suite's in-process calls.

Starlette's transport streams each response back through its portal: a request costs about
eight hand-offs between the test's thread and the app's event loop (~3 ms of a ~4 ms ping on
this machine, more on a busy one), and the suite makes well over 100,000 of them. This one
runs the whole exchange in one hand-off and hands httpx the finished body. The app sees the
same ASGI scope and messages; websockets still go through Starlette's own transport. No test
here reads a response as a stream (every endpoint's body is finite)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import anyio
from starlette.testclient import (
    TestClient,
    _TestClientTransport,
    httpx,  # the httpx (or httpx2) Starlette drives
)


class _OneHandOff(_TestClientTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme in ("ws", "wss"):
            return super().handle_request(request)
        headers = [] if "host" in request.headers else [(b"host", url.netloc)]
        headers += [(k.lower().encode(), v.encode()) for k, v in request.headers.multi_items()]
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": request.method,
            "path": unquote(url.path),
            "raw_path": url.raw_path.split(b"?", 1)[0],
            "root_path": self.root_path,
            "scheme": url.scheme,
            "query_string": url.query,
            "headers": headers,
            "client": self.client,
            "server": [url.raw_host.decode("ascii"), url.port or 80],
            "extensions": {"http.response.debug": {}},
            "state": self.app_state.copy(),
        }
        body = request.read()
        with self.portal_factory() as portal:
            status, response_headers, chunks = portal.call(self._exchange, scope, body)
        return httpx.Response(
            status,
            headers=response_headers,
            stream=httpx.ByteStream(b"".join(chunks)),
            request=request,
        )

    async def _exchange(
        self, scope: dict[str, Any], body: bytes
    ) -> tuple[int, list[tuple[str, str]], list[bytes]]:
        sent = False
        done = anyio.Event()
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body}
            await done.wait()  # as a client that waits for the answer, then hangs up
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                assert not start, 'Received multiple "http.response.start" messages.'
                start.update(message)
            elif message["type"] == "http.response.body":
                assert start, 'Received "http.response.body" without "http.response.start".'
                assert not done.is_set(), 'Received "http.response.body" after it completed.'
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    done.set()

        try:
            await self.app(scope, receive, send)
        except BaseException:
            if self.raise_server_exceptions:
                raise
            if not start:
                return 500, [], []
        finally:
            done.set()
        if not start:
            raise AssertionError("TestClient did not receive any response.")
        response_headers = [(k.decode(), v.decode()) for k, v in start.get("headers", [])]
        return start["status"], response_headers, chunks if scope["method"] != "HEAD" else []


class QuickTestClient(TestClient):
    """``TestClient`` whose HTTP requests take one hand-off to the app's loop."""

    __test__ = False

    def __init__(self, app: Any, **kw: Any) -> None:
        super().__init__(app, **kw)
        old = self._transport
        assert isinstance(old, _TestClientTransport)
        self._transport = _OneHandOff(
            old.app,
            portal_factory=old.portal_factory,
            raise_server_exceptions=old.raise_server_exceptions,
            root_path=old.root_path,
            app_state=old.app_state,
            client=old.client,
        )
