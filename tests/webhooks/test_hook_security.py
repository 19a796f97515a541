"""A hook's signing secret and allowed networks (senders.md §4–5) over HTTP, on both databases:
managing them through ``/api/v4/hooks/incoming``, and what ``POST /hooks/{key}`` then lets in.

Signatures are computed here from Slack's documented scheme with hmac directly, never with
``inbound.webhooks.signing``: the test checks the scheme, not an echo of the code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import re
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from inbound.app import create_app
from inbound.runtime import Runtime
from inbound.services import hook_guard
from inbound.services.bootstrap import bootstrap
from inbound.settings import Settings
from inbound.web.access_log import AccessLog
from tests.conftest import ADMIN_PASSWORD, Api, LiveServer, assert_error

BASE = "/api/v4/hooks/incoming"
SIGNATURE = "web.incoming_webhook.signature.app_error"
IP_NOT_ALLOWED = "web.incoming_webhook.ip_not_allowed.app_error"
INVALID_CIDRS = "model.incoming_hook.allowed_cidrs.app_error"
BODY = b'{"text": "signed hello"}'


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 scheme: ``v0=`` + hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed(secret: str, body: bytes = BODY, *, at: float | None = None) -> dict[str, str]:
    stamp = str(int(time.time() if at is None else at))
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_signature(secret, stamp, body),
    }


@contextmanager
def api_at(settings: Settings, host: str, *, access_log: bool = False) -> Iterator[Api]:
    """An ``Api`` whose requests come from ``host`` (the TCP peer the server sees)."""
    runtime = Runtime(settings)
    app = create_app(settings, runtime=runtime)
    with TestClient(AccessLog(app) if access_log else app, client=(host, 50000)) as client:
        client.portal.call(bootstrap, runtime.context)  # type: ignore[union-attr]
        yield Api(client, runtime)


@pytest.fixture
def local(settings: Settings) -> Iterator[Api]:
    """Requests from 127.0.0.1: a trusted proxy under INBOUND_TRUSTED_PROXIES' default."""
    with api_at(settings, "127.0.0.1") as api:
        yield api


def from_peer(api: Api, host: str) -> None:
    """Later requests come from ``host`` (TestClient keeps the peer on its transport)."""
    api.client._transport.client = (host, 50000)  # type: ignore[attr-defined]


def send(api: Api, key: str, headers: dict[str, Any] | None = None, body: bytes = BODY) -> Any:
    return api.client.post(
        f"/hooks/{key}",
        content=body,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def new_secret(api: Api, hook_id: str) -> str:
    response = api.post(f"{BASE}/{hook_id}/signing_secret")
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"signing_secret"}
    secret: str = body["signing_secret"]
    return secret


def update(api: Api, hook: dict[str, Any], **fields: Any) -> httpx.Response:
    return api.put(f"{BASE}/{hook['id']}", json={"id": hook["id"], **fields})


def messages(api: Api, hook: dict[str, Any]) -> list[str]:
    return [p["message"] for p in api.posts(hook["channel_id"]) if p["message"] == "signed hello"]


# ---------------------------------------------------------------- management


def test_a_new_hook_has_no_secret_and_no_networks(local: Api) -> None:
    hook = local.new_hook()
    assert hook["has_signing_secret"] is False
    assert hook["allowed_cidrs"] == []
    assert "signing_secret" not in hook


def test_create_replace_remove_the_secret(local: Api) -> None:
    hook = local.new_hook()
    first = new_secret(local, hook["id"])
    assert len(first) >= 64 and int(first, 16) >= 0  # 32 random bytes, hex
    shown = local.get(f"{BASE}/{hook['id']}").json()
    assert shown["has_signing_secret"] is True
    assert shown["update_at"] > hook["update_at"]
    assert send(local, hook["id"], signed(first)).status_code == 200

    second = new_secret(local, hook["id"])  # replaces: the first stops working at once
    assert second != first
    assert_error(send(local, hook["id"], signed(first)), 401, SIGNATURE)
    assert send(local, hook["id"], signed(second)).status_code == 200

    removed = local.delete(f"{BASE}/{hook['id']}/signing_secret")
    assert (removed.status_code, removed.json()) == (200, {"status": "OK"})
    assert local.get(f"{BASE}/{hook['id']}").json()["has_signing_secret"] is False
    assert send(local, hook["id"]).status_code == 200  # unsigned works again
    assert local.delete(f"{BASE}/{hook['id']}/signing_secret").status_code == 200  # idempotent
    assert len(messages(local, hook)) == 3


def test_the_secret_is_never_shown_again(local: Api) -> None:
    hook = local.new_hook()
    secret = new_secret(local, hook["id"])
    answers = [
        local.get(f"{BASE}/{hook['id']}"),
        local.get(BASE, params={"team_id": local.team["id"]}),
        local.get(BASE, params={"team_id": local.team["id"], "include_total_count": "true"}),
        local.get(BASE),
        update(local, hook, display_name="renamed"),
        local.post(f"{BASE}/{hook['id']}/regenerate"),
    ]
    for answer in answers:
        assert answer.status_code in (200, 201), answer.text
        assert secret not in answer.text
        assert 'signing_secret"' not in answer.text.replace("has_signing_secret", "")
    assert answers[-1].json()["has_signing_secret"] is True  # regenerate keeps the secret
    fresh = answers[-1].json()["id"]
    assert send(local, fresh, signed(secret)).status_code == 200
    assert_error(send(local, fresh), 401, SIGNATURE)
    assert_error(send(local, hook["id"]), 401, SIGNATURE)  # the old key, in its grace period


def test_the_secret_is_never_logged(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    """Not by inbound's own loggers (the access log, failures), at any level. (Third-party
    DEBUG logs such as aiosqlite's print SQL parameters; ``inbound serve`` never enables them.)"""
    with api_at(settings, "127.0.0.1", access_log=True) as api:
        hook = api.new_hook()
        with caplog.at_level(logging.DEBUG, logger="inbound"):
            secret = new_secret(api, hook["id"])
            assert send(api, hook["id"], signed(secret)).status_code == 200
            assert_error(send(api, hook["id"], signed("wrong")), 401, SIGNATURE)
            api.delete(f"{BASE}/{hook['id']}/signing_secret")
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("inbound"))
    assert "method=POST route=/api/v4/hooks/incoming/{key}/signing_secret key=" in ours
    assert "route=/hooks/{key} key=" in ours and "status=401" in ours
    assert secret not in ours


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_secret_routes_refuse_like_the_other_hook_routes(local: Api, method: str) -> None:
    hook = local.new_hook()
    path = f"{BASE}/{hook['id']}/signing_secret"
    assert_error(
        local.request(method, f"{BASE}/nothex!/signing_secret"),
        400,
        "api.context.invalid_url_param.app_error",
    )
    assert_error(
        local.request(method, f"{BASE}/{'a' * 26}/signing_secret"),
        404,
        "app.webhooks.get_incoming.app_error",
    )
    assert_error(
        local.request(method, path, token=None), 401, "api.context.session_expired.app_error"
    )
    _, token = local.new_user()
    assert_error(local.request(method, path, token), 403, "api.context.permissions.app_error")
    local.patch_config("ServiceSettings", EnableIncomingWebhooks=False)
    assert_error(local.request(method, path), 501, "api.incoming_webhook.disabled.app_error")
    local.patch_config("ServiceSettings", EnableIncomingWebhooks=True)
    deleted = local.delete(f"{BASE}/{hook['id']}")
    assert deleted.status_code == 200
    assert_error(local.request(method, path), 404, "app.webhooks.get_incoming.app_error")


def test_owners_manage_their_own_hooks_secret_only(local: Api) -> None:
    local.patch_config("ServiceSettings", EnableOnlyAdminIntegrations=False)
    _, alice = local.new_user("alice")
    _, bob = local.new_user("bob")
    hook = local.new_hook(token=alice)
    response = local.post(f"{BASE}/{hook['id']}/signing_secret", alice)
    assert response.status_code == 200 and response.json()["signing_secret"]
    assert_error(
        local.post(f"{BASE}/{hook['id']}/signing_secret", bob),
        403,
        "api.context.permissions.app_error",
    )
    assert_error(
        local.delete(f"{BASE}/{hook['id']}/signing_secret", bob),
        403,
        "api.context.permissions.app_error",
    )
    assert local.get(f"{BASE}/{hook['id']}", alice).json()["has_signing_secret"] is True


VALID_CIDRS = [
    pytest.param([], [], id="empty"),
    pytest.param(["203.0.113.0/24"], ["203.0.113.0/24"], id="ipv4"),
    pytest.param(["203.0.113.9/24"], ["203.0.113.0/24"], id="normalised"),
    pytest.param(["198.51.100.7"], ["198.51.100.7/32"], id="bare-address"),
    pytest.param(["2001:DB8::/32"], ["2001:db8::/32"], id="ipv6"),
    pytest.param(["10.0.0.0/8", "10.9.9.9/8"], ["10.0.0.0/8"], id="duplicates"),
    pytest.param(
        ["203.0.113.0/24", "2001:db8::/32"], ["203.0.113.0/24", "2001:db8::/32"], id="both"
    ),
    pytest.param([f"10.0.{i}.0/24" for i in range(100)], None, id="100"),
]
INVALID_CIDRS_VALUES = [
    pytest.param("203.0.113.0/24", id="a-string"),
    pytest.param({"cidr": "203.0.113.0/24"}, id="an-object"),
    pytest.param(24, id="a-number"),
    pytest.param(True, id="a-bool"),
    pytest.param([24], id="number-in-list"),
    pytest.param([None], id="null-in-list"),
    pytest.param(["203.0.113.0/24", {}], id="object-in-list"),
    pytest.param(["nope"], id="not-a-network"),
    pytest.param([""], id="empty-string"),
    pytest.param(["203.0.113.0/33"], id="prefix-33"),
    pytest.param(["2001:db8::/129"], id="prefix-129"),
    pytest.param(["10.0.0.0/8 10.1.0.0/16"], id="two-in-one"),
    pytest.param(["x" * 10_000], id="huge"),
    pytest.param([f"10.0.{i}.0/24" for i in range(101)], id="101"),
]


@pytest.mark.parametrize(("given", "stored"), VALID_CIDRS)
def test_allowed_cidrs_on_create_and_update(
    local: Api, given: list[str], stored: list[str] | None
) -> None:
    expected = given if stored is None else stored
    created = local.new_hook(allowed_cidrs=given)
    assert created["allowed_cidrs"] == expected
    assert local.get(f"{BASE}/{created['id']}").json()["allowed_cidrs"] == expected
    plain = local.new_hook()
    updated = update(local, plain, allowed_cidrs=given)
    assert updated.status_code == 201, updated.text
    assert updated.json()["allowed_cidrs"] == expected


def test_allowed_cidrs_null_or_absent_keep_them_and_empty_clears(local: Api) -> None:
    hook = local.new_hook(allowed_cidrs=["203.0.113.0/24"])
    assert update(local, hook, display_name="x").json()["allowed_cidrs"] == ["203.0.113.0/24"]
    assert update(local, hook, allowed_cidrs=None).json()["allowed_cidrs"] == ["203.0.113.0/24"]
    # a Mattermost client sends the whole hook back: unchanged
    whole = local.get(f"{BASE}/{hook['id']}").json()
    assert local.put(f"{BASE}/{hook['id']}", json=whole).json()["allowed_cidrs"] == [
        "203.0.113.0/24"
    ]
    assert update(local, hook, allowed_cidrs=[]).json()["allowed_cidrs"] == []
    assert local.new_hook(allowed_cidrs=None)["allowed_cidrs"] == []


@pytest.mark.parametrize("given", INVALID_CIDRS_VALUES)
def test_invalid_allowed_cidrs_are_400(local: Api, given: Any) -> None:
    channel_id = local.channel("town-square")["id"]
    created = local.post(BASE, json={"channel_id": channel_id, "allowed_cidrs": given})
    assert_error(created, 400, INVALID_CIDRS)
    hook = local.new_hook(allowed_cidrs=["198.51.100.0/24"])
    assert_error(update(local, hook, allowed_cidrs=given), 400, INVALID_CIDRS)
    assert local.get(f"{BASE}/{hook['id']}").json()["allowed_cidrs"] == ["198.51.100.0/24"]


# ---------------------------------------------------------------- the hook path: signatures


def test_signed_requests_in_every_content_type(local: Api) -> None:
    hook = local.new_hook()
    secret = new_secret(local, hook["id"])
    form = b"payload=" + urllib.parse.quote_from_bytes(BODY).encode()
    for body, kind in ((BODY, "application/json"), (form, "application/x-www-form-urlencoded")):
        answer = local.client.post(
            f"/hooks/{hook['id']}",
            content=body,
            headers={"Content-Type": kind, **signed(secret, body)},
        )
        assert answer.status_code == 200, answer.text
    aliases = {
        "X-Inbound-Request-Timestamp": signed(secret)["X-Slack-Request-Timestamp"],
        "X-Inbound-Signature": signed(secret)["X-Slack-Signature"],
    }
    assert send(local, hook["id"], aliases).status_code == 200
    assert len(messages(local, hook)) == 3


def refusals(secret: str) -> list[dict[str, Any]]:
    """Every way to get a signature wrong (the case's name in a comment-like ``id``)."""
    now = time.time()
    good = signed(secret)
    stamp = good["X-Slack-Request-Timestamp"]
    cases = [
        pytest.param(signed("a-wrong-secret"), id="wrong-secret"),
        pytest.param({}, id="no-headers"),
        pytest.param({"X-Slack-Signature": good["X-Slack-Signature"]}, id="no-timestamp"),
        pytest.param({"X-Slack-Request-Timestamp": stamp}, id="no-signature"),
        pytest.param(signed(secret, at=now - 301), id="301s-old"),
        pytest.param(signed(secret, at=math.ceil(now) + 302), id="301s-ahead"),
        pytest.param(signed(secret, b'{"text": "other"}'), id="other-body"),
        pytest.param({**good, "X-Slack-Request-Timestamp": "soon"}, id="ts-not-digits"),
        pytest.param({**good, "X-Slack-Request-Timestamp": f"{stamp}.0"}, id="ts-decimal"),
        pytest.param({**good, "X-Slack-Request-Timestamp": "-" + stamp}, id="ts-negative"),
        pytest.param({**good, "X-Slack-Request-Timestamp": "9" * 300}, id="ts-huge"),
        pytest.param({**good, "X-Slack-Signature": b"v0=\xff\xfe\x80binary"}, id="sig-binary"),
        pytest.param({**good, "X-Slack-Signature": "v0=" + "f" * 16_000}, id="sig-huge"),
        pytest.param(
            {**good, "X-Slack-Signature": good["X-Slack-Signature"].upper()}, id="sig-upper"
        ),
        pytest.param({**good, "X-Slack-Signature": ""}, id="sig-empty"),
        pytest.param(
            {
                "X-Inbound-Request-Timestamp": stamp,
                "X-Inbound-Signature": slack_signature("a-wrong-secret", stamp, BODY),
            },
            id="aliases-wrong-secret",
        ),
        pytest.param(
            {"X-Inbound-Request-Timestamp": str(int(now) - 301), "X-Inbound-Signature": "v0=00"},
            id="aliases-stale",
        ),
    ]
    return [case.values[0] for case in cases]


def test_bad_signatures_are_401_with_one_message_and_nothing_stored(local: Api) -> None:
    hook = local.new_hook()
    secret = new_secret(local, hook["id"])
    answers = [send(local, hook["id"], headers) for headers in refusals(secret)]
    errors = [assert_error(answer, 401, SIGNATURE) for answer in answers]
    assert len({(e["message"], e["detailed_error"]) for e in errors}) == 1  # nothing says which
    assert messages(local, hook) == []
    assert send(local, hook["id"], signed(secret)).status_code == 200


@pytest.mark.parametrize(("offset", "status"), [(-300, 200), (300, 200), (-301, 401), (301, 401)])
def test_the_window_is_300_seconds_either_way(
    local: Api, monkeypatch: pytest.MonkeyPatch, offset: int, status: int
) -> None:
    """With the server's clock pinned, the edges exactly."""
    hook = local.new_hook()
    secret = new_secret(local, hook["id"])
    clock = 1_900_000_000.0
    monkeypatch.setattr(hook_guard.time, "time", lambda: clock)
    assert send(local, hook["id"], signed(secret, at=clock + offset)).status_code == status


def test_a_new_or_removed_secret_applies_to_the_very_next_request(local: Api) -> None:
    hook = local.new_hook()
    assert send(local, hook["id"]).status_code == 200  # the hook is now in the cache
    secret = new_secret(local, hook["id"])
    assert_error(send(local, hook["id"]), 401, SIGNATURE)
    assert send(local, hook["id"], signed(secret)).status_code == 200
    local.delete(f"{BASE}/{hook['id']}/signing_secret")
    assert send(local, hook["id"]).status_code == 200


# ---------------------------------------------------------------- the hook path: networks


def test_allowed_cidrs_ipv4(local: Api) -> None:
    inside = local.new_hook(allowed_cidrs=["127.0.0.0/8"])
    outside = local.new_hook(allowed_cidrs=["203.0.113.0/24"])
    assert send(local, inside["id"]).status_code == 200
    error = assert_error(send(local, outside["id"]), 403, IP_NOT_ALLOWED)
    assert "127.0.0.1" not in error["message"]
    assert len(messages(local, outside)) == 1  # the inside hook's, in the same channel


def test_allowed_cidrs_ipv6_peer(local: Api) -> None:
    loopback = local.new_hook(allowed_cidrs=["::1/128"])
    documentation = local.new_hook(allowed_cidrs=["2001:db8::/32"])
    v4_only = local.new_hook(allowed_cidrs=["127.0.0.0/8"])
    from_peer(local, "::1")
    assert send(local, loopback["id"]).status_code == 200
    assert_error(send(local, documentation["id"]), 403, IP_NOT_ALLOWED)
    assert_error(send(local, v4_only["id"]), 403, IP_NOT_ALLOWED)
    from_peer(local, "2001:db8:1::7")
    assert send(local, documentation["id"]).status_code == 200


def test_networks_are_checked_before_the_signature(local: Api) -> None:
    hook = local.new_hook(allowed_cidrs=["203.0.113.0/24"])
    secret = new_secret(local, hook["id"])
    assert_error(send(local, hook["id"], signed(secret)), 403, IP_NOT_ALLOWED)
    assert_error(send(local, hook["id"]), 403, IP_NOT_ALLOWED)
    update(local, hook, allowed_cidrs=["127.0.0.1"])
    assert_error(send(local, hook["id"]), 401, SIGNATURE)
    assert send(local, hook["id"], signed(secret)).status_code == 200


def test_changed_networks_apply_to_the_very_next_request(local: Api) -> None:
    hook = local.new_hook()
    assert send(local, hook["id"]).status_code == 200  # cached
    assert update(local, hook, allowed_cidrs=["203.0.113.0/24"]).status_code == 201
    assert_error(send(local, hook["id"]), 403, IP_NOT_ALLOWED)
    assert update(local, hook, allowed_cidrs=[]).status_code == 201
    assert send(local, hook["id"]).status_code == 200


def set_trusted_header(api: Api, names: list[str]) -> None:
    """``ServiceSettings.TrustedProxyIPHeader`` through ``PUT /api/v4/config`` (the whole doc)."""
    config = api.get("/api/v4/config").json()
    config["ServiceSettings"]["TrustedProxyIPHeader"] = names
    saved = api.put("/api/v4/config", json=config)
    assert saved.status_code == 200, saved.text
    assert saved.json()["ServiceSettings"]["TrustedProxyIPHeader"] == names
    assert api.get("/api/v4/config").json()["ServiceSettings"]["TrustedProxyIPHeader"] == names


def test_forwarded_address_from_a_trusted_proxy(local: Api) -> None:
    hook = local.new_hook(allowed_cidrs=["203.0.113.0/24"])
    forwarded = {"X-Forwarded-For": "203.0.113.5"}
    assert_error(send(local, hook["id"], forwarded), 403, IP_NOT_ALLOWED)  # setting empty
    set_trusted_header(local, ["X-Forwarded-For"])
    assert send(local, hook["id"], forwarded).status_code == 200
    assert_error(send(local, hook["id"]), 403, IP_NOT_ALLOWED)  # no header: the peer
    # the client wrote the left entry; the proxy appended the address it saw
    spoofed = {"X-Forwarded-For": "203.0.113.5, 198.51.100.7"}
    assert_error(send(local, hook["id"], spoofed), 403, IP_NOT_ALLOWED)
    from_peer(local, "198.51.100.1")  # not a trusted proxy: its header proves nothing
    assert_error(send(local, hook["id"], forwarded), 403, IP_NOT_ALLOWED)
    from_peer(local, "127.0.0.1")
    set_trusted_header(local, [])
    assert_error(send(local, hook["id"], forwarded), 403, IP_NOT_ALLOWED)


def test_forwarded_ipv6_address(local: Api) -> None:
    hook = local.new_hook(allowed_cidrs=["2001:db8::/32"])
    set_trusted_header(local, ["X-Real-IP", "X-Forwarded-For"])
    assert send(local, hook["id"], {"X-Forwarded-For": "2001:db8::5"}).status_code == 200
    assert send(local, hook["id"], {"X-Real-IP": "2001:db8:ffff::1"}).status_code == 200
    assert_error(send(local, hook["id"], {"X-Forwarded-For": "2001:db9::5"}), 403, IP_NOT_ALLOWED)
    from_peer(local, "::1")  # a trusted proxy over IPv6
    assert send(local, hook["id"], {"X-Forwarded-For": "2001:db8::5"}).status_code == 200


def test_config_refuses_a_trusted_header_that_is_not_a_list(local: Api) -> None:
    config = local.get("/api/v4/config").json()
    config["ServiceSettings"]["TrustedProxyIPHeader"] = "X-Forwarded-For"
    refused = local.put("/api/v4/config", json=config)
    assert refused.status_code == 400, refused.text
    assert "TrustedProxyIPHeader" in refused.json()["message"]


def test_over_a_real_socket(live_server: LiveServer) -> None:
    """The TCP peer as uvicorn reports it (127.0.0.1), and a signed request sent by httpx."""
    url = live_server.url
    login = httpx.post(
        f"{url}/api/v4/users/login", json={"login_id": "admin", "password": ADMIN_PASSWORD}
    )
    auth = {"Authorization": f"Bearer {login.headers['Token']}"}
    team = httpx.get(f"{url}/api/v4/teams/name/main", headers=auth).json()
    channel = httpx.get(f"{url}/api/v4/teams/{team['id']}/channels/name/town-square", headers=auth)

    def hook(cidrs: list[str]) -> str:
        body = {"channel_id": channel.json()["id"], "allowed_cidrs": cidrs}
        created = httpx.post(f"{url}{BASE}", json=body, headers=auth)
        assert created.status_code == 201, created.text
        key: str = created.json()["id"]
        return key

    inside, outside = hook(["127.0.0.0/8", "::1/128"]), hook(["203.0.113.0/24"])
    secret = httpx.post(f"{url}{BASE}/{inside}/signing_secret", headers=auth).json()[
        "signing_secret"
    ]
    kind = {"Content-Type": "application/json"}
    ok = httpx.post(f"{url}/hooks/{inside}", content=BODY, headers={**kind, **signed(secret)})
    assert (ok.status_code, ok.text) == (200, "ok")
    unsigned = httpx.post(f"{url}/hooks/{inside}", content=BODY, headers=kind)
    assert_error(unsigned, 401, SIGNATURE)
    assert_error(
        httpx.post(f"{url}/hooks/{outside}", content=BODY, headers=kind), 403, IP_NOT_ALLOWED
    )


# ---------------------------------------------------------------- the docs' examples

WEBHOOKS_DOC = (Path(__file__).parent.parent.parent / "docs" / "webhooks.md").read_text()


def doc_block(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", WEBHOOKS_DOC, flags=re.DOTALL)
    [block] = [b for b in blocks if containing in b]
    return block


def live_hook_with_secret(live: LiveServer) -> tuple[str, str]:
    login = httpx.post(
        f"{live.url}/api/v4/users/login", json={"login_id": "admin", "password": ADMIN_PASSWORD}
    )
    auth = {"Authorization": f"Bearer {login.headers['Token']}"}
    team = httpx.get(f"{live.url}/api/v4/teams/name/main", headers=auth).json()
    path = f"/api/v4/teams/{team['id']}/channels/name/town-square"
    channel = httpx.get(f"{live.url}{path}", headers=auth).json()
    hook = httpx.post(f"{live.url}{BASE}", json={"channel_id": channel["id"]}, headers=auth).json()
    made = httpx.post(f"{live.url}{BASE}/{hook['id']}/signing_secret", headers=auth)
    return f"{live.url}/hooks/{hook['id']}", made.json()["signing_secret"]


def test_the_docs_shell_example_signs_with_openssl(live_server: LiveServer) -> None:
    url, secret = live_hook_with_secret(live_server)
    script = doc_block("sh", "openssl dgst")
    env = {**os.environ, "SECRET": secret, "URL": url}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, timeout=30)
    assert (done.returncode, done.stdout) == (0, b"ok"), done.stderr
    env["SECRET"] = "not-the-secret"
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, timeout=30)
    assert SIGNATURE.encode() in done.stdout


def test_the_docs_python_example_signs_with_httpx(live_server: LiveServer) -> None:
    url, secret = live_hook_with_secret(live_server)
    namespace: dict[str, Any] = {}
    exec(doc_block("python", "def send_signed"), namespace)  # our own docs' example
    answer = namespace["send_signed"](url, secret, {"text": "from the docs", "username": "ci"})
    assert (answer.status_code, answer.text) == (200, "ok")
    assert namespace["send_signed"](url, secret + "0", {"text": "x"}).status_code == 401


# ---------------------------------------------------------------- fuzz

header_bytes = st.binary(max_size=300).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    stamp=st.one_of(st.none(), st.just("now"), header_bytes, st.integers().map(str)),
    signature=st.one_of(
        st.none(),
        st.just("good"),
        header_bytes,
        st.text(max_size=80).map(
            lambda t: t.encode("utf-8", "surrogatepass").replace(b"\r", b"").replace(b"\n", b"")
        ),
    ),
    forwarded=st.one_of(
        st.none(),
        st.just("203.0.113.5"),
        st.ip_addresses().map(str),
        st.lists(st.ip_addresses().map(str), max_size=4).map(", ".join),
        header_bytes,
    ),
    alias=st.booleans(),
)
def test_any_signing_headers_are_200_401_or_403(
    local: Api, stamp: Any, signature: Any, forwarded: Any, alias: bool
) -> None:
    if not hasattr(local, "fuzz_hook"):  # hypothesis reuses the fixture for every example
        set_trusted_header(local, ["X-Forwarded-For"])
        local.fuzz_hook = local.new_hook(allowed_cidrs=["203.0.113.0/24", "2001:db8::/32"])  # type: ignore[attr-defined]
        local.fuzz_secret = new_secret(local, local.fuzz_hook["id"])  # type: ignore[attr-defined]
    hook, secret = local.fuzz_hook, local.fuzz_secret  # type: ignore[attr-defined]
    good = signed(secret)
    prefix = "X-Inbound-" if alias else "X-Slack-"
    headers: dict[str, Any] = {}
    if stamp is not None:
        headers[f"{prefix}Request-Timestamp"] = (
            good["X-Slack-Request-Timestamp"] if stamp == "now" else stamp
        )
    if signature is not None:
        headers[f"{prefix}Signature"] = (
            good["X-Slack-Signature"] if signature == "good" else signature
        )
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    answer = send(local, hook["id"], headers)
    assert answer.status_code in (200, 401, 403), (answer.status_code, answer.text, headers)
    if answer.status_code != 200:
        assert orjson.loads(answer.content)["id"] in (SIGNATURE, IP_NOT_ALLOWED)


def test_a_signed_hook_refuses_a_message_in_the_query_string(api: Api) -> None:
    """The signature covers the body only: a ``payload=`` in the URL could be anyone's, so a
    signed hook refuses it (even next to a correctly signed empty body)."""
    hook = api.new_hook()
    secret = new_secret(api, hook["id"])
    payload = urllib.parse.quote('{"text": "from the URL"}')
    headers = {**signed(secret, b""), "Content-Type": "application/x-www-form-urlencoded"}
    answer = api.client.post(f"/hooks/{hook['id']}?payload={payload}", content=b"", headers=headers)
    body = assert_error(answer, 401, SIGNATURE)
    assert "query string" in body["message"]
    assert api.posts(hook["channel_id"]) == []
    unsigned = api.new_hook()  # without a secret the query string still works, as in Mattermost
    plain = api.client.post(
        f"/hooks/{unsigned['id']}?payload={payload}",
        content=b"",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert plain.status_code == 200
