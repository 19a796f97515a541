"""The bus between processes (``store/bus.py``) on the machine's Redis: messages reach the other
nodes, in order, never their sender; ``publish`` waits until Redis has the message."""

from __future__ import annotations

import asyncio
import socket

import pytest

from inbound.models import new_id
from inbound.store.bus import LocalBus, RedisBus

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


async def _until(condition: object, seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


@needs_redis
def test_messages_reach_the_other_node_in_order_and_not_their_sender() -> None:
    async def scenario() -> tuple[list[bytes], list[bytes], str, str]:
        topic = "test-" + new_id()
        a, b = RedisBus(REDIS_URL, new_id()), RedisBus(REDIS_URL, new_id())
        heard_a: list[bytes] = []
        heard_b: list[bytes] = []
        a.on(topic, heard_a.append)
        b.on(topic, heard_b.append)
        await a.start()
        await b.start()
        try:
            await _until(lambda: a.status == b.status == "OK")
            assert await a.publish(topic, b"first") is True
            for n in range(200):
                a.publish_soon(topic, b"%d" % n)
            await _until(lambda: len(heard_b) == 201)
            await asyncio.sleep(0.05)
            return heard_a, heard_b, a.status, b.status
        finally:
            await a.stop()
            await b.stop()

    heard_a, heard_b, status_a, status_b = asyncio.run(scenario())
    assert heard_b == [b"first", *(b"%d" % n for n in range(200))]
    assert heard_a == []
    assert status_a == status_b == "OK"


def test_redis_away_publishes_nothing_says_unavailable_and_loses_no_call() -> None:
    async def scenario() -> tuple[bool, str]:
        bus = RedisBus("redis://127.0.0.1:1/0", new_id())  # nothing listens on port 1
        await bus.start()
        try:
            sent = await asyncio.wait_for(bus.publish("t", b"x"), 5)
            return sent, bus.status
        finally:
            await bus.stop()

    assert asyncio.run(scenario()) == (False, "UNAVAILABLE")


def test_one_process_has_no_bus() -> None:
    bus = LocalBus(new_id())
    assert bus.status == ""
    assert asyncio.run(bus.publish("t", b"x")) is True


def test_a_silent_redis_that_comes_back_drops_the_caches_too() -> None:
    """Redis that hangs (SIGSTOP) fails publishes without breaking the subscription: the first
    publish that works again runs the reconnect callbacks (messages may have been missed)."""

    class Flaky:
        def __init__(self) -> None:
            self.fail = True

        def pipeline(self, transaction: bool) -> Flaky:
            return self

        def publish(self, channel: str, data: bytes) -> None:
            return None

        async def execute(self) -> None:
            if self.fail:
                raise ConnectionError("Redis went silent")

    async def scenario() -> list[str]:
        bus = RedisBus("redis://unused", new_id())
        calls: list[str] = []
        bus.on_reconnect.append(lambda: calls.append("reconnected"))
        bus._client = Flaky()  # a client that fails, then works
        bus._subscribed = True  # the subscription never broke
        assert await bus._publish([("t", b"x", None)]) is False
        assert bus.status == "UNAVAILABLE"
        bus._client.fail = False
        assert await bus._publish([("t", b"y", None)]) is True
        assert await bus._publish([("t", b"z", None)]) is True
        return calls

    assert asyncio.run(scenario()) == ["reconnected"]
