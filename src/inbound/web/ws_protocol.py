"""uvicorn's websocket protocol, leaving no garbage cycle behind when its connection ends.

The ``websockets`` library's connection state (``ServerProtocol``) parses incoming data with a
generator it keeps in ``parser``; the generator's frame holds the connection, so every
connection is a reference cycle, and with it its ``permessage-deflate`` compressor and
decompressor (zlib's buffers, ~40 KB, invisible to the collector's counts). A websocket lives
long enough to reach the collector's oldest generation, which runs rarely (``runtime.py``), so
each dropped socket's memory stayed until then: under reconnect churn RSS grew ~15 MB a minute.
Once the transport is gone nothing steps the parser again; dropping it makes the connection's
objects free as soon as their last reference goes.
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class InboundWebSocketProtocol(WebSocketsSansIOProtocol):
    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self.conn.parser = None  # type: ignore[assignment]  # nothing steps it again
