"""senders.md §6 through HTTP, on both databases: every request to a hook's key is in its
history — posted ones with their posts, refused ones with their error — secrets masked, the
last 1,000 kept under a flood, replay through the same rules, readable only by the hook's
managers."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from inbound.services import delivery_log
from inbound.store.tables import hook_deliveries
from tests.conftest import Api, assert_error

BASE = "/api/v4/hooks/incoming"
DECODE = "web.incoming_webhook.decode.app_error"


@pytest.fixture
def hook(api: Api) -> dict[str, Any]:
    return api.new_hook()


def flush(api: Api) -> None:
    """Write what the history buffers (the background task does it every 0.5 s)."""
    api.client.portal.call(api.ctx.deliveries.flush, api.ctx.db)  # type: ignore[union-attr]


def history(api: Api, hook_id: str, token: str = "", **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"{BASE}/{hook_id}/deliveries", token, params=params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def stored_rows(api: Api) -> int:
    async def count() -> int:
        async with api.ctx.db.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(hook_deliveries))).scalar_one()
            )

    return api.client.portal.call(count)  # type: ignore[union-attr,no-any-return]


def test_a_posted_request_is_in_the_history_with_its_posts_at_once(
    api: Api, hook: dict[str, Any]
) -> None:
    body = orjson.dumps({"text": "deploy **done**"})
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ci-bot/1.0",
        "Authorization": "Bearer hunter2",
        "Cookie": "MMAUTHTOKEN=abc",
        "X-Slack-Signature": "v0=deadbeef",
        "X-Custom-Token": "t0ps3cret",
        "X-Request-Source": "pipeline 42",
    }
    answer = api.client.post(f"/hooks/{hook['id']}?wait=true", content=body, headers=headers)
    assert answer.status_code == 200
    rows = history(api, hook["id"])  # no flush: the row committed with the post
    assert len(rows) == 1
    row = rows[0]
    assert row["status_code"] == 200 and row["outcome"] == "posted"
    assert row["post_ids"] == answer.json()["post_ids"]
    assert row["error_id"] == "" and row["error_message"] == ""
    assert row["body"] == body.decode() and row["size"] == len(body) and not row["body_truncated"]
    assert row["content_type"] == "application/json"
    assert row["remote_addr"] and row["latency_ms"] > 0 and row["source"] == ""
    assert row["create_at"] > 0 and len(row["id"]) == 26
    sent = row["headers"]
    assert sent["user-agent"] == "ci-bot/1.0" and sent["x-request-source"] == "pipeline 42"
    for secret in ("authorization", "cookie", "x-slack-signature", "x-custom-token"):
        assert sent[secret] == "***"
    assert "hunter2" not in orjson.dumps(rows).decode() and "abc" not in sent["cookie"]


def test_refused_rows_are_written_by_the_posts_writer(
    api: Api, hook: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Waiting rows go through the writer (on SQLite, a pool connection's thread traded the
    GIL with the event loop for every row while it held the write lock)."""
    backend = api.ctx.writer.backend
    plans: list[Any] = []
    real_commit = backend.commit

    async def commit(plan: Any) -> Any:
        plans.append(plan)
        return await real_commit(plan)

    monkeypatch.setattr(backend, "commit", commit)
    for n in range(3):
        assert api.send(hook["id"], content=f"bad {n}".encode()).status_code == 400
    flush(api)
    [plan] = [p for p in plans if p.deliveries]
    assert not plan.posts and len(plan.deliveries) == 3
    assert [r["body"] for r in history(api, hook["id"])] == ["bad 2", "bad 1", "bad 0"]


def test_refused_requests_are_recorded_with_their_error(api: Api, hook: dict[str, Any]) -> None:
    key = hook["id"]
    assert api.send(key, {"text": "one"}).status_code == 200
    bad = api.send(key, content=b'{"text": "unterminated')
    assert_error(bad, 400, DECODE)
    empty = api.send(key, {"text": ""})
    assert empty.status_code == 400
    flush(api)
    rows = history(api, key)
    assert [r["status_code"] for r in rows] == [400, 400, 200]  # newest first
    assert rows[1]["error_id"] == DECODE and rows[1]["error_message"] == bad.json()["message"]
    assert rows[1]["body"] == '{"text": "unterminated' and rows[1]["outcome"] == "failed"
    assert rows[0]["error_id"] == empty.json()["id"]
    failed = history(api, key, status="failed")
    assert [r["id"] for r in failed] == [rows[0]["id"], rows[1]["id"]]
    assert [r["id"] for r in history(api, key, status="posted")] == [rows[2]["id"]]
    assert [r["id"] for r in history(api, key, per_page=1, page=1)] == [rows[1]["id"]]
    assert_error(
        api.get(f"{BASE}/{key}/deliveries", params={"status": "bogus"}),
        400,
        "api.context.invalid_param.app_error",
    )


def test_unknown_keys_leave_no_trace(api: Api, hook: dict[str, Any]) -> None:
    before = stored_rows(api)
    assert api.send("x" * 26, {"text": "hi"}).status_code == 400
    assert api.send("nokey", content=b"garbage").status_code == 400
    flush(api)
    assert stored_rows(api) == before


def test_a_body_too_large_is_recorded_and_cannot_be_replayed(
    api: Api, hook: dict[str, Any]
) -> None:
    api.patch_config("ServiceSettings", MaximumPayloadSizeBytes=1024)
    too_big = api.send(hook["id"], {"text": "x" * 2000})
    assert too_big.status_code == 413
    flush(api)
    (row,) = history(api, hook["id"])
    assert row["status_code"] == 413 and row["body_truncated"] and row["size"] > 2000
    replayed = api.post(f"{BASE}/{hook['id']}/deliveries/{row['id']}/replay")
    assert_error(replayed, 400, "web.incoming_webhook.replay.truncated.app_error")


def test_bodies_are_kept_to_64_kib(api: Api, hook: dict[str, Any]) -> None:
    text = "é" * 40_000  # 80,000 bytes of UTF-8: cut inside a character
    assert api.send(hook["id"], {"text": text}).status_code == 200
    (row,) = history(api, hook["id"])
    assert row["body_truncated"] and row["size"] > 80_000
    assert len(row["body"].encode()) <= 64 * 1024 + 3
    assert_error(
        api.post(f"{BASE}/{hook['id']}/deliveries/{row['id']}/replay"),
        400,
        "web.incoming_webhook.replay.truncated.app_error",
    )


def test_a_flood_of_garbage_keeps_the_last_1000(api: Api, hook: dict[str, Any]) -> None:
    key = hook["id"]
    for i in range(1100):
        assert api.send(key, content=f"garbage {i}".encode()).status_code == 400
        if i == 600:
            flush(api)  # the trim works across flushes too
    flush(api)
    assert stored_rows(api) == 1000
    seen: list[dict[str, Any]] = []
    for page in range(6):
        seen += history(api, key, per_page=200, page=page)
    assert len(seen) == 1000
    assert seen[0]["body"] == "garbage 1099" and seen[-1]["body"] == "garbage 100"


def test_each_process_keeps_a_ring_and_the_purge_trims_what_several_left(
    api: Api, hook: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from inbound.store import deliveries

    monkeypatch.setattr(deliveries, "KEEP", 5)
    for i in range(8):  # posted rows overwrite their slots: 5 kept, the newest
        assert api.send(hook["id"], {"text": f"m{i}"}).status_code == 200
    assert api.send(hook["id"], content=b"bad").status_code == 400
    flush(api)
    assert stored_rows(api) == 5
    rows = history(api, hook["id"])
    assert [r["body"] for r in rows] == ["bad", *(f'{{"text":"m{i}"}}' for i in (7, 6, 5, 4))]
    api.ctx.deliveries.node_id = "restarted" + "x" * 17  # another process (or a restart)
    for i in range(3):
        assert api.send(hook["id"], {"text": f"n{i}"}).status_code == 200
    assert stored_rows(api) == 8
    assert len(history(api, hook["id"])) == 5  # the newest 5 are shown
    api.client.portal.call(delivery_log.purge, api.ctx.db)  # type: ignore[union-attr]
    assert stored_rows(api) == 5
    assert [r["body"] for r in history(api, hook["id"])][:3] == [
        f'{{"text":"n{i}"}}' for i in (2, 1, 0)
    ]


def test_replay_sends_the_stored_body_again(api: Api, hook: dict[str, Any]) -> None:
    assert api.send(hook["id"], {"text": "again please", "username": "bot"}).status_code == 200
    (first,) = history(api, hook["id"])
    replayed = api.post(f"{BASE}/{hook['id']}/deliveries/{first['id']}/replay")
    assert replayed.status_code == 200, replayed.text
    answer = replayed.json()
    assert answer["ok"] is True and len(answer["post_ids"]) == 1
    assert answer["post_ids"] != first["post_ids"]
    town = api.channel("town-square")
    assert answer["channel_id"] == town["id"]
    messages = [p["message"] for p in api.posts(town["id"])[:2]]
    assert messages == ["again please", "again please"]
    flush(api)
    rows = history(api, hook["id"])
    assert len(rows) == 2 and rows[0]["post_ids"] == answer["post_ids"]
    assert rows[0]["headers"]["x-inbound-replay-of"] == first["id"]


def test_replay_of_a_refused_request_answers_the_same_error(api: Api, hook: dict[str, Any]) -> None:
    assert api.send(hook["id"], content=b"{nope").status_code == 400
    flush(api)
    (row,) = history(api, hook["id"])
    assert_error(api.post(f"{BASE}/{hook['id']}/deliveries/{row['id']}/replay"), 400, DECODE)
    missing = api.post(f"{BASE}/{hook['id']}/deliveries/{'a' * 26}/replay")
    assert_error(missing, 404, "api.incoming_webhook.delivery.not_found.app_error")


def test_replay_follows_todays_rules(api: Api, hook: dict[str, Any]) -> None:
    """The same rules as a new request: the channel archived since → refused."""
    channel = api.new_channel("builds")
    built = api.new_hook("builds")
    assert api.send(built["id"], {"text": "green"}).status_code == 200
    (row,) = history(api, built["id"])
    assert api.delete(f"/api/v4/channels/{channel['id']}").status_code == 200
    refused = api.post(f"{BASE}/{built['id']}/deliveries/{row['id']}/replay")
    assert refused.status_code in (400, 403, 404), refused.text


def test_the_history_follows_the_hook_through_regenerate(api: Api, hook: dict[str, Any]) -> None:
    assert api.send(hook["id"], {"text": "before"}).status_code == 200
    fresh = api.post(f"{BASE}/{hook['id']}/regenerate").json()
    assert api.send(fresh["id"], {"text": "after"}).status_code == 200
    assert [r["body"] for r in history(api, fresh["id"])] == [
        '{"text":"after"}',
        '{"text":"before"}',
    ]


def test_only_hook_managers_read_or_replay(api: Api) -> None:
    api.patch_config("ServiceSettings", EnableOnlyAdminIntegrations=False)
    _, owner_token = api.new_user()
    _, other_token = api.new_user()
    mine = api.new_hook(token=owner_token)
    assert api.send(mine["id"], {"text": "hello"}).status_code == 200
    rows = history(api, mine["id"], owner_token)
    assert len(rows) == 1
    assert len(history(api, mine["id"])) == 1  # the system admin
    path = f"{BASE}/{mine['id']}/deliveries"
    assert_error(api.get(path, other_token), 403, "api.context.permissions.app_error")
    replay = f"{path}/{rows[0]['id']}/replay"
    assert_error(api.post(replay, other_token), 403, "api.context.permissions.app_error")
    assert api.get(path, None).status_code == 401
    assert api.post(replay, None).status_code == 401
    assert api.post(replay, owner_token).status_code == 200


def test_the_hook_list_counts_the_last_24_hours(api: Api, hook: dict[str, Any]) -> None:
    for _ in range(3):
        assert api.send(hook["id"], {"text": "ok"}).status_code == 200
    assert api.send(hook["id"], content=b"bad").status_code == 400
    flush(api)
    listed = api.get(BASE, params={"team_id": api.team["id"], "include_delivery_counts": "true"})
    (shown,) = [h for h in listed.json() if h["id"] == hook["id"]]
    assert shown["deliveries_24h"] == {"succeeded": 3, "failed": 1, "ignored": 0}
    assert shown["last_used_at"] > 0
    plain = api.get(BASE, params={"team_id": api.team["id"]}).json()
    assert "deliveries_24h" not in plain[0]


def test_an_idempotent_repeat_is_recorded_with_the_stored_posts(
    api: Api, hook: dict[str, Any]
) -> None:
    headers = {"Content-Type": "application/json", "Idempotency-Key": "k-1"}
    body = orjson.dumps({"text": "once"})
    first = api.client.post(f"/hooks/{hook['id']}?wait=true", content=body, headers=headers)
    again = api.client.post(f"/hooks/{hook['id']}?wait=true", content=body, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    flush(api)
    rows = history(api, hook["id"])
    assert [r["post_ids"] for r in rows] == [first.json()["post_ids"]] * 2
    assert rows[0]["headers"]["idempotency-key"] == "k-1"


# Pure: the headers kept


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        (b"authorization", True),
        (b"proxy-authorization", True),
        (b"cookie", True),
        (b"x-slack-signature", True),
        (b"x-hub-signature-256", True),
        (b"x-gitlab-token", True),
        (b"x-grafana-alerting-signature", True),
        (b"x-api-key", True),
        (b"x-my-secret", True),
        (b"user-agent", False),
        (b"content-type", False),
        (b"x-github-event", False),
        (b"idempotency-key", False),
    ],
)
def test_which_headers_are_masked(name: bytes, masked: bool) -> None:
    kept = delivery_log.parse_headers(delivery_log.headers_text([(name, b"value")]))
    assert (kept[name.decode()] == "***") is masked


def test_headers_are_bounded_and_repeats_joined() -> None:
    many = [(f"x-h{i}".encode(), b"v" * 5000) for i in range(100)]
    kept = delivery_log.parse_headers(
        delivery_log.headers_text([(b"x-a", b"1"), (b"x-a", b"2"), *many])
    )
    assert kept["x-a"] == "1, 2" and len(kept) == delivery_log.MAX_HEADERS - 1
    assert max(len(v) for v in kept.values()) == delivery_log.MAX_HEADER_VALUE
    skipped = delivery_log.headers_text([(b"content-length", b"3"), (b"connection", b"close")])
    assert delivery_log.parse_headers(skipped) == {}


# What an HTTP/1.1 parser lets through: token names, values without CR/LF (h11, httptools).
NAMES = st.text(
    alphabet="!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=40
)
VALUES = st.binary(max_size=200).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


@given(st.lists(st.tuples(NAMES.map(str.encode), VALUES), max_size=80))
def test_any_headers_read_back_masked(headers: list[tuple[bytes, bytes]]) -> None:
    kept = delivery_log.parse_headers(delivery_log.headers_text(headers))
    assert len(kept) <= delivery_log.MAX_HEADERS
    for name, value in headers:
        text = name.decode()
        if text not in kept:
            continue
        if delivery_log.is_secret(name):
            assert set(kept[text].split(", ")) == {"***"}
        elif name not in (b"content-length", b"connection", b"transfer-encoding", b"keep-alive"):
            assert value[: delivery_log.MAX_HEADER_VALUE].decode("latin-1") in kept[text]


# Native sources (senders.md §8) in the history

NATIVE = "src/inbound/webhooks/native"


def test_native_requests_are_recorded_with_their_source_and_replayed_through_it(
    api: Api, hook: dict[str, Any]
) -> None:
    from pathlib import Path

    firing = Path(f"{NATIVE}/alertmanager/samples/firing_two_alerts.json").read_bytes()
    other = Path(f"{NATIVE}/alertmanager/samples/ignored_grafana_version_1.json").read_bytes()
    headers = {"Content-Type": "application/json"}
    posted = api.client.post(f"/hooks/{hook['id']}/alertmanager", content=firing, headers=headers)
    assert posted.status_code == 200
    ignored = api.client.post(
        f"/hooks/{hook['id']}/alertmanager?wait=true", content=other, headers=headers
    )
    assert ignored.status_code == 200
    assert ignored.json() == {"ok": True, "channel_id": "", "post_ids": []}
    flush(api)
    rows = history(api, hook["id"])
    assert [(r["outcome"], r["source"]) for r in rows] == [
        ("ignored", "alertmanager"),
        ("posted", "alertmanager"),
    ]
    assert rows[0]["post_ids"] == [] and len(rows[1]["post_ids"]) == 1
    assert history(api, hook["id"], status="ignored") == rows[:1]
    replayed = api.post(f"{BASE}/{hook['id']}/deliveries/{rows[1]['id']}/replay")
    assert replayed.status_code == 200, replayed.text
    town = api.channel("town-square")
    first, again = api.posts(town["id"])[:2]
    assert first["id"] == replayed.json()["post_ids"][0]
    assert first["props"]["attachments"] == again["props"]["attachments"]
    again_ignored = api.post(f"{BASE}/{hook['id']}/deliveries/{rows[0]['id']}/replay")
    assert again_ignored.json() == {"ok": True, "channel_id": "", "post_ids": []}
    shown = api.get(BASE, params={"team_id": api.team["id"], "include_delivery_counts": "1"})
    (counted,) = [h for h in shown.json() if h["id"] == hook["id"]]
    flush(api)
    shown = api.get(BASE, params={"team_id": api.team["id"], "include_delivery_counts": "1"})
    (counted,) = [h for h in shown.json() if h["id"] == hook["id"]]
    assert counted["deliveries_24h"] == {"succeeded": 2, "failed": 0, "ignored": 2}


def test_an_unknown_source_is_not_a_hook_path(api: Api, hook: dict[str, Any]) -> None:
    response = api.client.post(f"/hooks/{hook['id']}/jenkins", json={"text": "x"})
    assert response.status_code in (404, 405)
    flush(api)
    assert history(api, hook["id"]) == []


def test_a_deleted_hooks_history_is_purged(api: Api) -> None:
    kept, gone = api.new_hook(), api.new_hook()
    for hook in (kept, gone):
        assert api.send(hook["id"], {"text": "hi"}).status_code == 200
        assert api.send(hook["id"], content=b"bad").status_code == 400
    flush(api)
    fresh = api.post(f"{BASE}/{kept['id']}/regenerate").json()  # same lineage: kept
    assert api.delete(f"{BASE}/{gone['id']}").status_code == 200
    before = stored_rows(api)
    api.client.portal.call(delivery_log.purge, api.ctx.db)  # type: ignore[union-attr]
    assert stored_rows(api) == before - 2
    assert len(history(api, fresh["id"])) == 2


def test_the_waiting_rows_are_bounded_under_a_flood(monkeypatch: pytest.MonkeyPatch) -> None:
    """Per hook the newest KEEP wait; past MAX_BUFFERED_BYTES bodies are cut; past
    MAX_BUFFERED_ROWS rows are dropped and counted (pure: no database)."""
    from inbound.store import deliveries

    monkeypatch.setattr(deliveries, "KEEP", 3)
    monkeypatch.setattr(delivery_log, "MAX_BUFFERED_BYTES", 10_000)
    monkeypatch.setattr(delivery_log, "MAX_BUFFERED_ROWS", 5)
    log = delivery_log.DeliveryLog(node_id="n" * 26)

    def flood(hook_id: str, n: int) -> None:
        for i in range(n):
            draft = delivery_log.draft(
                started=0.0,
                remote_addr="203.0.113.9",
                content_type="application/json",
                headers=[(b"user-agent", b"x")],
                body=bytes([65 + i % 26]) * 4000,
                query=b"",
            )
            log.place(draft, hook_id)
            log.record(draft, status=400, outcome="failed", error_id="e")

    flood("a" * 26, 10)  # one hook: only its newest 3 wait
    waiting = log._waiting["a" * 26]
    assert len(waiting) == 3 and log._rows == 3
    assert [row[deliveries.BODY][:1] for row in waiting] == [b"H", b"I", b"J"]  # the newest
    assert log._bytes == sum(len(row[deliveries.BODY]) for row in waiting) <= 10_000
    assert delivery_log.SHORT_BODY in [len(row[deliveries.BODY]) for row in waiting]
    flood("b" * 26, 10)  # a second hook: 2 more rows fit, the rest are dropped
    assert log._rows == 5 and log.dropped == 8
    assert all(
        len(row[deliveries.BODY]) <= delivery_log.SHORT_BODY for row in log._waiting["b" * 26]
    )
