"""Start-up settings: where the database lives, where to listen, who the first admin is.

These come from the environment (``INBOUND_*``) and ``inbound serve`` flags. The runtime settings
that admins change while the server runs (the Mattermost-shaped config) live in the database; see
``inbound.config``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///./data/inbound.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8065
    site_url: str = ""
    admin_username: str = "admin"
    admin_password: str = field(default="", repr=False)
    admin_email: str = "admin@localhost"
    team_name: str = "main"
    redis_url: str = ""
    workers: int = 1  # processes serving one port on this machine (PostgreSQL and Redis only)
    db_pool_size: int = 10  # PostgreSQL connections kept open per process
    # argon2id cost of new password hashes (OWASP's baseline). Lower only for test suites:
    # a cheaper hash is a weaker one.
    password_hash_time_cost: int = 2
    password_hash_memory_kib: int = 19_456
    # Peers whose TrustedProxyIPHeader is believed (a reverse proxy on this machine by default):
    # networks separated by spaces or commas.
    trusted_proxies: str = "127.0.0.0/8 ::1/128"
    # 1: every request to a hook's key is kept in its delivery history (senders.md §6); 0: none
    # is (nothing a sender sends is stored beyond its posts)
    hook_history: int = 1

    def __post_init__(self) -> None:
        if self.password_hash_time_cost < 1 or self.password_hash_memory_kib < 8:
            raise ValueError(
                "INBOUND_PASSWORD_HASH_TIME_COST must be at least 1 and "
                "INBOUND_PASSWORD_HASH_MEMORY_KIB at least 8 (argon2's minimums)"
            )
        if self.workers < 1:
            raise ValueError("INBOUND_WORKERS must be at least 1")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in _FIELDS:
            raw = env.get(f"INBOUND_{name.upper()}")
            if raw is not None and raw != "":
                values[name] = int(raw) if name in _INT_FIELDS else raw
        return cls(**values)

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def public_url(self) -> str:
        """The address people and senders use: SiteURL when set, else host and port."""
        if self.site_url:
            return self.site_url.rstrip("/")
        return f"http://{self.host}:{self.port}"


_FIELDS = [f for f in Settings.__dataclass_fields__]
_INT_FIELDS = frozenset(
    {
        "port",
        "workers",
        "db_pool_size",
        "password_hash_time_cost",
        "password_hash_memory_kib",
        "hook_history",
    }
)
