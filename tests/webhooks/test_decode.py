"""Decoding rules, one row per rule, plus properties: any input is a request or a 4xx."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbound.errors import AppError
from inbound.webhooks.decode import decode, media_type, rescue_control_chars
from inbound.webhooks.payload import DecodeError

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"


def multipart(**fields: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    return ("".join(parts) + f"--{BOUNDARY}--").encode()


@pytest.mark.parametrize(
    ("body", "content_type", "text"),
    [
        (b'{"text": "hi"}', JSON, "hi"),
        (b'{"text": "hi"}', "", "hi"),
        (b'{"text": "hi"}', "text/plain", "hi"),
        (b'{"text": "hi"}', "application/json; charset=utf-8", "hi"),
        (b'{"text": "hi"}\n', JSON, "hi"),
        (b'{"text": "hi"} trailing {"text": "no"}', JSON, "hi"),
        (b'{"Text": "hi"}', JSON, "hi"),
        (b'{"TEXT": "no", "text": "hi"}', JSON, "hi"),
        (b'{"text": "caf\xe9"}', JSON, "caf\ufffd"),
        (b"null", JSON, ""),
        (b'{"text": null}', JSON, ""),
        (b'{"text": "a\nb\tc"}', JSON, "a\nb\tc"),
        (b"payload=%7B%22text%22%3A%22a+b%22%7D", FORM, "a b"),
        (b'payload={"text": "100% + raw"}', FORM, "100% + raw"),
        (b'payload={"text": "x"}', "AppLicaTion/x-www-Form-urlencoded; charset=utf-8", "x"),
        (b'payload={"text": "no header"}', "", "no header"),
        (b'payload={"text":"tab\tand\nnewline"}', FORM, "tab\tand\nnewline"),
        (b"other=1&payload=%7B%22text%22%3A%22hi%22%7D", FORM, "hi"),
        (
            multipart(text="from multipart", username="bot"),
            f"multipart/form-data; boundary={BOUNDARY}",
            "from multipart",
        ),
    ],
    ids=[
        "json",
        "no-content-type",
        "text-plain",
        "charset",
        "trailing-newline",
        "first-value-only",
        "key-case",
        "exact-key-wins",
        "invalid-utf8",
        "null",
        "null-text",
        "raw-control-rescue",
        "form-encoded",
        "form-unencoded",
        "form-mixed-case",
        "bare-payload-no-header",
        "form-raw-newline",
        "form-other-fields",
        "multipart",
    ],
)
def test_decodes(body: bytes, content_type: str, text: str) -> None:
    assert decode(body, content_type).text == text


def test_form_payload_in_query_string() -> None:
    assert decode(b"", FORM, b"payload=%7B%22text%22%3A%22q%22%7D").text == "q"


def test_multipart_accepts_slack_and_mattermost_names() -> None:
    body = multipart(
        text="t",
        channelname="town",
        iconurl="http://i",
        iconemoji="ghost",
        username="u",
        attachments='[{"text": "a"}]',
        props='{"k": 1}',
        unknown="ignored",
    )
    request = decode(body, f"multipart/form-data; boundary={BOUNDARY}")
    assert (request.channel, request.icon_url, request.icon_emoji, request.username) == (
        "town",
        "http://i",
        "ghost",
        "u",
    )
    assert request.attachments[0]["text"] == "a" and request.props == {"k": 1}
    slack = decode(
        multipart(text="t", channel="#x", icon_url="http://j"),
        f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert (slack.channel, slack.icon_url) == ("#x", "http://j")


@pytest.mark.parametrize(
    ("body", "content_type", "error_id", "says"),
    [
        (
            b'payload={"text": "x"}',
            "application/x-www-form-urlencoded wrongtext",
            "web.incoming_webhook.media_type.app_error",
            "Content-Type",
        ),
        (b'{"text": "hi"}', FORM, "web.incoming_webhook.decode.app_error", "payload"),
        (b"payload=", FORM, "web.incoming_webhook.decode.app_error", "payload"),
        (
            b'payload={"text": "Hi", channel: "@jim"}',
            FORM,
            "web.incoming_webhook.decode.app_error",
            "JSON",
        ),
        (
            b'payload={"text":"x"}',
            "mimetype/wrong",
            "web.incoming_webhook.decode.app_error",
            "JSON",
        ),
        (b'{"text": 1}', JSON, "web.incoming_webhook.decode.app_error", "text must be a string"),
        (
            b'{"attachments": {}}',
            JSON,
            "web.incoming_webhook.decode.app_error",
            "attachments must be an array",
        ),
        (
            b'{"props": "x"}',
            JSON,
            "web.incoming_webhook.decode.app_error",
            "props must be an object",
        ),
        (
            b'{"attachments": [{"title": 5}]}',
            JSON,
            "web.incoming_webhook.decode.app_error",
            "attachments[0].title",
        ),
        (
            b'{"attachments": [{}, {}, {"fields": [{"short": "maybe"}]}]}',
            JSON,
            "web.incoming_webhook.decode.app_error",
            "attachments[2].fields[0].short must be true or false",
        ),
        (
            b'{"priority": {"requested_ack": true}}',
            JSON,
            "web.incoming_webhook.decode.app_error",
            "priority",
        ),
        (b"[1, 2]", JSON, "web.incoming_webhook.decode.app_error", "object"),
        (b"", JSON, "web.incoming_webhook.decode.app_error", "empty"),
        (b'{"text": NaN}', JSON, "web.incoming_webhook.decode.app_error", "JSON"),
    ],
    ids=[
        "broken-media-type",
        "form-without-payload",
        "form-empty-payload",
        "unquoted-key",
        "wrong-mimetype-form-body",
        "text-not-string",
        "attachments-object",
        "props-string",
        "attachment-title-int",
        "short-not-bool",
        "priority-without-priority",
        "array",
        "empty",
        "nan",
    ],
)
def test_rejects_with_specific_error(
    body: bytes, content_type: str, error_id: str, says: str
) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(body, content_type)
    assert caught.value.error_id == error_id and caught.value.status == 400
    assert says in caught.value.message


def test_nulls_in_arrays_are_dropped_and_values_stringified() -> None:
    request = decode(
        b'{"attachments":[{"fields":[{"title":"n","value":42,"short":"TRUE"},null,{"value":true},{"value":1.5}]},null]}',
        JSON,
    )
    assert len(request.attachments) == 1
    assert request.attachments[0]["fields"] == [
        {"title": "n", "value": "42", "short": True},
        {"title": "", "value": "true", "short": False},
        {"title": "", "value": "1.5", "short": False},
    ]


def test_all_null_attachments_mean_no_attachments() -> None:
    assert decode(b'{"text": "t", "attachments": [null, null]}', JSON).attachments == []


def test_rescue_only_touches_text_bearing_keys() -> None:
    raw = '{"text": "a\nb", "username": "c\nd"}'
    assert rescue_control_chars(raw) == '{"text": "a\\nb", "username": "c\nd"}'
    with pytest.raises(DecodeError):
        decode(raw.encode(), JSON)


def test_media_type_parsing() -> None:
    assert media_type("Application/JSON; charset=UTF-8") == (
        "application/json",
        {"charset": "UTF-8"},
    )
    assert media_type("") == ("", {})
    with pytest.raises(DecodeError):
        media_type("application/json; charset")


@settings(max_examples=300, deadline=None)
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        ["", JSON, FORM, "text/plain", f"multipart/form-data; boundary={BOUNDARY}", "a b", "x/y; z"]
    ),
)
def test_any_bytes_decode_or_raise_a_4xx(body: bytes, content_type: str) -> None:
    try:
        decode(body, content_type)
    except AppError as error:
        assert 400 <= error.status < 500 and error.error_id and error.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "text",
                    "attachments",
                    "fields",
                    "short",
                    "value",
                    "title",
                    "props",
                    "channel",
                    "priority",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_any_json_value_normalises_or_raises_a_4xx(value: object) -> None:
    try:
        request = decode(json.dumps(value).encode(), JSON)
    except AppError as error:
        assert error.status == 400 and error.error_id == "web.incoming_webhook.decode.app_error"
        return
    assert isinstance(request.text, str)
    assert all(isinstance(f["short"], bool) for a in request.attachments for f in a["fields"])
