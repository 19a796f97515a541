"""The message bus between inbound processes: Redis pub/sub, or nothing for one process.

Topics carry bytes; what they mean belongs to the services that publish them (changes, live
events). Every process subscribes to every topic and hears its own messages too, so each
message carries its sender's node id and a process never handles its own.

Publishing is ordered: messages go out one at a time from one task, in the order they were
handed over (a channel's events stay in order). ``publish`` waits until the message is out (a
change must reach every process before the API call that made it answers); ``publish_soon``
does not (live events). Redis is not the record: when it is away messages are dropped, not
kept, ``status`` says ``UNAVAILABLE``, and when it is back every ``on_reconnect`` callback runs
(the services drop their caches: they may have missed changes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)
PREFIX = "inbound:"
PUBLISH_TIMEOUT_SECONDS = 1.0
MAX_QUEUED = 10_000
MAX_PIPELINE = 256  # messages sent in one round trip
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0)

Handler = Callable[[bytes], None]


class Bus(Protocol):
    node_id: str
    prefix: str  # "inbound:<cluster id>:" once the runtime knows the database
    on_reconnect: list[Callable[[], None]]

    @property
    def status(self) -> str: ...  # "" (no Redis), "OK" or "UNAVAILABLE"

    def on(self, topic: str, handler: Handler) -> None: ...

    async def publish(self, topic: str, data: bytes) -> bool: ...

    def publish_soon(self, topic: str, data: bytes) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class LocalBus:
    """One process: nothing to tell anyone."""

    status = ""
    prefix = PREFIX

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        self.on_reconnect: list[Callable[[], None]] = []

    def on(self, topic: str, handler: Handler) -> None:
        return None

    async def publish(self, topic: str, data: bytes) -> bool:
        return True

    def publish_soon(self, topic: str, data: bytes) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class RedisBus:
    def __init__(self, url: str, node_id: str) -> None:
        self.url = url
        self.node_id = node_id
        self.on_reconnect: list[Callable[[], None]] = []
        # set before start: pub/sub channels are global to a Redis server (database numbers do
        # not separate them), so each deployment's topics carry its database's cluster id
        self.prefix = PREFIX
        self._handlers: dict[str, list[Handler]] = {}
        self._stamp = node_id.encode() + b"\n"
        self._queue: asyncio.Queue[tuple[str, bytes, asyncio.Future[bool] | None]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._client: Any = None
        self._subscribed = False
        self._publish_ok = True
        self._lost = False  # the subscription broke since it last worked: caches may be stale
        self.dropped = 0  # messages not sent (Redis away, or the queue full)

    @property
    def status(self) -> str:
        return "OK" if self._subscribed and self._publish_ok else "UNAVAILABLE"

    def on(self, topic: str, handler: Handler) -> None:
        self._handlers.setdefault(topic, []).append(handler)

    async def start(self) -> None:
        import redis.asyncio as redis

        self._client = redis.Redis.from_url(
            self.url,
            socket_connect_timeout=PUBLISH_TIMEOUT_SECONDS,
            socket_timeout=None,
            health_check_interval=5,
        )
        self._queue = asyncio.Queue(MAX_QUEUED)
        self._tasks = [
            asyncio.create_task(self._listen(), name="bus-listen"),
            asyncio.create_task(self._send(), name="bus-send"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()
            self._client = None

    async def publish(self, topic: str, data: bytes) -> bool:
        """Send ``data`` to every other process; True once Redis took it, False if it is away."""
        if self._queue is None:
            return False
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait((topic, data, done))
        except asyncio.QueueFull:
            self.dropped += 1
            return False
        return await done

    def publish_soon(self, topic: str, data: bytes) -> None:
        if self._queue is None:
            return
        try:
            self._queue.put_nowait((topic, data, None))
        except asyncio.QueueFull:
            self.dropped += 1

    async def _send(self) -> None:
        """Send what is queued, in order: everything waiting goes in one pipeline (one round
        trip for a burst of events rather than one each)."""
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_PIPELINE and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            sent = await self._publish(batch)
            for _topic, _data, done in batch:
                if done is not None and not done.done():
                    done.set_result(sent)

    async def _publish(self, batch: list[tuple[str, bytes, asyncio.Future[bool] | None]]) -> bool:
        try:
            pipeline = self._client.pipeline(transaction=False)
            for topic, data, _done in batch:
                pipeline.publish(self.prefix + topic, self._stamp + data)
            await asyncio.wait_for(pipeline.execute(), PUBLISH_TIMEOUT_SECONDS)
        except Exception as error:  # Redis away: best effort, PostgreSQL is the record
            if self._publish_ok:
                log.warning("Redis publish failed (%s): events are local until it is back", error)
            self._publish_ok = False
            self._lost = True
            self.dropped += len(batch)
            return False
        self._publish_ok = True
        if self._lost and self._subscribed:  # Redis went silent and came back without the
            self._lost = False  # subscription breaking: messages may still have been missed
            self._reconnected()
        return True

    async def _listen(self) -> None:
        attempt = 0
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                topics = {"nodes", *self._handlers}  # never none: subscribe() needs one
                await pubsub.subscribe(*(self.prefix + topic for topic in sorted(topics)))
                self._subscribed = True
                attempt = 0
                if self._lost:
                    self._lost = False
                    self._publish_ok = True
                    self._reconnected()
                async for message in pubsub.listen():
                    self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self._subscribed:
                    log.warning("Redis subscription lost (%s): retrying", error)
                self._subscribed = False
                self._lost = True
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            attempt += 1

    def _reconnected(self) -> None:
        for callback in self.on_reconnect:
            try:
                callback()
            except Exception:
                log.exception("a reconnect callback failed")

    def _dispatch(self, message: dict[str, Any]) -> None:
        channel = message.get("channel", b"")
        topic = (channel.decode() if isinstance(channel, bytes) else str(channel))[
            len(self.prefix) :
        ]
        raw = message.get("data", b"")
        sender, _, data = bytes(raw).partition(b"\n")
        if sender == self._stamp[:-1]:
            return  # our own message, already handled here
        for handler in self._handlers.get(topic, ()):
            try:
                handler(data)
            except Exception:
                log.exception("a bus handler failed for %s", topic)


def bus_for(redis_url: str, node_id: str) -> Bus:
    return RedisBus(redis_url, node_id) if redis_url else LocalBus(node_id)
