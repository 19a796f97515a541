"""``inbound serve``: the runtime, the app and uvicorn, put together for one process.

``build`` makes the server (``inbound serve`` and tests that want real sockets use it); ``run``
also raises the file limit and sets up logging first.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
from typing import Any

from inbound.app import create_app
from inbound.runtime import Runtime
from inbound.settings import Settings
from inbound.web.access_log import AccessLog
from inbound.web.connections import ConnectionTable, connection_cap, raise_file_limit
from inbound.web.server import InboundConfig, InboundServer

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def build(
    settings: Settings,
    *,
    runtime: Runtime | None = None,
    file_limit: int = 1024,
    **options: Any,
) -> InboundServer:
    """The server for ``settings``; ``options`` go to ``uvicorn.Config`` (``log_level`` …)."""
    runtime = runtime or Runtime(settings)
    app = create_app(settings, runtime=runtime)
    if options.pop("access_log", False):
        app = AccessLog(app)  # ours, not uvicorn's: request ids, latency, no hook keys
    config = InboundConfig(
        app,
        access_log=False,
        context=runtime.context,
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
