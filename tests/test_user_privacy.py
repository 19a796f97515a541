"""Who sees whom, and what of them (reliability.md §6; Mattermost's ``SanitizeProfile``).

A user sees themself, and others only when they share a team or a channel (a DM included);
system admins see everyone. Emails of others follow ``PrivacySettings.ShowEmailAddress``
(admins always see them); account fields (``notify_props``, ``email_verified``, ``auth_service``…)
are blanked in anyone's profile but one's own.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, assert_error

DENIED = "api.context.permissions.app_error"


@pytest.fixture
def people(api: Api) -> dict[str, Any]:
    member, member_token = api.new_user("member")
    peer, _ = api.new_user("peer")
    loner, loner_token = api.new_user("loner", team=False)
    return {
        "member": member,
        "member_token": member_token,
        "peer": peer,
        "loner": loner,
        "loner_token": loner_token,
    }


def by_id(api: Api, token: str, user_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v4/users/{user_id}", token)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_a_user_in_no_team_cannot_list_everyone(api: Api, people: dict[str, Any]) -> None:
    """The issue's finding: ``GET /api/v4/users`` listed every user with their email."""
    token = people["loner_token"]
    assert_error(api.get("/api/v4/users", token), 403, DENIED)
    assert_error(api.get("/api/v4/users", people["member_token"]), 403, DENIED)
    assert_error(api.get("/api/v4/users", token, params={"in_team": api.team["id"]}), 403, DENIED)
    town = api.channel("town-square")["id"]
    assert_error(api.get("/api/v4/users", token, params={"in_channel": town}), 403, DENIED)
    everyone = {u["username"] for u in api.get("/api/v4/users", params={"per_page": 200}).json()}
    assert everyone >= {"admin", "member", "peer", "loner"}


def test_a_member_lists_their_team(api: Api, people: dict[str, Any]) -> None:
    listed = api.get(
        "/api/v4/users", people["member_token"], params={"in_team": api.team["id"]}
    ).json()
    assert {u["username"] for u in listed} == {"admin", "member", "peer"}


def test_only_users_sharing_a_team_or_channel_are_visible(api: Api, people: dict[str, Any]) -> None:
    loner, peer = people["loner"], people["peer"]
    token = people["loner_token"]
    assert by_id(api, token, loner["id"])["username"] == "loner"
    assert by_id(api, token, "me")["id"] == loner["id"]
    assert_error(api.get(f"/api/v4/users/{peer['id']}", token), 403, DENIED)
    assert_error(api.get("/api/v4/users/username/peer", token), 403, DENIED)
    # A missing user looks the same as a hidden one (no probing), except to admins.
    assert_error(api.get("/api/v4/users/username/nobody", token), 403, DENIED)
    assert_error(api.get("/api/v4/users/username/nobody"), 404, "app.user.missing_account.const")
    ids = [peer["id"], loner["id"], people["member"]["id"]]
    listed = api.post("/api/v4/users/ids", token, json=ids).json()
    assert [u["username"] for u in listed] == ["loner"]
    # The member sees the peer (same team) but not the loner.
    assert by_id(api, people["member_token"], peer["id"])["username"] == "peer"
    assert_error(api.get(f"/api/v4/users/{loner['id']}", people["member_token"]), 403, DENIED)


def test_a_direct_message_makes_both_visible(api: Api, people: dict[str, Any]) -> None:
    loner, member = people["loner"], people["member"]
    made = api.post(
        "/api/v4/channels/direct", people["member_token"], json=[member["id"], loner["id"]]
    )
    assert made.status_code == 201, made.text
    assert by_id(api, people["loner_token"], member["id"])["username"] == "member"
    assert by_id(api, people["member_token"], loner["id"])["username"] == "loner"
    assert_error(
        api.get(f"/api/v4/users/{people['peer']['id']}", people["loner_token"]), 403, DENIED
    )


def test_another_team_is_another_world(api: Api, people: dict[str, Any]) -> None:
    other = api.post("/api/v4/teams", json={"name": "other", "display_name": "Other"}).json()
    body = {"team_id": other["id"], "user_id": people["loner"]["id"]}
    assert api.post(f"/api/v4/teams/{other['id']}/members", json=body).status_code == 201
    token = people["loner_token"]
    assert_error(api.get(f"/api/v4/users/{people['peer']['id']}", token), 403, DENIED)
    listed = api.get("/api/v4/users", token, params={"in_team": other["id"]}).json()
    assert [u["username"] for u in listed] == ["admin", "loner"]  # admin made the team


def user_views(api: Api, token: str, target: dict[str, Any]) -> list[dict[str, Any]]:
    """The target as each user route returns it to ``token``'s owner."""
    team = {"in_team": api.team["id"], "per_page": 200}
    listed = api.get("/api/v4/users", token, params=team).json()
    return [
        by_id(api, token, target["id"]),
        api.get(f"/api/v4/users/username/{target['username']}", token).json(),
        api.post("/api/v4/users/ids", token, json=[target["id"]]).json()[0],
        next(u for u in listed if u["id"] == target["id"]),
    ]


@pytest.mark.parametrize("show", [True, False])
def test_emails_follow_show_email_address(api: Api, people: dict[str, Any], show: bool) -> None:
    api.patch_config("PrivacySettings", ShowEmailAddress=show)
    peer, member = people["peer"], people["member"]
    for seen in user_views(api, people["member_token"], peer):
        assert seen["email"] == ("peer@example.com" if show else "")
        assert seen["notify_props"] == {} and seen["email_verified"] is False
        assert seen["auth_data"] == "" and seen["auth_service"] == ""
        assert seen.get("failed_attempts", 0) == 0
    for seen in user_views(api, api.admin_token, peer):
        assert seen["email"] == "peer@example.com"
    for seen in user_views(api, people["member_token"], member):
        assert seen["email"] == "member@example.com" and seen["email_verified"] is True
