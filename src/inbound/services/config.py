"""Reading and changing the runtime config (system admins, or the CLI in local mode)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from inbound.config import Config, validate
from inbound.models import User, new_id, now_ms
from inbound.services.changes import ConfigChanged
from inbound.services.context import Context
from inbound.services.permissions import require_system_admin
from inbound.store import config as config_store


async def load_config(ctx: Context) -> Config:
    """The stored config (defaults when none is stored) becomes the one ``ctx`` reads."""
    async with ctx.db.connect() as conn:
        stored = await config_store.get_config(conn)
    if stored is None:
        ctx.config = Config.default()
    else:
        document, version = stored
        ctx.config = Config(validate(document), version)
    ctx.changes.tell(ConfigChanged(ctx.config.version))
    return ctx.config


async def _save(ctx: Context, document: dict[str, dict[str, Any]]) -> Config:
    at = max(now_ms(), ctx.config.version + 1)
    async with ctx.db.begin() as conn:
        await config_store.save_config(conn, document, at=at)
    ctx.config = Config(document, at)
    await ctx.tell_everywhere([ConfigChanged(at)])
    return ctx.config


async def get_config(ctx: Context, actor: User | None) -> Config:
    if actor is not None:
        require_system_admin(actor)
    return await load_config(ctx)


async def replace_config(ctx: Context, actor: User | None, document: Any) -> Config:
    """``PUT /config``: the document replaces the config; keys it omits fall back to defaults."""
    if actor is not None:
        require_system_admin(actor)
    return await _save(ctx, validate(document))


async def patch_config(ctx: Context, actor: User | None, document: Any) -> Config:
    """``PUT /config/patch``: only the keys given change."""
    if actor is not None:
        require_system_admin(actor)
    await load_config(ctx)
    return await _save(ctx, validate(document, base=ctx.config.document))


async def set_value(ctx: Context, name: str, value: Any) -> Config:
    """``inbound config set``: one setting, ``Section.Key``, already of its own type."""
    section, _, key = name.partition(".")
    return await patch_config(ctx, None, {section: {key: value}})


async def cluster_id(ctx: Context) -> str:
    """The database's cluster id (random, made by the first process that asks): the processes
    sharing a database are one cluster, and their bus topics carry it."""
    async with ctx.db.connect() as conn:
        found = await config_store.get_cluster_id(conn)
    if found:
        return found
    try:
        async with ctx.db.begin() as conn:
            await config_store.insert_cluster_id(conn, new_id())
    except IntegrityError:
        pass  # another process starting at the same time stored one first
    async with ctx.db.connect() as conn:
        return await config_store.get_cluster_id(conn)
