"""senders.md §1 and §3 through HTTP: ``?wait=true`` answers the created posts, and an
``Idempotency-Key`` stores a message at most once per hook and key for 24 hours — repeats,
concurrent repeats, repeats after a restart and from another process included."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from inbound.models import now_ms
from inbound.runtime import Runtime
from inbound.services.idempotency import purge_expired
from inbound.services.receive import receive
from inbound.settings import Settings
from inbound.store.tables import hook_idempotency_keys
from inbound.webhooks.decode import decode
from tests.conftest import Api, LiveServer, assert_error, run_async

DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def hook(api: Api) -> dict[str, Any]:
    return api.new_hook()


def send(
    api: Api,
    key: str,
    body: Any,
    *,
    idem: str | bytes | None = None,
    query: str = "",
) -> httpx.Response:
    headers: dict[str, Any] = {"Content-Type": "application/json"}
    if idem is not None:
        headers["Idempotency-Key"] = idem
    return api.client.post(f"/hooks/{key}{query}", content=orjson.dumps(body), headers=headers)


def town_square(api: Api) -> list[dict[str, Any]]:
    return api.posts(api.channel("town-square")["id"])


# §1 ?wait=true


@pytest.mark.parametrize("query", ["?wait=true", "?wait=1", "?wait=TRUE", "?x=1&wait=true"])
def test_wait_answers_the_channel_and_the_post_id(
    api: Api, hook: dict[str, Any], query: str
) -> None:
    response = send(api, hook["id"], {"text": "deployed"}, query=query)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    [post] = town_square(api)
    assert body == {"ok": True, "channel_id": hook["channel_id"], "post_ids": [post["id"]]}


@pytest.mark.parametrize("query", ["", "?wait=false", "?wait=0", "?wait=", "?waiting=true"])
def test_without_wait_the_answer_stays_plain_ok(api: Api, hook: dict[str, Any], query: str) -> None:
    response = send(api, hook["id"], {"text": "x"}, query=query)
    assert (response.status_code, response.content) == (200, b"ok")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_wait_lists_every_piece_of_a_split_message_in_order(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config("ServiceSettings", PostMessageMaxRunes=100)
    text = " ".join(f"word{i:03d}" for i in range(60))  # ~480 characters → 5 pieces
    response = send(api, hook["id"], {"text": text}, query="?wait=true")
    post_ids = response.json()["post_ids"]
    stored = list(reversed(town_square(api)))  # oldest first
    assert len(post_ids) == len(stored) > 1
    assert post_ids == [p["id"] for p in stored]


def test_wait_on_a_channel_override_names_that_channel(api: Api) -> None:
    hook = api.new_hook(channel_locked=False)
    response = send(api, hook["id"], {"text": "x", "channel": "off-topic"}, query="?wait=true")
    assert response.json()["channel_id"] == api.channel("off-topic")["id"]


def test_wait_leaves_errors_as_they_are(api: Api, hook: dict[str, Any]) -> None:
    assert_error(
        send(api, hook["id"], {"text": ""}, query="?wait=true"),
        400,
        "web.incoming_webhook.text.app_error",
    )
    assert_error(
        send(api, "unknownkey", {"text": "x"}, query="?wait=true"),
        400,
        "web.incoming_webhook.invalid.app_error",
    )


# §3 Idempotency-Key


def test_a_repeat_stores_nothing_and_answers_the_first_answer(
    api: Api, hook: dict[str, Any]
) -> None:
    first = send(api, hook["id"], {"text": "once"}, idem="deploy-42", query="?wait=true")
    again = send(api, hook["id"], {"text": "once"}, idem="deploy-42", query="?wait=true")
    plain = send(api, hook["id"], {"text": "once"}, idem="deploy-42")
    assert first.status_code == again.status_code == plain.status_code == 200
    assert again.json() == first.json()
    assert plain.content == b"ok"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == plain.headers["idempotent-replayed"] == "true"
    assert [p["message"] for p in town_square(api)] == ["once"]


def test_the_same_message_in_other_bytes_is_a_repeat(api: Api, hook: dict[str, Any]) -> None:
    """Spacing, key order, the content type that carried it: the decoded message decides."""
    first = send(api, hook["id"], {"text": "same", "username": "ci"}, idem="k", query="?wait=1")
    variants = [
        (b'{ "username" : "ci",\n  "text": "same" }', "application/json"),
        (b"payload=" + b'{"text":"same","username":"ci"}', "application/x-www-form-urlencoded"),
        (
            b'--B\r\nContent-Disposition: form-data; name="text"\r\n\r\nsame\r\n'
            b'--B\r\nContent-Disposition: form-data; name="username"\r\n\r\nci\r\n--B--\r\n',
            "multipart/form-data; boundary=B",
        ),
    ]
    for body, content_type in variants:
        again = api.client.post(
            f"/hooks/{hook['id']}?wait=1",
            content=body,
            headers={"Content-Type": content_type, "Idempotency-Key": "k"},
        )
        assert again.status_code == 200, (content_type, again.text)
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(town_square(api)) == 1


def test_a_repeat_with_another_body_is_422(api: Api, hook: dict[str, Any]) -> None:
    send(api, hook["id"], {"text": "one"}, idem="k1")
    assert_error(
        send(api, hook["id"], {"text": "two"}, idem="k1"),
        422,
        "web.incoming_webhook.idempotency.mismatch.app_error",
    )
    assert [p["message"] for p in town_square(api)] == ["one"]


@pytest.mark.parametrize(
    "key",
    [b"", b"a" * 256, b"has space", b"tab\there", "caf\u00e9".encode(), b"\x00\x01", b"\xff" * 8],
)
def test_an_empty_long_or_invisible_key_is_400(api: Api, hook: dict[str, Any], key: bytes) -> None:
    response = api.client.post(
        f"/hooks/{hook['id']}",
        content=b'{"text": "x"}',
        headers=[("Content-Type", "application/json"), ("Idempotency-Key", key)],  # type: ignore[list-item]
    )
    assert_error(response, 400, "web.incoming_webhook.idempotency.invalid.app_error")
    assert town_square(api) == []


def test_keys_of_255_visible_characters_work(api: Api, hook: dict[str, Any]) -> None:
    key = ("!~" + "x" * 253)[:255]
    assert send(api, hook["id"], {"text": "x"}, idem=key).status_code == 200
    assert send(api, hook["id"], {"text": "x"}, idem=key).headers["idempotent-replayed"] == "true"
    assert len(town_square(api)) == 1


def test_keys_belong_to_one_hook(api: Api) -> None:
    one, two = api.new_hook(), api.new_hook()
    send(api, one["id"], {"text": "x"}, idem="same")
    send(api, two["id"], {"text": "x"}, idem="same")
    assert len(town_square(api)) == 2


def test_a_regenerated_hook_keeps_its_keys(api: Api, hook: dict[str, Any]) -> None:
    send(api, hook["id"], {"text": "x"}, idem="same", query="?wait=1")
    fresh = api.post(f"/api/v4/hooks/incoming/{hook['id']}/regenerate").json()
    for key in (hook["id"], fresh["id"]):  # the old key still posts during the grace period
        assert send(api, key, {"text": "x"}, idem="same").headers["idempotent-replayed"] == "true"
    assert len(town_square(api)) == 1


def test_a_failed_request_does_not_take_the_key(api: Api, hook: dict[str, Any]) -> None:
    assert send(api, hook["id"], {"text": ""}, idem="k").status_code == 400
    assert send(api, hook["id"], {"text": "fixed"}, idem="k").status_code == 200
    assert [p["message"] for p in town_square(api)] == ["fixed"]


def _age_keys(api: Api, ms: int) -> None:
    async def age() -> None:
        async with api.ctx.db.begin() as conn:
            await conn.execute(
                update(hook_idempotency_keys).values(
                    create_at=hook_idempotency_keys.c.create_at - ms
                )
            )

    api.client.portal.call(age)  # type: ignore[union-attr]


def test_a_key_holds_for_24_hours_then_is_free_and_purged(api: Api, hook: dict[str, Any]) -> None:
    send(api, hook["id"], {"text": "x"}, idem="daily")
    _age_keys(api, DAY_MS - 60_000)  # 23:59 ago: still a repeat
    assert send(api, hook["id"], {"text": "x"}, idem="daily").headers.get("idempotent-replayed")
    _age_keys(api, 120_000)  # 24:01 ago: a new message, even with another body
    api.ctx.idempotency.forget()  # this process's memory ages by its own clock
    response = send(api, hook["id"], {"text": "new day"}, idem="daily")
    assert response.status_code == 200 and "idempotent-replayed" not in response.headers
    assert [p["message"] for p in town_square(api)] == ["new day", "x"]
    send(api, hook["id"], {"text": "y"}, idem="old")
    _age_keys(api, DAY_MS + 1000)
    purged = api.client.portal.call(purge_expired, api.ctx.db)  # type: ignore[union-attr]
    assert purged == 2


def test_fifty_identical_requests_at_once_store_one_post(live_server: LiveServer) -> None:
    ctx = live_server.ctx

    async def scenario() -> tuple[list[httpx.Response], int]:
        async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
            login = await client.post(
                "/api/v4/users/login", json={"login_id": "admin", "password": _password()}
            )
            auth = {"Authorization": f"Bearer {login.headers['Token']}"}
            team = (await client.get("/api/v4/teams/name/main", headers=auth)).json()
            channel = (
                await client.get(
                    f"/api/v4/teams/{team['id']}/channels/name/town-square", headers=auth
                )
            ).json()
            created = await client.post(
                "/api/v4/hooks/incoming", json={"channel_id": channel["id"]}, headers=auth
            )
            key = created.json()["id"]
            headers = {"Content-Type": "application/json", "Idempotency-Key": "release-7.1"}
            body = b'{"text": "released 7.1"}'
            answers = await asyncio.gather(
                *(
                    client.post(f"/hooks/{key}?wait=true", content=body, headers=headers)
                    for _ in range(50)
                )
            )
            posts = await client.get(f"/api/v4/channels/{channel['id']}/posts", headers=auth)
            return list(answers), len(posts.json()["order"])

    answers, stored = asyncio.run(scenario())
    assert stored == 1
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1  # 50 identical answers
    assert sum(1 for a in answers if "idempotent-replayed" not in a.headers) == 1
    assert ctx is not None


def _password() -> str:
    from tests.conftest import ADMIN_PASSWORD

    return ADMIN_PASSWORD


def test_another_process_and_a_restart_see_the_key(api: Api, settings: Settings) -> None:
    """A second runtime on the same database (another process; this one after a restart)
    has none of the first one's memory: the stored key still decides."""
    hook = api.new_hook()
    first = send(api, hook["id"], {"text": "x"}, idem="k", query="?wait=true").json()

    async def elsewhere() -> tuple[Any, Any]:
        runtime = Runtime(settings)
        await runtime.start(serving=False)
        try:
            body = orjson.dumps({"text": "x"})  # what ``send`` sent
            request = decode(body, "application/json")
            same = await receive(
                runtime.context, hook["id"], request, body=body, idempotency_key="k"
            )
            with pytest.raises(Exception) as other:
                await receive(
                    runtime.context,
                    hook["id"],
                    decode(b'{"text": "y"}', "application/json"),
                    body=b'{"text": "y"}',
                    idempotency_key="k",
                )
            return same, other.value
        finally:
            await runtime.stop()

    same, other = run_async(elsewhere)
    assert (same.channel_id, same.post_ids, same.replayed) == (
        first["channel_id"],
        first["post_ids"],
        True,
    )
    assert getattr(other, "error_id", "") == "web.incoming_webhook.idempotency.mismatch.app_error"
    assert len(town_square(api)) == 1


def test_two_processes_racing_on_one_key_store_it_once(api: Api, settings: Settings) -> None:
    """Two runtimes (no shared memory) commit the same key at once: the claim in the posts'
    transaction lets one write; the other writes nothing and answers the first's posts."""
    hook = api.new_hook()
    body = b'{"text": "race"}'

    async def race() -> list[Any]:
        runtimes = [Runtime(settings), Runtime(settings)]
        for runtime in runtimes:
            await runtime.start(serving=False)
        try:
            return await asyncio.gather(
                *(
                    receive(
                        r.context,
                        hook["id"],
                        decode(body, "application/json"),
                        body=body,
                        idempotency_key="race",
                    )
                    for r in runtimes
                )
            )
        finally:
            for runtime in runtimes:
                await runtime.stop()

    one, two = run_async(race)
    assert one.post_ids == two.post_ids and one.channel_id == two.channel_id
    assert sorted([one.replayed, two.replayed]) == [False, True]
    assert [p["message"] for p in town_square(api)] == ["race"]


def test_the_key_is_stored_with_a_hash_of_the_message_not_the_message(
    api: Api, hook: dict[str, Any]
) -> None:
    send(api, hook["id"], {"text": "secret payload"}, idem="k")
    decoded = decode(b'{"text": "secret payload"}', "application/json")

    async def rows() -> list[Any]:
        async with api.ctx.db.connect() as conn:
            result = await conn.execute(hook_idempotency_keys.select())
            return list(result.mappings())

    [row] = api.client.portal.call(rows)  # type: ignore[union-attr]
    canonical = orjson.dumps(decoded, option=orjson.OPT_SORT_KEYS)
    assert row["body_hash"] == hashlib.sha256(canonical).hexdigest()
    assert b"secret" not in repr(row).encode()
    assert row["key"] == "k" and row["hook_id"] == hook["id"]
    assert abs(row["create_at"] - now_ms()) < 60_000


def test_the_claim_in_the_posts_transaction_decides_without_memory(
    api: Api, hook: dict[str, Any]
) -> None:
    """A repeat that finds nothing in this process's memory (another process, a restart) is
    built again: the claim written with the posts keeps it to one message, and gives the 422
    for a new body."""
    first = send(api, hook["id"], {"text": "x"}, idem="k", query="?wait=true")
    api.ctx.idempotency.forget()
    again = send(api, hook["id"], {"text": "x"}, idem="k", query="?wait=true")
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    api.ctx.idempotency.forget()
    assert_error(
        send(api, hook["id"], {"text": "other"}, idem="k"),
        422,
        "web.incoming_webhook.idempotency.mismatch.app_error",
    )
    assert [p["message"] for p in town_square(api)] == ["x"]
    channel = api.channel("town-square")
    assert channel["total_msg_count"] == 1  # the counters moved once too


# Any Idempotency-Key bytes and any wait value: 200 or a specific 4xx, and a key that was
# accepted once is a repeat the second time.

header_bytes = st.binary(max_size=300) | st.sampled_from(
    [b"", b" ", b"a" * 255, b"a" * 256, b"\x7f", b"\x80abc", b"k\r", b"\xff" * 300, b"ok-1"]
)
wait_values = st.sampled_from(
    ["", "true", "1", "TRUE", "false", "yes", "%00", "tru\u00e9"]
) | st.text(max_size=8)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(key=header_bytes, wait=wait_values, text=st.text(max_size=30))
def test_any_key_and_wait_is_200_or_a_4xx(api: Api, key: bytes, wait: str, text: str) -> None:
    hook_id = _fuzz_hook(api)
    body = orjson.dumps({"text": text + " x"})
    url = f"/hooks/{hook_id}?" + urllib.parse.urlencode({"wait": wait})
    try:
        headers = [("Content-Type", "application/json"), ("Idempotency-Key", key)]
        first = api.client.post(url, content=body, headers=headers)  # type: ignore[arg-type]
    except (ValueError, httpx.LocalProtocolError):
        return  # a header value the client itself refuses to send (CR, LF, NUL)
    assert first.status_code in (200, 400, 422), first.text
    if first.status_code == 400:
        assert first.json()["id"] == "web.incoming_webhook.idempotency.invalid.app_error"
        return
    earlier = _seen.setdefault(key, body)  # an earlier example may have used this key
    if first.status_code == 422:
        assert earlier != body
        assert first.json()["id"] == "web.incoming_webhook.idempotency.mismatch.app_error"
        return
    assert earlier == body
    again = api.client.post(url, content=body, headers=headers)  # type: ignore[arg-type]
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    if first.headers["content-type"] == "application/json":
        assert again.json() == first.json()
        assert set(first.json()) == {"ok", "channel_id", "post_ids"}
    else:
        assert first.content == again.content == b"ok"


_fuzz_hooks: dict[int, str] = {}
_seen: dict[bytes, bytes] = {}  # key → the body first sent under it, for the fuzz's hook


def _fuzz_hook(api: Api) -> str:
    if id(api) not in _fuzz_hooks:
        _fuzz_hooks.clear()
        _seen.clear()
        _fuzz_hooks[id(api)] = api.new_hook()["id"]
    return _fuzz_hooks[id(api)]


# The docs' examples (docs/webhooks.md, "Safe retries"), run as written against a live server.

WEBHOOKS_DOC = (Path(__file__).parent.parent.parent / "docs" / "webhooks.md").read_text()


def _doc_block(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", WEBHOOKS_DOC, flags=re.DOTALL)
    [block] = [b for b in blocks if containing in b]
    return block


def _live_hook(live: LiveServer) -> tuple[str, dict[str, str], str]:
    login = httpx.post(
        f"{live.url}/api/v4/users/login", json={"login_id": "admin", "password": _password()}
    )
    auth = {"Authorization": f"Bearer {login.headers['Token']}"}
    team = httpx.get(f"{live.url}/api/v4/teams/name/main", headers=auth).json()
    path = f"/api/v4/teams/{team['id']}/channels/name/town-square"
    channel = httpx.get(f"{live.url}{path}", headers=auth).json()
    hook = httpx.post(
        f"{live.url}/api/v4/hooks/incoming", json={"channel_id": channel["id"]}, headers=auth
    ).json()
    return f"{live.url}/hooks/{hook['id']}", auth, channel["id"]


def _messages(live: LiveServer, auth: dict[str, str], channel_id: str) -> list[str]:
    page = httpx.get(f"{live.url}/api/v4/channels/{channel_id}/posts", headers=auth).json()
    return [page["posts"][i]["message"] for i in page["order"]]


def test_the_docs_shell_retry_loop_posts_once(live_server: LiveServer) -> None:
    url, auth, channel_id = _live_hook(live_server)
    script = _doc_block("sh", "Idempotency-Key: $KEY")
    done = subprocess.run(
        ["bash", "-c", script], env={**os.environ, "URL": url}, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["post_ids"]
    assert _messages(live_server, auth, channel_id) == ["Backup finished"]


def test_the_docs_httpx_retry_posts_once(live_server: LiveServer) -> None:
    url, auth, channel_id = _live_hook(live_server)
    block = _doc_block("python", "Idempotency-Key")
    namespace: dict[str, Any] = {"url": url}
    exec(block, namespace)  # our own docs' example, as written
    exec(block.replace("key = str(uuid.uuid4())", "key = key"), namespace)  # a retry, same key
    assert namespace["answer"].headers["idempotent-replayed"] == "true"
    assert _messages(live_server, auth, channel_id) == ["Backup finished"]


def test_two_idempotency_key_headers_are_400(api: Api, hook: dict[str, Any]) -> None:
    headers = [
        ("Content-Type", "application/json"),
        ("Idempotency-Key", "a"),
        ("Idempotency-Key", "b"),
    ]
    answer = api.client.post(f"/hooks/{hook['id']}", content=b'{"text": "x"}', headers=headers)
    body = assert_error(answer, 400, "web.incoming_webhook.idempotency.invalid.app_error")
    assert "one Idempotency-Key" in body["message"]
    assert town_square(api) == []
