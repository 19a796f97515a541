"""Live events between two processes' hubs over Redis (``services/event_relay.py``): what happens
on one is delivered on the other, in order, once, and never sent back; one process encodes
nothing."""

from __future__ import annotations

import asyncio

from inbound.models import Post, new_id
from inbound.services.event_relay import relay_events
from inbound.services.events import DomainEvent, EventHub, PostEdited
from inbound.store.bus import LocalBus, RedisBus
from tests.test_bus import REDIS_URL, needs_redis


async def _until(condition: object, seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_one_process_has_no_outbox() -> None:
    hub = EventHub()
    relay_events(hub, LocalBus(new_id()))
    assert hub.outbox is None and not hub.heard


@needs_redis
def test_events_reach_the_other_hub_in_order_once() -> None:
    channel_id = new_id()  # other tests may share this Redis: only ours count

    async def scenario() -> tuple[list[DomainEvent], list[DomainEvent]]:
        hub_a, hub_b = EventHub(), EventHub()
        bus_a, bus_b = RedisBus(REDIS_URL, new_id()), RedisBus(REDIS_URL, new_id())
        relay_events(hub_a, bus_a)
        relay_events(hub_b, bus_b)
        heard_a: list[DomainEvent] = []
        heard_b: list[DomainEvent] = []
        hub_a.subscribe(heard_a.append)
        hub_b.subscribe(heard_b.append)
        await bus_a.start()
        await bus_b.start()
        try:
            await _until(lambda: bus_a.status == bus_b.status == "OK")
            for n in range(100):
                hub_a.publish(PostEdited(Post(new_id(), channel_id, new_id(), str(n))))
            await _until(lambda: len(ours(heard_b)) == 100)
            await asyncio.sleep(0.1)  # anything sent back would be heard by now
            return ours(heard_a), ours(heard_b)
        finally:
            await bus_a.stop()
            await bus_b.stop()

    def ours(events: list[DomainEvent]) -> list[DomainEvent]:
        return [e for e in events if isinstance(e, PostEdited) and e.post.channel_id == channel_id]

    heard_a, heard_b = asyncio.run(scenario())
    assert [e.post.message for e in heard_a] == [str(n) for n in range(100)]
    assert [e.post.message for e in heard_b] == [str(n) for n in range(100)]
