"""/api/v4/hooks/incoming: create, list, get, update, delete, regenerate, with every permission rule."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import pytest

from inbound.services import teams
from tests.conftest import Api, assert_error

BASE = "/api/v4/hooks/incoming"


def team_admin(api: Api, name: str = "lead") -> tuple[dict[str, Any], str]:
    """A team member promoted to team admin (through the service: our API subset has no
    team-role endpoint; the CLI's ``team add-member --admin`` does the same)."""
    user, token = api.new_user(name)
    promote = partial(teams.add_member, api.ctx, None, api.team["id"], user["id"], admin=True)
    api.client.portal.call(promote)  # type: ignore[union-attr]
    return user, token


def test_create_answers_201_with_the_full_object(api: Api) -> None:
    town = api.channel("town-square")
    response = api.post(
        BASE, json={"channel_id": town["id"], "display_name": "CI", "description": "builds"}
    )
    assert response.status_code == 201
    hook = response.json()
    assert (hook["channel_id"], hook["team_id"], hook["user_id"]) == (
        town["id"],
        api.team["id"],
        api.admin["id"],
    )
    assert (
        hook["display_name"],
        hook["description"],
        hook["message_format"],
        hook["last_used_at"],
    ) == ("CI", "builds", "markdown", 0)
    assert len(hook["id"]) == 26 and hook["delete_at"] == 0


def test_username_and_icon_cleared_on_create_while_overrides_off(api: Api) -> None:
    hook = api.new_hook(username="bot", icon_url="http://x/i.png")
    assert (hook["username"], hook["icon_url"]) == ("", "")
    api.patch_config(
        "ServiceSettings", EnablePostUsernameOverride=True, EnablePostIconOverride=True
    )
    hook = api.new_hook(username="bot", icon_url="http://x/i.png")
    assert (hook["username"], hook["icon_url"]) == ("bot", "http://x/i.png")


@pytest.mark.parametrize("username", ["Bad Name", "all", "channel", "here", "system", "x" * 65])
def test_invalid_hook_username_with_override_on(api: Api, username: str) -> None:
    api.patch_config("ServiceSettings", EnablePostUsernameOverride=True)
    town = api.channel("town-square")
    response = api.post(BASE, json={"channel_id": town["id"], "username": username})
    expected = (
        "model.incoming_hook.username.app_error"
        if len(username) > 64
        else "api.incoming_webhook.invalid_username.app_error"
    )
    assert_error(response, 400, expected)


@pytest.mark.parametrize(
    ("field", "value", "error_id"),
    [
        ("display_name", "x" * 65, "model.incoming_hook.display_name.app_error"),
        ("description", "x" * 501, "model.incoming_hook.description.app_error"),
        ("icon_url", "x" * 1025, "model.incoming_hook.icon_url.app_error"),
        ("message_format", "html", "api.context.invalid_param.app_error"),
        ("channel_locked", "yes", "api.context.invalid_param.app_error"),
    ],
)
def test_field_limits(api: Api, field: str, value: str, error_id: str) -> None:
    town = api.channel("town-square")
    assert_error(api.post(BASE, json={"channel_id": town["id"], field: value}), 400, error_id)


def test_unknown_channel_is_404(api: Api) -> None:
    assert_error(
        api.post(BASE, json={"channel_id": "x" * 26}), 404, "app.channel.get.existing.app_error"
    )


def test_disabled_is_501_on_every_endpoint(api: Api) -> None:
    hook = api.new_hook()
    api.patch_config("ServiceSettings", EnableIncomingWebhooks=False)
    town = api.channel("town-square")
    for response in (
        api.post(BASE, json={"channel_id": town["id"]}),
        api.get(BASE),
        api.get(f"{BASE}/{hook['id']}"),
        api.put(f"{BASE}/{hook['id']}", json={"id": hook["id"], "channel_id": town["id"]}),
        api.delete(f"{BASE}/{hook['id']}"),
        api.post(f"{BASE}/{hook['id']}/regenerate"),
    ):
        assert_error(response, 501, "api.incoming_webhook.disabled.app_error")


def test_team_user_cannot_manage_hooks_by_default(api: Api) -> None:
    _, token = api.new_user()
    town = api.channel("town-square")
    assert_error(
        api.post(BASE, token, json={"channel_id": town["id"]}),
        403,
        "api.context.permissions.app_error",
    )
    assert_error(
        api.get(BASE, token, params={"team_id": api.team["id"]}),
        403,
        "api.context.permissions.app_error",
    )


def test_setting_grants_manage_own_to_team_members(api: Api) -> None:
    api.patch_config("ServiceSettings", EnableOnlyAdminIntegrations=False)
    user, token = api.new_user()
    mine = api.new_hook(token=token)
    assert mine["user_id"] == user["id"] and mine["channel_locked"] is True  # no bypass permission
    admins = api.new_hook()
    listed = api.get(BASE, token, params={"team_id": api.team["id"]}).json()
    assert [h["id"] for h in listed] == [mine["id"]]
    assert_error(api.get(f"{BASE}/{admins['id']}", token), 403, "api.context.permissions.app_error")
    assert_error(
        api.delete(f"{BASE}/{admins['id']}", token), 403, "api.context.permissions.app_error"
    )
    town = api.channel("town-square")
    other = api.post(BASE, token, json={"channel_id": town["id"], "user_id": api.admin["id"]})
    assert_error(other, 403, "api.context.permissions.app_error")


def test_private_channel_the_caller_cannot_read_is_403(api: Api) -> None:
    api.patch_config("ServiceSettings", EnableOnlyAdminIntegrations=False)
    _, owner_token = api.new_user()
    _, other_token = api.new_user()
    secret = api.new_channel("secret", private=True, token=owner_token)
    assert_error(
        api.post(BASE, other_token, json={"channel_id": secret["id"]}),
        403,
        "api.context.permissions.app_error",
    )
    assert api.post(BASE, owner_token, json={"channel_id": secret["id"]}).status_code == 201


def test_team_admin_manages_all_team_hooks(api: Api) -> None:
    api.patch_config("ServiceSettings", EnableOnlyAdminIntegrations=False)
    _, user_token = api.new_user()
    theirs = api.new_hook(token=user_token)
    lead, lead_token = team_admin(api)
    unlocked = api.new_hook(token=lead_token, channel_locked=False)
    assert unlocked["channel_locked"] is False  # team admins may bypass the lock
    listed = api.get(BASE, lead_token, params={"team_id": api.team["id"]}).json()
    assert {theirs["id"], unlocked["id"]} <= {h["id"] for h in listed}
    assert api.get(f"{BASE}/{theirs['id']}", lead_token).status_code == 200
    assert_error(
        api.get(BASE, lead_token), 403, "api.context.permissions.app_error"
    )  # system-level list
    for_other = api.post(
        BASE,
        lead_token,
        json={"channel_id": api.channel("town-square")["id"], "user_id": api.admin["id"]},
    )
    assert for_other.status_code == 201 and for_other.json()["user_id"] == api.admin["id"]
    assert lead["id"]


def test_create_for_unknown_user_is_404(api: Api) -> None:
    town = api.channel("town-square")
    assert_error(
        api.post(BASE, json={"channel_id": town["id"], "user_id": "x" * 26}),
        404,
        "app.user.missing_account.const",
    )


def test_list_pagination_and_total_count(api: Api) -> None:
    made = [api.new_hook(display_name=f"h{i}")["id"] for i in range(5)]
    first = api.get(BASE, params={"per_page": 2, "page": 0}).json()
    second = api.get(BASE, params={"per_page": 2, "page": 1}).json()
    assert [h["id"] for h in first + second] == made[:4]
    counted = api.get(
        BASE, params={"per_page": 2, "include_total_count": "true", "team_id": api.team["id"]}
    ).json()
    assert counted["total_count"] == 5 and len(counted["incoming_webhooks"]) == 2


def test_get_malformed_and_unknown_ids(api: Api) -> None:
    assert_error(api.get(f"{BASE}/not-an-id"), 400, "api.context.invalid_url_param.app_error")
    assert_error(api.get(f"{BASE}/{'x' * 26}"), 404, "app.webhooks.get_incoming.app_error")


def test_update_answers_201_and_keeps_immutable_fields(api: Api) -> None:
    hook = api.new_hook()
    off = api.channel("off-topic")
    body = {
        **hook,
        "channel_id": off["id"],
        "display_name": "Renamed",
        "user_id": "y" * 26,
        "create_at": 1,
        "delete_at": 5,
        "message_format": "slack",
    }
    response = api.put(f"{BASE}/{hook['id']}", json=body)
    assert response.status_code == 201
    updated = response.json()
    assert (updated["channel_id"], updated["display_name"], updated["message_format"]) == (
        off["id"],
        "Renamed",
        "slack",
    )
    assert (updated["user_id"], updated["create_at"], updated["delete_at"]) == (
        hook["user_id"],
        hook["create_at"],
        0,
    )
    assert updated["update_at"] >= hook["update_at"]
    assert api.send(hook["id"], {"text": "moved"}).status_code == 200
    assert [p["message"] for p in api.posts(off["id"])] == ["moved"]


def test_update_keeps_username_when_override_turns_off(api: Api) -> None:
    api.patch_config("ServiceSettings", EnablePostUsernameOverride=True)
    hook = api.new_hook(username="bot")
    api.patch_config("ServiceSettings", EnablePostUsernameOverride=False)
    updated = api.put(f"{BASE}/{hook['id']}", json={**hook, "display_name": "x"}).json()
    assert updated["username"] == "bot"


def test_update_id_mismatch_and_other_team(api: Api) -> None:
    hook = api.new_hook()
    assert_error(
        api.put(f"{BASE}/{hook['id']}", json={**hook, "id": "z" * 26}),
        400,
        "api.context.invalid_param.app_error",
    )
    team = api.post("/api/v4/teams", json={"name": "other", "display_name": "Other"}).json()
    elsewhere = api.get(f"/api/v4/teams/{team['id']}/channels/name/town-square").json()
    assert_error(
        api.put(f"{BASE}/{hook['id']}", json={**hook, "channel_id": elsewhere["id"]}),
        400,
        "api.webhook.team_mismatch.app_error",
    )
    assert_error(
        api.put(f"{BASE}/{hook['id']}", json={**hook, "team_id": team["id"]}),
        400,
        "api.webhook.team_mismatch.app_error",
    )


def test_delete_stops_the_url_at_once(api: Api) -> None:
    hook = api.new_hook()
    assert api.send(hook["id"], {"text": "x"}).status_code == 200  # now cached
    assert api.delete(f"{BASE}/{hook['id']}").json() == {"status": "OK"}
    assert_error(api.send(hook["id"], {"text": "x"}), 400, "web.incoming_webhook.invalid.app_error")
    assert_error(api.get(f"{BASE}/{hook['id']}"), 404, "app.webhooks.get_incoming.app_error")


def test_update_takes_effect_at_once(api: Api) -> None:
    hook = api.new_hook()
    assert api.send(hook["id"], {"text": "x", "channel": "off-topic"}).status_code == 200
    api.put(f"{BASE}/{hook['id']}", json={**hook, "channel_locked": True})
    assert_error(
        api.send(hook["id"], {"text": "x", "channel": "off-topic"}),
        403,
        "web.incoming_webhook.channel_locked.app_error",
    )


def test_regenerate_gives_a_new_key_and_the_old_one_has_a_grace_period(api: Api) -> None:
    hook = api.new_hook(description="keep me")
    response = api.post(f"{BASE}/{hook['id']}/regenerate")
    assert response.status_code == 200
    fresh = response.json()
    assert fresh["id"] != hook["id"]
    assert {k: v for k, v in fresh.items() if k not in ("id", "update_at")} == {
        k: v for k, v in hook.items() if k not in ("id", "update_at")
    }
    assert api.send(fresh["id"], {"text": "new"}).status_code == 200
    assert api.send(hook["id"], {"text": "old"}).status_code == 200  # still inside the grace period
    assert [h["id"] for h in api.get(BASE).json()] == [fresh["id"]]
    assert api.get(f"{BASE}/{fresh['id']}").json()["last_used_at"] > 0


def test_regenerate_with_zero_grace_retires_the_old_key_at_once(api: Api) -> None:
    api.patch_config("ServiceSettings", IncomingWebhookKeyGracePeriodSeconds=0)
    hook = api.new_hook()
    fresh = api.post(f"{BASE}/{hook['id']}/regenerate").json()
    assert_error(
        api.send(hook["id"], {"text": "old"}), 400, "web.incoming_webhook.invalid.app_error"
    )
    again = api.post(f"{BASE}/{fresh['id']}/regenerate").json()
    assert api.send(again["id"], {"text": "ok"}).status_code == 200


def test_retired_key_expires(api: Api) -> None:
    api.patch_config("ServiceSettings", IncomingWebhookKeyGracePeriodSeconds=1)
    hook = api.new_hook()
    api.post(f"{BASE}/{hook['id']}/regenerate")
    assert api.send(hook["id"], {"text": "old"}).status_code == 200
    time.sleep(2.1)  # past the grace period and the cache's TTL
    assert_error(
        api.send(hook["id"], {"text": "late"}), 400, "web.incoming_webhook.invalid.app_error"
    )
