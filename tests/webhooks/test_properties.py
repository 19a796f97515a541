"""Through HTTP, any body gives 200 or a 4xx with an error id: never a 500, never a crash."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api

CONTENT_TYPES = [
    "",
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=b",
    "text/plain",
    "application/x-www-form-urlencoded wrongtext",
]
FIELDS = [
    "text",
    "channel",
    "username",
    "icon_url",
    "icon_emoji",
    "attachments",
    "props",
    "type",
    "priority",
    "root_id",
    "blocks",
    "fields",
    "short",
    "value",
    "title",
    "pretext",
]
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4)
    ),
    max_leaves=12,
)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check(api: Api, response_status: int, body: dict | None) -> None:  # type: ignore[type-arg]
    assert response_status == 200 or 400 <= response_status < 500, (response_status, body)
    if response_status != 200:
        assert body is not None and body["id"] and body["message"]


@SETTINGS
@given(body=st.binary(max_size=200), content_type=st.sampled_from(CONTENT_TYPES))
def test_random_bytes(api: Api, body: bytes, content_type: str) -> None:
    hook = api.new_hook()
    response = api.send(hook["id"], content=body, content_type=content_type)
    _check(api, response.status_code, None if response.status_code == 200 else response.json())


@SETTINGS
@given(payload=st.dictionaries(st.sampled_from(FIELDS), values, max_size=6))
def test_random_json_payloads(api: Api, payload: dict) -> None:  # type: ignore[type-arg]
    hook = api.new_hook()
    response = api.send(hook["id"], content=json.dumps(payload).encode())
    _check(api, response.status_code, None if response.status_code == 200 else response.json())
