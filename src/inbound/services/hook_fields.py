"""A hook's settable fields and the rules on their values, shared by the API and the CLI (which
refuse the same values with the same errors). Pure: no storage."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from dataclasses import fields as dataclass_fields
from typing import Any

from inbound.config import Config
from inbound.errors import BadRequestError, invalid_param
from inbound.models import IncomingHook
from inbound.webhooks import sources

HOOK_USERNAME_RE = re.compile(r"^[a-z0-9.\-_]{1,64}$")
RESERVED_HOOK_USERNAMES = frozenset({"all", "channel", "here", "system"})
FORMATS = ("markdown", "slack")
LIMITS = {"display_name": 64, "description": 500, "username": 64, "icon_url": 1024}
RATE_FIELDS = ("rate_limit_per_sec", "rate_limit_burst")  # 0: RateLimitSettings' defaults
MAX_RATE = 1_000_000


@dataclass(frozen=True)
class HookFields:
    """The client-settable fields of a hook: what creating one takes, already parsed."""

    channel_id: str
    display_name: str = ""
    description: str = ""
    username: str = ""
    icon_url: str = ""
    channel_locked: bool = False
    message_format: str = "markdown"
    rate_limit_per_sec: int = 0
    rate_limit_burst: int = 0
    allowed_cidrs: str = ""  # normalised networks, space-separated (``allowed_cidrs_text``)

    @classmethod
    def of(cls, hook: IncomingHook) -> HookFields:
        return cls(**{f.name: getattr(hook, f.name) for f in dataclass_fields(cls)})

    def apply_to(self, hook: IncomingHook) -> dict[str, Any]:
        """Set these fields on ``hook``; returns them as column values."""
        values = asdict(self)
        for name, value in values.items():
            setattr(hook, name, value)
        return values


@dataclass(frozen=True)
class HookPatch:
    """A hook update: None leaves a field as it is. ``team_id``, when given, must be the hook's
    own (Mattermost clients send the whole hook back)."""

    channel_id: str | None = None
    display_name: str | None = None
    description: str | None = None
    username: str | None = None
    icon_url: str | None = None
    channel_locked: bool | None = None
    message_format: str | None = None
    rate_limit_per_sec: int | None = None
    rate_limit_burst: int | None = None
    allowed_cidrs: str | None = None  # "" clears the allow-list
    team_id: str | None = None

    def applied_to(self, fields: HookFields) -> HookFields:
        names = (f.name for f in dataclass_fields(HookFields))
        given = {name: getattr(self, name) for name in names if getattr(self, name) is not None}
        return replace(fields, **given)


def check_values(fields: HookFields | HookPatch) -> None:
    """The rules on the values, here rather than where bodies are parsed, so that the API and the
    CLI refuse the same values with the same errors."""
    for name, limit in (("channel_id", 26), *LIMITS.items()):
        value = getattr(fields, name)
        if value is not None and len(value) > limit:
            raise BadRequestError(
                f"model.incoming_hook.{name}.app_error",
                f"{name} must be at most {limit} characters.",
            )
    if fields.message_format is not None and fields.message_format not in FORMATS:
        raise invalid_format()
    for name in RATE_FIELDS:
        value = getattr(fields, name)
        if value is not None and not 0 <= value <= MAX_RATE:
            raise invalid_rate(name)


def allowed_cidrs_text(values: object) -> str:
    """A hook's ``allowed_cidrs`` (a list of networks) as stored: normalised, space-separated."""
    if not isinstance(values, list | tuple):
        raise invalid_cidrs("allowed_cidrs must be a list of networks such as 203.0.113.0/24.")
    try:
        return " ".join(sources.parse_cidrs(values))
    except sources.InvalidCidrError as error:
        reason = str(error)  # "allowed_cidrs[3] (…) is not …" or "at most 100 networks"
        raise invalid_cidrs(
            f"{reason}." if reason.startswith("allowed_cidrs") else f"allowed_cidrs: {reason}."
        ) from None


def invalid_cidrs(message: str) -> BadRequestError:
    return BadRequestError("model.incoming_hook.allowed_cidrs.app_error", message)


def invalid_format() -> BadRequestError:
    return invalid_param("message_format", "message_format must be 'markdown' or 'slack'.")


def invalid_rate(name: str) -> BadRequestError:
    return BadRequestError(
        f"model.incoming_hook.{name}.app_error",
        f"{name} must be a whole number from 0 (the server's default) to {MAX_RATE}.",
    )


def team_mismatch(message: str = "A hook cannot move to another team.") -> BadRequestError:
    return BadRequestError("api.webhook.team_mismatch.app_error", message)


def check_hook_username(username: str, config: Config) -> None:
    if not username or not config.service.enable_post_username_override:
        return
    if not HOOK_USERNAME_RE.match(username) or username in RESERVED_HOOK_USERNAMES:
        raise BadRequestError(
            "api.incoming_webhook.invalid_username.app_error",
            f"Invalid username {username!r}: use 1–64 lowercase letters, numbers, '.', '-' or '_', "
            "not all, channel, here or system.",
        )
