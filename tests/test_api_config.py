"""The runtime config through /api/v4/config: admin only, typed, persistent."""

from __future__ import annotations

from starlette.testclient import TestClient

from inbound.app import create_app
from inbound.settings import Settings
from tests.conftest import Api, assert_error


def test_get_config_has_webhook_settings_with_defaults(api: Api) -> None:
    service = api.get("/api/v4/config").json()["ServiceSettings"]
    assert service["EnableIncomingWebhooks"] is True
    assert service["EnablePostUsernameOverride"] is False
    assert service["EnablePostIconOverride"] is False
    assert service["MaximumPayloadSizeBytes"] == 300000
    assert service["PostMessageMaxRunes"] == 4000
    assert service["SiteURL"] == ""


def test_config_is_system_admin_only(api: Api) -> None:
    _, token = api.new_user()
    assert_error(api.get("/api/v4/config", token), 403, "api.context.permissions.app_error")
    assert_error(
        api.put("/api/v4/config/patch", token, json={}), 403, "api.context.permissions.app_error"
    )


def test_patch_changes_only_given_keys_and_persists(api: Api, settings: Settings) -> None:
    patched = api.put(
        "/api/v4/config/patch", json={"ServiceSettings": {"PostMessageMaxRunes": 100}}
    )
    assert patched.status_code == 200
    assert patched.json()["ServiceSettings"]["PostMessageMaxRunes"] == 100
    assert patched.json()["ServiceSettings"]["EnableIncomingWebhooks"] is True
    town = api.channel("town-square")
    too_long = api.post("/api/v4/posts", json={"channel_id": town["id"], "message": "x" * 101})
    assert_error(too_long, 400, "model.post.is_valid.msg.app_error")
    with TestClient(create_app(settings)) as restarted:  # a second process on the same database
        login = restarted.post(
            "/api/v4/users/login", json={"login_id": "admin", "password": "admin-password-1"}
        )
        config = restarted.get(
            "/api/v4/config", headers={"Authorization": f"Bearer {login.headers['Token']}"}
        )
        assert config.json()["ServiceSettings"]["PostMessageMaxRunes"] == 100


def test_put_replaces_and_omitted_keys_fall_back_to_defaults(api: Api) -> None:
    api.patch_config("ServiceSettings", EnablePostIconOverride=True)
    replaced = api.put(
        "/api/v4/config", json={"ServiceSettings": {"EnablePostUsernameOverride": True}}
    ).json()
    assert replaced["ServiceSettings"]["EnablePostUsernameOverride"] is True
    assert replaced["ServiceSettings"]["EnablePostIconOverride"] is False


def test_wrong_types_and_ranges_are_rejected(api: Api) -> None:
    for bad in (
        {"ServiceSettings": {"EnableIncomingWebhooks": "yes"}},
        {"ServiceSettings": {"PostMessageMaxRunes": 0}},
        {"ServiceSettings": {"SiteURL": "ftp://x"}},
        {"ServiceSettings": []},
    ):
        assert_error(
            api.put("/api/v4/config/patch", json=bad), 400, "model.config.is_valid.app_error"
        )


def test_client_config_is_public_and_stringly_typed(api: Api) -> None:
    api.patch_config("ServiceSettings", SiteURL="https://chat.example.com/")
    client = api.get("/api/v4/config/client", token=None, params={"format": "old"}).json()
    assert client["EnableIncomingWebhooks"] == "true"
    assert client["SiteURL"] == "https://chat.example.com"
    assert "MaximumPayloadSizeBytes" not in client
