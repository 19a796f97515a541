"""The version the server reports to clients (placeholder: the version work replaces it)."""

from __future__ import annotations

from inbound.services.context import Context

MATTERMOST_VERSION = "9.11.0"


def server_version(ctx: Context) -> str:
    """Mattermost's ``<version>.<build>.<config hash>.<licensed>``."""
    return f"{MATTERMOST_VERSION}.0.0.false"
