"""Request deadlines: a watchdog cancels overdue work and the caller sees TimeoutError; other
cancellations stay cancellations; finished work leaves nothing behind."""

from __future__ import annotations

import asyncio
import time

import pytest

from inbound.web import deadlines
from inbound.web.deadlines import Deadlines


def test_overdue_work_becomes_a_timeout_within_a_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadlines, "TICK_SECONDS", 0.05)

    async def go() -> float:
        watch = Deadlines()
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await watch.run(asyncio.sleep(10), seconds=0.1)
        assert not watch._due and not watch._expired
        await watch.close()
        return time.monotonic() - started

    took = asyncio.run(go())
    assert 0.1 <= took < 1.0, took


def test_work_in_time_returns_its_value_and_a_foreign_cancel_stays_a_cancel() -> None:
    async def go() -> None:
        watch = Deadlines()

        async def quick() -> int:
            await asyncio.sleep(0)
            return 7

        assert await watch.run(quick(), seconds=5) == 7
        task = asyncio.create_task(watch.run(asyncio.sleep(10), seconds=5))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not watch._due
        await watch.close()

    asyncio.run(go())
