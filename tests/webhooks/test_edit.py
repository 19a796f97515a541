"""``webhooks.edit``: which fields an edit body sets, and the post's new values (pure, no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from inbound.errors import BadRequestError
from inbound.models import Post
from inbound.webhooks.edit import EMPTY, TOO_LONG, check, decode_edit, edited
from inbound.webhooks.message import Identity
from inbound.webhooks.slack import NO_LOOKUPS

SERVER = {"from_webhook": "true", "webhook_display_name": "CI", "override_username": "ci"}
OVERRIDES = Identity(display_name="CI", username="hookname", username_override=True)


def post(**values: Any) -> Post:
    defaults: dict[str, Any] = {"props": {**SERVER, "mine": 1}}
    return Post("p" * 26, "c" * 26, "u" * 26, "old", **{**defaults, **values})


@pytest.mark.parametrize(
    ("body", "content_type", "fields"),
    [
        (b'{"text": "x"}', "application/json", {"text"}),
        (b'{"Text": "x", "ICON_URL": "y"}', "", {"text", "icon_url"}),
        (b'{"text": null, "props": {}}', "", {"props"}),
        (b'{"channel": "x", "root_id": "y", "type": "custom_a", "priority": null}', "", set()),
        (b"null", "", set()),
        (b'payload={"attachments": []}', "application/x-www-form-urlencoded", {"attachments"}),
        (
            b'--b\r\nContent-Disposition: form-data; name="iconemoji"\r\n\r\ntada\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
            {"icon_emoji"},
        ),
    ],
    ids=["json", "any-case", "null-is-absent", "ignored-keys", "null", "form", "multipart-alias"],
)
def test_fields_present(body: bytes, content_type: str, fields: set[str]) -> None:
    assert decode_edit(body, content_type).fields == fields


def test_nothing_to_change_is_refused() -> None:
    with pytest.raises(BadRequestError) as refused:
        check(decode_edit(b"{}"))
    assert refused.value.error_id == EMPTY


def new(body: bytes, *, of: Post | None = None, limit: int = 100, **kw: Any) -> dict[str, Any]:
    kw.setdefault("identity", OVERRIDES)
    return edited(of or post(), decode_edit(body), NO_LOOKUPS, limit=limit, **kw)


@pytest.mark.parametrize(
    ("body", "message", "props", "post_type"),
    [
        (b'{"text": "new"}', "new", {**SERVER, "mine": 1}, ""),
        (b'{"props": {"x": 2, "from_webhook": "no"}}', "old", {**SERVER, "x": 2}, ""),
        (
            b'{"attachments": [{"text": "a"}]}',
            "old",
            {**SERVER, "mine": 1, "attachments": [{"text": "a", "fields": []}]},
            "slack_attachment",
        ),
        (b'{"username": ""}', "old", {**SERVER, "mine": 1, "override_username": "hookname"}, ""),
        (b'{"icon_url": "https://i"}', "old", {**SERVER, "mine": 1}, ""),  # icon override off
        (b'{"text": "<https://e.x|e>"}', "[e](https://e.x)", {**SERVER, "mine": 1}, ""),
    ],
    ids=["text", "props", "attachments", "username-fallback", "icon-not-allowed", "slack-link"],
)
def test_new_values(body: bytes, message: str, props: dict[str, Any], post_type: str) -> None:
    assert new(body) == {"message": message, "props": props, "type": post_type}


def test_removing_attachments_resets_the_type_but_keeps_a_custom_one() -> None:
    attached = post(type="slack_attachment", props={**SERVER, "attachments": [{"text": "a"}]})
    assert new(b'{"attachments": []}', of=attached)["type"] == ""
    custom = post(type="custom_x")
    assert new(b'{"attachments": []}', of=custom)["type"] == "custom_x"


def test_slack_format_converts_mrkdwn() -> None:
    assert new(b'{"text": "*bold*"}', slack=True)["message"] == "**bold**"


@pytest.mark.parametrize(
    ("body", "error_id"),
    [
        (b'{"text": "' + b"x" * 101 + b'"}', TOO_LONG),
        (b'{"text": ""}', "web.incoming_webhook.text.app_error"),
        (
            b'{"attachments": [{"text": "' + b"y" * 800_000 + b'"}]}',
            "web.incoming_webhook.split_props_length.app_error",
        ),
    ],
    ids=["too-long", "left-empty", "props-too-large"],
)
def test_refused_edits(body: bytes, error_id: str) -> None:
    with pytest.raises(BadRequestError) as refused:
        new(body)
    assert refused.value.error_id == error_id
