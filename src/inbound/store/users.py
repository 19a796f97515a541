"""SQL for users, sessions and personal access tokens."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Select, and_, case, func, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.models import SYSTEM_USER, AccessToken, Session, User
from inbound.store.db import fetch_all, fetch_one
from inbound.store.tables import access_tokens, channel_members, sessions, team_members, users

IDS_PER_QUERY = 1000


async def insert_user(conn: AsyncConnection, user: User) -> None:
    await conn.execute(users.insert().values(**asdict(user)))


async def get_user_by_id(conn: AsyncConnection, user_id: str) -> User | None:
    return await fetch_one(conn, select(users).where(users.c.id == user_id), User)


async def get_user_by_username(conn: AsyncConnection, username: str) -> User | None:
    stmt = select(users).where(users.c.username == username.lower())
    return await fetch_one(conn, stmt, User)


async def get_user_by_email(conn: AsyncConnection, email: str) -> User | None:
    return await fetch_one(conn, select(users).where(users.c.email == email.lower()), User)


async def get_users_by_ids(conn: AsyncConnection, ids: list[str]) -> list[User]:
    found: list[User] = []
    for start in range(0, len(ids), IDS_PER_QUERY):  # a statement binds ≤ 32,767 values
        chunk = ids[start : start + IDS_PER_QUERY]
        found += await fetch_all(conn, select(users).where(users.c.id.in_(chunk)), User)
    return found


async def list_users(
    conn: AsyncConnection,
    *,
    offset: int,
    limit: int,
    in_team: str = "",
    in_channel: str = "",
    roles: tuple[str, ...] = (),
    active: bool | None = None,
) -> list[User]:
    stmt = select(users).order_by(users.c.username).offset(offset).limit(limit)
    if in_team:
        stmt = stmt.where(users.c.id.in_(_team_members(in_team)))
    if in_channel:
        members = select(channel_members.c.user_id).where(
            channel_members.c.channel_id == in_channel
        )
        stmt = stmt.where(users.c.id.in_(members))
    return await fetch_all(conn, _filtered(stmt, roles=roles, active=active), User)


async def search_users(
    conn: AsyncConnection,
    *,
    words: list[str],
    with_email: bool,
    limit: int,
    team_id: str = "",
    roles: tuple[str, ...] = (),
    active: bool | None = True,
) -> list[User]:
    """Mattermost's user search: every word starts the username, a name, the nickname or
    (``with_email``) the email; case-insensitive, ``%`` and ``_`` taken literally."""
    columns = [users.c.username, users.c.first_name, users.c.last_name, users.c.nickname]
    if with_email:
        columns.append(users.c.email)
    stmt = select(users).order_by(users.c.username).limit(limit)
    for word in words:
        prefix = _escape_like(word) + "%"
        stmt = stmt.where(or_(*(func.lower(c).like(prefix, escape="\\") for c in columns)))
    if team_id:
        stmt = stmt.where(users.c.id.in_(_team_members(team_id)))
    return await fetch_all(conn, _filtered(stmt, roles=roles, active=active), User)


def _team_members(team_id: str) -> Select[tuple[str]]:
    return select(team_members.c.user_id).where(
        team_members.c.team_id == team_id, team_members.c.delete_at == 0
    )


def _filtered(stmt: Select[Any], *, roles: tuple[str, ...], active: bool | None) -> Select[Any]:
    """Mattermost's ``roles`` filter (any of them; ``system_user`` means only that role) and
    active (``True``), deactivated (``False``) or both (``None``)."""
    if roles:
        stmt = stmt.where(
            or_(
                *(
                    users.c.roles == role
                    if role == SYSTEM_USER
                    else users.c.roles.like(f"%{_escape_like(role)}%", escape="\\")
                    for role in roles
                )
            )
        )
    if active is not None:
        stmt = stmt.where(users.c.delete_at == 0 if active else users.c.delete_at != 0)
    return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def count_users(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(users))).scalar_one())


async def update_user(conn: AsyncConnection, user_id: str, **values: object) -> None:
    await conn.execute(update(users).where(users.c.id == user_id).values(**values))


async def count_login_attempt(
    conn: AsyncConnection, user_id: str, *, now: int, maximum: int, window_ms: int
) -> bool:
    """Count one login attempt for ``user_id`` before its password is checked, unless the
    account is locked (``maximum`` failures, the last one within ``window_ms``); say whether
    it was counted. One statement, so concurrent attempts can never pass ``maximum``. Failures
    older than ``window_ms`` are forgotten: the count starts again at 1."""
    recent = users.c.last_failed_at > now - window_ms
    stmt = (
        update(users)
        .where(users.c.id == user_id, not_(and_(users.c.failed_attempts >= maximum, recent)))
        .values(
            failed_attempts=case((recent, users.c.failed_attempts + 1), else_=1),
            last_failed_at=now,
        )
    )
    return (await conn.execute(stmt)).rowcount == 1


async def reset_login_attempts(conn: AsyncConnection, user_id: str) -> bool:
    """A good login or an admin's unlock: no failures counted. Whether the user exists."""
    stmt = update(users).where(users.c.id == user_id).values(failed_attempts=0, last_failed_at=0)
    return (await conn.execute(stmt)).rowcount == 1


async def insert_session(conn: AsyncConnection, session: Session) -> None:
    await conn.execute(sessions.insert().values(**asdict(session)))


async def get_session_by_token(conn: AsyncConnection, token: str) -> Session | None:
    return await fetch_one(conn, select(sessions).where(sessions.c.token == token), Session)


async def delete_session_by_token(conn: AsyncConnection, token: str) -> None:
    await conn.execute(sessions.delete().where(sessions.c.token == token))


async def delete_sessions_by_user(conn: AsyncConnection, user_id: str) -> None:
    await conn.execute(sessions.delete().where(sessions.c.user_id == user_id))


async def insert_access_token(conn: AsyncConnection, token: AccessToken) -> None:
    await conn.execute(access_tokens.insert().values(**asdict(token)))


async def get_access_token(conn: AsyncConnection, token: str) -> AccessToken | None:
    stmt = select(access_tokens).where(access_tokens.c.token == token)
    return await fetch_one(conn, stmt, AccessToken)


async def get_users_by_usernames(conn: AsyncConnection, names: list[str]) -> list[User]:
    if not names:
        return []
    return await fetch_all(conn, select(users).where(users.c.username.in_(names)), User)
