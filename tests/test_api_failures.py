"""API requests that fail for reasons not the client's: 503 with Retry-After while the database
is away, a Mattermost-shaped 500 otherwise, and the log folds identical failures
(reliability.md 2b, "The truth about failures")."""

from __future__ import annotations

import logging

import pytest

from inbound.store import users as user_store
from tests.conftest import Api, assert_error


def test_database_away_is_503_with_retry_after(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refused(*_args: object, **_kw: object) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(user_store, "get_session_by_token", refused)
    response = api.get("/api/v4/users/me")
    assert_error(response, 503, "api.context.unavailable.app_error")
    assert int(response.headers["retry-after"]) >= 1
    assert len(response.headers["x-request-id"]) == 26


def test_a_bug_is_a_json_500_logged_once_per_interval(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: object, **_kw: object) -> None:
        raise ValueError("secret-token-value must not be logged in full")

    monkeypatch.setattr(user_store, "get_session_by_token", broken)
    with caplog.at_level(logging.ERROR):
        for _ in range(20):
            assert_error(api.get("/api/v4/users/me"), 500, "api.context.server_error.app_error")
    reports = [r for r in caplog.records if "ValueError" in r.getMessage()]
    assert len(reports) == 1, [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff"])
def test_api_posts_with_nul_or_lone_surrogates_are_stored_cleaned(api: Api, escape: str) -> None:
    channel = api.channel("town-square")
    body = ('{"channel_id": "' + channel["id"] + '", "message": "a' + escape + 'b"}').encode()
    response = api.post("/api/v4/posts", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    assert response.json()["message"] == "a\ufffdb"
