"""Request deadlines at the cost of a dict entry: one watchdog task instead of a timer each.

``asyncio.timeout`` schedules and cancels a timer handle for every request (~13 µs on the
hook path, a tenth of its CPU). Deadlines here are coarse instead: a watchdog wakes every
``TICK_SECONDS`` and cancels the requests past theirs, so a deadline of 10 s fires within
10–10.5 s. ``Deadlines.run`` turns that cancellation into ``TimeoutError`` for the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")
TICK_SECONDS = 0.5


class Deadlines:
    def __init__(self) -> None:
        self._due: dict[asyncio.Task[object], float] = {}
        self._expired: set[asyncio.Task[object]] = set()
        self._watchdog: asyncio.Task[None] | None = None

    async def run(self, work: Awaitable[T], *, seconds: float) -> T:
        """Await ``work`` in the current task; ``TimeoutError`` once ``seconds`` have passed."""
        task = asyncio.current_task()
        if task is None:  # not in a task: nothing to cancel, no deadline
            return await work
        self._ensure_watchdog()
        self._due[task] = time.monotonic() + seconds
        try:
            return await work
        except asyncio.CancelledError:
            if task not in self._expired:
                raise  # cancelled by someone else (the client left, shutdown)
            task.uncancel()
            raise TimeoutError(f"the request did not finish within {seconds:g} s") from None
        finally:
            self._due.pop(task, None)
            self._expired.discard(task)

    def _ensure_watchdog(self) -> None:
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.get_running_loop().create_task(
                self._watch(), name="request-deadlines"
            )

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now = time.monotonic()
            for task, due in list(self._due.items()):
                if due <= now and task not in self._expired:
                    self._expired.add(task)
                    task.cancel()

    async def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
