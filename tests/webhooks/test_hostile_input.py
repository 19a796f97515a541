"""Database-hostile and parser-hostile payloads through HTTP, on both databases.

Each row: a body the database or a parser would choke on → the answer every sender gets, the
same on SQLite and PostgreSQL. A rejected message stores nothing (no post, no counter moved);
a cleaned one is stored with lone surrogates and NUL as U+FFFD.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pytest

from inbound.models import Post, new_time_id, now_ms
from inbound.services.writer import PostBatch
from tests.conftest import Api, assert_error

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
DECODE = "web.incoming_webhook.decode.app_error"
INVALID_PARAM = "api.context.invalid_param.app_error"
BOUNDARY = "b0undary"


def nested(depth: int, inner: bytes = b"1") -> bytes:
    return b"[" * depth + inner + b"]" * depth


def multipart(parts: list[tuple[str, str | bytes]], boundary: str = BOUNDARY) -> bytes:
    out = b""
    for name, value in parts:
        raw = value if isinstance(value, bytes) else value.encode()
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + raw
            + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode()


def refs(count: int, mark: str) -> bytes:
    """``count`` distinct ``<@id>`` / ``@name`` references in one text (ids that sort last)."""
    names = (f"{mark}zzzz{i:x}{'>' if mark == '<@' else ''}" for i in range(count))
    return b'{"text": "' + " ".join(names).encode() + b'"}'


@dataclass(frozen=True)
class Rejected:
    body: bytes
    status: int
    error_id: str
    says: str = ""  # the message names the field
    content_type: str = JSON


REJECTED = {
    "json nested 10,000 deep": Rejected(nested(10_000), 400, DECODE, "nested"),
    "object nested 10,000 deep": Rejected(
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000, 400, DECODE, "nested"
    ),
    "nested 2,000 deep with a lone surrogate": Rejected(
        nested(2_000, b'"\\ud800"'), 400, DECODE, "nested"
    ),
    "text nested 1,000 deep": Rejected(b'{"text": ' + nested(1_000) + b"}", 400, DECODE, "text"),
    "props nested 300 deep": Rejected(
        b'{"text": "hi", "props": {"a": ' + nested(300) + b"}}", 400, DECODE, "props"
    ),
    "blocks nested 300 deep": Rejected(
        b'{"text": "hi", "blocks": [{"type": "x", "a": ' + nested(300) + b"}]}",
        400,
        DECODE,
        "blocks",
    ),
    "field value nested 300 deep": Rejected(
        b'{"attachments": [{"fields": [{"title": "t", "value": ' + nested(300) + b"}]}]}",
        400,
        DECODE,
        "attachments[0].fields[0].value",
    ),
    "raw NUL inside a JSON string": Rejected(b'{"text": "a\x00b"}', 400, DECODE),
    "type longer than the column": Rejected(
        b'{"text": "hi", "type": "custom_' + b"x" * 60 + b'"}', 400, INVALID_PARAM, "type"
    ),
    "type of 65 characters after cleaning": Rejected(
        b'{"text": "hi", "type": "custom_' + b"\\u0000" * 58 + b'"}', 400, INVALID_PARAM, "type"
    ),
    "channel with NUL": Rejected(
        b'{"text": "hi", "channel": "town\\u0000square"}',
        404,
        "web.incoming_webhook.channel.app_error",
    ),
    "channel with a lone surrogate": Rejected(
        b'{"text": "hi", "channel": "\\ud800"}', 404, "web.incoming_webhook.channel.app_error"
    ),
    "DM to a user named with NUL": Rejected(
        b'{"text": "hi", "channel": "@admin\\u0000"}', 400, "web.incoming_webhook.user.app_error"
    ),
    "root_id with NUL": Rejected(
        b'{"text": "hi", "root_id": "\\u0000"}', 400, "api.post.create_post.root_id.app_error"
    ),
    "root_id longer than the column": Rejected(
        b'{"text": "hi", "root_id": "' + b"r" * 5_000 + b'"}',
        400,
        "api.post.create_post.root_id.app_error",
    ),
    "multipart boundary of 300 characters": Rejected(
        multipart([("text", "hi")], "b" * 300),
        400,
        DECODE,
        "multipart",
        f"multipart/form-data; boundary={'b' * 300}",
    ),
    "multipart boundary that is not UTF-8": Rejected(
        multipart([("text", "hi")]),
        400,
        DECODE,
        "multipart",
        'multipart/form-data; boundary="\xff\xfe"',
    ),
    "multipart props nested 10,000 deep": Rejected(
        multipart([("text", "hi"), ("props", nested(10_000))]),
        400,
        DECODE,
        "props",
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    "multipart attachments that are not JSON": Rejected(
        multipart([("text", "hi"), ("attachments", "[{")]),
        400,
        DECODE,
        "attachments",
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    "form payload with a raw NUL": Rejected(
        b"payload=%7B%22text%22%3A%22a%00b%22%7D", 400, DECODE, "", FORM
    ),
}
WRONG_TYPES = {
    "text": 1,
    "channel": [],
    "username": {},
    "icon_url": True,
    "icon_emoji": 1.5,
    "type": ["custom_x"],
    "root_id": 7,
    "attachments": {},
    "props": "x",
    "priority": "urgent",
    "blocks": "x",
}
WRONG_ATTACHMENT_TYPES = {
    "attachments[0]": ["x"],
    "attachments[0].title": {"title": 1},
    "attachments[0].fields": {"fields": {}},
    "attachments[0].fields[0]": {"fields": ["x"]},
    "attachments[0].fields[0].title": {"fields": [{"title": []}]},
    "attachments[0].fields[0].short": {"fields": [{"short": "maybe"}]},
    "attachments[0].ts": {"ts": []},
    "attachments[0].blocks": {"blocks": "x"},
}


@pytest.fixture
def hook(api: Api) -> dict[str, Any]:
    return api.new_hook()


def stored(api: Api) -> tuple[list[dict[str, Any]], int]:
    """The posts in town-square and its message counter (to see half-written commits)."""
    channel = api.channel("town-square")
    return api.posts(channel["id"], per_page=200), channel["total_msg_count"]


def assert_rejected(api: Api, key: str, case: Rejected) -> None:
    before = stored(api)
    response = api.client.post(
        f"/hooks/{key}",
        content=case.body,
        headers={"Content-Type": case.content_type.encode("latin-1")},
    )
    body = assert_error(response, case.status, case.error_id)
    assert case.says in body["message"], body
    assert stored(api) == before


@pytest.mark.parametrize("case", REJECTED.values(), ids=REJECTED.keys())
def test_hostile_payload_is_a_4xx_and_stores_nothing(
    api: Api, hook: dict[str, Any], case: Rejected
) -> None:
    assert_rejected(api, hook["id"], case)


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES.items(), ids=WRONG_TYPES.keys())
def test_every_field_of_the_wrong_type_is_a_400_naming_it(
    api: Api, hook: dict[str, Any], field: str, value: Any
) -> None:
    body = json.dumps({"text": "hi", field: value}).encode()
    assert_rejected(api, hook["id"], Rejected(body, 400, DECODE, field))


@pytest.mark.parametrize(
    ("where", "attachment"), WRONG_ATTACHMENT_TYPES.items(), ids=WRONG_ATTACHMENT_TYPES.keys()
)
def test_every_attachment_field_of_the_wrong_type_is_a_400_naming_it(
    api: Api, hook: dict[str, Any], where: str, attachment: Any
) -> None:
    body = json.dumps({"attachments": [attachment]}).encode()
    assert_rejected(api, hook["id"], Rejected(body, 400, DECODE, where))


CLEANED = {
    "lone high surrogate": (b'{"text": "a\\ud800b"}', "a\ufffdb"),
    "lone low surrogate": (b'{"text": "a\\uDC00b"}', "a\ufffdb"),
    "surrogates in the wrong order": (b'{"text": "\\udc00\\ud800"}', "\ufffd\ufffd"),
    "high surrogate at the end": (b'{"text": "a\\ud83d"}', "a\ufffd"),
    "a valid pair stays": (b'{"text": "\\ud83d\\ude00 \\u00e9"}', "\U0001f600 \u00e9"),
    "an escaped backslash is not an escape": (b'{"text": "\\\\ud800"}', "\\ud800"),
    "NUL escape": (b'{"text": "a\\u0000b"}', "a\ufffdb"),
    "surrogate in a key": (b'{"\\ud800": 1, "text": "hi"}', "hi"),
    "invalid UTF-8": (b'{"text": "a\xed\xa0\x80b"}', "a\ufffd\ufffd\ufffdb"),
}


@pytest.mark.parametrize(("body", "text"), CLEANED.values(), ids=CLEANED.keys())
def test_lone_surrogates_and_nul_are_stored_as_replacement_characters(
    api: Api, hook: dict[str, Any], body: bytes, text: str
) -> None:
    response = api.send(hook["id"], content=body)
    assert response.status_code == 200, response.text
    assert [p["message"] for p in stored(api)[0]] == [text]


def test_cleaning_reaches_every_string_props_attachments_and_type(
    api: Api, hook: dict[str, Any]
) -> None:
    api.patch_config(
        "ServiceSettings", EnablePostUsernameOverride=True, EnablePostIconOverride=True
    )
    bad = "\\ud800\\u0000"
    body = (
        f'{{"text": "hi", "username": "u{bad}", "icon_url": "https://x/{bad}", '
        f'"type": "custom_{bad}", "props": {{"k{bad}": ["v{bad}"]}}, '
        f'"attachments": [{{"title": "t{bad}", "fields": [{{"title": "f{bad}", "value": "v{bad}"}}]}}]}}'
    ).encode()
    assert api.send(hook["id"], content=body).status_code == 200
    [post] = stored(api)[0]
    two = "\ufffd\ufffd"
    assert post["props"]["override_username"] == f"u{two}"
    assert post["props"]["override_icon_url"] == f"https://x/{two}"
    assert post["props"][f"k{two}"] == [f"v{two}"]
    attachment = post["props"]["attachments"][0]
    assert attachment["title"] == f"t{two}"
    assert attachment["fields"][0] == {"title": f"f{two}", "value": f"v{two}", "short": False}
    assert post["type"] == "slack_attachment"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=%7B%22text%22%3A%22a%5Cud800b%22%7D", FORM),
        (multipart([("text", b"a\x00b")]), f"multipart/form-data; boundary={BOUNDARY}"),
        (
            multipart([("text", "x"), ("props", '{"k": "a\\ud800b"}')]),
            f"multipart/form-data; boundary={BOUNDARY}",
        ),
    ],
    ids=["form", "multipart text with NUL", "multipart props with a surrogate"],
)
def test_form_and_multipart_are_cleaned_too(
    api: Api, hook: dict[str, Any], body: bytes, content_type: str
) -> None:
    response = api.send(hook["id"], content=body, content_type=content_type)
    assert response.status_code == 200, response.text
    [post] = stored(api)[0]
    assert "a\ufffdb" in (post["message"], post["props"].get("k"))


def test_type_with_nul_is_cleaned_and_kept(api: Api, hook: dict[str, Any]) -> None:
    response = api.send(hook["id"], content=b'{"text": "hi", "type": "custom_\\u0000"}')
    assert response.status_code == 200, response.text
    assert stored(api)[0][0]["type"] == "custom_\ufffd"


def test_huge_numbers_are_stored_or_rejected_never_a_5xx(api: Api, hook: dict[str, Any]) -> None:
    ok = api.send(hook["id"], content=b'{"text": "hi", "props": {"a": 1e400, "b": 1e30}}')
    assert ok.status_code == 200, ok.text
    assert stored(api)[0][0]["props"]["b"] == 1e30
    big = b'{"text": "hi", "props": {"a": 123456789012345678901234567890123}} x'
    assert api.send(hook["id"], content=big).status_code in (200, 400)


def test_long_overrides_are_stored(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config(
        "ServiceSettings", EnablePostUsernameOverride=True, EnablePostIconOverride=True
    )
    body = {"text": "hi", "username": "u" * 10_000, "icon_url": "https://x/" + "i" * 10_000}
    assert api.send(hook["id"], body).status_code == 200
    assert len(stored(api)[0][0]["props"]["override_username"]) == 10_000


@pytest.mark.parametrize("mark", ["<@", "@"], ids=["slack ids", "mentions"])
def test_more_references_than_a_query_can_bind(api: Api, hook: dict[str, Any], mark: str) -> None:
    """40,000 distinct ids or names: more than one statement's bind parameters (32,767). Every
    name is looked up; of the Slack ids, the first 1,000 in sorted order."""
    api.patch_config("ServiceSettings", MaximumPayloadSizeBytes=1_000_000)
    user, _ = api.new_user("zed")
    body = refs(40_000, mark)
    body = body[:-2] + f" {mark}{user['id' if mark == '<@' else 'username']}".encode()
    body += b'>"}' if mark == "<@" else b'"}'
    response = api.send(hook["id"], content=body)
    assert response.status_code == 200, response.text
    [*pieces] = stored(api)[0]
    assert "@zed" in pieces[0]["message"]  # the last piece, newest first


def test_multipart_with_10000_parts(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config("ServiceSettings", MaximumPayloadSizeBytes=1_000_000)
    parts: list[tuple[str, str | bytes]] = [(f"x{i}", "v") for i in range(10_000)]
    body = multipart([*parts, ("text", "hi")])
    response = api.send(
        hook["id"], content=body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code == 200, response.text
    assert [p["message"] for p in stored(api)[0]] == ["hi"]


# The writer's defence in depth: a message the database still rejects fails alone.


def _batch(api: Api, message: str) -> PostBatch:
    channel_id = api.channel("town-square")["id"]
    channel = api.client.portal.call(_channel, api, channel_id)  # type: ignore[union-attr]
    now = now_ms()
    post = Post(new_time_id(now), channel.id, api.admin["id"], message, now, now)
    return PostBatch(channel, [post])


async def _channel(api: Api, channel_id: str) -> Any:
    from inbound.store import channels as channel_store

    async with api.ctx.db.connect() as conn:
        return await channel_store.get_channel_by_id(conn, channel_id, include_deleted=False)


async def _write_all(api: Api, batches: list[PostBatch]) -> list[BaseException | None]:
    results = await asyncio.gather(
        *(api.ctx.writer.write(b) for b in batches), return_exceptions=True
    )
    return [r if isinstance(r, BaseException) else None for r in results]


def test_a_poison_message_in_a_group_commit_fails_alone_in_few_commits(api: Api) -> None:
    """The database rejects one message of 64 (a lone surrogate got past every check): the 63
    others commit, the poison gets an error, and the batch is bisected, not retried one by one."""
    writer = api.ctx.writer
    commits = 0
    commit = writer.backend.commit

    async def counting(plan: Any) -> Any:
        nonlocal commits
        commits += 1
        return await commit(plan)

    writer.backend.commit = counting  # type: ignore[method-assign]
    batches = [_batch(api, f"m{i}") for i in range(64)]
    batches[37] = _batch(api, "poison \ud800")
    results = api.client.portal.call(_write_all, api, batches)  # type: ignore[union-attr]
    assert [i for i, r in enumerate(results) if r is not None] == [37]
    messages = {p["message"] for p in stored(api)[0]}
    assert messages == {f"m{i}" for i in range(64) if i != 37}
    # One failed commit of 64, then halves down to the poison: about 2·log2(64) commits, not 64.
    assert commits <= 2 + 2 * 6 + 2, commits
    assert writer.split_commits <= 6


POISON = [
    b'{"text": "\\ud800"}',
    b'{"text": "a\\u0000b", "props": {"\\u0000": "\\udfff"}}',
    b'{"text": "hi", "type": "custom_' + b"x" * 80 + b'"}',
    b'{"text": "hi", "attachments": [{"fields": [{"value": ' + nested(300) + b"}]}]}",
]


async def _send_all(api: Api, key: str, bodies: list[bytes]) -> list[int]:
    """The hook endpoint called in-process, every request in flight at once."""
    from inbound.web.hooks import HookEndpoint

    endpoint = HookEndpoint(api.runtime)
    path = f"/hooks/{key}"

    async def one(body: bytes) -> int:
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        scope = {
            "type": "http",
            "method": "POST",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(b"content-type", b"application/json")],
            "client": ("127.0.0.1", 1234),
        }
        await endpoint(scope, receive, send)
        return status

    return list(await asyncio.gather(*(one(b) for b in bodies)))


def test_hostile_senders_never_split_a_group_commit(api: Api, hook: dict[str, Any]) -> None:
    """Hostile messages sent alongside 60 good ones are cleaned or refused before the writer:
    every good message is stored and no group commit fails and splits."""
    good = [json.dumps({"text": f"good {i}"}).encode() for i in range(60)]
    bodies = [*good[:30], *POISON, *good[30:]]
    statuses = api.client.portal.call(_send_all, api, hook["id"], bodies)  # type: ignore[union-attr]
    assert statuses == [200] * 30 + [200, 200, 400, 400] + [200] * 30
    assert api.ctx.writer.split_commits == 0
    messages = {p["message"] for p in stored(api)[0]}
    assert messages >= {f"good {i}" for i in range(60)}
