"""A dropped websocket leaves no reference cycle: its objects (and their zlib buffers) are freed
at once, not at the next full collection, which the process runs rarely (``runtime.py``)."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from inbound.web.ws_protocol import InboundWebSocketProtocol

HANDSHAKE = (
    b"GET /api/v4/websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
)


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 8065) if name in ("sockname", "peername") else default

    def write(self, data: Any) -> None:
        pass

    def close(self) -> None:
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing


async def app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "websocket.accept"})
    await receive()
    await receive()  # the disconnect


def test_a_dropped_websocket_is_freed_without_the_cycle_collector() -> None:
    async def main() -> weakref.ref[Any]:
        config = Config(app, ws=InboundWebSocketProtocol, ws_ping_interval=None)
        config.load()
        protocol = InboundWebSocketProtocol(config, ServerState(), {})
        protocol.connection_made(FakeTransport())
        protocol.data_received(HANDSHAKE)
        for _ in range(5):
            await asyncio.sleep(0)  # the application accepts
        assert protocol.handshake_complete
        conn = weakref.ref(protocol.conn)
        protocol.connection_lost(ConnectionResetError())  # the network went away
        for _ in range(5):
            await asyncio.sleep(0)  # the application sees the disconnect and ends
        del protocol
        return conn

    gc.collect()
    gc.disable()
    try:
        conn = asyncio.run(main())
        assert conn() is None
    finally:
        gc.enable()
