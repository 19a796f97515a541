"""Users: create, read, roles, (de)activation, and who may see whom."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.errors import BadRequestError, ForbiddenError, NotFoundError, permission_denied
from inbound.models import SYSTEM_ADMIN, SYSTEM_USER, User, new_id, now_ms
from inbound.services.auth import hash_password_off_loop
from inbound.services.changes import SessionsRevoked, UserChanged
from inbound.services.context import Context
from inbound.services.permissions import readable_channel, readable_team, require_system_admin
from inbound.store import users as user_store
from inbound.store import visibility as visibility_store

USERNAME_RE = re.compile(r"^[a-z0-9.\-_]{3,22}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
RESERVED_USERNAMES = frozenset({"all", "channel", "here", "system", "webhook"})
PASSWORD_MIN_LENGTH = 8
ROLES = frozenset({SYSTEM_USER, SYSTEM_ADMIN})


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.match(name) or name in RESERVED_USERNAMES:
        raise BadRequestError(
            "model.user.is_valid.username.app_error",
            "Username must be 3–22 characters of lowercase letters, numbers and the symbols '.', "
            "'-' and '_', and must not be all, channel, here, system or webhook.",
        )
    return name


def check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise BadRequestError(
            "model.user.is_valid.pwd_length.app_error",
            f"Your password must contain at least {PASSWORD_MIN_LENGTH} characters.",
        )


def user_not_found() -> NotFoundError:
    return NotFoundError("app.user.missing_account.const", "Unable to find the user.")


async def create_user(
    ctx: Context,
    actor: User | None,
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    nickname: str = "",
    system_admin: bool = False,
) -> User:
    """``actor`` None means local mode (the CLI, first start), which may do anything."""
    if actor is not None and not actor.is_system_admin:
        open_server = ctx.config.team.enable_open_server
        if not (open_server and ctx.config.team.enable_user_creation) or system_admin:
            raise permission_denied("Only a system admin can create accounts on this ctx.")
    name = check_username(username)
    address = email.strip().lower()
    if not EMAIL_RE.match(address) or len(address) > 128:
        raise BadRequestError("model.user.is_valid.email.app_error", "Please enter a valid email.")
    check_password(password)
    now = now_ms()
    roles = f"{SYSTEM_USER} {SYSTEM_ADMIN}" if system_admin else SYSTEM_USER
    user = User(
        id=new_id(),
        username=name,
        email=address,
        create_at=now,
        update_at=now,
        password_hash=await hash_password_off_loop(ctx, password),
        first_name=first_name[:64],
        last_name=last_name[:64],
        nickname=nickname[:64],
        roles=roles,
    )
    async with ctx.db.begin() as conn:
        if await user_store.get_user_by_username(conn, name) is not None:
            raise BadRequestError(
                "app.user.save.username_exists.app_error",
                f"An account with the username {name!r} already exists.",
            )
        if await user_store.get_user_by_email(conn, address) is not None:
            raise BadRequestError(
                "app.user.save.email_exists.app_error", "An account with that email already exists."
            )
        await user_store.insert_user(conn, user)
    return user


async def get_user(ctx: Context, user_id: str) -> User:
    async with ctx.db.connect() as conn:
        user = await user_store.get_user_by_id(conn, user_id)
    if user is None:
        raise user_not_found()
    return user


async def get_user_by_username(ctx: Context, username: str) -> User:
    async with ctx.db.connect() as conn:
        user = await user_store.get_user_by_username(conn, username)
    if user is None:
        raise user_not_found()
    return user


async def get_users_by_ids(ctx: Context, ids: list[str]) -> list[User]:
    """No visibility check: for callers that already hold the ids (a page's authors)."""
    async with ctx.db.connect() as conn:
        return await user_store.get_users_by_ids(conn, ids)


async def list_users(
    ctx: Context, *, page: int, per_page: int, in_team: str = "", in_channel: str = ""
) -> list[User]:
    async with ctx.db.connect() as conn:
        return await user_store.list_users(
            conn, offset=page * per_page, limit=per_page, in_team=in_team, in_channel=in_channel
        )


def cannot_see_user() -> ForbiddenError:
    return permission_denied("You share no team or channel with this user.")


async def can_see_user(conn: AsyncConnection, viewer: User, user_id: str) -> bool:
    """Mattermost's ``UserCanSeeOtherUser`` with view restrictions: admins see everyone, others
    themselves and whoever shares a team or a channel (a DM included) with them."""
    if viewer.is_system_admin or viewer.id == user_id:
        return True
    shared = await visibility_store.get_users_sharing_with(conn, viewer.id, [user_id])
    return user_id in shared


async def only_visible(conn: AsyncConnection, viewer: User, found: list[User]) -> list[User]:
    if viewer.is_system_admin:
        return found
    shared = await visibility_store.get_users_sharing_with(conn, viewer.id, [u.id for u in found])
    return [u for u in found if u.id == viewer.id or u.id in shared]


async def view_user(ctx: Context, viewer: User, user_id: str) -> User:
    """``GET /users/{id}``: 403 for someone the viewer may not see, whether or not they exist
    (so ids cannot be probed); 404 only to those who may see everyone."""
    async with ctx.db.connect() as conn:
        if not await can_see_user(conn, viewer, user_id):
            raise cannot_see_user()
        user = await user_store.get_user_by_id(conn, user_id)
    if user is None:
        raise user_not_found()
    return user


async def view_user_by_username(ctx: Context, viewer: User, username: str) -> User:
    async with ctx.db.connect() as conn:
        user = await user_store.get_user_by_username(conn, username)
        if user is None:
            raise user_not_found() if viewer.is_system_admin else cannot_see_user()
        if not await can_see_user(conn, viewer, user.id):
            raise cannot_see_user()
    return user


async def view_users_by_ids(ctx: Context, viewer: User, ids: list[str]) -> list[User]:
    """``POST /users/ids``: the ones the viewer may see; the others are left out silently."""
    async with ctx.db.connect() as conn:
        found = await user_store.get_users_by_ids(conn, ids[:1000])
        return await only_visible(conn, viewer, found)


async def list_visible_users(
    ctx: Context,
    viewer: User,
    *,
    page: int,
    per_page: int,
    in_team: str = "",
    in_channel: str = "",
    roles: tuple[str, ...] = (),
    active: bool | None = None,
) -> list[User]:
    """``GET /users``: everyone only for system admins (Mattermost's ``list_users_without_team``
    rule as reliability.md §6 applies it); others name a team or channel they can read."""
    async with ctx.db.connect() as conn:
        if not (in_team or in_channel) and not viewer.is_system_admin:
            raise permission_denied(
                "Listing every user needs the system admin role; filter by in_team or in_channel."
            )
        if in_team:
            await readable_team(conn, viewer, in_team)
        if in_channel:
            await readable_channel(conn, viewer, in_channel)
        found = await user_store.list_users(
            conn,
            offset=page * per_page,
            limit=per_page,
            in_team=in_team,
            in_channel=in_channel,
            roles=check_role_filter(roles),
            active=active,
        )
        return await only_visible(conn, viewer, found)


SEARCH_TERM_MAX = 64
SEARCH_LIMIT_MAX = 1000  # Mattermost's UserSearchMaxLimit


def invalid_search(name: str, message: str) -> BadRequestError:
    return BadRequestError("api.context.invalid_body_param.app_error", f"Invalid {name}: {message}")


def check_role_filter(roles: tuple[str, ...]) -> tuple[str, ...]:
    if not set(roles) <= ROLES:
        raise invalid_search("roles", "each must be system_user or system_admin.")
    return roles


async def search_users(
    ctx: Context,
    viewer: User,
    *,
    term: str,
    team_id: str = "",
    allow_inactive: bool = False,
    roles: tuple[str, ...] = (),
    limit: int = 100,
) -> list[User]:
    """``POST /users/search``: users whose username, name, nickname or (for admins, or with
    ``PrivacySettings.ShowEmailAddress``) email start with each word of ``term``; a leading
    ``@`` is ignored. Only users the viewer may see; ``team_id`` needs that team's view."""
    words = term.strip().lstrip("@").lower().split()
    if not words or len(term) > SEARCH_TERM_MAX:
        raise invalid_search("term", f"give 1 to {SEARCH_TERM_MAX} characters.")
    if not 0 < limit <= SEARCH_LIMIT_MAX:
        raise invalid_search("limit", f"must be between 1 and {SEARCH_LIMIT_MAX}.")
    with_email = viewer.is_system_admin or ctx.config.privacy.show_email_address
    async with ctx.db.connect() as conn:
        if team_id:
            await readable_team(conn, viewer, team_id)
        found = await user_store.search_users(
            conn,
            words=words,
            with_email=with_email,
            limit=limit,
            team_id=team_id,
            roles=check_role_filter(roles),
            active=None if allow_inactive else True,
        )
        return await only_visible(conn, viewer, found)


@dataclass(frozen=True)
class VisibleUser:
    """A user and how much of them a viewer may see: all of it (``whole``) when it is the
    viewer themself, else sanitised as Mattermost does."""

    user: User
    whole: bool
    show_email: bool
    as_admin: bool


def as_seen_by(ctx: Context, viewer: User, user: User) -> VisibleUser:
    """Others' email only for admins or when ``PrivacySettings.ShowEmailAddress``."""
    show_email = viewer.is_system_admin or ctx.config.privacy.show_email_address
    return VisibleUser(
        user, whole=viewer.id == user.id, show_email=show_email, as_admin=viewer.is_system_admin
    )


async def update_roles(ctx: Context, actor: User, user_id: str, roles: str) -> User:
    require_system_admin(actor)
    wanted = roles.split()
    if not wanted or not set(wanted) <= ROLES or SYSTEM_USER not in wanted:
        raise BadRequestError(
            "api.user.update_user_roles.bad_role",
            "Roles must be 'system_user' or 'system_user system_admin'.",
        )
    user = await get_user(ctx, user_id)
    ordered = " ".join(r for r in (SYSTEM_USER, SYSTEM_ADMIN) if r in wanted)
    async with ctx.mutate() as (conn, changed):
        await user_store.update_user(conn, user.id, roles=ordered, update_at=now_ms())
        changed(UserChanged(user.id))  # cached hook creators carry their roles
    return await get_user(ctx, user_id)


async def set_active(ctx: Context, actor: User | None, user_id: str, *, active: bool) -> User:
    if actor is not None and not actor.is_system_admin and (actor.id != user_id or active):
        raise permission_denied()
    user = await get_user(ctx, user_id)
    now = now_ms()
    async with ctx.mutate() as (conn, changed):
        await user_store.update_user(conn, user.id, delete_at=0 if active else now, update_at=now)
        if not active:
            await user_store.delete_sessions_by_user(conn, user.id)
            changed(SessionsRevoked(user.id))
        changed(UserChanged(user.id))
    return await get_user(ctx, user_id)
