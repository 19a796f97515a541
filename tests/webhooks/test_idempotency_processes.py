"""senders.md §1 and §3 against real ``inbound serve`` processes, as a demanding sender and as
an attacker would test them: SIGKILL under keyed retries, two processes on one database, a
restart between a message and its repeat, split messages, and the
edges (case, regenerate, 429, 503), on SQLite and PostgreSQL.

Tests marked ``xfail`` are bugs found here: each says how to reproduce it by hand."""

from __future__ import annotations

import asyncio
import secrets
import signal
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from inbound.store.db import Database, plain_dsn, sqlite_path
from tests.conftest import ADMIN_PASSWORD, run_async
from tests.serve_process import ServeProcess, prepare
from tests.test_bus import REDIS_URL
from tests.test_bus import _redis_up as redis_up

pytestmark = pytest.mark.slow
JSON = {"Content-Type": "application/json"}
REPLAYED = "idempotent-replayed"
MISMATCH = "web.incoming_webhook.idempotency.mismatch.app_error"
ONE_DATABASE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def stored_posts(url: str, prefix: str) -> list[tuple[str, str]]:
    """(message, id) of every post whose message starts with ``prefix``, oldest first."""

    async def go() -> list[tuple[str, str]]:
        db = Database(url)
        try:
            async with db.engine.connect() as conn:
                rows = await conn.execute(
                    text("SELECT message, id FROM posts WHERE message LIKE :p ORDER BY create_at"),
                    {"p": prefix + "%"},
                )
                return [(row[0], row[1]) for row in rows]
        finally:
            await db.dispose()

    return run_async(go)


def ids_by_message(url: str, prefix: str) -> dict[str, str]:
    posts = stored_posts(url, prefix)
    doubled = [m for m, n in Counter(m for m, _ in posts).items() if n > 1]
    assert not doubled, f"stored twice: {doubled[:5]}"
    return dict(posts)


def post(server: ServeProcess, key: str, body: Any, idem: str, query: str = "?wait=true") -> Any:
    headers = {**JSON, "Idempotency-Key": idem}
    url = f"http://127.0.0.1:{server.port}/hooks/{key}{query}"
    return httpx.post(url, json=body, headers=headers, timeout=15)


def admin_token(server: ServeProcess) -> dict[str, str]:
    login = httpx.post(
        f"http://127.0.0.1:{server.port}/api/v4/users/login",
        json={"login_id": "admin", "password": ADMIN_PASSWORD},
    )
    return {"Authorization": f"Bearer {login.headers['Token']}"}


# 1. SIGKILL under keyed load, every message retried (same key, same body) until it is 200


class Restartable:
    """One ``inbound serve`` at a time on the same database; senders follow ``port``."""

    def __init__(self, url: str, log: Path) -> None:
        self.url, self.log = url, log
        self.serving = ServeProcess(url, log)
        self.restarts = 0

    @property
    def port(self) -> int:
        return self.serving.port

    async def crash_and_restart(self) -> None:
        self.serving.process.kill()
        assert self.serving.process.wait(timeout=10) == -signal.SIGKILL
        self.serving = await asyncio.to_thread(ServeProcess, self.url, self.log)
        self.restarts += 1


async def send_until_200(
    server: Restartable, key: str, tokens: list[str], *, senders: int, kill_at: int
) -> tuple[dict[str, list[list[str]]], Counter[str]]:
    """Each token is a message and its own key, retried until answered 200; the server is
    SIGKILLed and restarted once ``kill_at`` messages are acknowledged. Returns every 200's
    post_ids per token, and counts of ``replayed`` 200s and ``lost`` attempts (no answer)."""
    answers: dict[str, list[list[str]]] = defaultdict(list)
    queue, counts = list(tokens), Counter[str]()
    crash: list[asyncio.Task[None]] = []

    async def once(client: httpx.AsyncClient, token: str) -> bool:
        url = f"http://127.0.0.1:{server.port}/hooks/{key}?wait=true"
        headers = {**JSON, "Idempotency-Key": token}
        try:
            answer = await client.post(url, json={"text": token}, headers=headers)
        except httpx.TransportError:
            counts["lost"] += 1  # killed, or not back yet: retry
            return False
        assert answer.status_code in (200, 503), answer.text  # 503: "retry after"
        if answer.status_code == 503:
            return False
        answers[token].append(answer.json()["post_ids"])
        counts["replayed"] += answer.headers.get(REPLAYED) == "true"
        if len(answers) == kill_at and not crash:
            crash.append(asyncio.create_task(server.crash_and_restart()))
        return True

    async def until_200(client: httpx.AsyncClient, token: str) -> None:
        for _ in range(400):  # 20 s
            if await once(client, token):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{token} was never answered 200")

    async def sender() -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            while queue:
                await until_200(client, queue.pop())

    await asyncio.gather(*(sender() for _ in range(senders)))
    await asyncio.gather(*crash)
    return answers, counts


def test_sigkill_under_keyed_retries_stores_each_message_once(
    database_url: str, tmp_path: Path
) -> None:
    key = prepare(database_url, {})
    server = Restartable(database_url, tmp_path / "serve.log")
    tokens = [f"kill-{i:04d}" for i in range(300)]
    try:
        answers, during = run_async(
            lambda: send_until_200(server, key, tokens, senders=8, kill_at=120)
        )
        print("during the crash:", dict(during))
        assert server.restarts == 1 and during["lost"] >= 1, during  # some were cut off
        # Afterwards every sender's repeat (what a client that lost the answer sends)
        # replays, from the database now: the restart emptied the process's memory.
        again, after = run_async(lambda: send_until_200(server, key, tokens, senders=8, kill_at=-1))
    finally:
        server.serving.stop()
    stored = ids_by_message(database_url, "kill-")
    assert sorted(stored) == tokens  # every message once, none lost
    assert after == {"replayed": len(tokens)}
    for token in tokens:
        named = {tuple(ids) for ids in answers[token] + again[token]}
        assert named == {(stored[token],)}, token


# 2. Two processes on one database, the same key sent to both at once


def test_two_processes_racing_on_one_key_store_it_once(database_url: str, tmp_path: Path) -> None:
    """Several processes on one PostgreSQL database need Redis (cluster.md: without it the
    second is refused); two on one SQLite file still start, so the race runs on either."""
    key = prepare(database_url, {})
    log = tmp_path / "serve.log"
    env = {} if database_url.startswith("sqlite") else {"INBOUND_REDIS_URL": REDIS_URL}
    if env and not redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    first = ServeProcess(database_url, log, env=env)
    second = ServeProcess(database_url, log, env=env)

    async def race() -> list[list[httpx.Response]]:
        async with httpx.AsyncClient(timeout=15) as client:

            async def one(server: ServeProcess, token: str) -> httpx.Response:
                url = f"http://127.0.0.1:{server.port}/hooks/{key}?wait=true"
                headers = {**JSON, "Idempotency-Key": token}
                return await client.post(url, json={"text": token}, headers=headers)

            rounds = []
            for i in range(40):
                token = f"two-{i:03d}"
                servers = (first, second, first, second)
                rounds.append(list(await asyncio.gather(*(one(s, token) for s in servers))))
            return rounds

    try:
        rounds = run_async(race)
    finally:
        first.stop()
        second.stop()
    stored = ids_by_message(database_url, "two-")
    assert len(stored) == 40
    for answers in rounds:
        token = f"two-{rounds.index(answers):03d}"
        assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
        assert {tuple(a.json()["post_ids"]) for a in answers} == {(stored[token],)}
        # one answer wrote, three replayed (in memory on its process, or the claim elsewhere)
        assert sum(REPLAYED not in a.headers for a in answers) == 1, token


# 3 and 4. A restart between a message and its repeat; a split message's pieces


def test_a_repeat_after_a_restart_replays_every_piece_in_order(
    database_url: str, tmp_path: Path
) -> None:
    key = prepare(database_url, {"ServiceSettings.PostMessageMaxRunes": 100})
    log = tmp_path / "serve.log"
    long = " ".join(f"split{i:03d}" for i in range(60))  # ~540 characters → 6 pieces
    server = ServeProcess(database_url, log)
    try:
        short_first = post(server, key, {"text": "short"}, "k-short")
        long_first = post(server, key, {"text": long}, "k-long")
        long_memory = post(server, key, {"text": long}, "k-long")
    finally:
        server.stop()
    pieces = [pid for message, pid in stored_posts(database_url, "") if "split" in message]
    assert len(pieces) >= 5
    assert long_first.json()["post_ids"] == pieces  # every piece, in order
    assert long_memory.json() == long_first.json() and long_memory.headers[REPLAYED] == "true"
    before = stored_posts(database_url, "")
    server = ServeProcess(database_url, log)  # nothing remembered: the database decides
    try:
        for idem, body, first in (("k-short", "short", short_first), ("k-long", long, long_first)):
            again = post(server, key, {"text": body}, idem)
            assert (again.status_code, again.headers.get(REPLAYED)) == (200, "true"), again.text
            assert again.json() == first.json()
            plain = post(server, key, {"text": body}, idem, query="")
            assert (plain.status_code, plain.text, plain.headers[REPLAYED]) == (200, "ok", "true")
            other = post(server, key, {"text": body + "!"}, idem)
            assert (other.status_code, other.json()["id"]) == (422, MISMATCH)
    finally:
        server.stop()
    assert stored_posts(database_url, "") == before  # nothing new stored


# 5. A flood of distinct keys: see test_idempotency_memory.py (the cap is in-process)


# 6. The edges


def test_keys_are_case_sensitive_and_survive_a_regenerate_and_a_restart(
    database_url: str, tmp_path: Path
) -> None:
    key = prepare(database_url, {})
    log = tmp_path / "serve.log"
    server = ServeProcess(database_url, log)
    try:
        upper = post(server, key, {"text": "case-upper"}, "Deploy-42")
        lower = post(server, key, {"text": "case-lower"}, "deploy-42")
        assert REPLAYED not in upper.headers and REPLAYED not in lower.headers
        first = post(server, key, {"text": "regen"}, "regen-1")
        answer = httpx.post(
            f"http://127.0.0.1:{server.port}/api/v4/hooks/incoming/{key}/regenerate",
            headers=admin_token(server),
        )
        fresh = answer.json()["id"]
    finally:
        server.stop()
    server = ServeProcess(database_url, log)
    try:
        for url_key in (key, fresh):  # the old key's grace period, and the new key
            again = post(server, url_key, {"text": "regen"}, "regen-1")
            assert again.headers.get(REPLAYED) == "true" and again.json() == first.json()
        assert post(server, fresh, {"text": "other"}, "regen-1").status_code == 422
        assert post(server, fresh, {"text": "case-lower"}, "deploy-42").json() == lower.json()
    finally:
        server.stop()
    assert sorted(m for m, _ in stored_posts(database_url, "")) == [
        "case-lower",
        "case-upper",
        "regen",
    ]


def test_a_rate_limited_first_attempt_does_not_take_the_key(
    database_url: str, tmp_path: Path
) -> None:
    limits: dict[str, object] = {
        "RateLimitSettings.Enable": True,
        "RateLimitSettings.IncomingWebhookPerSec": 1,
        "RateLimitSettings.IncomingWebhookMaxBurst": 1,
    }
    key = prepare(database_url, limits)
    server = ServeProcess(database_url, tmp_path / "serve.log")
    try:
        for filler in range(10):  # until the hook's bucket is empty
            if post(server, key, {"text": f"rl-filler-{filler}"}, f"f{filler}").status_code == 429:
                break
        limited = post(server, key, {"text": "rl-1"}, "rl-1")
        assert limited.status_code == 429 and "post_ids" not in limited.text
        time.sleep(int(limited.headers["retry-after"]) + 0.2)
        retried = post(server, key, {"text": "rl-1"}, "rl-1")
        assert retried.status_code == 200 and REPLAYED not in retried.headers
        time.sleep(1.2)
        repeat = post(server, key, {"text": "rl-1"}, "rl-1")
        assert repeat.headers.get(REPLAYED) == "true" and repeat.json() == retried.json()
    finally:
        server.stop()
    assert [m for m, _ in stored_posts(database_url, "rl-1")] == ["rl-1"]


@asynccontextmanager
async def writes_blocked(url: str) -> AsyncIterator[None]:
    """Another connection holds the posts' write lock until the block ends."""
    path = sqlite_path(url)
    if path is not None:
        lite = sqlite3.connect(path, isolation_level=None)
        lite.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            lite.execute("ROLLBACK")
            lite.close()
        return
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE posts IN EXCLUSIVE MODE")
            yield
    finally:
        await conn.close()


def test_a_503_that_may_have_stored_then_a_retry_replays_what_was_stored(
    database_url: str, tmp_path: Path
) -> None:
    """``?wait=true`` on a 503 answers the error object; the write it gave up waiting for
    may land later, and the retry under the same key answers that post, stored once."""
    key = prepare(database_url, {"SqlSettings.QueryTimeout": 1})
    server = ServeProcess(database_url, tmp_path / "serve.log")
    base = f"http://127.0.0.1:{server.port}/hooks/{key}?wait=true"
    headers = {**JSON, "Idempotency-Key": "slow-1"}

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(timeout=15) as client:
            await client.post(base, json={"text": "warm"})  # the hook is cached
            async with writes_blocked(database_url):
                first = await client.post(base, json={"text": "slow-1"}, headers=headers)
            for _ in range(50):
                retry = await client.post(base, json={"text": "slow-1"}, headers=headers)
                if retry.status_code != 503:
                    break
                await asyncio.sleep(0.1)
            return first, retry

    try:
        first, retry = run_async(scenario)
    finally:
        server.stop()
    assert first.status_code == 503, first.text
    assert set(first.json()) == {"id", "message", "detailed_error", "request_id", "status_code"}
    [(_, stored)] = stored_posts(database_url, "slow-")
    # Usually the first request's write lands once the lock is gone and the retry replays
    # it; when the first gave up before its batch reached the writer, the retry stores it.
    assert retry.status_code == 200 and retry.json()["post_ids"] == [stored]


# Bugs found here (fixed; kept as regressions)


@ONE_DATABASE  # the body hash is the same code on either database
def test_a_different_query_string_payload_under_a_used_key_is_422(
    database_url: str, tmp_path: Path
) -> None:
    """Was a bug: curl -X POST -H 'Idempotency-Key: q' -H 'Content-Type:
    application/x-www-form-urlencoded' "$URL?wait=true&payload=%7B%22text%22%3A%22A%22%7D",
    then the same with "B": the second answered 200, replayed, and B was never stored."""
    key = prepare(database_url, {})
    server = ServeProcess(database_url, tmp_path / "serve.log")
    form = {"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "q"}
    base = f"http://127.0.0.1:{server.port}/hooks/{key}?wait=true&payload="
    try:
        first = httpx.post(base + '{"text":"qs-A"}', content=b"", headers=form)
        second = httpx.post(base + '{"text":"qs-B"}', content=b"", headers=form)
        plain = base.replace("?wait=true&", "?") + '{"text":"qs-A"}'  # only wait differs
        repeat = httpx.post(plain, content=b"", headers=form)
    finally:
        server.stop()
    assert first.status_code == 200
    assert (second.status_code, second.json().get("id")) == (422, MISMATCH), second.text
    assert (repeat.status_code, repeat.text, repeat.headers.get(REPLAYED)) == (200, "ok", "true")


def multipart(message: str) -> tuple[bytes, str]:
    """A multipart body as curl -F or requests' files= make it: a fresh random boundary."""
    boundary = secrets.token_hex(12)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n{message}\r\n'
        f"--{boundary}--\r\n"
    )
    return body.encode(), f"multipart/form-data; boundary={boundary}"


@ONE_DATABASE  # the body hash is the same code on either database
def test_a_multipart_retry_with_a_new_boundary_replays(database_url: str, tmp_path: Path) -> None:
    """Was a trap: `curl -F text=hi -H 'Idempotency-Key: m' "$URL"` twice → 200, then 422 (a new
    boundary made a new body). The key now covers the decoded message; another text is still 422."""
    key = prepare(database_url, {})
    server = ServeProcess(database_url, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{server.port}/hooks/{key}?wait=true"
    try:
        answers = []
        for _ in range(2):
            body, content_type = multipart("mp-1")
            headers = {"Content-Type": content_type, "Idempotency-Key": "m"}
            answers.append(httpx.post(url, content=body, headers=headers))
        body, content_type = multipart("mp-2")
        other = httpx.post(
            url, content=body, headers={"Content-Type": content_type, "Idempotency-Key": "m"}
        )
    finally:
        server.stop()
    assert answers[0].status_code == 200
    assert answers[1].status_code == 200, answers[1].text
    assert answers[1].json() == answers[0].json()
    assert (other.status_code, other.json().get("id")) == (422, MISMATCH)


def test_a_repeat_after_a_restart_answers_the_first_answer_even_if_the_channel_is_gone(
    database_url: str, tmp_path: Path
) -> None:
    """Was a bug: post {"text": "x", "channel": "side"} with Idempotency-Key: a, archive the
    channel `side`, restart the server, post the same again → 404 channel.app_error."""
    key = prepare(database_url, {})
    log = tmp_path / "serve.log"
    server = ServeProcess(database_url, log)
    body = {"text": "arch-1", "channel": "side"}
    try:
        auth = admin_token(server)
        api = f"http://127.0.0.1:{server.port}/api/v4"
        team = httpx.get(f"{api}/teams/name/main", headers=auth).json()
        side = {"team_id": team["id"], "name": "side", "display_name": "Side", "type": "O"}
        channel = httpx.post(f"{api}/channels", json=side, headers=auth).json()
        first = post(server, key, body, "a")
        assert httpx.delete(f"{api}/channels/{channel['id']}", headers=auth).status_code == 200
        assert post(server, key, body, "a").headers.get(REPLAYED) == "true"  # from memory
    finally:
        server.stop()
    server = ServeProcess(database_url, log)
    try:
        again = post(server, key, body, "a")
    finally:
        server.stop()
    assert (again.status_code, again.headers.get(REPLAYED)) == (200, "true"), again.text
    assert again.json() == first.json()
