"""Users and teams through the API."""

from __future__ import annotations

import pytest

from tests.conftest import Api, assert_error


def test_admin_creates_user_201_without_secrets(api: Api) -> None:
    body = {"username": "Dana", "email": "DANA@example.com", "password": "password-123"}
    response = api.post("/api/v4/users", json=body)
    assert response.status_code == 201
    user = response.json()
    assert (user["username"], user["email"], user["roles"]) == (
        "dana",
        "dana@example.com",
        "system_user",
    )
    assert len(user["id"]) == 26 and user["delete_at"] == 0
    assert not any("password" in key for key in user)


@pytest.mark.parametrize(
    ("body", "error_id"),
    [
        (
            {"username": "ab", "email": "a@b.c", "password": "password-1"},
            "model.user.is_valid.username.app_error",
        ),
        (
            {"username": "here", "email": "a@b.c", "password": "password-1"},
            "model.user.is_valid.username.app_error",
        ),
        (
            {"username": "bad name", "email": "a@b.c", "password": "password-1"},
            "model.user.is_valid.username.app_error",
        ),
        (
            {"username": "okname", "email": "nope", "password": "password-1"},
            "model.user.is_valid.email.app_error",
        ),
        (
            {"username": "okname", "email": "a@b.c", "password": "short"},
            "model.user.is_valid.pwd_length.app_error",
        ),
        ({"username": "okname", "email": "a@b.c"}, "api.context.invalid_body_param.app_error"),
    ],
    ids=["too-short", "reserved", "space", "email", "password", "missing-password"],
)
def test_invalid_user_is_400_with_specific_id(
    api: Api, body: dict[str, str], error_id: str
) -> None:
    assert_error(api.post("/api/v4/users", json=body), 400, error_id)


def test_duplicate_username_any_case_is_400(api: Api) -> None:
    api.new_user("erin")
    body = {"username": "ERIN", "email": "erin2@example.com", "password": "password-123"}
    assert_error(
        api.post("/api/v4/users", json=body), 400, "app.user.save.username_exists.app_error"
    )


def test_sign_up_is_closed_unless_open_server(api: Api) -> None:
    body = {"username": "walkin", "email": "walkin@example.com", "password": "password-123"}
    assert_error(
        api.post("/api/v4/users", token=None, json=body), 403, "api.context.permissions.app_error"
    )
    api.patch_config("TeamSettings", EnableOpenServer=True)
    assert api.post("/api/v4/users", token=None, json=body).status_code == 201


def test_get_user_by_id_username_and_ids(api: Api) -> None:
    user, token = api.new_user("frank")
    assert api.get(f"/api/v4/users/{user['id']}", token).json()["username"] == "frank"
    assert api.get("/api/v4/users/username/FRANK", token).json()["id"] == user["id"]
    found = api.post("/api/v4/users/ids", token, json=[user["id"], api.admin["id"]]).json()
    assert {u["username"] for u in found} == {"frank", "admin"}
    assert_error(api.get("/api/v4/users/" + "x" * 26), 404, "app.user.missing_account.const")
    # A plain user cannot tell a missing id from one they may not see (Mattermost's rule when
    # views are restricted; see tests/test_user_privacy.py).
    assert_error(
        api.get("/api/v4/users/" + "x" * 26, token), 403, "api.context.permissions.app_error"
    )
    assert_error(
        api.get("/api/v4/users/nope", token), 400, "api.context.invalid_url_param.app_error"
    )


def test_list_users_pages_and_filters(api: Api) -> None:
    for name in ("gina", "hank", "ivan"):
        api.new_user(name)
    api.new_user("loner", team=False)
    page = api.get("/api/v4/users", params={"page": 0, "per_page": 2}).json()
    assert [u["username"] for u in page] == ["admin", "gina"]
    in_team = api.get("/api/v4/users", params={"in_team": api.team["id"], "per_page": 100}).json()
    assert "loner" not in {u["username"] for u in in_team} and "ivan" in {
        u["username"] for u in in_team
    }
    assert_error(
        api.get("/api/v4/users", params={"page": -1}),
        400,
        "api.context.invalid_url_param.app_error",
    )


def test_roles_only_by_system_admin(api: Api) -> None:
    user, token = api.new_user()
    denied = api.put(
        f"/api/v4/users/{user['id']}/roles", token, json={"roles": "system_user system_admin"}
    )
    assert_error(denied, 403, "api.context.permissions.app_error")
    granted = api.put(
        f"/api/v4/users/{user['id']}/roles", json={"roles": "system_user system_admin"}
    )
    assert granted.status_code == 200
    assert api.get("/api/v4/users/me", token).json()["roles"] == "system_user system_admin"
    bad = api.put(f"/api/v4/users/{user['id']}/roles", json={"roles": "god"})
    assert_error(bad, 400, "api.user.update_user_roles.bad_role")


def test_bootstrap_made_team_main_with_default_channels(api: Api) -> None:
    assert api.team["name"] == "main"
    names = {c["name"] for c in api.get(f"/api/v4/teams/{api.team['id']}/channels").json()}
    assert names == {"town-square", "off-topic"}


def test_create_team_makes_creator_admin_and_default_channels(api: Api) -> None:
    _, token = api.new_user()
    response = api.post(
        "/api/v4/teams", token, json={"name": "eng", "display_name": "Engineering", "type": "O"}
    )
    assert response.status_code == 201
    team = response.json()
    members = api.get(f"/api/v4/teams/{team['id']}/members", token).json()
    assert [m["roles"] for m in members] == ["team_user team_admin"]
    mine = api.get(f"/api/v4/users/me/teams/{team['id']}/channels", token).json()
    assert {c["name"] for c in mine} == {"town-square", "off-topic"}
    assert_error(
        api.post("/api/v4/teams", token, json={"name": "eng", "display_name": "Again"}),
        400,
        "store.sql_team.save_team.existing.app_error",
    )


def test_team_lookup_and_membership_rules(api: Api) -> None:
    user, token = api.new_user("outsider", team=False)
    assert_error(
        api.get(f"/api/v4/teams/{api.team['id']}", token), 403, "api.context.permissions.app_error"
    )
    assert api.get("/api/v4/users/me/teams", token).json() == []
    added = api.post(
        f"/api/v4/teams/{api.team['id']}/members",
        json={"team_id": api.team["id"], "user_id": user["id"]},
    )
    assert added.status_code == 201 and added.json()["roles"] == "team_user"
    assert [t["name"] for t in api.get("/api/v4/users/me/teams", token).json()] == ["main"]
    assert api.get("/api/v4/teams/name/main", token).json()["id"] == api.team["id"]
    assert_error(api.get("/api/v4/teams/name/nosuch", token), 404, "app.team.get.find.app_error")


def test_team_admin_role_by_api(api: Api) -> None:
    lead, lead_token = api.new_user("lead")
    member, member_token = api.new_user("member")
    path = f"/api/v4/teams/{api.team['id']}/members/{lead['id']}/roles"
    assert_error(
        api.put(path, member_token, json={"roles": "team_user team_admin"}),
        403,
        "api.context.permissions.app_error",
    )
    assert api.put(path, json={"roles": "team_user team_admin"}).json() == {"status": "OK"}
    members = {m["user_id"]: m for m in api.get(f"/api/v4/teams/{api.team['id']}/members").json()}
    assert (
        members[lead["id"]]["roles"] == "team_user team_admin"
        and members[lead["id"]]["scheme_admin"] is True
    )
    promote = api.put(
        f"/api/v4/teams/{api.team['id']}/members/{member['id']}/roles",
        lead_token,
        json={"roles": "team_user team_admin"},
    )
    assert promote.status_code == 200  # team admins manage their team
    hook = api.post(
        "/api/v4/hooks/incoming", lead_token, json={"channel_id": api.channel("town-square")["id"]}
    )
    assert hook.status_code == 201  # and its webhooks
    assert_error(
        api.put(path, json={"roles": "boss"}), 400, "api.team.update_team_member_roles.bad_role"
    )
