"""First start: an admin, the default team and its channels, so a newcomer can log in at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from inbound.services import teams as team_service
from inbound.services import users as user_service
from inbound.services.context import Context
from inbound.store import users as user_store


@dataclass(frozen=True)
class FirstStart:
    username: str
    password: str  # empty when it came from INBOUND_ADMIN_PASSWORD (never echo a given secret)
    team_name: str


async def bootstrap(ctx: Context) -> FirstStart | None:
    """Create the admin, team and channels on an empty database; ``None`` when not empty."""
    async with ctx.db.connect() as conn:
        if await user_store.count_users(conn):
            return None
    settings = ctx.settings
    generated = "" if settings.admin_password else secrets.token_urlsafe(12)
    admin = await user_service.create_user(
        ctx,
        None,
        username=settings.admin_username,
        email=settings.admin_email,
        password=settings.admin_password or generated,
        system_admin=True,
    )
    team = await team_service.create_team(
        ctx, admin, name=settings.team_name, display_name=settings.team_name.title()
    )
    return FirstStart(admin.username, generated, team.name)
