"""The HTTP server around the app: uvicorn with inbound's protocol, limits and shutdown.

``build`` makes the server (``inbound serve`` and tests that want real sockets use it); ``run``
also raises the file limit first. Limits come from the runtime config (``ServiceSettings``), read
when each connection opens, so changes apply to new connections.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import socket
from typing import Any

import uvicorn

from inbound.app import create_app
from inbound.services.server import Server
from inbound.settings import Settings
from inbound.web.access_log import AccessLog
from inbound.web.connections import ConnectionTable, connection_cap, raise_file_limit
from inbound.web.protocol import InboundProtocol

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
FINAL_COMMIT_SECONDS = 1.0
"""Of GracefulShutdownSeconds, kept for the writer's last commits after requests end."""


class InboundConfig(uvicorn.Config):
    """uvicorn's config, plus what the protocol reads: the inbound server and the connections."""

    def __init__(self, app: Any, *, server: Server, table: ConnectionTable, **options: Any) -> None:
        super().__init__(app, http=InboundProtocol, **options)
        self.server = server
        self.table = table


class InboundServer(uvicorn.Server):
    """On SIGTERM: stop accepting, let requests in flight finish and the writer commit, all
    within ``ServiceSettings.GracefulShutdownSeconds``; then exit 0."""

    config: InboundConfig

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        seconds = self.config.server.config.service.graceful_shutdown_seconds
        # uvicorn waits this long for requests (a body still arriving is cut short first,
        # see InboundProtocol.shutdown), then cancels them; the rest is for the last commits.
        self.config.timeout_graceful_shutdown = seconds - min(FINAL_COMMIT_SECONDS, seconds / 4)  # type: ignore[assignment]
        await super().shutdown(sockets)
        # uvicorn re-raises the signal it caught once it is done, which would make the process
        # die of SIGTERM (status 143) after a clean shutdown; exit 0 instead.
        self._captured_signals = [s for s in self._captured_signals if s != signal.SIGTERM]


def build(
    settings: Settings,
    *,
    server: Server | None = None,
    file_limit: int = 1024,
    **options: Any,
) -> InboundServer:
    """The server for ``settings``; ``options`` go to ``uvicorn.Config`` (``log_level`` …)."""
    server = server or Server(settings)
    app = create_app(settings, server=server)
    if options.pop("access_log", False):
        app = AccessLog(app)  # ours, not uvicorn's: request ids, latency, no hook keys
    config = InboundConfig(
        app,
        access_log=False,
        server=server,
        table=ConnectionTable(connection_cap(file_limit)),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        **options,
    )
    return InboundServer(config)


def run(settings: Settings, **options: Any) -> None:
    _log_to_stderr()
    _return_large_buffers()
    build(settings, file_limit=raise_file_limit(), **options).run()


def _return_large_buffers() -> None:
    """Every argon2 hash borrows 19 MiB. glibc serves a block that size from ``mmap`` and gives
    it back, but once one is freed it raises its mmap threshold and keeps later ones in each
    thread's heap: ~19 MB of RSS per password thread, for good. A fixed threshold (1 MiB)
    keeps large buffers in ``mmap``."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, 1 << 20)


def _log_to_stderr() -> None:
    """inbound's own log lines (failures, access log, metrics) on stderr, with the time."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("inbound")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False
