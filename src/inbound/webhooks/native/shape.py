"""Reading a tool's payload without trusting its shape.

A source needs a few parts of a payload to say anything (a push has a ref, a pull request event
has its pull request): ``need`` raises ``PayloadError`` naming the part when it is missing or of
the wrong type. Everything else is optional: ``get``, ``text`` and ``items`` give an empty value
for anything absent or mistyped, so a payload with one odd field still makes a post.
"""

from __future__ import annotations

from typing import Any

from inbound.webhooks.native import PayloadError

_KINDS: dict[type, str] = {dict: "an object", str: "a string", list: "an array"}


def need(payload: Any, key: str, kind: type, *, where: str = "") -> Any:
    """``payload[key]`` when it is of ``kind``; otherwise a ``PayloadError`` naming it."""
    value = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(value, kind):
        name = f"{where}.{key}" if where else key
        raise PayloadError(f"{name} must be {_KINDS[kind]}.")
    return value


def body(payload: Any, what: str) -> dict[str, Any]:
    """The payload itself, which must be a JSON object."""
    if not isinstance(payload, dict):
        raise PayloadError(f"A {what} payload must be a JSON object.")
    return payload


def get(payload: Any, key: str) -> dict[str, Any]:
    """``payload[key]`` when it is an object, else ``{}``."""
    value = payload.get(key) if isinstance(payload, dict) else None
    return value if isinstance(value, dict) else {}


def text(payload: Any, key: str) -> str:
    """``payload[key]`` when it is a string, else ``""``."""
    value = payload.get(key) if isinstance(payload, dict) else None
    return value if isinstance(value, str) else ""


def items(payload: Any, key: str) -> list[dict[str, Any]]:
    """The objects in ``payload[key]`` when it is an array (other entries skipped)."""
    value = payload.get(key) if isinstance(payload, dict) else None
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
