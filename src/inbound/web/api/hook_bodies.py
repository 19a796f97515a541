"""The JSON bodies of ``/api/v4/hooks/incoming`` → the typed fields the hook service takes.

Only the JSON types are checked here; the service keeps the rules on the values (lengths,
formats, the rate range, teams) and raises the same errors for a value of the wrong type.
A field that is null counts as absent, as it does for Mattermost.
"""

from __future__ import annotations

from typing import Any

from inbound.errors import invalid_param
from inbound.services import hook_fields
from inbound.services.hook_fields import HookFields, HookPatch

TEXT_FIELDS = ("channel_id", "display_name", "description", "username", "icon_url")


def new_hook(body: dict[str, Any]) -> HookFields:
    return HookFields(**{"channel_id": "", **_given(body)})


def owner_id(body: dict[str, Any]) -> str:
    """The ``user_id`` to create the hook for; "" is the caller."""
    value = body.get("user_id") or ""
    if not isinstance(value, str):
        raise invalid_param("user_id")
    return value


def hook_patch(body: dict[str, Any], hook_id: str) -> HookPatch:
    if body.get("id") != hook_id:
        raise invalid_param("hook_id", "The id in the body must match the hook id in the URL.")
    team_id = body.get("team_id")
    if team_id is not None and not isinstance(team_id, str):
        raise hook_fields.team_mismatch()
    return HookPatch(team_id=team_id, **_given(body))


def _given(body: dict[str, Any]) -> dict[str, Any]:
    """The settable fields ``body`` gives, in the order Mattermost checks them."""
    given: dict[str, Any] = {
        name: _text(name, body[name]) for name in TEXT_FIELDS if body.get(name) is not None
    }
    if body.get("channel_locked") is not None:
        given["channel_locked"] = _flag(body["channel_locked"])
    if body.get("message_format"):  # "" keeps the format, as Mattermost's clients expect
        given["message_format"] = _format(body["message_format"])
    for name in hook_fields.RATE_FIELDS:
        if body.get(name) is not None:
            given[name] = _rate(name, body[name])
    if body.get("allowed_cidrs") is not None:  # [] clears the allow-list
        given["allowed_cidrs"] = hook_fields.allowed_cidrs_text(body["allowed_cidrs"])
    return given


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise invalid_param(name, f"{name} must be a string.")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise invalid_param("channel_locked", "channel_locked must be true or false.")
    return value


def _format(value: Any) -> str:
    if not isinstance(value, str):
        raise hook_fields.invalid_format()
    return value


def _rate(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise hook_fields.invalid_rate(name)
    return value
