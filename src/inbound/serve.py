"""``inbound serve``: the runtime, the app and uvicorn, put together for one process.

``build`` makes the server (``inbound serve`` and tests that want real sockets use it); ``run``
also raises the file limit and sets up logging first. With ``workers`` > 1 (``--workers``,
``INBOUND_WORKERS``) the process binds the port once and supervises that many forked children,
each a whole server on the shared socket: SIGTERM or SIGINT stops them all (each finishes its
requests), and a child that dies is started again.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import time
from typing import Any

from inbound.app import create_app
from inbound.runtime import Runtime
from inbound.settings import Settings
from inbound.web.access_log import AccessLog
from inbound.web.connections import ConnectionTable, connection_cap, raise_file_limit
from inbound.web.server import InboundConfig, InboundServer

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
QUICK_DEATH_SECONDS = 10.0  # a worker that dies this soon after its start did not start
MAX_QUICK_DEATHS = 3
STOP_SECONDS = 60.0  # children finish their requests (GracefulShutdownSeconds) within this
log = logging.getLogger("inbound.serve")


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


def run(settings: Settings, *, workers: int = 1, **options: Any) -> None:
    _log_to_stderr()
    _return_large_buffers()
    if workers > 1:
        Supervisor(settings, workers, options).run()
        return
    build(settings, file_limit=raise_file_limit(), **options).run()


def _child(settings: Settings, sock: socket.socket, options: dict[str, Any]) -> None:
    """One worker: a whole server on the socket its parent bound."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handlers: uvicorn's
    signal.signal(signal.SIGINT, signal.default_int_handler)
    code = 0
    try:
        build(settings, file_limit=raise_file_limit(), **options).run(sockets=[sock])
    except SystemExit as stop:  # uvicorn's "startup failed"
        code = stop.code if isinstance(stop.code, int) else 1
    finally:
        logging.shutdown()
        os._exit(code)  # served and shut down: wait for no state forked in from the parent


class Supervisor:
    """The parent of ``workers`` children sharing one listening socket."""

    def __init__(self, settings: Settings, workers: int, options: dict[str, Any]) -> None:
        self.settings = settings
        self.workers = workers
        self.options = options
        self.stopping = False
        self.context = multiprocessing.get_context("fork")
        self.children: list[Any] = []
        self.started: dict[int, float] = {}
        self.quick_deaths = 0

    def run(self) -> None:
        sock = _bind(self.settings.host, self.settings.port)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        self.children = [self._start(sock) for _ in range(self.workers)]
        log.info("inbound: %d workers on port %d", self.workers, self.settings.port)
        while not self.stopping:
            time.sleep(0.2)
            self._restart_the_dead(sock)
        self._stop_children()
        sock.close()

    def _start(self, sock: socket.socket) -> Any:
        child = self.context.Process(target=_child, args=(self.settings, sock, self.options))
        child.start()
        assert child.pid is not None
        self.started[child.pid] = time.monotonic()
        return child

    def _restart_the_dead(self, sock: socket.socket) -> None:
        for n, child in enumerate(self.children):
            if child.is_alive() or self.stopping:
                continue
            lived = time.monotonic() - self.started.pop(child.pid or 0, 0.0)
            self.quick_deaths = self.quick_deaths + 1 if lived < QUICK_DEATH_SECONDS else 0
            if self.quick_deaths >= MAX_QUICK_DEATHS:  # it cannot start: say so and stop
                log.error("inbound: workers keep dying at start (see above); stopping")
                self.stopping = True
                return
            log.warning(
                "inbound: worker %d exited (%s); starting another", child.pid, child.exitcode
            )
            self.children[n] = self._start(sock)

    def _stop(self, _signum: int, _frame: Any) -> None:
        self.stopping = True

    def _stop_children(self) -> None:
        for child in self.children:
            if child.is_alive() and child.pid is not None:
                os.kill(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in self.children:
            child.join(max(0.0, deadline - time.monotonic()))
            if child.is_alive():
                child.kill()
                child.join()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


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
