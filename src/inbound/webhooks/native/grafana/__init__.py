"""Grafana's webhook contact point → a post per notification.

Grafana Alerting (unified alerting, Grafana 8 and later) sends Alertmanager's template data
plus its own fields, as ``version`` "1": ``status``, ``alerts`` (each also with ``silenceURL``,
``dashboardURL``, ``panelURL``, ``imageURL``, ``values``/``valueString``), ``groupLabels``,
``commonLabels``, ``externalURL``, ``truncatedAlerts``, ``orgId``, and a templated
``title``/``message`` that Grafana marks as to be deprecated. The post is ``alert_group.post``'s
(the title computed as Alertmanager's, not Grafana's templated one), with each alert's silence,
dashboard and panel links and its values, the first alert image as the attachment's image, and a
title linking to Grafana's alert list. The event is the body's ``status``.

Grafana's legacy alerting (before 9; a body with ``ruleName``, ``state``, ``evalMatches``,
``ruleUrl``, ``imageUrl``…) is posted too, cheaply: the event is ``legacy <state>``, the post
its title, message, matched values and image. Any other body, such as Alertmanager's version
"4", is not handled (200, nothing posted, recorded as ignored).

Signing: a hook with a signing secret accepts either of Grafana's two ways to prove it:

- the contact point's HMAC signature, set as its secret: ``X-Grafana-Alerting-Signature`` (the
  name Grafana's documentation and form show) or ``X-Grafana-Alert-Signature`` (what Grafana's
  code sends when the header field is left empty) = hex HMAC-SHA256 of the body, or of
  ``<timestamp>:<body>`` when a timestamp header is configured, which must then be named
  ``X-Grafana-Alerting-Signature-Timestamp`` or ``X-Grafana-Alerting-Timestamp``. The
  timestamp's age is not checked (verifying is pure; a replay only re-posts the same alert);
- its authorization header: ``Authorization: Bearer <secret>``.
"""

from __future__ import annotations

import hashlib
import hmac
from itertools import islice
from typing import Any

from inbound.webhooks.native import Headers, PayloadError
from inbound.webhooks.native.alert_group import (
    MAX_ALERTS,
    MAX_LABELS,
    MAX_LONG,
    STATUSES,
    base_url,
    cut,
    label,
    one_line,
    post,
    quiet,
    text,
    url,
)
from inbound.webhooks.native.authorization import bearer

VERSION = "1"
TOOL = "Grafana"
MAX_EVENT = 32
SIGNATURE_HEADERS = (b"x-grafana-alerting-signature", b"x-grafana-alert-signature")
TIMESTAMP_HEADERS = (b"x-grafana-alerting-signature-timestamp", b"x-grafana-alerting-timestamp")
MAX_TIMESTAMP_DIGITS = 12
LEGACY = "legacy"
LEGACY_COLOURS = {
    "alerting": "#D63232",
    "ok": "#36A64F",
    "no_data": "#F2CC0C",
    "pending": "#FF9830",
}
GREY = "#8E8E8E"


def event(headers: Headers, payload: Any) -> str:
    """``firing``/``resolved`` (unified alerting), ``legacy <state>``, ``version <v>`` (an
    alert group of another tool) or ``unknown``."""
    if not isinstance(payload, dict):
        return ""
    if "alerts" in payload:
        version = payload.get("version")
        if version != VERSION:
            return f"version {text(version)[:MAX_EVENT] or 'missing'}"
        return text(payload.get("status"))[:MAX_EVENT]
    if "ruleName" in payload or "evalMatches" in payload:
        return f"{LEGACY} {text(payload.get('state'))[:MAX_EVENT] or 'unknown'}"
    return "unknown"


def translate(event: str, payload: Any) -> dict[str, Any] | None:
    if not isinstance(payload, dict):
        raise PayloadError("A Grafana notification is a JSON object.")
    if event.startswith(LEGACY):
        return legacy(payload)
    if "alerts" not in payload or payload.get("version") != VERSION:
        return None
    if event not in STATUSES:
        raise PayloadError("status must be firing or resolved.")
    base = base_url(payload)
    alerts_url = f"{base}/alerting/list" if base else ""
    message = post(payload, tool=TOOL, alerts_url=alerts_url, extras=extras)
    shown = payload["alerts"][:MAX_ALERTS]
    image = next((link for alert in shown if (link := url(alert.get("imageURL")))), "")
    if image:
        message["attachments"][0]["image_url"] = image
    return message


def extras(alert: dict[str, Any]) -> tuple[list[tuple[str, Any]], str]:
    """An alert's Grafana links, and its values: ``values`` as A=1, B=2, else ``valueString``
    (which repeats every query's labels: "[ var='A' labels={instance=…} value=1 ], …")."""
    found = [
        ("Silence", alert.get("silenceURL")),
        ("Dashboard", alert.get("dashboardURL")),
        ("Panel", alert.get("panelURL")),
    ]
    values = ""
    pairs = alert.get("values")
    if isinstance(pairs, dict):
        first = islice(pairs.items(), MAX_LABELS)
        values = ", ".join(f"{name}={text(value)}" for name, value in first)
    return found, values or text(alert.get("valueString"))


def legacy(payload: dict[str, Any]) -> dict[str, Any]:
    """A legacy-alerting notification: one attachment with the rule's state, message and
    matched values (``evalMatches``) as fields."""
    state = text(payload.get("state"))
    heading = text(payload.get("title")) or f"[{state or 'alert'}] {text(payload.get('ruleName'))}"
    matches = payload.get("evalMatches")
    if matches is not None and not isinstance(matches, list):
        raise PayloadError("evalMatches must be an array.")
    fields = [match(m, i) for i, m in enumerate((matches or [])[:MAX_LABELS])]
    body = quiet(cut(text(payload.get("message")), MAX_LONG))
    more = len(matches or []) - MAX_LABELS
    if more > 0:
        body += f"\n…and {more} more value{'s' if more != 1 else ''}."
    attachment: dict[str, Any] = {
        "fallback": one_line(heading),
        "color": LEGACY_COLOURS.get(state, GREY),
        "title": label(heading),
        "text": body,
        "fields": fields,
        "footer": TOOL,
    }
    for key, value in (
        ("title_link", payload.get("ruleUrl")),
        ("image_url", payload.get("imageUrl")),
    ):
        if link := url(value):
            attachment[key] = link
    return {"username": TOOL, "attachments": [attachment]}


def match(value: Any, index: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"evalMatches[{index}] must be an object.")
    return {
        "title": one_line(text(value.get("metric"))),
        "value": label(text(value.get("value"))),
        "short": True,
    }


def verify(secret: str, headers: Headers, body: bytes) -> bool:
    """Whether the request carries Grafana's HMAC signature or ``Authorization: Bearer``."""
    return bearer(secret, headers) or signed(secret, headers, body)


def signed(secret: str, headers: Headers, body: bytes) -> bool:
    """Hex HMAC-SHA256 of the body, or of ``<timestamp>:<body>`` (constant-time compare)."""
    given = next((headers[n] for n in SIGNATURE_HEADERS if n in headers), None)
    if given is None or not secret:
        return False
    given = given.strip().lower()
    prefixes = [b""]
    for name in TIMESTAMP_HEADERS:
        stamp = headers.get(name, b"").strip()
        if stamp.isdigit() and len(stamp) <= MAX_TIMESTAMP_DIGITS:
            prefixes.append(stamp + b":")
    matched = False
    for prefix in prefixes:
        digest = hmac.new(secret.encode(), prefix, hashlib.sha256)
        digest.update(body)
        matched |= hmac.compare_digest(digest.hexdigest().encode(), given)
    return matched
