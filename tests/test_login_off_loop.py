"""Password hashing never runs on the event loop, and unknown names cost the same argon2 work
as known ones (reliability.md 4)."""

from __future__ import annotations

import threading

import pytest

from inbound.services import auth
from tests.conftest import Api


def test_login_verifies_off_the_event_loop_for_known_and_unknown_names(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    real = auth.verify_password

    def spy(password_hash: str, password: str) -> bool:
        threads.append(threading.current_thread().name)
        return real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", spy)
    for login_id in ("admin", "nobody-by-this-name"):
        response = api.post(
            "/api/v4/users/login", token=None, json={"login_id": login_id, "password": "wrong"}
        )
        assert response.status_code == 401
    assert len(threads) == 2, "an unknown name must cost a verify too (same time as a known one)"
    assert all(name.startswith("password") for name in threads), threads


def test_new_users_are_hashed_off_the_event_loop(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    real = auth.hash_password

    def spy(password: str) -> str:
        threads.append(threading.current_thread().name)
        return real(password)

    monkeypatch.setattr(auth, "hash_password", spy)
    api.new_user("offloop")
    assert threads and all(name.startswith("password") for name in threads), threads
