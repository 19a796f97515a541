"""Websocket sessions that outlive their socket, so a client that drops can resume the stream.

Mattermost's reliable websocket: each connection has an id (sent in ``hello``) and numbers its
events from 0. A session keeps the last ``RING_SIZE`` events it numbered, and when its socket
drops it stays subscribed for ``GRACE_SECONDS``, queueing what happens meanwhile. A client that
comes back with ``?connection_id=<id>&sequence_number=<next seq it expects>`` (the same user,
authenticated again) gets the events it missed and the stream goes on with no ``hello``.

Memory is bounded: the queue of a session holds at most ``QUEUE_LIMIT`` events (one that fills
is dropped: resuming it would lose events), the ring ``RING_SIZE``, and at most ``MAX_DEAD``
sessions without a socket are held (``MAX_DEAD_PER_USER`` for one user), oldest dropped first.
Events are shared objects (``web/live.py`` encodes each once); a session holds references.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Protocol

from inbound.models import new_id
from inbound.services.events import DomainEvent, EventHub
from inbound.web.live import LiveMessage, Translation

RING_SIZE = 128
"""Events kept for a resume, as Mattermost's dead queue (``deadQueueSize``)."""
GRACE_SECONDS = 300.0
"""How long a session without a socket is held (Mattermost reaps inactive ones after 5 min)."""
QUEUE_LIMIT = 1000
"""Events waiting for a socket; a session this far behind is dropped rather than buffered."""
MAX_DEAD = 2000
MAX_DEAD_PER_USER = 32
TRANSLATION = Translation()  # shared by every session: each event is encoded once


def _nothing() -> None:
    pass


class Owner(Protocol):
    """The socket a session is attached to."""

    def overflowed(self) -> None:
        """The session fell too far behind and is gone: close the socket (1013)."""
        ...

    def evict(self) -> None:
        """The same client came back on another socket: stop pumping this one."""
        ...

    @property
    def session_id(self) -> str:
        """The login session the socket authenticated with ("" for a personal access token)."""
        ...

    def revoke(self) -> None:
        """The user's session ended (logout, deactivation): close the socket."""
        ...


class WsSession:
    def __init__(self, user_id: str) -> None:
        self.id = new_id()
        self.user_id = user_id
        self.queue: asyncio.Queue[LiveMessage] = asyncio.Queue(QUEUE_LIMIT)
        self.held: LiveMessage | None = None  # taken from the queue, not yet numbered
        self.sent: deque[tuple[int, LiveMessage]] = deque(maxlen=RING_SIZE)
        self.next_seq = 0
        self.owner: Owner | None = None
        self.detached = asyncio.Event()
        self.dead_since = 0.0
        self.gone = False
        self.unsubscribe: Callable[[], None] = lambda: None

    def number(self, message: LiveMessage) -> str:
        """The message with this session's next seq, kept for a resume before it is sent."""
        seq = self.next_seq
        self.next_seq += 1
        self.sent.append((seq, message))
        return message.encode(seq)

    def missed(self, seq: int) -> list[str] | None:
        """The encoded events a client that expects ``seq`` next has not had, or None when
        some of them are no longer kept (or ``seq`` was never sent)."""
        if seq == self.next_seq:
            return []
        if not self.sent or not self.sent[0][0] <= seq < self.next_seq:
            return None
        return [message.encode(number) for number, message in self.sent if number >= seq]


class WsSessions:
    """This process's websocket sessions: attached to a socket (``live``) or waiting for their
    client to come back (``dead``, oldest first)."""

    def __init__(self, hub: EventHub) -> None:
        self.hub = hub
        self.live: dict[str, WsSession] = {}
        self.dead: OrderedDict[str, WsSession] = OrderedDict()

    def open(self, user_id: str, owner: Owner) -> WsSession:
        self._reap()
        session = WsSession(user_id)
        session.unsubscribe = self.hub.subscribe(lambda event: self._listen(session, event))
        session.owner = owner
        self.live[session.id] = session
        return session

    def find(self, user_id: str, connection_id: str) -> WsSession | None:
        """This user's session with this id; None for another user's, an expired or unknown one."""
        self._reap()
        session = self.live.get(connection_id) or self.dead.get(connection_id)
        if session is None or session.user_id != user_id:
            return None
        return session

    async def take(self, session: WsSession, owner: Owner, *, wait: float) -> bool:
        """Attach ``session`` to ``owner``, first evicting the socket that still holds it (a
        client often reconnects before the server notices its old socket is dead)."""
        if session.owner is not None:
            session.owner.evict()
            try:
                await asyncio.wait_for(session.detached.wait(), wait)
            except TimeoutError:
                return False
        if session.gone or session.owner is not None:
            return False
        self.dead.pop(session.id, None)
        self.live[session.id] = session
        session.owner = owner
        session.detached.clear()
        return True

    def detach(self, session: WsSession, owner: Owner) -> None:
        """The socket went away: hold the session for its client's return (synchronous: it runs
        in the socket task's ``finally``, also when that task is cancelled)."""
        if session.owner is not owner:
            return
        session.owner = None
        session.detached.set()
        self.live.pop(session.id, None)
        if session.gone:
            return
        session.dead_since = time.monotonic()
        self.dead[session.id] = session
        self._cap(session.user_id)
        asyncio.get_running_loop().call_later(GRACE_SECONDS + 0.5, self._reap)

    def drop(self, session: WsSession) -> None:
        session.gone = True
        session.unsubscribe()
        session.unsubscribe = _nothing  # no cycle through the listener: the process runs
        # with a high GC threshold (runtime.py), so garbage in cycles would linger
        self.live.pop(session.id, None)
        self.dead.pop(session.id, None)

    def revoke(self, user_id: str, session_id: str = "") -> None:
        """End the user's sockets and held sessions: those of login ``session_id``, or all."""
        for session in [*self.live.values(), *self.dead.values()]:
            owner = session.owner
            if session.user_id != user_id:
                continue
            if session_id and (owner is None or owner.session_id != session_id):
                continue
            self.drop(session)
            if owner is not None:
                owner.revoke()

    def _listen(self, session: WsSession, event: DomainEvent) -> None:
        if session.owner is None and time.monotonic() - session.dead_since > GRACE_SECONDS:
            self.drop(session)
            return
        for message in TRANSLATION.messages(event):
            if message.user_id and message.user_id != session.user_id:
                continue
            try:
                session.queue.put_nowait(message)
            except asyncio.QueueFull:
                self.drop(session)
                if session.owner is not None:
                    session.owner.overflowed()
                return

    def _reap(self) -> None:
        """Drop the sessions whose grace period is over (the oldest are first). Run on a timer
        after each detach, and before each lookup (a test may shorten the grace period)."""
        deadline = time.monotonic() - GRACE_SECONDS
        while self.dead:
            oldest = next(iter(self.dead.values()))
            if oldest.dead_since >= deadline:
                return
            self.drop(oldest)

    def _cap(self, user_id: str) -> None:
        mine = [s for s in self.dead.values() if s.user_id == user_id]
        for session in mine[: max(0, len(mine) - MAX_DEAD_PER_USER)]:
            self.drop(session)
        while len(self.dead) > MAX_DEAD:
            self.drop(next(iter(self.dead.values())))
