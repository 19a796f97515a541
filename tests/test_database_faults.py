"""The database goes away under webhook load (reliability.md 1 and 2b): a private PostgreSQL
instance is crashed, or frozen with SIGSTOP, while senders post. Every answer is 200 or
``503 web.incoming_webhook.unavailable.app_error`` with ``Retry-After`` (never a 500, never a
wait past the deadline), the server recovers by itself when the database is back, and every
200-answered message is stored exactly once."""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from inbound.services import config as config_service
from inbound.settings import Settings
from tests.conftest import ADMIN_PASSWORD, LiveServer
from tests.private_pg import PrivatePostgres, available
from tests.serve_process import stored_messages

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(available()), reason=available() or "ok"),
]
SENDERS = 6
QUERY_TIMEOUT = 2


@pytest.fixture
def pg() -> Iterator[PrivatePostgres]:
    # Not under pytest's tmp dir: the postgres user must be able to reach the cluster.
    instance = PrivatePostgres(Path(tempfile.mkdtemp(prefix="inbound-pg-")))
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture
def settings(pg: PrivatePostgres) -> Settings:
    return Settings(database_url=pg.url, admin_password=ADMIN_PASSWORD)


@dataclass
class Load:
    """Senders posting unique messages until told to stop; every answer is kept."""

    url: str
    stop: threading.Event = field(default_factory=threading.Event)
    answers: list[tuple[str, int, str, float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, sender: int) -> None:
        with httpx.Client(timeout=30) as client:
            n = 0
            while not self.stop.is_set():
                text = f"fault-{sender}-{n}"
                n += 1
                started = time.monotonic()
                response = client.post(self.url, json={"text": text})
                took = time.monotonic() - started
                error_id = "" if response.status_code == 200 else response.json().get("id", "")
                with self.lock:
                    self.answers.append(
                        (
                            text,
                            response.status_code,
                            error_id,
                            took,
                            response.headers.get("retry-after", ""),
                        )
                    )
                time.sleep(0.01)

    def statuses(self) -> Counter[tuple[int, str]]:
        with self.lock:
            return Counter((status, error_id) for _, status, error_id, _, _ in self.answers)

    def since(self, mark: int) -> list[tuple[str, int, str, float, str]]:
        with self.lock:
            return self.answers[mark:]


def _hook_url(live: LiveServer) -> str:
    from inbound.cli.common import channel_named, user_named
    from inbound.services import hook_fields, hooks
    from tests.serve_process import prepare  # noqa: F401  (same bootstrap as the crash suite)

    async def go() -> str:
        await config_service.set_value(live.ctx, "SqlSettings.QueryTimeout", QUERY_TIMEOUT)
        channel = await channel_named(live.ctx, "main:town-square")
        admin = await user_named(live.ctx, "admin")
        fields = hook_fields.HookFields(channel_id=channel.id, display_name="faults")
        return (await hooks.create_hook(live.ctx, None, fields, user_id=admin.id)).id

    key = asyncio.run_coroutine_threadsafe(go(), live.loop).result(timeout=15)
    return f"{live.url}/hooks/{key}"


def _wait_for(load: Load, status: int, *, within: float) -> None:
    mark = len(load.since(0))
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if any(a[1] == status for a in load.since(mark)):
            return
        time.sleep(0.05)
    raise AssertionError(f"no {status} within {within} s: {load.statuses()}")


def _run(live: LiveServer, pg: PrivatePostgres, outage: str) -> Load:
    load = Load(_hook_url(live))
    threads = [threading.Thread(target=load.run, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    try:
        _wait_for(load, 200, within=10)
        if outage == "crash":
            pg.crash()
        else:
            pg.freeze()
        _wait_for(load, 503, within=QUERY_TIMEOUT + 10)
        time.sleep(2)
        if outage == "crash":
            pg.start()
        else:
            pg.thaw()
        _wait_for(load, 200, within=15)  # back by itself, no restart
        time.sleep(0.5)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return load


def _check(load: Load, url: str) -> None:
    statuses = load.statuses()
    allowed = {(200, ""), (503, "web.incoming_webhook.unavailable.app_error")}
    assert set(statuses) <= allowed, statuses
    assert statuses[(503, "web.incoming_webhook.unavailable.app_error")] > 0
    for _, status, _, took, retry_after in load.since(0):
        assert took < 11.0, f"an answer took {took:.1f} s"  # never a hang past 10 s
        if status == 503:
            assert int(retry_after) >= 1
    acked = [text for text, status, *_ in load.since(0) if status == 200]
    stored = Counter(stored_messages(url, "fault-"))
    assert not [t for t in acked if stored[t] != 1], "acknowledged messages lost or duplicated"
    assert max(stored.values()) == 1, "a message was stored twice"


@pytest.mark.parametrize("outage", ["crash", "freeze"])
def test_database_outage_answers_503_then_recovers_and_loses_nothing(
    live_server: LiveServer, pg: PrivatePostgres, outage: str
) -> None:
    load = _run(live_server, pg, outage)
    _check(load, pg.url)
