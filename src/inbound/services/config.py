"""Reading and changing the runtime config (system admins, or the CLI in local mode)."""

from __future__ import annotations

from typing import Any

from inbound.config import Config, validate
from inbound.models import User
from inbound.services.permissions import require_system_admin
from inbound.services.server import Server


async def get_config(server: Server, actor: User | None) -> Config:
    if actor is not None:
        require_system_admin(actor)
    await server.reload_config()
    return server.config


async def replace_config(server: Server, actor: User | None, document: Any) -> Config:
    """``PUT /config``: the document replaces the config; keys it omits fall back to defaults."""
    if actor is not None:
        require_system_admin(actor)
    return await server.save_config(validate(document))


async def patch_config(server: Server, actor: User | None, document: Any) -> Config:
    """``PUT /config/patch``: only the keys given change."""
    if actor is not None:
        require_system_admin(actor)
    await server.reload_config()
    return await server.save_config(validate(document, base=server.config.document))


async def set_value(server: Server, name: str, value: Any) -> Config:
    """``inbound config set``: one setting, ``Section.Key``, already of its own type."""
    section, _, key = name.partition(".")
    return await patch_config(server, None, {section: {key: value}})
