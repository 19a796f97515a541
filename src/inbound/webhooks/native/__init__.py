"""Senders that do not speak Slack (senders.md §8): ``POST /hooks/{key}/{source}``.

Each source is one sub-package of this folder (``github/``, ``gitlab/``, ``alertmanager/``,
``grafana/``) holding its translator and, under ``samples/``, the real payloads it was written
against (each with a ``.source.txt`` saying where it came from). Adding a source means adding a
folder: ``SOURCES`` finds them.

A source module provides:

- ``event(headers, payload) -> str``: the event type, from the tool's header
  (``X-GitHub-Event``, ``X-Gitlab-Event``) or from the body;
- ``translate(event, payload) -> dict | None``: a Slack-style message (``text``,
  ``attachments``, ``username``, ``icon_url``…) that then takes the ordinary hook path, or
  ``None`` for an event type it does not handle (answered 200, nothing posted, recorded as
  ignored: the tools retry on errors); a payload of the right event whose shape is wrong
  raises ``PayloadError`` (400);
- ``verify(secret, headers, body) -> bool``: whether a request to a hook with a signing secret
  proves it knows the secret, the tool's own way (GitHub's ``X-Hub-Signature-256``…).

Pure: no I/O; headers are a mapping of lower-case byte names to byte values, as ASGI gives them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from types import ModuleType
from typing import Any, Protocol, cast

from inbound.errors import BadRequestError
from inbound.webhooks.decode import decode as decode_request
from inbound.webhooks.decode import decode_value
from inbound.webhooks.payload import WebhookRequest, normalise

PAYLOAD_ERROR = "web.incoming_webhook.native.payload.app_error"
Headers = Mapping[bytes, bytes]


class PayloadError(BadRequestError):
    """The body is not a payload this source's tool sends for its event type."""

    def __init__(self, message: str) -> None:
        super().__init__(PAYLOAD_ERROR, message)


class Source(Protocol):
    def event(self, headers: Headers, payload: Any) -> str: ...

    def translate(self, event: str, payload: Any) -> dict[str, Any] | None: ...

    def verify(self, secret: str, headers: Headers, body: bytes) -> bool: ...


def _discover() -> dict[str, Source]:
    found: dict[str, Source] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            module: ModuleType = importlib.import_module(f"{__name__}.{info.name}")
            found[info.name] = cast(Source, module)
    return found


SOURCES: dict[str, Source] = _discover()


def decode(
    source: Source | None, headers: Headers, body: bytes, content_type: str, query: bytes
) -> WebhookRequest | None:
    """The request as a ``WebhookRequest``: Slack's and Mattermost's formats without a
    ``source``, else the tool's payload translated (``None``: an event it does not handle)."""
    if source is None:
        return decode_request(body, content_type, query)
    value = decode_value(body, content_type, query)
    payload = source.translate(source.event(headers, value), value)
    return None if payload is None else normalise(payload)
