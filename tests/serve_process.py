"""``inbound serve`` as a real process, for tests that signal it, crash it or limit its files.

``prepare`` readies a database in-process (admin, team, one hook, runtime settings); a
``ServeProcess`` then serves it on a free port and talks to it over raw sockets.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text

from inbound.cli.common import channel_named, user_named
from inbound.runtime import Runtime
from inbound.services import config as config_service
from inbound.services import hook_fields, hooks
from inbound.services.bootstrap import bootstrap
from inbound.settings import Settings
from inbound.store.db import Database
from tests.conftest import ADMIN_PASSWORD, run_async

START_SECONDS = 30


def prepare(url: str, settings: dict[str, object]) -> str:
    """Bootstrap the database at ``url``, apply ``settings``; return a new hook's key."""

    async def go() -> str:
        runtime = Runtime(Settings(database_url=url, admin_password=ADMIN_PASSWORD))
        await runtime.start(serving=False)
        try:
            await bootstrap(runtime.context)
            for name, value in settings.items():
                await config_service.set_value(runtime.context, name, value)
            channel = await channel_named(runtime.context, "main:town-square")
            admin = await user_named(runtime.context, "admin")
            fields = hook_fields.HookFields(channel_id=channel.id, display_name="crash")
            return (await hooks.create_hook(runtime.context, None, fields, user_id=admin.id)).id
        finally:
            await runtime.stop()

    return run_async(go)


def stored_messages(url: str, prefix: str) -> list[str]:
    """Every post whose message starts with ``prefix`` (duplicates included)."""

    async def go() -> list[str]:
        db = Database(url)
        try:
            async with db.engine.connect() as conn:
                rows = await conn.execute(
                    text("SELECT message FROM posts WHERE message LIKE :p"), {"p": prefix + "%"}
                )
                return [row[0] for row in rows]
        finally:
            await db.dispose()

    return run_async(go)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def file_limit(count: int) -> Callable[[], None]:
    """A ``preexec_fn`` that caps the child's open files (soft and hard) at ``count``."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))

    return apply


class ServeProcess:
    def __init__(
        self,
        url: str,
        log: Path,
        *,
        preexec: Callable[[], None] | None = None,
        env: Mapping[str, str] | None = None,
        args: tuple[str, ...] = (),
        wait: bool = True,
    ) -> None:
        """``env`` adds variables (``INBOUND_REDIS_URL`` …) and ``args`` flags (``--workers``);
        ``wait=False`` returns at once (for a process expected to refuse to start)."""
        self.port = free_port()
        env = {**os.environ, "INBOUND_ADMIN_PASSWORD": ADMIN_PASSWORD, **(env or {})}
        command = [sys.executable, "-m", "inbound", "serve", "--database-url", url]
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port), *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=preexec,
            )
        if wait:
            self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if b" 200 " in self.request(b"GET /api/v4/system/ping HTTP/1.1\r\n\r\n"):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"inbound serve did not start:\n{self.log.read_text()}")

    def connect(self, timeout: float = 10.0) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def request(self, raw: bytes, timeout: float = 10.0) -> bytes:
        """Send ``raw`` (a whole request, ``Connection: close`` added) and read the answer."""
        head, _, body = raw.partition(b"\r\n\r\n")
        with self.connect(timeout) as sock:
            sock.sendall(head + b"\r\nHost: t\r\nConnection: close\r\n\r\n" + body)
            return read_all(sock)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def read_all(sock: socket.socket) -> bytes:
    """Read until the server closes the connection (or the socket's timeout passes)."""
    chunks: list[bytes] = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def body_of(answer: bytes) -> Any:
    return orjson.loads(answer.partition(b"\r\n\r\n")[2])


def headers(count: int, size: int = 1) -> Iterable[bytes]:
    return (b"X-H%d: %s\r\n" % (i, b"v" * size) for i in range(count))
