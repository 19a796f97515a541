"""SQL for users, sessions and personal access tokens."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import and_, case, func, not_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.models import AccessToken, Session, User
from inbound.store.db import fetch_all, fetch_one
from inbound.store.tables import access_tokens, channel_members, sessions, team_members, users


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
    if not ids:
        return []
    return await fetch_all(conn, select(users).where(users.c.id.in_(ids)), User)


async def list_users(
    conn: AsyncConnection,
    *,
    offset: int,
    limit: int,
    in_team: str = "",
    in_channel: str = "",
) -> list[User]:
    stmt = select(users).order_by(users.c.username).offset(offset).limit(limit)
    if in_team:
        members = select(team_members.c.user_id).where(
            team_members.c.team_id == in_team, team_members.c.delete_at == 0
        )
        stmt = stmt.where(users.c.id.in_(members))
    if in_channel:
        members = select(channel_members.c.user_id).where(
            channel_members.c.channel_id == in_channel
        )
        stmt = stmt.where(users.c.id.in_(members))
    return await fetch_all(conn, stmt, User)


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
