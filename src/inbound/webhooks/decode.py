"""Body + Content-Type → ``WebhookRequest``, with every tolerance real senders rely on.

- form (``payload=``, encoded or not, or in the query string), multipart (Slack's and
  Mattermost's field names), JSON for anything else (and a bare ``payload=`` body with no
  Content-Type at all);
- only the first JSON value counts, invalid UTF-8 becomes U+FFFD, and a body that fails only
  because of raw newlines/tabs inside text fields is rescued once;
- what no database can store never gets past here: a lone UTF-16 surrogate escape (``\\ud800``)
  becomes U+FFFD, as Go's encoding/json (so Mattermost) decodes it, and so does NUL (``\\u0000``,
  or a raw NUL in a multipart field), as CommonMark asks of renderers; JSON nested deeper than the
  parsers go is a 400, never a ``RecursionError``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qs

import orjson
from python_multipart.multipart import parse_options_header

from inbound.webhooks.multipart import form_fields
from inbound.webhooks.payload import DECODE_ERROR, DecodeError, WebhookRequest, normalise

MEDIA_TYPE_ERROR = "web.incoming_webhook.media_type.app_error"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MEDIA_TYPE = re.compile(rf"^{_TOKEN}/{_TOKEN}$")
_PARAM = re.compile(rf"^\s*{_TOKEN}\s*=\s*(?:{_TOKEN}|\"[^\"]*\")\s*$")
_RESCUE_KEY = re.compile(
    r'"(?:text|fallback|pretext|author_name|title|value)"\s*:\s*"', re.IGNORECASE
)
# The escapes a database rejects once decoded: lone surrogates (both), NUL (PostgreSQL). The
# pass walks escapes left to right, so ``\\ud800`` (an escaped backslash, then text) is left
# alone and a high+low pair is kept.
_ESCAPE = re.compile(
    rb"\\\\"
    rb"|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    rb"|\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)"
)
_LONE_ESCAPE_LENGTH = 6  # \uXXXX; the pair is 12, the escaped backslash 2
_MULTIPART_ALIASES = {"channelname": "channel", "iconurl": "icon_url", "iconemoji": "icon_emoji"}
_MULTIPART_JSON = ("attachments", "props")


@functools.lru_cache(maxsize=256)  # senders repeat a handful of headers (not the exceptions)
def media_type(content_type: str) -> tuple[str, Mapping[str, str]]:
    """``(type, params)`` of a Content-Type header; a malformed header is a 400."""
    if not content_type.strip():
        return "", MappingProxyType({})
    main, *params = content_type.split(";")
    kind = main.strip().lower()
    if not _MEDIA_TYPE.match(kind) or not all(_PARAM.match(p) for p in params if p.strip()):
        raise DecodeError(
            MEDIA_TYPE_ERROR, f"The Content-Type header {content_type!r} is malformed."
        )
    _, options = parse_options_header(content_type)
    return kind, MappingProxyType(
        {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in options.items()}
    )


def decode(body: bytes, content_type: str = "", query: bytes = b"") -> WebhookRequest:
    return normalise(decode_value(body, content_type, query))


def decode_value(body: bytes, content_type: str = "", query: bytes = b"") -> Any:
    """The body's value before ``normalise``: the JSON value, or the multipart fields as an
    object (an edit needs it to tell which fields were sent)."""
    kind, params = media_type(content_type)
    if kind == FORM:
        return parse_json(form_payload(body, query))
    if kind == MULTIPART:
        return multipart_fields(body, params.get("boundary", ""))
    if not kind and body.lstrip().startswith(b"payload="):
        return parse_json(form_payload(body, query))
    return parse_json(body)


def form_payload(body: bytes, query: bytes) -> bytes:
    """The ``payload`` form field: percent-encoded, or raw JSON as ``curl -d`` sends it."""
    stripped = body.strip()
    if stripped.startswith(b"payload="):
        raw = stripped[len(b"payload=") :]
        if raw[:1] in (b"{", b"[") and b"&" not in raw.rsplit(b"}", 1)[-1]:
            return raw  # unencoded JSON: percent signs and plus signs in it are literal
    text = body.decode("utf-8", "replace")
    values = parse_qs(text, keep_blank_values=True).get("payload") or parse_qs(
        query.decode("utf-8", "replace"), keep_blank_values=True
    ).get("payload")
    if not values or not values[0].strip():
        raise DecodeError(DECODE_ERROR, "The form has no payload field holding the JSON message.")
    return values[0].encode()


def multipart_fields(body: bytes, boundary: str) -> dict[str, Any]:
    """The non-file parts by field name (aliases folded), ``attachments``/``props`` parsed."""
    if not boundary:
        raise DecodeError(DECODE_ERROR, "The multipart body has no boundary.")
    fields: dict[str, Any] = {}
    for name, value in form_fields(body, boundary):
        key = _MULTIPART_ALIASES.get(name.lower(), name.lower())
        if key in _MULTIPART_JSON and value.strip():
            try:
                fields[key] = parse_json(value.encode())
            except DecodeError as error:
                raise DecodeError(
                    DECODE_ERROR, f"The {name} part must hold JSON: {error.message}"
                ) from None
        elif key not in _MULTIPART_JSON:
            fields[key] = value.replace("\0", "\ufffd") if "\0" in value else value
    return fields


def parse_json(body: bytes) -> Any:
    """The first JSON value in ``body``; trailing bytes are ignored."""
    if b"\\" in body and b"\\u0000" in body:  # orjson decodes NUL; no database stores it
        body = clean_escapes(body)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    if b"\\u" in body:  # orjson refuses lone surrogates: replace them and parse again
        body = clean_escapes(body)
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    text = body.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text:
        raise DecodeError(DECODE_ERROR, "The request body is empty; send a JSON message.")
    try:
        return _first_value(text)
    except RecursionError:  # the stdlib parser recurses; it stops cleanly at the limit
        raise DecodeError(DECODE_ERROR, "The JSON is nested too deeply.") from None
    except ValueError as first_error:
        try:
            return _first_value(rescue_control_chars(text))
        except (ValueError, RecursionError):
            raise DecodeError(
                DECODE_ERROR, f"Unable to parse the incoming data as JSON: {first_error}."
            ) from None


def clean_escapes(body: bytes) -> bytes:
    """Lone surrogate and NUL escapes → ``\\ufffd``; pairs and everything else kept."""
    return _ESCAPE.sub(_clean_escape, body)


def _clean_escape(match: re.Match[bytes]) -> bytes:
    token = match.group()
    return b"\\ufffd" if len(token) == _LONE_ESCAPE_LENGTH else token


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _first_value(text: str) -> Any:
    value, _end = _DECODER.raw_decode(text)
    return value


def rescue_control_chars(text: str) -> str:
    """Escape raw newlines/tabs/CRs inside the string values of the text-bearing keys."""
    out: list[str] = []
    pos = 0
    for match in _RESCUE_KEY.finditer(text):
        if match.start() < pos:
            continue
        out.append(text[pos : match.end()])
        i = match.end()
        while i < len(text) and text[i] != '"':
            char = text[i]
            if char == "\\" and i + 1 < len(text):
                out.append(text[i : i + 2])
                i += 2
                continue
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, char))
            i += 1
        pos = i
    out.append(text[pos:])
    return "".join(out)


__all__ = [
    "clean_escapes",
    "decode",
    "decode_value",
    "media_type",
    "parse_json",
    "rescue_control_chars",
]
