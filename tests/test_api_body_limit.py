"""Every API request body is bounded by ``ServiceSettings.MaximumPayloadSizeBytes`` (Mattermost:
"the maximum payload size for all APIs"), declared or not: a stranger cannot make the server read
and parse an unbounded body on the event loop (the login route needs no session)."""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from tests.conftest import Api, assert_error

TOO_LARGE = "api.context.request_body_too_large.app_error"


def _login_body(size: int) -> bytes:
    return orjson.dumps({"login_id": "admin", "password": "x" * size})


def test_a_declared_body_over_the_limit_is_refused_before_reading(api: Api) -> None:
    response = api.post("/api/v4/users/login", None, content=_login_body(300_001))
    body = assert_error(response, 413, TOO_LARGE)
    assert "MaximumPayloadSizeBytes" in body["message"]
    assert response.headers["x-version-id"].startswith("9.11.0.")


def test_a_streamed_body_over_the_limit_is_refused(api: Api) -> None:
    chunk = b" " * 65_536

    def stream() -> Iterator[bytes]:  # no Content-Length: chunked
        yield b'{"login_id": "admin", "password": "'
        for _ in range(6):
            yield chunk
        yield b'"}'

    response = api.post("/api/v4/users/login", None, content=stream())
    assert_error(response, 413, TOO_LARGE)


def test_bodies_under_the_limit_and_the_setting_apply(api: Api) -> None:
    response = api.post("/api/v4/users/login", None, content=_login_body(200_000))
    assert_error(response, 401, "api.user.login.invalid_credentials_email_username")
    patched = api.put(
        "/api/v4/config/patch", json={"ServiceSettings": {"MaximumPayloadSizeBytes": 500_000}}
    )
    assert patched.status_code == 200, patched.text
    response = api.post("/api/v4/users/login", None, content=_login_body(400_000))
    assert_error(response, 401, "api.user.login.invalid_credentials_email_username")
