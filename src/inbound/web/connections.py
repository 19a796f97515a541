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


class Closable(Protocol):
    def close_idle(self) -> None: ...


class ConnectionTable:
    """Connections with no request in progress, least recently active first."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._idle: OrderedDict[Closable, None] = OrderedDict()
        self._shed: set[Closable] = set()  # closed by us, not yet gone

    def idle(self, connection: Closable) -> None:
        self._idle[connection] = None
        self._idle.move_to_end(connection)

    def busy(self, connection: Closable) -> None:
        self._idle.pop(connection, None)

    def gone(self, connection: Closable) -> None:
        self._idle.pop(connection, None)
        self._shed.discard(connection)

    def make_room(self, open_count: int) -> bool:
        """Shed idle connections until ``open_count`` fits under the cap; False when none is
        idle (every connection is serving a request) and the newcomer must be refused."""
        open_count -= len(self._shed)
        while open_count > self.cap:
            if not self._idle:
                return False
            oldest, _ = self._idle.popitem(last=False)
            self._shed.add(oldest)
            oldest.close_idle()
            open_count -= 1
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
