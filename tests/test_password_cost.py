"""The argon2 cost of password hashes: production strength by default, lowered only through
``INBOUND_PASSWORD_HASH_*`` (the test suite does, tests/conftest.py). Stored hashes keep the cost
they were made with, and unknown names are checked against a stand-in hash of the same cost."""

from __future__ import annotations

from typing import Any

import pytest

from inbound.services import auth
from inbound.settings import Settings
from inbound.store import users as user_store
from tests.conftest import ADMIN_PASSWORD, CHEAP_PASSWORD_HASH, Api

PRODUCTION_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"
CHEAP_PREFIX = "$argon2id$v=19$m=8,t=1,p=1$"


def stored_hash(api: Api, username: str) -> str:
    async def read() -> str:
        async with api.ctx.db.connect() as conn:
            user = await user_store.get_user_by_username(conn, username)
        assert user is not None
        return user.password_hash

    result: str = api.client.portal.call(read)  # type: ignore[union-attr]
    return result


def stand_in_hash(api: Api) -> str:
    """The hash an unknown name is checked against, as a password thread sees it."""

    def read() -> str:
        stand_in: str = getattr(auth._thread, "nobody_hash", auth._NOBODY_HASH)
        return stand_in

    return api.ctx.passwords.submit(read).result(timeout=10)


def test_the_default_cost_is_owasps_baseline_and_the_environment_can_change_it() -> None:
    assert (Settings().password_hash_time_cost, Settings().password_hash_memory_kib) == (2, 19_456)
    assert Settings.from_env({}).password_hash_memory_kib == 19_456
    env = {"INBOUND_PASSWORD_HASH_TIME_COST": "1", "INBOUND_PASSWORD_HASH_MEMORY_KIB": "64"}
    settings = Settings.from_env(env)
    assert (settings.password_hash_time_cost, settings.password_hash_memory_kib) == (1, 64)
    for bad in (
        {"INBOUND_PASSWORD_HASH_TIME_COST": "0"},
        {"INBOUND_PASSWORD_HASH_MEMORY_KIB": "7"},
    ):
        with pytest.raises(ValueError, match="argon2's minimums"):
            Settings.from_env(bad)
    assert auth.hash_password("x").startswith(PRODUCTION_PREFIX), "outside a password pool"
    assert auth._NOBODY_HASH.startswith(PRODUCTION_PREFIX)


@pytest.mark.production_password_hash
def test_a_production_server_hashes_at_the_production_cost(api: Api) -> None:
    assert api.runtime.settings.password_hash_memory_kib == 19_456
    assert stored_hash(api, "admin").startswith(PRODUCTION_PREFIX)
    api.new_user("strong")  # signs in: the verify of a production hash succeeds
    assert stored_hash(api, "strong").startswith(PRODUCTION_PREFIX)
    assert stand_in_hash(api) == auth._NOBODY_HASH
    response = api.post(
        "/api/v4/users/login", token=None, json={"login_id": "nobody", "password": "x" * 8}
    )
    assert response.status_code == 401


def test_the_suite_hashes_cheaply_and_still_checks_passwords(api: Api) -> None:
    assert api.runtime.settings.password_hash_memory_kib == 8
    assert stored_hash(api, "admin").startswith(CHEAP_PREFIX)
    assert stand_in_hash(api).startswith(CHEAP_PREFIX), "unknown names cost a cheap verify too"
    api.new_user("cheap")
    assert stored_hash(api, "cheap").startswith(CHEAP_PREFIX)
    body: dict[str, Any] = {"login_id": "cheap", "password": "wrong-password"}
    assert api.post("/api/v4/users/login", token=None, json=body).status_code == 401


def test_hashes_keep_their_cost_when_the_setting_changes(api: Api) -> None:
    """A user hashed at the production cost signs in on a server set to another cost."""
    strong = auth.hash_password("password-123")  # this thread: the production cost

    async def write() -> None:
        async with api.ctx.db.begin() as conn:
            user = await user_store.get_user_by_username(conn, "admin")
            assert user is not None
            await user_store.update_user(conn, user.id, password_hash=strong)

    api.client.portal.call(write)  # type: ignore[union-attr]
    assert api.login("admin", "password-123")
    wrong = {"login_id": "admin", "password": ADMIN_PASSWORD}
    assert api.post("/api/v4/users/login", token=None, json=wrong).status_code == 401


def test_the_suite_lowers_the_cost_for_servers_it_starts_from_the_environment() -> None:
    settings = Settings.from_env()
    assert settings.password_hash_time_cost == CHEAP_PASSWORD_HASH["password_hash_time_cost"]
    assert settings.password_hash_memory_kib == CHEAP_PASSWORD_HASH["password_hash_memory_kib"]
