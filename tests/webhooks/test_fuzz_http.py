"""Fuzz ``POST /hooks/{key}`` through HTTP on both databases: whatever the body and content
type (nested structures, lone surrogates, NULs, huge numbers, Block Kit shapes), the answer is
200 or a 4xx with a Mattermost-shaped error id, never a 5xx.
"""

from __future__ import annotations

import json
import urllib.parse
import weakref
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api
from tests.webhooks.test_properties import FIELDS

BOUNDARY = "fuzzb"
# The payload's own field names (shared with the property tests), plus Block Kit's
KEYS = [
    *FIELDS,
    "ts",
    "actions",
    "elements",
    "indent",
    "style",
    "accessory",
    "url",
    "image_url",
    "alt_text",
    "requested_ack",
]
HOSTILE_TEXT = [
    "\ud800",
    "\udc00\ud800",
    "a\x00b",
    "\x00",
    "\ufffd",
    "@channel",
    "<@U1>",
    "<#C1|x>",
    "<!here>",
    "custom_x",
    "slack_attachment",
    "rich_text",
    "rich_text_list",
    "rich_text_section",
    "section",
    "mrkdwn",
    "urgent",
    "town-square",
    "@admin",
    "```",
    "x" * 70,
]
# Characters the databases reject (lone surrogates, NUL) drawn often, not by luck.
hostile_chars = st.sampled_from(["\ud800", "\udfff", "\x00", "\\", '"', "@", "<", "\n"])
texts = st.sampled_from(HOSTILE_TEXT) | st.text(
    alphabet=hostile_chars | st.characters(exclude_categories=()), max_size=20
)
numbers = (
    st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([2**63, -(2**63) - 1, 10**400, 1e308, float("inf"), float("nan")])
)
scalars = st.none() | st.booleans() | numbers | texts
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | texts, inner, max_size=5)
    ),
    max_leaves=25,
)
fields = st.fixed_dictionaries({}, optional={"title": texts, "value": scalars, "short": scalars})
attachments = st.fixed_dictionaries(
    {},
    optional={
        "text": texts,
        "pretext": texts,
        "title": texts,
        "fallback": texts,
        "fields": st.lists(fields, max_size=3),
        "ts": numbers | texts,
        "actions": st.lists(values, max_size=2),
    },
)
blocks = st.fixed_dictionaries(
    {"type": st.sampled_from(["section", "rich_text", "context", "header", "image"]) | texts},
    optional={"text": values, "elements": values, "fields": values, "accessory": values},
)
# Well-typed payloads reach the database; the rest test the decoder's type checks.
well_typed = st.fixed_dictionaries(
    {"text": texts.map(lambda t: t + " x")},
    optional={
        "channel": st.sampled_from(["", "town-square", "@admin"]) | texts,
        "username": texts,
        "icon_url": texts,
        "icon_emoji": texts,
        "type": st.sampled_from(["", "custom_x", "slack_attachment"]) | texts,
        "attachments": st.lists(attachments, max_size=3),
        "props": st.dictionaries(texts, values, max_size=4),
        "blocks": st.lists(blocks, max_size=3),
        "priority": st.fixed_dictionaries({"priority": st.sampled_from(["", "urgent"]) | texts}),
    },
)
payloads = well_typed | st.dictionaries(st.sampled_from(KEYS), values, max_size=6)
CONTENT_TYPES = [
    "application/json",
    "",
    "text/plain",
    "application/x-www-form-urlencoded",
    f"multipart/form-data; boundary={BOUNDARY}",
]
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _json(value: Any, ascii_only: bool) -> bytes:
    """JSON as senders write it: \\uXXXX escapes (lone surrogates too), or raw UTF-8 where a
    lone surrogate becomes bytes no UTF-8 decoder accepts."""
    text = json.dumps(value, ensure_ascii=ascii_only, allow_nan=True)
    return text.encode("utf-8", "surrogatepass")


def _multipart(payload: dict[str, Any], ascii_only: bool) -> bytes:
    out = b""
    for key, value in payload.items():
        raw = value if isinstance(value, str) else json.dumps(value, ensure_ascii=ascii_only)
        out += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
            + raw.encode("utf-8", "surrogatepass")
            + b"\r\n"
        )
    return out + f"--{BOUNDARY}--\r\n".encode()


def encode(payload: Any, content_type: str, ascii_only: bool) -> bytes:
    if content_type.startswith("multipart/") and isinstance(payload, dict):
        return _multipart(payload, ascii_only)
    body = _json(payload, ascii_only)
    if content_type == "application/x-www-form-urlencoded":
        return b"payload=" + urllib.parse.quote_from_bytes(body).encode()
    return body


_hooks: weakref.WeakKeyDictionary[Api, str] = weakref.WeakKeyDictionary()


def hook_key(api: Api) -> str:
    """One hook per test (hypothesis reuses the function's fixtures for every example)."""
    if api not in _hooks:
        api.patch_config(
            "ServiceSettings", EnablePostUsernameOverride=True, EnablePostIconOverride=True
        )
        _hooks[api] = api.new_hook()["id"]
    return _hooks[api]


def check(api: Api, body: bytes, content_type: str) -> None:
    response = api.send(hook_key(api), content=body, content_type=content_type)
    status = response.status_code
    assert status == 200 or 400 <= status < 500, (status, response.text, body[:300])
    if status != 200:
        error = response.json()
        assert error["id"] and error["message"] and error["status_code"] == status, error
        assert error["id"] != "web.incoming_webhook.invalid.app_error"  # the hook is real


@SETTINGS
@given(
    payload=payloads,
    content_type=st.sampled_from(CONTENT_TYPES),
    ascii_only=st.booleans(),
)
def test_any_payload_is_200_or_a_4xx(
    api: Api, payload: dict[str, Any], content_type: str, ascii_only: bool
) -> None:
    check(api, encode(payload, content_type, ascii_only), content_type)


@SETTINGS
@given(
    depth=st.integers(1, 3_000),
    shape=st.sampled_from(
        [(b"[", b"]"), (b'{"a":', b"}"), (b'{"type":"rich_text","elements":[', b"]}")]
    ),
    inner=st.sampled_from([b"1", b'"\\ud800"', b'"\\u0000"', b"1e400", b'"a\xffb"']),
    where=st.sampled_from(["text", "props", "attachments", "blocks"]),
)
def test_any_nesting_is_200_or_a_4xx(
    api: Api, depth: int, shape: tuple[bytes, bytes], inner: bytes, where: str
) -> None:
    opener, closer = shape
    nested = opener * depth + inner + closer * depth
    check(api, b'{"text": "hi", "' + where.encode() + b'": ' + nested + b"}", "application/json")


@SETTINGS
@given(body=st.binary(max_size=300), content_type=st.sampled_from([*CONTENT_TYPES, "a/b; c"]))
def test_any_bytes_are_200_or_a_4xx(api: Api, body: bytes, content_type: str) -> None:
    check(api, body, content_type)
