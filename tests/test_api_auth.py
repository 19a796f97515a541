"""Login, sessions, cookies with the CSRF rule, personal access tokens, logout."""

from __future__ import annotations

from tests.conftest import ADMIN_PASSWORD, Api, assert_error


def test_ping_needs_no_session(api: Api) -> None:
    response = api.get("/api/v4/system/ping", token=None)
    assert response.status_code == 200
    assert response.json()["status"] == "OK"
    assert len(response.headers["X-Request-Id"]) == 26


def test_login_returns_user_token_header_and_cookie(api: Api) -> None:
    response = api.client.post(
        "/api/v4/users/login", json={"login_id": "admin", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "admin"
    assert "password" not in body and "password_hash" not in body
    token = response.headers["Token"]
    cookie = response.headers["set-cookie"]
    assert (
        f"MMAUTHTOKEN={token}" in cookie
        and "HttpOnly" in cookie
        and "samesite=lax" in cookie.lower()
    )


def test_login_by_email_works(api: Api) -> None:
    user, _ = api.new_user("emily")
    response = api.client.post(
        "/api/v4/users/login", json={"login_id": "emily@example.com", "password": "password-123"}
    )
    assert response.status_code == 200
    assert response.json()["id"] == user["id"]


def test_wrong_password_is_401_with_mattermost_id(api: Api) -> None:
    response = api.client.post("/api/v4/users/login", json={"login_id": "admin", "password": "x"})
    assert_error(response, 401, "api.user.login.invalid_credentials_email_username")


def test_no_session_is_401(api: Api) -> None:
    assert_error(
        api.get("/api/v4/users/me", token=None), 401, "api.context.session_expired.app_error"
    )
    assert_error(
        api.get("/api/v4/users/me", token="nottoken"), 401, "api.context.session_expired.app_error"
    )


def test_cookie_session_reads_but_needs_xrequestedwith_to_write(api: Api) -> None:
    api.client.cookies.set("MMAUTHTOKEN", api.admin_token)
    try:
        assert api.client.get("/api/v4/users/me").json()["username"] == "admin"
        body = {"team_id": api.team["id"], "name": "csrf", "display_name": "Csrf"}
        blocked = api.client.post("/api/v4/channels", json=body)
        assert_error(blocked, 401, "api.context.session_expired.app_error")
        allowed = api.client.post(
            "/api/v4/channels", json=body, headers={"X-Requested-With": "XMLHttpRequest"}
        )
        assert allowed.status_code == 201
    finally:
        api.client.cookies.clear()


def test_personal_access_token_works_as_bearer(api: Api) -> None:
    user, token = api.new_user()
    created = api.post(f"/api/v4/users/{user['id']}/tokens", token, json={"description": "ci"})
    assert created.status_code == 200, created.text
    pat = created.json()
    assert pat["user_id"] == user["id"] and pat["description"] == "ci"
    assert api.get("/api/v4/users/me", token=pat["token"]).json()["id"] == user["id"]


def test_personal_access_token_for_someone_else_is_forbidden(api: Api) -> None:
    _, token = api.new_user()
    response = api.post(f"/api/v4/users/{api.admin['id']}/tokens", token, json={"description": "x"})
    assert_error(response, 403, "api.context.permissions.app_error")


def test_logout_ends_the_session(api: Api) -> None:
    _, token = api.new_user()
    assert api.post("/api/v4/users/logout", token).json() == {"status": "OK"}
    assert_error(api.get("/api/v4/users/me", token), 401, "api.context.session_expired.app_error")


def test_deactivated_user_loses_sessions_and_cannot_log_in(api: Api) -> None:
    user, token = api.new_user("leaver")
    response = api.put(f"/api/v4/users/{user['id']}/active", json={"active": False})
    assert response.status_code == 200
    assert_error(api.get("/api/v4/users/me", token), 401, "api.context.session_expired.app_error")
    login = api.client.post(
        "/api/v4/users/login", json={"login_id": "leaver", "password": "password-123"}
    )
    assert login.status_code == 401
