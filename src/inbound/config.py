"""The runtime config: Mattermost-shaped (``ServiceSettings`` …), stored in the database.

``Config`` is the one settings object the server reads; ``GET/PUT /api/v4/config``, the System
Console and ``inbound config`` change it. Only the keys below exist; each has a type and a range.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from inbound.errors import BadRequest

DEFAULTS: dict[str, dict[str, Any]] = {
    "ServiceSettings": {
        "SiteURL": "",
        "EnableIncomingWebhooks": True,
        "EnablePostUsernameOverride": False,
        "EnablePostIconOverride": False,
        "EnableOnlyAdminIntegrations": True,
        "EnableUserAccessTokens": True,
        "MaximumPayloadSizeBytes": 300_000,
        "PostMessageMaxRunes": 4000,
        "IncomingWebhookKeyGracePeriodSeconds": 86_400,
        "SessionLengthWebInHours": 720,
        "ReadTimeout": 30,
        "IdleTimeout": 60,
        "GracefulShutdownSeconds": 10,
        "MaximumLoginAttempts": 10,
        "AllowCorsFrom": "",
    },
    "PrivacySettings": {
        "ShowEmailAddress": True,
    },
    "SqlSettings": {
        "QueryTimeout": 30,
    },
    "RateLimitSettings": {
        "Enable": False,
        "PerSec": 10,
        "MaxBurst": 100,
        "VaryByRemoteAddr": True,
        "VaryByUser": False,
        "VaryByHeader": "",
        "IncomingWebhookPerSec": 10,
        "IncomingWebhookMaxBurst": 100,
    },
    "MetricsSettings": {
        "Enable": False,
        "ListenAddress": ":8067",
    },
    "TeamSettings": {
        "SiteName": "inbound",
        "EnableOpenServer": False,
        "EnableUserCreation": True,
    },
}

# Inclusive ranges for the integer settings.
RANGES: dict[str, tuple[int, int]] = {
    "MaximumPayloadSizeBytes": (1024, 100 * 1024 * 1024),
    "PostMessageMaxRunes": (16, 65_535),
    "IncomingWebhookKeyGracePeriodSeconds": (0, 365 * 86_400),
    "SessionLengthWebInHours": (1, 24 * 365),
    "ReadTimeout": (1, 3600),
    "IdleTimeout": (1, 86_400),
    "GracefulShutdownSeconds": (0, 3600),
    "MaximumLoginAttempts": (1, 1000),
    "QueryTimeout": (1, 3600),
    "PerSec": (1, 1_000_000),
    "MaxBurst": (1, 1_000_000),
    "IncomingWebhookPerSec": (1, 1_000_000),
    "IncomingWebhookMaxBurst": (1, 1_000_000),
}

CLIENT_KEYS = (
    ("ServiceSettings", "SiteURL"),
    ("ServiceSettings", "EnableIncomingWebhooks"),
    ("ServiceSettings", "EnablePostUsernameOverride"),
    ("ServiceSettings", "EnablePostIconOverride"),
    ("ServiceSettings", "EnableUserAccessTokens"),
    ("ServiceSettings", "PostMessageMaxRunes"),
    ("TeamSettings", "SiteName"),
    ("TeamSettings", "EnableOpenServer"),
)


def _invalid(message: str) -> BadRequest:
    return BadRequest("model.config.is_valid.app_error", message)


def validate(document: Any, *, base: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Merge ``document`` over ``base`` (defaults when omitted), checking every known key.

    Unknown sections and keys are ignored, as Mattermost ignores keys it does not know.
    """
    if not isinstance(document, dict):
        raise _invalid("The config must be a JSON object.")
    merged = copy.deepcopy(base if base is not None else DEFAULTS)
    for section, keys in DEFAULTS.items():
        given = document.get(section)
        if given is None:
            continue
        if not isinstance(given, dict):
            raise _invalid(f"{section} must be an object.")
        for key, default in keys.items():
            if key in given:
                merged[section][key] = _checked(f"{section}.{key}", given[key], default)
    return merged


def _checked(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise _invalid(f"{name} must be true or false.")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(f"{name} must be a whole number.")
        low, high = RANGES[name.split(".")[-1]]
        if not low <= value <= high:
            raise _invalid(f"{name} must be between {low} and {high}.")
        return value
    if not isinstance(value, str):
        raise _invalid(f"{name} must be a string.")
    if name.endswith("SiteURL") and value and not value.startswith(("http://", "https://")):
        raise _invalid("ServiceSettings.SiteURL must start with http:// or https://.")
    return value.rstrip("/") if name.endswith("SiteURL") else value


def parse_value(name: str, raw: str) -> Any:
    """Turn the CLI's text (``true``, ``4000``, ``https://x``) into the setting's own type."""
    section, _, key = name.partition(".")
    if section not in DEFAULTS or key not in DEFAULTS[section]:
        raise _invalid(f"Unknown setting {name}.")
    default = DEFAULTS[section][key]
    if isinstance(default, bool):
        if raw.lower() not in ("true", "false"):
            raise _invalid(f"{name} must be true or false.")
        return raw.lower() == "true"
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise _invalid(f"{name} must be a whole number.") from None
    return raw


@dataclass(frozen=True)
class Config:
    """A validated config document with typed accessors for what the server reads often."""

    document: dict[str, dict[str, Any]]
    version: int = 0

    @classmethod
    def default(cls) -> Config:
        return cls(copy.deepcopy(DEFAULTS))

    def get(self, name: str) -> Any:
        section, _, key = name.partition(".")
        try:
            return self.document[section][key]
        except KeyError:
            raise _invalid(f"Unknown setting {name}.") from None

    @property
    def service(self) -> dict[str, Any]:
        return self.document["ServiceSettings"]

    @property
    def team(self) -> dict[str, Any]:
        return self.document["TeamSettings"]

    @property
    def privacy(self) -> dict[str, Any]:
        return self.document["PrivacySettings"]

    @property
    def sql(self) -> dict[str, Any]:
        return self.document["SqlSettings"]

    @property
    def rate_limit(self) -> dict[str, Any]:
        return self.document["RateLimitSettings"]

    @property
    def metrics(self) -> dict[str, Any]:
        return self.document["MetricsSettings"]

    def client_subset(self) -> dict[str, str]:
        """Mattermost's ``config/client?format=old``: every value as a string."""
        out: dict[str, str] = {"Version": "inbound"}
        for section, key in CLIENT_KEYS:
            value = self.document[section][key]
            out[key] = str(value).lower() if isinstance(value, bool) else str(value)
        return out
