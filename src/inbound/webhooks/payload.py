"""A decoded webhook request, normalised: every key known, every value of its own type.

``normalise`` takes any decoded JSON value and either returns a ``WebhookRequest`` or raises a
``DecodeError`` naming the field that is wrong ("attachments[2].fields[0].short must be true or
false"). Keys match case-insensitively, as Go's encoding/json does for Mattermost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from inbound.errors import BadRequestError

DECODE_ERROR = "web.incoming_webhook.decode.app_error"
INVALID_PARAM = "api.context.invalid_param.app_error"
MAX_TYPE_LENGTH = 64  # the posts.type column

ATTACHMENT_TEXT_KEYS = (
    "fallback",
    "color",
    "pretext",
    "author_name",
    "author_link",
    "author_icon",
    "title",
    "title_link",
    "text",
    "image_url",
    "thumb_url",
    "footer",
    "footer_icon",
)


class DecodeError(BadRequestError):
    default_id = DECODE_ERROR


@dataclass
class WebhookRequest:
    text: str = ""
    channel: str = ""
    username: str = ""
    icon_url: str = ""
    icon_emoji: str = ""
    type: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    props: dict[str, Any] = field(default_factory=dict)
    priority: dict[str, Any] | None = None
    root_id: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)


def _fold(obj: dict[str, Any]) -> dict[str, Any]:
    """Lower-case keys; an exact lower-case key wins over other spellings of it."""
    folded: dict[str, Any] = {}
    for key, value in obj.items():
        low = key.lower()
        if key == low or low not in folded:
            folded[low] = value
    return folded


def present_keys(value: Any) -> frozenset[str]:
    """The keys a decoded body sets, lower-cased as ``normalise`` matches them; a key whose
    value is ``null`` (or not an object at all) sets nothing."""
    if not isinstance(value, dict):
        return frozenset()
    return frozenset(k for k, v in _fold(value).items() if v is not None)


def _string(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DecodeError(DECODE_ERROR, f"{where} must be a string.")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DecodeError(DECODE_ERROR, f"{where} must be an array.")
    return value


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DecodeError(DECODE_ERROR, f"{where} must be an object.")
    return value


def _short(value: Any, where: str) -> bool:
    """Slack lets ``short`` be a boolean or the string "true"/"false" in any case."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise DecodeError(DECODE_ERROR, f"{where} must be true or false.")


def _field_value(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError as error:
        raise DecodeError(DECODE_ERROR, f"{where} {_unstorable(error)}.") from None


def _field(raw: dict[str, Any], where: str) -> dict[str, Any]:
    folded = _fold(_object(raw, where))
    return {
        "title": _string(folded.get("title"), f"{where}.title"),
        "value": _field_value(folded.get("value"), f"{where}.value"),
        "short": _short(folded.get("short"), f"{where}.short"),
    }


def _attachment(raw: Any, where: str) -> dict[str, Any]:
    folded = _fold(_object(raw, where))
    out: dict[str, Any] = {
        key: _string(folded.get(key), f"{where}.{key}") for key in ATTACHMENT_TEXT_KEYS
    }
    fields = _list(folded.get("fields"), f"{where}.fields")
    out["fields"] = [
        _field(f, f"{where}.fields[{i}]") for i, f in enumerate(fields) if f is not None
    ]
    ts = folded.get("ts")
    if isinstance(ts, bool) or not isinstance(ts, str | int | float | None):
        raise DecodeError(DECODE_ERROR, f"{where}.ts must be a number or a string.")
    out["ts"] = ts if ts is not None else ""
    actions = folded.get("actions")
    out["actions"] = (
        [a for a in actions if isinstance(a, dict)] if isinstance(actions, list) else []
    )
    blocks = _list(folded.get("blocks"), f"{where}.blocks")
    if blocks:
        out["blocks"] = [b for b in blocks if isinstance(b, dict)]
    return {k: v for k, v in out.items() if v not in ("", [], None)} | {"fields": out["fields"]}


def normalise(value: Any) -> WebhookRequest:
    """Any decoded JSON value → a ``WebhookRequest`` (``null`` is an empty request)."""
    if value is None:
        return WebhookRequest()
    folded = _fold(_object(value, "The payload"))
    attachments = _list(folded.get("attachments"), "attachments")
    props = folded.get("props")
    if props is not None and not isinstance(props, dict):
        raise DecodeError(DECODE_ERROR, "props must be an object.")
    priority = folded.get("priority")
    if priority is not None:
        priority = _priority(priority)
    blocks = _list(folded.get("blocks"), "blocks")
    request = WebhookRequest(
        text=_string(folded.get("text"), "text"),
        channel=_string(folded.get("channel"), "channel"),
        username=_string(folded.get("username"), "username"),
        icon_url=_string(folded.get("icon_url"), "icon_url"),
        icon_emoji=_string(folded.get("icon_emoji"), "icon_emoji"),
        type=_string(folded.get("type"), "type"),
        attachments=[
            _attachment(a, f"attachments[{i}]") for i, a in enumerate(attachments) if a is not None
        ],
        props=props or {},
        priority=priority,
        root_id=_string(folded.get("root_id"), "root_id"),
        blocks=[b for b in blocks if isinstance(b, dict)],
    )
    _check_storable(request)
    return request


def _check_storable(request: WebhookRequest) -> None:
    """Everything kept in props must round-trip through JSON (integers within 64 bits, at most
    254 levels deep), and ``type`` must fit its column."""
    if len(request.type) > MAX_TYPE_LENGTH:
        raise DecodeError(INVALID_PARAM, f"type is longer than {MAX_TYPE_LENGTH} characters.")
    for name in ("props", "attachments", "blocks"):
        value = getattr(request, name)
        if not value:
            continue
        try:
            orjson.dumps(value)
        except orjson.JSONEncodeError as error:
            raise DecodeError(DECODE_ERROR, f"{name} {_unstorable(error)}.") from None


def _unstorable(error: orjson.JSONEncodeError) -> str:
    reason = str(error)
    if "ecursion" in reason:
        return "is nested too deeply to store (at most 254 levels)"
    if "64-bit" in reason:
        return "holds a number too large to store"
    return f"cannot be stored as JSON ({reason})"


PRIORITIES = ("", "standard", "important", "urgent")


def _priority(value: Any) -> dict[str, Any]:
    folded = _fold(_object(value, "priority"))
    if "priority" not in folded:
        raise DecodeError(DECODE_ERROR, "priority must include a priority value.")
    level = _string(folded["priority"], "priority.priority")
    if level not in PRIORITIES:
        raise DecodeError(
            DECODE_ERROR, "priority.priority must be one of standard, important or urgent."
        )
    out: dict[str, Any] = {"priority": level}
    for key in ("requested_ack", "persistent_notifications"):
        flag = folded.get(key)
        if flag is not None and not isinstance(flag, bool):
            raise DecodeError(DECODE_ERROR, f"priority.{key} must be true or false.")
        if flag is not None:
            out[key] = flag
    return out
