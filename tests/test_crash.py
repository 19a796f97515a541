"""Nothing acknowledged is lost (reliability.md 1): a real ``inbound serve`` under webhook load
is killed (SIGKILL) or stopped (SIGTERM); every message answered ``200`` is stored exactly once,
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import run_async
from tests.serve_process import ServeProcess, prepare, stored_messages

pytestmark = pytest.mark.slow
PREFIX = "crash-"
SENDERS = 4


async def send_load(
    port: int, key: str, *, seconds: float, at: float, act: Callable[[], None]
) -> list[str]:
    """``SENDERS`` senders post unique texts for ``seconds`` (or until the server is gone);
    ``act`` runs ``at`` seconds in. Returns the texts answered ``200``."""
    acked: list[str] = []
    stop = time.monotonic() + seconds

    async def sender(number: int) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for i in range(1_000_000):
                if time.monotonic() > stop:
                    return
                text = f"{PREFIX}{number}-{i}"
                try:
                    answer = await client.post(f"/hooks/{key}", json={"text": text})
                except httpx.TransportError:
                    return  # the server is gone: nothing more can be acknowledged
                if answer.status_code == 200:
                    acked.append(text)

    async def trigger() -> None:
        await asyncio.sleep(at)
        act()

    await asyncio.gather(trigger(), *(sender(n) for n in range(SENDERS)))
    return acked


def assert_stored_once(url: str, acked: list[str]) -> None:
    stored = Counter(stored_messages(url, PREFIX))
    assert len(acked) > 20, "the load did not get going"
    assert not [text for text, count in stored.items() if count > 1], "stored twice"
    missing = [text for text in acked if text not in stored]
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged messages lost"


def test_sigkill_under_load_loses_nothing_acknowledged(database_url: str, tmp_path: Path) -> None:
    key = prepare(database_url, {})
    log = tmp_path / "serve.log"
    serving = ServeProcess(database_url, log)
    acked = run_async(
        lambda: send_load(serving.port, key, seconds=3, at=2, act=serving.process.kill)
    )
    assert serving.process.wait(timeout=10) == -signal.SIGKILL
    restarted = ServeProcess(database_url, log)  # comes back after the crash …
    try:
        assert_stored_once(database_url, acked)  # … with every acknowledged message
    finally:
        assert restarted.stop() == 0


def test_sigterm_under_load_finishes_and_exits_0(database_url: str, tmp_path: Path) -> None:
    key = prepare(database_url, {"ServiceSettings.GracefulShutdownSeconds": 5})
    serving = ServeProcess(database_url, tmp_path / "serve.log")

    def terminate() -> None:
        serving.process.send_signal(signal.SIGTERM)

    started = time.monotonic()
    acked = run_async(lambda: send_load(serving.port, key, seconds=3, at=1.5, act=terminate))
    assert serving.process.wait(timeout=15) == 0
    assert time.monotonic() - started < 1.5 + 5 + 2
    assert_stored_once(database_url, acked)
