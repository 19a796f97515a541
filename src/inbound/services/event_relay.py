"""Live events across processes: each process sends the events that happen in it to the others
over the bus (Redis), and delivers theirs to its own listeners (the websocket sessions), which
filter them per connection exactly as local ones. An event heard from the bus is not sent on.

The bus keeps one sender's messages in order, so a channel's events stay in order. Events are
best effort, as on one process: a message that cannot be sent or read is dropped (logged).
Without Redis nothing is encoded: the hub has no outbox.
"""

from __future__ import annotations

import logging

from inbound.services.event_codec import decode_event, encode_event
from inbound.services.events import DomainEvent, EventHub
from inbound.store.bus import Bus

log = logging.getLogger(__name__)
TOPIC = "events"


def relay_events(hub: EventHub, bus: Bus) -> None:
    """Connect ``hub`` to the other processes; nothing to do for one process (no Redis)."""
    if not bus.status:
        return

    def send(event: DomainEvent) -> None:
        try:
            data = encode_event(event)
        except (TypeError, ValueError):  # not JSON (a bug): the other processes miss it
            log.exception("a %s event could not be encoded", type(event).__name__)
            return
        bus.publish_soon(TOPIC, data)

    def heard(data: bytes) -> None:
        try:
            event = decode_event(data)
        except ValueError:
            log.warning("dropped an event from another process that could not be read")
            return
        hub.deliver(event)

    hub.outbox = send
    bus.on(TOPIC, heard)
