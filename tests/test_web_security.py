"""Web and API security headers, the login redirect, the websocket's Origin check, the cookie.

reliability.md section 5. The browser side of ``redirect_to`` is tests/browser/test_redirects.py.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.testclient import WebSocketDenialResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from inbound.web.pages import safe_redirect
from tests.conftest import ADMIN_PASSWORD, Api, LiveServer

# Each value as redirect_to carries it once the query string is decoded.
HOSTILE_REDIRECTS = [
    pytest.param("//evil.example", id="protocol-relative"),
    pytest.param("/\\evil.example", id="slash-backslash"),
    pytest.param("\\\\evil.example", id="backslashes"),
    pytest.param("\\/evil.example", id="backslash-slash"),
    pytest.param("/\t/evil.example", id="tab-inside"),
    pytest.param("/\n/evil.example", id="newline-inside"),
    pytest.param("/\r\n/evil.example", id="crlf-inside"),
    pytest.param("\t//evil.example", id="leading-tab"),
    pytest.param(" //evil.example", id="leading-space"),
    pytest.param("\x00//evil.example", id="leading-nul"),
    pytest.param("/\x0b/evil.example", id="vertical-tab-inside"),
    pytest.param("/%5Cevil.example", id="percent-backslash"),
    pytest.param("/%09/evil.example", id="percent-tab"),
    pytest.param("/%2F%2Fevil.example", id="percent-slashes"),
    pytest.param("%2F%2Fevil.example", id="percent-leading-slashes"),
    pytest.param("/%252F/evil.example", id="double-percent-slash"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("JaVaScRiPt:alert(1)", id="javascript-case"),
    pytest.param("java\tscript:alert(1)", id="javascript-tab"),
    pytest.param("data:text/html,<script>alert(1)</script>", id="data"),
    pytest.param("http://evil.example", id="http"),
    pytest.param("https://evil.example/main", id="https"),
    pytest.param("http:evil.example", id="http-no-slashes"),
    pytest.param("http:/evil.example", id="http-one-slash"),
    pytest.param("evil.example", id="relative-host"),
    pytest.param("／／evil.example", id="fullwidth-solidus"),
    pytest.param("/／evil.example", id="slash-fullwidth-solidus"),
    pytest.param("＼＼evil.example", id="fullwidth-backslashes"),
    pytest.param("/%EF%BC%8Fevil.example", id="percent-fullwidth-solidus"),
]

LOCAL_REDIRECTS = [
    pytest.param("/main/channels/off-topic", id="channel"),
    pytest.param("/main/channels/town-square?x=1#latest", id="query-fragment"),
    pytest.param("/admin_console/users", id="admin"),
    pytest.param("/", id="root"),
]


@pytest.mark.parametrize("target", HOSTILE_REDIRECTS)
def test_hostile_redirect_falls_back_to_root(target: str) -> None:
    assert safe_redirect(target) == "/"


@pytest.mark.parametrize("target", LOCAL_REDIRECTS)
def test_local_redirect_is_kept(target: str) -> None:
    assert safe_redirect(target) == target


def test_missing_redirect_is_root() -> None:
    assert safe_redirect(None) == safe_redirect("") == "/"


def _login_page(api: Api, target: str, *, cookie: str = "") -> httpx.Response:
    headers = {"Cookie": f"MMAUTHTOKEN={cookie}"} if cookie else {}
    return api.client.get(
        f"/login?redirect_to={quote(target, safe='')}", headers=headers, follow_redirects=False
    )


def _page_target(response: httpx.Response) -> str:
    found = re.search(r'data-redirect-to="([^"]*)"', response.text)
    assert found, response.text
    return unescape(found.group(1))


def test_login_flow_redirects_only_to_local_paths(api: Api) -> None:
    """Signed in, /login sends you on (302); signed out, the page carries the target the
    script will use after the form. Both are the checked one."""
    for param in [*HOSTILE_REDIRECTS, *LOCAL_REDIRECTS]:
        target = param.values[0]
        expected = "/" if param in HOSTILE_REDIRECTS else target
        signed_in = _login_page(api, target, cookie=api.admin_token)
        assert signed_in.status_code == 302, param.id
        assert signed_in.headers["location"] == quote(expected, safe=":/%#?=@[]!$&'()*+,;")
        anonymous = _login_page(api, target)
        assert anonymous.status_code == 200 and _page_target(anonymous) == expected, param.id


@pytest.mark.parametrize(
    "raw", ["/%5Cevil.example", "/%09/evil.example", "%2F%5Cevil.example", "/%0A/evil.example"]
)
def test_issue_urls_are_refused(api: Api, raw: str) -> None:
    """The reported URLs exactly as typed (the query string not re-encoded)."""
    response = api.client.get(
        f"/login?redirect_to={raw}",
        headers={"Cookie": f"MMAUTHTOKEN={api.admin_token}"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


# ---------- websocket Origin ----------


def _ws_hello(api: Api, origin: str | None, *, url: str = "/api/v4/websocket") -> int:
    """101 and hello, or the status of the refusal."""
    headers = {"Cookie": f"MMAUTHTOKEN={api.admin_token}"}
    if origin is not None:
        headers["Origin"] = origin
    try:
        with api.client.websocket_connect(url, headers=headers) as ws:
            assert ws.receive_json()["event"] == "hello"
            return 101
    except WebSocketDenialResponse as refused:
        return refused.status_code


@pytest.mark.parametrize(
    ("allow", "origin", "status"),
    [
        pytest.param("", "http://evil.example", 403, id="foreign"),
        pytest.param("", "null", 403, id="null"),
        pytest.param("", "http://testserver.evil.example", 403, id="suffix"),
        pytest.param("", "https://testserver", 403, id="other-scheme"),
        pytest.param("", "http://testserver:8080", 403, id="other-port"),
        pytest.param("", None, 101, id="missing"),
        pytest.param("", "http://testserver", 101, id="own"),
        pytest.param("", "HTTP://TestServer:80", 101, id="own-spelled-otherwise"),
        pytest.param(
            "https://app.example http://b.example", "https://app.example", 101, id="listed"
        ),
        pytest.param("https://app.example", "http://evil.example", 403, id="not-listed"),
        pytest.param("*", "http://evil.example", 101, id="star"),
    ],
)
def test_websocket_origin(api: Api, allow: str, origin: str | None, status: int) -> None:
    if allow:
        api.patch_config("ServiceSettings", AllowCorsFrom=allow)
    assert _ws_hello(api, origin) == status


def test_websocket_origin_is_site_url_when_set(api: Api) -> None:
    api.patch_config("ServiceSettings", SiteURL="https://chat.example.com")
    assert _ws_hello(api, "https://chat.example.com") == 101
    assert _ws_hello(api, "http://testserver") == 403  # the Host header no longer decides
    assert _ws_hello(api, "http://chat.example.com") == 403


def test_websocket_refusal_is_a_real_403(live_server: LiveServer) -> None:
    """Through uvicorn: the upgrade is answered 403 before any websocket frame."""
    token = httpx.post(
        f"{live_server.url}/api/v4/users/login",
        json={"login_id": "admin", "password": ADMIN_PASSWORD},
    ).headers["Token"]
    url = live_server.url.replace("http://", "ws://") + "/api/v4/websocket"
    cookie = [("Cookie", f"MMAUTHTOKEN={token}")]
    with pytest.raises(InvalidStatus) as refused:
        connect(
            url, origin=Origin("http://evil.example"), additional_headers=cookie, open_timeout=5
        )
    assert refused.value.response.status_code == 403
    with connect(
        url, origin=Origin(live_server.url), additional_headers=cookie, open_timeout=5
    ) as ws:
        assert '"hello"' in str(ws.recv(timeout=5))


# ---------- headers on every answer ----------


def _nosniff(response: httpx.Response) -> bool:
    return response.headers.get_list("x-content-type-options") == ["nosniff"]


def test_nosniff_on_every_kind_of_answer(api: Api) -> None:
    hook = api.new_hook()
    answers: dict[str, Any] = {
        "api": api.get("/api/v4/users/me"),
        "api-401": api.get("/api/v4/users/me", token=None),
        "api-404": api.get("/api/v4/nothing-here"),
        "static": api.client.get("/static/app.js"),
        "static-404": api.client.get("/static/missing.js"),
        "page": api.client.get("/login"),
        "redirect": api.client.get("/", follow_redirects=False),
        "hook-200": api.send(hook["id"], {"text": "hi"}),
        "hook-400": api.send(hook["id"], content=b"{", content_type="application/json"),
        "hook-unknown": api.send("x" * 26, {"text": "hi"}),
        "hook-413": api.send(hook["id"], content=b"x" * 400_000),
    }
    assert {name: r.status_code for name, r in answers.items()} == {
        "api": 200,
        "api-401": 401,
        "api-404": 404,
        "static": 200,
        "static-404": 404,
        "page": 200,
        "redirect": 302,
        "hook-200": 200,
        "hook-400": 400,
        "hook-unknown": 400,
        "hook-413": 413,
    }
    assert [name for name, r in answers.items() if not _nosniff(r)] == []


def test_nosniff_on_rate_limited_answer(api: Api) -> None:
    api.patch_config("RateLimitSettings", Enable=True, PerSec=1, MaxBurst=1)
    statuses = [api.get("/api/v4/users/me") for _ in range(5)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited and all(_nosniff(r) for r in limited)


def test_page_headers(api: Api) -> None:
    page = api.client.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "connect-src 'self';" in csp
    assert page.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example; script-src *",
        "x' 'unsafe-inline",
        "testserver\r\n",
        "a b c",
    ],
)
def test_csp_has_nothing_from_the_host_header(api: Api, host: str) -> None:
    try:
        page = api.client.get("/login", headers={"Host": host})
    except (httpx.LocalProtocolError, ValueError):
        pytest.skip("the client itself refuses this Host")
    csp = page.headers["content-security-policy"]
    assert "evil" not in csp and "unsafe-inline" not in csp and "*" not in csp
    assert csp.count("script-src") == 1 and "connect-src 'self';" in csp


def test_csp_connect_src_names_the_site_url_websocket(api: Api) -> None:
    api.patch_config("ServiceSettings", SiteURL="https://chat.example.com:8443")
    csp = api.client.get("/login", headers={"Host": "evil.example"}).headers[
        "content-security-policy"
    ]
    assert "connect-src 'self' wss://chat.example.com:8443;" in csp and "evil" not in csp


# ---------- the session cookie ----------


def _cookie(response: httpx.Response) -> str:
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith("MMAUTHTOKEN=")]
    assert len(cookies) == 1, response.headers
    return cookies[0].lower()


def _login(api: Api, url: str = "/api/v4/users/login") -> httpx.Response:
    response = api.client.post(url, json={"login_id": "admin", "password": ADMIN_PASSWORD})
    api.client.cookies.clear()
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(
    ("site_url", "secure"),
    [("", False), ("http://chat.example.com", False), ("https://chat.example.com", True)],
)
def test_cookie_secure_follows_site_url(api: Api, site_url: str, secure: bool) -> None:
    if site_url:
        api.patch_config("ServiceSettings", SiteURL=site_url)
    cookie = _cookie(_login(api))
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert ("; secure" in cookie) is secure
    logout = api.post("/api/v4/users/logout")
    assert ("; secure" in _cookie(logout)) is secure


def test_cookie_secure_when_the_request_came_over_https(api: Api) -> None:
    """What uvicorn's proxy headers (or TLS) make of the scheme: https."""
    assert "; secure" in _cookie(_login(api, "https://testserver/api/v4/users/login"))


def test_cookie_secure_behind_a_trusted_proxy(live_server: LiveServer) -> None:
    """The test server trusts X-Forwarded-Proto from 127.0.0.1, as ``--proxy-headers`` does."""
    body = {"login_id": "admin", "password": ADMIN_PASSWORD}
    url = f"{live_server.url}/api/v4/users/login"
    proxied = httpx.post(url, json=body, headers={"X-Forwarded-Proto": "https"})
    direct = httpx.post(url, json=body)
    assert "; secure" in _cookie(proxied) and "; secure" not in _cookie(direct)
