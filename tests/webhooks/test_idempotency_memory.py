"""senders.md §1: a flood of distinct ``Idempotency-Key`` values cannot grow a process's
memory without bound. The memory is ``InFlight``'s table of recently stored keys, capped at
``MAX_REMEMBERED`` entries (oldest dropped first); this drives it directly, past three times the cap,
with 255-character keys (the largest a sender may use).

Measured on a real ``inbound serve`` (SQLite) before this became an in-process test:
~101 MiB RSS at start, ~124 after 10,000 keys (~9 MiB of it the remembered keys, the rest
SQLite's page cache), ~130 after 20,000 and 30,000; on PostgreSQL 104 → 113 → 114 → 115."""

from __future__ import annotations

import asyncio
import sys

from inbound.services.idempotency import MAX_REMEMBERED, InFlight, Receipt
from inbound.store.write_plan import Claim


def test_a_flood_of_distinct_keys_keeps_only_the_newest_remembered() -> None:
    flight = InFlight()
    calls: list[str] = []

    async def work(claim: Claim) -> Receipt:
        calls.append(claim.key)
        return Receipt("channel", [f"post-{claim.key[:8]}"])

    def key(n: int) -> str:
        return f"{n:08d}".ljust(255, "k")

    async def flood() -> tuple[list[int], Receipt, Receipt]:
        sizes = []
        for n in range(3 * MAX_REMEMBERED + 500):
            await flight.once(Claim("hook", key(n), "hash"), work)
            if n % 5_000 == 4_999:
                sizes.append(sys.getsizeof(flight._recent))
        newest = await flight.once(Claim("hook", key(3 * MAX_REMEMBERED + 499), "hash"), work)
        oldest = await flight.once(Claim("hook", key(0), "hash"), work)
        return sizes, newest, oldest

    sizes, newest, oldest = asyncio.run(flood())
    assert len(flight._recent) == MAX_REMEMBERED and not flight._running
    # Once full the table stops growing: dropping the oldest leaves room that a later resize
    # reclaims, so its size settles at most one doubling above the size at the cap.
    at_cap = sizes[1]
    assert max(sizes) <= 2 * at_cap and sizes[-1] == sizes[-2], sizes
    assert newest.replayed and newest.post_ids == ["post-00030499"]  # remembered: no work
    assert not oldest.replayed  # forgotten here: the database decides (work runs again)
    assert len(calls) == 3 * MAX_REMEMBERED + 501
