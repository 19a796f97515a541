"""What Mattermost's clients read at start-up: ``X-Version-Id``, the ping's ``version``, the
client license and the role objects (``POST /api/v4/roles/names`` and friends)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import orjson
import pytest

from inbound import __version__
from inbound.services.roles import role_id
from inbound.web.version import MATTERMOST_VERSION, server_version, stamp
from tests.conftest import Api, assert_error

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
VERSION = re.compile(
    re.escape(f"{MATTERMOST_VERSION}.{__version__}.") + r"[0-9a-f]{32}\.false"
)  # <mattermost version>.<build>.<client config hash>.<licensed>


def version_of(response: httpx.Response) -> str:
    value = response.headers.get("X-Version-Id", "")
    assert VERSION.fullmatch(value), (response.status_code, response.request.url, value)
    return value


@SQLITE_ONLY
def test_every_answer_carries_the_same_version(api: Api) -> None:
    hook = api.new_hook()
    answers = [
        api.get("/api/v4/system/ping", token=None),
        api.get("/api/v4/users/me", token=None),  # 401
        api.get("/api/v4/no/such/route"),  # 404 of the framework
        api.put("/api/v4/system/ping"),  # 405
        api.get("/api/v4/channels/x/posts", params={"page": "x"}),  # 400, validation
        api.post("/api/v4/roles/names", content=b"{"),  # 400, our own
        api.send(hook["id"], {"text": "hi"}),  # the raw hook path: 200 ok
        api.send(hook["id"], {"text": ""}),  # 400
        api.send("nosuchkey0000000000000000a", {"text": "hi"}),  # 404
        api.get(f"/hooks/{hook['id']}"),  # not the hook handler: a 405 from the API
    ]
    assert [a.status_code for a in answers] == [200, 401, 404, 405, 400, 400, 200, 400, 400, 404]
    assert {version_of(a) for a in answers} == {server_version(api.ctx)}


@SQLITE_ONLY
def test_the_version_follows_the_client_config_only(api: Api) -> None:
    before = version_of(api.get("/api/v4/system/ping"))
    assert stamp(api.ctx.config) is stamp(api.ctx.config)  # computed once per config
    api.patch_config("ServiceSettings", MaximumPayloadSizeBytes=300000)  # not client-visible
    assert version_of(api.get("/api/v4/system/ping")) == before
    api.patch_config("ServiceSettings", EnablePostUsernameOverride=True)
    after = version_of(api.get("/api/v4/system/ping"))
    assert after != before and after[:-38] == before[:-38]  # only the hash moved
    hook = api.new_hook()
    assert version_of(api.send(hook["id"], {"text": "hi"})) == after == server_version(api.ctx)


@SQLITE_ONLY
def test_ping_reports_the_mattermost_version(api: Api) -> None:
    body = api.get("/api/v4/system/ping", token=None).json()
    assert body["status"] == "OK" and body["ActiveSearchBackend"] == "database"
    assert body["version"] == MATTERMOST_VERSION
    assert version_of(api.get("/api/v4/system/ping")).startswith(body["version"] + ".")


@SQLITE_ONLY
def test_client_license_is_unlicensed_and_needs_no_session(api: Api) -> None:
    path = "/api/v4/license/client"
    for token in (None, ""):
        answer = api.get(path, token=token, params={"format": "old"})
        assert answer.status_code == 200 and answer.json() == {"IsLicensed": "false"}
    for params in ({}, {"format": ""}):
        assert_error(api.get(path, params=params), 400, "api.license.client.old_format.app_error")
    for other in ("new", "OLD"):
        answer = api.get(path, params={"format": other})
        assert_error(answer, 400, "api.context.invalid_body_param.app_error")


def roles_by_names(api: Api, names: Any, token: str = "") -> dict[str, dict[str, Any]]:
    answer = api.post("/api/v4/roles/names", token, json=names)
    assert answer.status_code == 200, answer.text
    return {role["name"]: role for role in answer.json()}


ROLE_FIELDS = {
    "id",
    "name",
    "display_name",
    "description",
    "create_at",
    "update_at",
    "delete_at",
    "permissions",
    "scheme_managed",
    "built_in",
}


def test_roles_by_names_for_a_member(api: Api) -> None:
    _, token = api.new_user()
    names = ["system_user", "team_user", "channel_user", "system_guest", "custom_thing"]
    roles = roles_by_names(api, names, token)
    assert set(roles) == {"system_user", "team_user", "channel_user"}  # unknown: skipped
    for name, role in roles.items():
        assert set(role) == ROLE_FIELDS
        assert role["id"] == role_id(name) and len(role["id"]) == 26
        assert role["display_name"].startswith("authentication.roles.")
        assert role["built_in"] and role["scheme_managed"] and not role["delete_at"]
    assert {"create_team", "create_direct_channel"} <= set(roles["system_user"]["permissions"])
    assert {"create_post", "read_channel", "add_reaction"} <= set(
        roles["channel_user"]["permissions"]
    )
    assert "manage_system" not in roles["system_user"]["permissions"]


def permissions(api: Api, name: str) -> set[str]:
    return set(roles_by_names(api, [name])[name]["permissions"])


@SQLITE_ONLY
def test_role_permissions_say_what_the_server_allows(api: Api) -> None:
    _, token = api.new_user()
    body = {"channel_id": api.channel("town-square")["id"], "display_name": "Mine"}
    hooks = {"manage_incoming_webhooks", "manage_own_incoming_webhooks"}
    # EnableOnlyAdminIntegrations (default): team members may not make hooks, and are not told so
    assert not hooks & permissions(api, "team_user")
    assert api.post("/api/v4/hooks/incoming", token, json=body).status_code == 403
    api.patch_config("ServiceSettings", EnableOnlyAdminIntegrations=False)
    assert hooks <= permissions(api, "team_user")
    assert "manage_others_incoming_webhooks" not in permissions(api, "team_user")
    assert api.post("/api/v4/hooks/incoming", token, json=body).status_code == 201
    admin = permissions(api, "team_admin")
    assert {"manage_others_incoming_webhooks", "delete_others_posts", "manage_team"} <= admin
    system_admin = permissions(api, "system_admin")
    assert {"manage_system", "edit_others_posts", *admin} <= system_admin
    assert "edit_others_posts" not in admin  # a team admin may not edit others' posts here
    api.patch_config("ServiceSettings", EnableUserAccessTokens=False)
    assert "create_user_access_token" not in permissions(api, "system_user")


TOO_MANY = [f"role_{n}" for n in range(101)]
PARSE, PARAM = "api.payload.parse.error", "api.context.invalid_body_param.app_error"
BAD_BODIES = [  # body → Mattermost's getRolesByNames answer (error id, or "" for a 200)
    (b"", PARSE),
    (b"[", PARSE),
    (b'{"names": []}', PARSE),
    (b'"system_user"', PARSE),
    (b'["system_user", 1]', PARSE),
    (b"null", PARAM),  # no names
    (b"[]", PARAM),
    (b'["System_User"]', PARAM),  # not a valid role name
    (b'["' + b"a" * 65 + b'"]', PARAM),
    (orjson.dumps(TOO_MANY), "api.roles.get_multiple_by_name_too_many.request_error"),
    (orjson.dumps(["team_user"] * 150), ""),  # counted after de-duplication
    (b'["  ", ""]', ""),  # blank names are skipped
]


@SQLITE_ONLY
def test_roles_by_names_refuses_bad_input(api: Api) -> None:
    for body, error_id in BAD_BODIES:
        answer = api.post("/api/v4/roles/names", content=body)
        if error_id:
            assert_error(answer, 400, error_id)
        else:
            assert answer.status_code == 200 and len(answer.json()) <= 1, body


@SQLITE_ONLY
def test_role_by_name_and_by_id(api: Api) -> None:
    _, token = api.new_user()
    by_name = api.get("/api/v4/roles/name/team_admin", token)
    assert by_name.status_code == 200 and by_name.json()["name"] == "team_admin"
    by_id = api.get(f"/api/v4/roles/{by_name.json()['id']}", token)
    assert by_id.status_code == 200 and by_id.json() == by_name.json()
    assert_error(
        api.get("/api/v4/roles/name/Team-Admin"), 400, "api.context.invalid_url_param.app_error"
    )
    assert_error(api.get("/api/v4/roles/name/no_such_role"), 404, "app.role.get_by_name.app_error")
    assert_error(api.get("/api/v4/roles/" + "a" * 26), 404, "app.role.get.app_error")
    assert_error(api.get("/api/v4/roles/abc"), 400, "api.context.invalid_url_param.app_error")
    for path in ("/api/v4/roles/name/team_admin", f"/api/v4/roles/{by_name.json()['id']}"):
        assert_error(api.get(path, token=None), 401, "api.context.session_expired.app_error")
    answer = api.post("/api/v4/roles/names", token=None, json=["system_user"])
    assert_error(answer, 401, "api.context.session_expired.app_error")
