"""``POST /api/v4/users/search`` (Mattermost's ``UserSearch``) and ``GET /api/v4/users``' role
and status filters, as the System Console's Users page uses them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, assert_error

INVALID = "api.context.invalid_body_param.app_error"


@pytest.fixture
def people(api: Api) -> dict[str, Any]:
    alice, alice_token = api.new_user("alice")
    api.new_user("alfred")
    bob, _ = api.new_user("bob_smith")
    loner, _ = api.new_user("alien", team=False)
    api.put(f"/api/v4/users/{bob['id']}/roles", json={"roles": "system_user system_admin"})
    gone, _ = api.new_user("alvin")
    api.put(f"/api/v4/users/{gone['id']}/active", json={"active": False})
    return {"alice": alice, "alice_token": alice_token, "bob": bob, "loner": loner}


def search(api: Api, token: str = "", **body: Any) -> list[str]:
    response = api.post("/api/v4/users/search", token, json=body)
    assert response.status_code == 200, response.text
    return [u["username"] for u in response.json()]


@pytest.mark.parametrize(
    ("body", "found"),
    [
        pytest.param({"term": "al"}, ["alfred", "alice", "alien"], id="username prefix"),
        pytest.param({"term": "@AL"}, ["alfred", "alice", "alien"], id="at and case ignored"),
        pytest.param({"term": "lice"}, [], id="prefix only"),
        pytest.param({"term": "bob_"}, ["bob_smith"], id="underscore is literal"),
        pytest.param({"term": "bob%"}, [], id="percent is literal"),
        pytest.param({"term": "alice@example"}, ["alice"], id="email"),
        pytest.param({"term": "al", "allow_inactive": True}, ["alfred", "alice", "alien", "alvin"]),
        pytest.param({"term": "a", "roles": ["system_admin"]}, ["admin"], id="roles admin"),
        pytest.param({"term": "b", "role": "system_admin"}, ["bob_smith"], id="role"),
        pytest.param({"term": "a", "roles": ["system_user"]}, ["alfred", "alice", "alien"]),
        pytest.param({"term": "al", "limit": 2}, ["alfred", "alice"], id="limit"),
    ],
)
def test_search_matches(api: Api, people: dict[str, Any], body: Any, found: list[str]) -> None:
    assert search(api, **body) == found


def test_search_in_a_team(api: Api, people: dict[str, Any]) -> None:
    assert search(api, term="al", team_id=api.team["id"]) == ["alfred", "alice"]


def test_a_member_finds_only_whom_they_may_see(api: Api, people: dict[str, Any]) -> None:
    token = people["alice_token"]
    assert search(api, token, term="al") == ["alfred", "alice"]  # not alien: no shared team
    assert search(api, token, term="alice@") == ["alice"]  # ShowEmailAddress is on
    api.patch_config("PrivacySettings", ShowEmailAddress=False)
    assert search(api, token, term="alfred@") == []
    assert search(api, term="alfred@") == ["alfred"]  # admins always search emails


def test_search_in_a_team_needs_its_membership(api: Api, people: dict[str, Any]) -> None:
    _, loner_token = api.new_user("outsider", team=False)
    response = api.post(
        "/api/v4/users/search", loner_token, json={"term": "al", "team_id": api.team["id"]}
    )
    assert_error(response, 403, "api.context.permissions.app_error")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="no term"),
        pytest.param({"term": "   "}, id="blank term"),
        pytest.param({"term": "a" * 65}, id="term too long"),
        pytest.param({"term": "a", "limit": 0.5}, id="limit not int"),
        pytest.param({"term": "a", "limit": 1001}, id="limit too high"),
        pytest.param({"term": "a", "allow_inactive": "yes"}, id="allow_inactive not bool"),
        pytest.param({"term": "a", "roles": ["team_admin"]}, id="unknown role"),
        pytest.param({"term": "a", "roles": "system_admin"}, id="roles not a list"),
        pytest.param({"term": 5}, id="term not text"),
    ],
)
def test_bad_search_bodies(api: Api, body: Any) -> None:
    assert_error(api.post("/api/v4/users/search", json=body), 400, INVALID)


def test_search_needs_a_session(api: Api) -> None:
    response = api.post("/api/v4/users/search", None, json={"term": "a"})
    assert_error(response, 401, "api.context.session_expired.app_error")


@pytest.mark.parametrize(
    ("params", "found"),
    [
        pytest.param({}, {"admin", "alfred", "alice", "alien", "alvin", "bob_smith"}, id="all"),
        pytest.param({"roles": "system_admin"}, {"admin", "bob_smith"}, id="admins"),
        pytest.param({"role": "system_admin"}, {"admin", "bob_smith"}, id="role"),
        pytest.param({"roles": "system_user"}, {"alfred", "alice", "alien", "alvin"}, id="users"),
        pytest.param({"inactive": "true"}, {"alvin"}, id="inactive"),
        pytest.param({"active": "true", "roles": "system_user"}, {"alfred", "alice", "alien"}),
    ],
)
def test_list_filters(
    api: Api, people: dict[str, Any], params: dict[str, str], found: set[str]
) -> None:
    response = api.get("/api/v4/users", params={"per_page": 200, **params})
    assert response.status_code == 200, response.text
    assert {u["username"] for u in response.json()} == found


def test_list_filters_refuse_nonsense(api: Api) -> None:
    both = api.get("/api/v4/users", params={"active": "true", "inactive": "true"})
    assert_error(both, 400, "api.context.invalid_url_param.app_error")
    assert_error(api.get("/api/v4/users", params={"roles": "owner"}), 400, INVALID)
