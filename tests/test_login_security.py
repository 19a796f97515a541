"""Logins (reliability.md 4): lockout after ``ServiceSettings.MaximumLoginAttempts`` failures,
unlock by an admin (API, CLI) or after 15 minutes, failed logins throttled per client address,
and unknown, known and locked names refused in the same time."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send
from typer.testing import CliRunner

from inbound.app import create_app
from inbound.cli import app as cli_app
from inbound.models import User, now_ms
from inbound.runtime import Runtime
from inbound.services import auth
from inbound.services.bootstrap import bootstrap
from inbound.services.login_throttle import LoginThrottle
from inbound.settings import Settings
from inbound.store import users as user_store
from tests.conftest import Api, assert_error

PASSWORD = "password-123"
LOCKED = "api.user.check_user_login_attempts.too_many.app_error"
INVALID = "api.user.login.invalid_credentials_email_username"
ADDRESS = "x-test-address"


def _from_address(app: ASGIApp) -> ASGIApp:
    """The test client's requests come from the address in the ``x-test-address`` header."""

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        for name, value in scope.get("headers", ()):
            if name == ADDRESS.encode():
                scope = {**scope, "client": (value.decode(), 50000)}
        await app(scope, receive, send)

    return wrapper


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    runtime = Runtime(settings)
    with TestClient(_from_address(create_app(settings, runtime=runtime))) as client:
        client.portal.call(bootstrap, runtime.context)  # type: ignore[union-attr]
        yield Api(client, runtime)


def login(api: Api, name: str, password: str, address: str = "10.0.0.1") -> httpx.Response:
    body = {"login_id": name, "password": password}
    response = api.client.post("/api/v4/users/login", json=body, headers={ADDRESS: address})
    api.client.cookies.clear()
    return response


def stored(api: Api, user_id: str) -> User:
    async def read() -> User | None:
        async with api.ctx.db.connect() as conn:
            return await user_store.get_user_by_id(conn, user_id)

    user = api.client.portal.call(read)  # type: ignore[union-attr]
    assert user is not None
    return user


def set_stored(api: Api, user_id: str, **values: Any) -> None:
    async def write() -> None:
        async with api.ctx.db.begin() as conn:
            await user_store.update_user(conn, user_id, **values)

    api.client.portal.call(write)  # type: ignore[union-attr]


def locked_user(api: Api, name: str, *, maximum: int = 3) -> dict[str, Any]:
    api.patch_config("ServiceSettings", MaximumLoginAttempts=maximum)
    user, _ = api.new_user(name)
    for _ in range(maximum):
        assert_error(login(api, name, "wrong-password"), 401, INVALID)
    return user


def test_lockout_after_maximum_failures_refuses_the_right_password(api: Api) -> None:
    user = locked_user(api, "victim", maximum=4)
    assert stored(api, user["id"]).failed_attempts == 4
    body = assert_error(login(api, "victim", PASSWORD), 401, LOCKED)
    assert "too many failed password attempts" in body["message"]
    assert_error(login(api, "victim@example.com", PASSWORD), 401, LOCKED)  # by email too
    assert stored(api, user["id"]).failed_attempts == 4, "a locked attempt is not counted"


def test_default_maximum_is_10(api: Api) -> None:
    api.new_user("tenth")
    for _ in range(9):
        assert_error(login(api, "tenth", "wrong-password"), 401, INVALID)
    assert login(api, "tenth", PASSWORD).status_code == 200
    for _ in range(10):
        assert_error(login(api, "tenth", "wrong-password"), 401, INVALID)
    assert_error(login(api, "tenth", PASSWORD), 401, LOCKED)


def test_success_resets_the_count(api: Api) -> None:
    api.patch_config("ServiceSettings", MaximumLoginAttempts=3)
    user, _ = api.new_user("forgetful")
    for _ in range(3):
        for _ in range(2):
            assert_error(login(api, "forgetful", "wrong-password"), 401, INVALID)
        assert login(api, "forgetful", PASSWORD).status_code == 200
        assert stored(api, user["id"]).failed_attempts == 0


def test_admin_unlocks_through_the_api(api: Api) -> None:
    user = locked_user(api, "locked1")
    _, other_token = api.new_user("bystander")
    path = f"/api/v4/users/{user['id']}/reset_failed_attempts"
    assert_error(api.post(path, token=other_token), 403, "api.context.permissions.app_error")
    assert_error(login(api, "locked1", PASSWORD), 401, LOCKED)
    response = api.post(path)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "OK"}
    assert stored(api, user["id"]).failed_attempts == 0
    assert login(api, "locked1", PASSWORD).status_code == 200
    missing = "/api/v4/users/" + "x" * 26 + "/reset_failed_attempts"
    assert_error(api.post(missing), 404, "app.user.missing_account.const")


def test_admin_unlocks_with_the_cli(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = locked_user(api, "locked2")
    monkeypatch.setenv("INBOUND_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli_app, ["user", "unlock", "locked2"])
    assert result.exit_code == 0, result.output
    assert "Unlocked locked2" in result.output
    assert stored(api, user["id"]).failed_attempts == 0
    assert login(api, "locked2", PASSWORD).status_code == 200
    assert CliRunner().invoke(cli_app, ["user", "unlock", "nobody-here"]).exit_code == 1


def test_the_lock_opens_15_minutes_after_the_last_failure(api: Api) -> None:
    user = locked_user(api, "patient")
    set_stored(api, user["id"], last_failed_at=now_ms() - 14 * 60_000)
    assert_error(login(api, "patient", PASSWORD), 401, LOCKED)
    set_stored(api, user["id"], last_failed_at=now_ms() - 15 * 60_000 - 1000)
    assert_error(login(api, "patient", "wrong-password"), 401, INVALID)
    assert stored(api, user["id"]).failed_attempts == 1, "old failures are forgotten"
    assert login(api, "patient", PASSWORD).status_code == 200


def test_failed_logins_are_throttled_per_address_without_argon2(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.ctx.login_throttle = LoginThrottle(burst=5, refill_seconds=60)
    for n in range(4):  # unknown names: no account gets locked, only the address counts
        assert_error(login(api, f"guess{n}", "wrong", "10.0.0.7"), 401, INVALID)
    assert login(api, "admin", "admin-password-1", "10.0.0.7").status_code == 200  # given back
    assert_error(login(api, "guess4", "wrong", "10.0.0.7"), 401, INVALID)  # the 5th failure
    verified: list[str] = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda h, p: verified.append(p) or real(h, p))
    refused = login(api, "admin", "admin-password-1", "10.0.0.7")
    assert_error(refused, 429, "api.context.rate_limited.app_error")
    assert 50 <= int(refused.headers["Retry-After"]) <= 60
    assert verified == [], "an address over its budget costs no argon2"
    assert login(api, "admin", "admin-password-1", "10.0.0.8").status_code == 200
    assert verified == ["admin-password-1"]


def test_the_throttle_refills_and_remembers_a_bounded_number_of_addresses() -> None:
    now = [0.0]
    throttle = LoginThrottle(burst=2, refill_seconds=10, size=3, clock=lambda: now[0])
    assert [throttle.take("a") for _ in range(3)] == [0, 0, 10]
    now[0] = 9.5
    assert throttle.take("a") == 1  # a refused attempt is not counted
    now[0] = 10.0
    assert throttle.take("a") == 0
    throttle.give_back("a")
    assert throttle.take("a") == 0
    for address in "bcdef":
        throttle.take(address)
    assert len(throttle) == 3


def _time_ms(api: Api, name: str) -> float:
    started = time.perf_counter()
    response = login(api, name, "wrong-password")
    assert response.status_code == 401, response.text
    return (time.perf_counter() - started) * 1000


def _medians(api: Api, names: dict[str, str]) -> dict[str, float]:
    times: dict[str, list[float]] = {kind: [] for kind in names}
    for _ in range(15):  # interleaved, so machine noise hits all three alike
        for kind, name in names.items():
            times[kind].append(_time_ms(api, name))
    return {kind: statistics.median(samples) for kind, samples in times.items()}


def _alike(medians: dict[str, float]) -> bool:
    return all(0.8 <= medians[kind] / medians["known"] <= 1.2 for kind in ("unknown", "locked"))


@pytest.mark.production_password_hash  # the real argon2 work is what must cost the same
def test_unknown_known_and_locked_names_take_the_same_time(api: Api) -> None:
    api.ctx.login_throttle = LoginThrottle(burst=10_000)
    api.patch_config("ServiceSettings", MaximumLoginAttempts=1000)
    api.new_user("known")
    locked, _ = api.new_user("locked")
    set_stored(api, locked["id"], failed_attempts=1000, last_failed_at=now_ms())
    assert_error(login(api, "locked", "wrong-password"), 401, LOCKED)
    names = {"known": "known", "unknown": "no-such-user", "locked": "locked"}
    for name in names.values():  # warm up
        login(api, name, "wrong-password")
    medians = _medians(api, names)
    if not _alike(medians):  # a shared machine: measure again only when the first try fails
        medians = _medians(api, names)
    assert _alike(medians), medians


def test_only_system_admins_see_failed_attempts(api: Api) -> None:
    user, token = api.new_user("counted")
    assert_error(login(api, "counted", "wrong-password"), 401, INVALID)
    assert api.get(f"/api/v4/users/{user['id']}").json()["failed_attempts"] == 1
    assert "failed_attempts" not in api.get("/api/v4/users/me", token=token).json()
    admin = api.get(f"/api/v4/users/{api.admin['id']}", token=token).json()
    assert admin.get("failed_attempts", 0) == 0
