"""uvicorn with inbound's protocol, limits and shutdown (``inbound.serve`` builds it).

Limits come from the runtime config (``ServiceSettings``), read when each connection opens, so
changes apply to new connections.
"""

from __future__ import annotations

import signal
import socket
from typing import Any

import uvicorn

from inbound.services.context import Context
from inbound.web.connections import ConnectionTable
from inbound.web.protocol import InboundProtocol
from inbound.web.ws_protocol import InboundWebSocketProtocol

FINAL_COMMIT_SECONDS = 1.0
"""Of GracefulShutdownSeconds, kept for the writer's last commits after requests end."""


class InboundConfig(uvicorn.Config):
    """uvicorn's config, plus what the protocol reads: the services' context (for the config)
    and the connections."""

    def __init__(
        self, app: Any, *, context: Context, table: ConnectionTable, **options: Any
    ) -> None:
        super().__init__(app, http=InboundProtocol, ws=InboundWebSocketProtocol, **options)
        self.context = context
        self.table = table


class InboundServer(uvicorn.Server):
    """On SIGTERM: stop accepting, let requests in flight finish and the writer commit, all
    within ``ServiceSettings.GracefulShutdownSeconds``; then exit 0."""

    config: InboundConfig

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        seconds = self.config.context.config.service.graceful_shutdown_seconds
        # uvicorn waits this long for requests (a body still arriving is cut short first,
        # see InboundProtocol.shutdown), then cancels them; the rest is for the last commits.
        self.config.timeout_graceful_shutdown = seconds - min(FINAL_COMMIT_SECONDS, seconds / 4)  # type: ignore[assignment]
        await super().shutdown(sockets)
        # uvicorn re-raises the signal it caught once it is done, which would make the process
        # die of SIGTERM (status 143) after a clean shutdown; exit 0 instead.
        self._captured_signals = [s for s in self._captured_signals if s != signal.SIGTERM]
