"""The runtime config: Mattermost-shaped (``ServiceSettings`` …), stored in the database.

Each section below is declared once, as a frozen dataclass whose fields carry the Mattermost key,
the default and (for whole numbers) the allowed range. From them come the defaults, the
validation of a document and the typed view the server reads (``config.service.site_url``).
The document itself — what ``GET/PUT /api/v4/config`` and ``inbound config`` show — keeps
Mattermost's keys and order; only the keys declared here exist.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import Field, dataclass, field, fields
from functools import cached_property
from typing import Any

from inbound import __version__
from inbound.errors import BadRequestError

MATTERMOST_VERSION = "9.11.0"
"""The Mattermost API level we claim (Mattermost's ``model.CurrentVersion``; README.md,
*Compatibility*, says why)."""


def setting(key: str, default: Any, *, between: tuple[int, int] | None = None) -> Any:
    """One setting: its Mattermost key, its default, and its inclusive range when a number."""
    return field(default=default, metadata={"key": key, "between": between})


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    site_url: str = setting("SiteURL", "")
    enable_incoming_webhooks: bool = setting("EnableIncomingWebhooks", True)
    enable_post_username_override: bool = setting("EnablePostUsernameOverride", False)
    enable_post_icon_override: bool = setting("EnablePostIconOverride", False)
    enable_only_admin_integrations: bool = setting("EnableOnlyAdminIntegrations", True)
    enable_user_access_tokens: bool = setting("EnableUserAccessTokens", True)
    maximum_payload_size_bytes: int = setting(
        "MaximumPayloadSizeBytes", 300_000, between=(1024, 100 * 1024 * 1024)
    )
    post_message_max_runes: int = setting("PostMessageMaxRunes", 4000, between=(16, 65_535))
    incoming_webhook_key_grace_period_seconds: int = setting(
        "IncomingWebhookKeyGracePeriodSeconds", 86_400, between=(0, 365 * 86_400)
    )
    session_length_web_in_hours: int = setting(
        "SessionLengthWebInHours", 720, between=(1, 24 * 365)
    )
    read_timeout: int = setting("ReadTimeout", 30, between=(1, 3600))
    idle_timeout: int = setting("IdleTimeout", 60, between=(1, 86_400))
    graceful_shutdown_seconds: int = setting("GracefulShutdownSeconds", 10, between=(0, 3600))
    maximum_login_attempts: int = setting("MaximumLoginAttempts", 10, between=(1, 1000))
    allow_cors_from: str = setting("AllowCorsFrom", "")
    # Headers that carry the client's address, read only from a trusted proxy (senders.md §5)
    trusted_proxy_ip_header: Sequence[str] = setting("TrustedProxyIPHeader", ())


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    show_email_address: bool = setting("ShowEmailAddress", True)


@dataclass(frozen=True, slots=True)
class SqlSettings:
    query_timeout: int = setting("QueryTimeout", 30, between=(1, 3600))


@dataclass(frozen=True, slots=True)
class RateLimitSettings:
    enable: bool = setting("Enable", False)
    per_sec: int = setting("PerSec", 10, between=(1, 1_000_000))
    max_burst: int = setting("MaxBurst", 100, between=(1, 1_000_000))
    vary_by_remote_addr: bool = setting("VaryByRemoteAddr", True)
    vary_by_user: bool = setting("VaryByUser", False)
    vary_by_header: str = setting("VaryByHeader", "")
    incoming_webhook_per_sec: int = setting("IncomingWebhookPerSec", 10, between=(1, 1_000_000))
    incoming_webhook_max_burst: int = setting(
        "IncomingWebhookMaxBurst", 100, between=(1, 1_000_000)
    )


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    enable: bool = setting("Enable", False)
    listen_address: str = setting("ListenAddress", ":8067")


@dataclass(frozen=True, slots=True)
class TeamSettings:
    site_name: str = setting("SiteName", "inbound")
    enable_open_server: bool = setting("EnableOpenServer", False)
    enable_user_creation: bool = setting("EnableUserCreation", True)


# The document's sections in Mattermost's order; each class is named after its section.
SECTIONS: tuple[type, ...] = (
    ServiceSettings,
    PrivacySettings,
    SqlSettings,
    RateLimitSettings,
    MetricsSettings,
    TeamSettings,
)
_SETTINGS: dict[str, dict[str, Field[Any]]] = {
    section.__name__: {f.metadata["key"]: f for f in fields(section)} for section in SECTIONS
}


def _json(default: Any) -> Any:
    """A default as the document holds it (a list setting's tuple as a JSON array)."""
    return list(default) if isinstance(default, tuple) else default


DEFAULTS: dict[str, dict[str, Any]] = {
    section: {key: _json(f.default) for key, f in keys.items()}
    for section, keys in _SETTINGS.items()
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


def invalid(message: str) -> BadRequestError:
    return BadRequestError("model.config.is_valid.app_error", message)


def validate(document: Any, *, base: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Merge ``document`` over ``base`` (defaults when omitted), checking every known key.

    Unknown sections and keys are ignored, as Mattermost ignores keys it does not know.
    """
    if not isinstance(document, dict):
        raise invalid("The config must be a JSON object.")
    merged = copy.deepcopy(base if base is not None else DEFAULTS)
    for section, keys in _SETTINGS.items():
        given = document.get(section)
        if given is None:
            continue
        if not isinstance(given, dict):
            raise invalid(f"{section} must be an object.")
        for key, spec in keys.items():
            if key in given:
                merged[section][key] = _checked(f"{section}.{key}", given[key], spec)
    return merged


MAX_LIST_ITEMS = 16
MAX_LIST_ITEM_CHARS = 128


def _checked(name: str, value: Any, spec: Field[Any]) -> Any:
    if isinstance(spec.default, tuple):  # a list of strings (stored as a JSON array)
        if value is None:  # Go's nil slice
            return []
        if not isinstance(value, list) or len(value) > MAX_LIST_ITEMS:
            raise invalid(f"{name} must be a list of at most {MAX_LIST_ITEMS} strings.")
        if not all(isinstance(v, str) and 0 < len(v) <= MAX_LIST_ITEM_CHARS for v in value):
            raise invalid(f"{name} must hold strings of 1–{MAX_LIST_ITEM_CHARS} characters.")
        return list(value)
    if isinstance(spec.default, bool):
        if not isinstance(value, bool):
            raise invalid(f"{name} must be true or false.")
        return value
    if isinstance(spec.default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(f"{name} must be a whole number.")
        low, high = spec.metadata["between"]
        if not low <= value <= high:
            raise invalid(f"{name} must be between {low} and {high}.")
        return value
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string.")
    if name.endswith("SiteURL") and value and not value.startswith(("http://", "https://")):
        raise invalid("ServiceSettings.SiteURL must start with http:// or https://.")
    return value.rstrip("/") if name.endswith("SiteURL") else value


def _view(section: type, document: dict[str, dict[str, Any]]) -> Any:
    """The typed section (``section`` is one of ``SECTIONS``) holding ``document``'s values."""
    values = document[section.__name__]
    return section(**{f.name: values[f.metadata["key"]] for f in fields(section)})


@dataclass(frozen=True)
class Config:
    """A validated config document, and its sections typed for the code that reads them.

    The typed sections are built on first read (the hot path then reads plain attributes);
    the document is never changed after validation, so they stay equal to it.
    """

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
            raise invalid(f"Unknown setting {name}.") from None

    @cached_property
    def service(self) -> ServiceSettings:
        return _view(ServiceSettings, self.document)

    @cached_property
    def privacy(self) -> PrivacySettings:
        return _view(PrivacySettings, self.document)

    @cached_property
    def sql(self) -> SqlSettings:
        return _view(SqlSettings, self.document)

    @cached_property
    def rate_limit(self) -> RateLimitSettings:
        return _view(RateLimitSettings, self.document)

    @cached_property
    def metrics(self) -> MetricsSettings:
        return _view(MetricsSettings, self.document)

    @cached_property
    def team(self) -> TeamSettings:
        return _view(TeamSettings, self.document)

    def client_subset(self) -> dict[str, str]:
        """Mattermost's ``config/client?format=old``: every value as a string."""
        out: dict[str, str] = {
            "Version": MATTERMOST_VERSION,  # what the mobile app's version checks read
            "BuildNumber": __version__,
            "BuildEnterpriseReady": "false",
        }
        for section, key in CLIENT_KEYS:
            value = self.document[section][key]
            out[key] = str(value).lower() if isinstance(value, bool) else str(value)
        return out
