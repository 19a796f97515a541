"""Passwords, sessions and personal access tokens: who is asking."""

from __future__ import annotations

import asyncio
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from inbound.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    UnauthorizedError,
)
from inbound.models import AccessToken, Session, User, new_id, now_ms
from inbound.services.changes import SessionsRevoked
from inbound.services.context import Context
from inbound.services.permissions import require_system_admin
from inbound.store import users as user_store

# OWASP's argon2id baseline (19 MiB, 2 passes): strong, and quick enough for a login.
PRODUCTION_TIME_COST = 2
PRODUCTION_MEMORY_KIB = 19_456
_hasher = PasswordHasher(
    time_cost=PRODUCTION_TIME_COST, memory_cost=PRODUCTION_MEMORY_KIB, parallelism=1
)


# Checked when the login names nobody, so unknown and known names take the same time.
# (a literal, not hashed at import: importing does no work, and an argon2 hash on the main
# thread at import made glibc keep every later 19 MiB hash buffer in the heap)
_NOBODY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$+P9a5JOjPT0rOWBDB/P3LQ$NgEAbrTlbajFR9YjV+lPoH1v0Tme4Mj7x+e8tZOyMeY"

# A password thread started with another cost (``use_password_cost``) keeps its hasher and
# its own stand-in hash here; every other thread uses the production ones above.
_thread = threading.local()


def use_password_cost(time_cost: int, memory_kib: int) -> None:
    """The password pool's thread initializer: this thread hashes new passwords, and checks
    unknown names against a stand-in hash, at this argon2 cost (``Settings``'
    ``password_hash_*``; the production cost unless the test suite lowers it). Existing hashes
    keep the cost they were made with: a verify reads it from the hash."""
    if (time_cost, memory_kib) == (PRODUCTION_TIME_COST, PRODUCTION_MEMORY_KIB):
        return
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
    _thread.hasher = hasher
    _thread.nobody_hash = hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    hasher: PasswordHasher = getattr(_thread, "hasher", _hasher)
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; an empty one (the login names nobody)
    costs the same verify, against the stand-in hash."""
    stand_in: str = getattr(_thread, "nobody_hash", _NOBODY_HASH)
    try:
        return _hasher.verify(password_hash or stand_in, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_off_loop(ctx: Context, password: str) -> str:
    """argon2 costs ~20–40 ms of CPU: it runs in the server's password pool, never on the
    event loop (argon2-cffi releases the GIL while it hashes)."""
    return await asyncio.get_running_loop().run_in_executor(ctx.passwords, hash_password, password)


async def verify_password_off_loop(ctx: Context, password_hash: str, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(
        ctx.passwords, verify_password, password_hash, password
    )


LOCK_MS = 15 * 60_000  # a locked account opens again 15 minutes after its last failure


def _bad_login() -> UnauthorizedError:
    return UnauthorizedError(
        "api.user.login.invalid_credentials_email_username",
        "Enter a valid email or username and/or password.",
    )


def _locked() -> UnauthorizedError:
    return UnauthorizedError(
        "api.user.check_user_login_attempts.too_many.app_error",
        "Your account is locked because of too many failed password attempts. "
        "Please reset your password.",
    )


def _throttled(wait: int) -> RateLimitedError:
    return RateLimitedError(
        "api.context.rate_limited.app_error",
        "Too many failed logins from this address; try again later.",
        retry_after=wait,
    )


async def login(
    ctx: Context, login_id: str, password: str, *, address: str = ""
) -> tuple[User, Session]:
    """Every attempt costs the same, whether the name is unknown, known or locked: one lookup,
    then one argon2 verify and, at the same time, the write that counts the attempt (it
    matches no row for unknown and locked names, and its commit hides behind the verify).
    Only the answer differs, as in Mattermost: a locked account says so."""
    wait = ctx.login_throttle.take(address)
    if wait:
        raise _throttled(wait)
    user = await _find_login(ctx, login_id)
    counted, matches = await asyncio.gather(
        _count_attempt(ctx, user),
        verify_password_off_loop(ctx, user.password_hash if user else "", password),
    )
    if user is not None and not counted:
        raise _locked()
    if user is None or not matches:
        raise _bad_login()
    ctx.login_throttle.give_back(address)
    if not user.is_active:
        raise UnauthorizedError(
            "api.user.login.inactive.app_error",
            "Login failed because your account has been deactivated.",
        )
    return user, await _start_session(ctx, user)


async def _find_login(ctx: Context, login_id: str) -> User | None:
    async with ctx.db.connect() as conn:
        user = await user_store.get_user_by_username(conn, login_id)
        if user is None and "@" in login_id:
            user = await user_store.get_user_by_email(conn, login_id)
    return user


async def _count_attempt(ctx: Context, user: User | None) -> bool:
    """Count this attempt before the password is known, unless the account is locked; whether
    it was counted (False: unknown or locked). Counting first means concurrent attempts can
    never pass ``MaximumLoginAttempts``; a good password sets the count back to 0."""
    maximum = ctx.config.service.maximum_login_attempts
    async with ctx.db.begin() as conn:
        return await user_store.count_login_attempt(
            conn, user.id if user else "", now=now_ms(), maximum=maximum, window_ms=LOCK_MS
        )


async def _start_session(ctx: Context, user: User) -> Session:
    """A good password: the failures are forgotten and a session starts."""
    hours = ctx.config.service.session_length_web_in_hours
    now = now_ms()
    session = Session(new_id(), new_id(), user.id, now, now + hours * 3_600_000)
    async with ctx.db.begin() as conn:
        await user_store.reset_login_attempts(conn, user.id)
        await user_store.insert_session(conn, session)
    user.failed_attempts = user.last_failed_at = 0
    return session


async def unlock(ctx: Context, actor: User | None, user_id: str) -> None:
    """Mattermost's ``POST /users/{id}/reset_failed_attempts``: system admins (``actor`` None:
    local mode) set a user's failed logins back to 0, which unlocks the account."""
    if actor is not None:
        require_system_admin(actor)
    async with ctx.db.begin() as conn:
        if not await user_store.reset_login_attempts(conn, user_id):
            raise NotFoundError("app.user.missing_account.const", "Unable to find the user.")


async def logout(ctx: Context, token: str) -> None:
    """The session ends here and on every process (its websockets close)."""
    async with ctx.mutate() as (conn, changed):
        session = await user_store.get_session_by_token(conn, token)
        if session is not None:
            await user_store.delete_session_by_token(conn, token)
            changed(SessionsRevoked(session.user_id, session.id))


async def session_id_for(ctx: Context, token: str) -> str:
    """The id of the session behind ``token``; "" for a personal access token (or none)."""
    async with ctx.db.connect() as conn:
        session = await user_store.get_session_by_token(conn, token)
    return session.id if session is not None else ""


async def user_for_token(ctx: Context, token: str) -> User:
    """The active user behind a session token or a personal access token."""
    async with ctx.db.connect() as conn:
        session = await user_store.get_session_by_token(conn, token)
        user_id = ""
        if session is not None and session.expires_at > now_ms():
            user_id = session.user_id
        elif session is None and ctx.config.service.enable_user_access_tokens:
            access = await user_store.get_access_token(conn, token)
            user_id = access.user_id if access is not None and access.is_active else ""
        user = await user_store.get_user_by_id(conn, user_id) if user_id else None
    if user is None or not user.is_active:
        raise UnauthorizedError(
            "api.context.session_expired.app_error",
            "Invalid or expired session, please login again.",
        )
    return user


async def create_access_token(
    ctx: Context, actor: User, user_id: str, description: str
) -> AccessToken:
    if not ctx.config.service.enable_user_access_tokens:
        raise ForbiddenError(
            "api.user.create_user_access_token.disabled", "Personal access tokens are disabled."
        )
    if actor.id != user_id and not actor.is_system_admin:
        raise ForbiddenError(
            "api.context.permissions.app_error", "You can only create tokens for yourself."
        )
    if not description.strip():
        raise BadRequestError(
            "model.user_access_token.is_valid.description.app_error", "A description is required."
        )
    async with ctx.db.begin() as conn:
        if await user_store.get_user_by_id(conn, user_id) is None:
            raise NotFoundError("app.user.missing_account.const", "Unable to find the user.")
        token = AccessToken(new_id(), new_id(), user_id, description.strip()[:512])
        await user_store.insert_access_token(conn, token)
    return token
