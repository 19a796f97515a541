"""Prometheus Alertmanager's ``webhook_config`` (payload version "4") → a post per notification.

Alertmanager sends one JSON body per notification of an alert group: ``status`` (``firing`` or
``resolved``), ``alerts`` (each with labels, annotations, ``startsAt``/``endsAt``,
``generatorURL``, ``fingerprint``), the group's and the common labels and annotations,
``externalURL`` (the Alertmanager itself) and ``truncatedAlerts`` (what ``max_alerts`` left out).
The post is ``alert_group.post``'s; its title links to Alertmanager's alert list for the
receiver, as Alertmanager's own Slack template does.

The event is the body's ``status``. A body of another version (Grafana's contact point, pointed
at this URL, sends "1") is not handled: answered 200, nothing posted, recorded as ignored, since
the tool would only retry it.

Signing: Alertmanager has no request signature, but its ``http_config`` can send
``Authorization: Bearer <credentials>``. A hook with a signing secret requires exactly that, with
the secret as the credentials (compared in constant time; the scheme's case does not matter).
"""

from __future__ import annotations

from typing import Any

from inbound.webhooks.native import Headers, PayloadError
from inbound.webhooks.native.alert_group import STATUSES, base_url, post, query, text
from inbound.webhooks.native.authorization import bearer

VERSION = "4"
TOOL = "Alertmanager"
MAX_EVENT = 32


def event(headers: Headers, payload: Any) -> str:
    """``firing``/``resolved`` for a version-4 body; ``version <v>`` for another version."""
    if not isinstance(payload, dict):
        return ""
    version = payload.get("version")
    if version != VERSION:
        return f"version {text(version)[:MAX_EVENT] or 'missing'}"
    return text(payload.get("status"))[:MAX_EVENT]


def translate(event: str, payload: Any) -> dict[str, Any] | None:
    if not isinstance(payload, dict):
        raise PayloadError("An Alertmanager notification is a JSON object.")
    if payload.get("version") != VERSION:
        return None
    if event not in STATUSES:
        raise PayloadError("status must be firing or resolved.")
    receiver = text(payload.get("receiver"))
    base = base_url(payload)
    alerts_url = f"{base}/#/alerts?receiver={query(receiver)}" if base else ""
    return post(payload, tool=TOOL, alerts_url=alerts_url)


def verify(secret: str, headers: Headers, body: bytes) -> bool:
    """Whether the request carries ``Authorization: Bearer <secret>``."""
    return bearer(secret, headers)
