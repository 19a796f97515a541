"""The server's open connections: how many it may hold, and which to shed first.

Every open connection costs a file descriptor. When the process runs out of them the kernel
stops handing over new clients, and the server is unreachable however idle the connections it
holds are. So the server keeps the count under a cap derived from the file limit, and when a new
client arrives at the cap it closes the connection that has been idle longest (no request being
answered on it, oldest first) to make room.
"""

from __future__ import annotations

import resource
from collections import OrderedDict
from typing import Protocol

MAX_CONNECTIONS = 10_000
"""Ceiling whatever the file limit: each idle connection costs memory too."""

RESERVED_FILES = 64
"""Descriptors kept back for the database, its journal, logs and the listening socket."""


class Connection(Protocol):
    def sheddable(self) -> bool:
        """No request is being answered on it."""
        ...

    def shed(self) -> None: ...


class ConnectionTable:
    """Open HTTP connections (not websockets), least recently answered first."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._open: OrderedDict[Connection, None] = OrderedDict()

    def add(self, connection: Connection) -> bool:
        """Admit a new connection, shedding the longest idle ones if the cap is reached;
        False when every connection is busy answering and the newcomer must be refused."""
        if not self._make_room():
            return False
        self._open[connection] = None
        return True

    def answered(self, connection: Connection) -> None:
        if connection in self._open:
            self._open.move_to_end(connection)

    def gone(self, connection: Connection) -> None:
        self._open.pop(connection, None)

    def _make_room(self) -> bool:
        count = len(self._open) + 1
        passed = 0
        while count > self.cap:
            if passed >= len(self._open):
                return False
            oldest, _ = self._open.popitem(last=False)
            if not oldest.sheddable():
                self._open[oldest] = None  # busy now, so recently active: to the back
                passed += 1
                continue
            oldest.shed()
            count -= 1
        return True


def raise_file_limit() -> int:
    """Raise the soft limit on open files to the hard limit; return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # Linux refuses an unlimited RLIMIT_NOFILE; 2**20 is its default ceiling (fs.nr_open).
    target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft
        return target
    return target if soft == resource.RLIM_INFINITY else soft


def connection_cap(file_limit: int) -> int:
    """How many client connections fit under ``file_limit`` with room left for everything else."""
    spare = max(RESERVED_FILES, file_limit // 10)
    return max(16, min(MAX_CONNECTIONS, file_limit - spare))
