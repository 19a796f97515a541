"""Channels through the API: create, read, members, DMs, archive, unread and view."""

from __future__ import annotations

from tests.conftest import Api, assert_error


def test_create_public_channel_and_find_it_by_name(api: Api) -> None:
    _, token = api.new_user()
    channel = api.new_channel("deploys", token=token)
    assert (channel["type"], channel["total_msg_count"]) == ("O", 0)
    by_name = api.get("/api/v4/teams/name/main/channels/name/deploys", token).json()
    assert by_name["id"] == channel["id"]
    members = api.get(f"/api/v4/channels/{channel['id']}/members", token).json()
    assert [m["roles"] for m in members] == ["channel_user channel_admin"]


def test_channel_name_rules(api: Api) -> None:
    api.new_channel("taken")
    body = {"team_id": api.team["id"], "name": "taken", "display_name": "Taken"}
    assert_error(
        api.post("/api/v4/channels", json=body),
        400,
        "store.sql_channel.save_channel.exists.app_error",
    )
    body["name"] = "Bad Name"
    assert_error(
        api.post("/api/v4/channels", json=body), 400, "model.channel.is_valid.name.app_error"
    )
    body.update(name="typed", type="D")
    assert_error(
        api.post("/api/v4/channels", json=body), 400, "model.channel.is_valid.type.app_error"
    )


def test_private_channel_is_invisible_to_non_members(api: Api) -> None:
    owner, owner_token = api.new_user()
    other, other_token = api.new_user()
    secret = api.new_channel("secret", private=True, token=owner_token)
    assert_error(
        api.get(f"/api/v4/channels/{secret['id']}", other_token),
        403,
        "api.context.permissions.app_error",
    )
    assert_error(
        api.get(f"/api/v4/channels/{secret['id']}/posts", other_token),
        403,
        "api.context.permissions.app_error",
    )
    public = {
        c["name"] for c in api.get(f"/api/v4/teams/{api.team['id']}/channels", other_token).json()
    }
    assert "secret" not in public
    added = api.post(
        f"/api/v4/channels/{secret['id']}/members", owner_token, json={"user_id": other["id"]}
    )
    assert added.status_code == 201
    assert api.get(f"/api/v4/channels/{secret['id']}", other_token).status_code == 200
    mine = api.get(
        f"/api/v4/users/{other['id']}/teams/{api.team['id']}/channels", other_token
    ).json()
    assert "secret" in {c["name"] for c in mine}
    assert owner["id"] != other["id"]


def test_outsider_cannot_add_themselves_to_private_channel(api: Api) -> None:
    _, owner_token = api.new_user()
    intruder, intruder_token = api.new_user()
    secret = api.new_channel("vault", private=True, token=owner_token)
    response = api.post(
        f"/api/v4/channels/{secret['id']}/members", intruder_token, json={"user_id": intruder["id"]}
    )
    assert_error(response, 403, "api.context.permissions.app_error")


def test_non_team_member_cannot_join_channel(api: Api) -> None:
    stranger, _ = api.new_user(team=False)
    channel = api.new_channel("open")
    response = api.post(
        f"/api/v4/channels/{channel['id']}/members", json={"user_id": stranger["id"]}
    )
    assert_error(response, 400, "api.channel.add_members.user_denied")


def test_direct_channel_is_created_once_with_sorted_name(api: Api) -> None:
    a, a_token = api.new_user()
    b, b_token = api.new_user()
    first = api.post("/api/v4/channels/direct", a_token, json=[a["id"], b["id"]])
    assert first.status_code == 201
    dm = first.json()
    assert dm["type"] == "D" and dm["name"] == "__".join(sorted((a["id"], b["id"])))
    again = api.post("/api/v4/channels/direct", b_token, json=[b["id"], a["id"]]).json()
    assert again["id"] == dm["id"]
    outsider, outsider_token = api.new_user()
    assert_error(
        api.get(f"/api/v4/channels/{dm['id']}", outsider_token),
        403,
        "api.context.permissions.app_error",
    )
    assert_error(
        api.post("/api/v4/channels/direct", outsider_token, json=[a["id"], b["id"]]),
        403,
        "api.context.permissions.app_error",
    )
    assert outsider["id"]


def test_archive_channel_and_town_square_is_protected(api: Api) -> None:
    channel = api.new_channel("old")
    assert api.delete(f"/api/v4/channels/{channel['id']}").json() == {"status": "OK"}
    archived = api.get(f"/api/v4/channels/{channel['id']}").json()
    assert archived["delete_at"] > 0
    post = api.post("/api/v4/posts", json={"channel_id": channel["id"], "message": "hello"})
    assert_error(post, 403, "api.post.create_post.can_not_post_to_deleted.error")
    town = api.channel("town-square")
    assert_error(
        api.delete(f"/api/v4/channels/{town['id']}"),
        400,
        "api.channel.delete_channel.cannot.app_error",
    )


def test_plain_member_cannot_archive_others_channel(api: Api) -> None:
    channel = api.new_channel("keep")
    _, token = api.new_user()
    assert_error(
        api.delete(f"/api/v4/channels/{channel['id']}", token),
        403,
        "api.context.permissions.app_error",
    )


def test_unread_and_mentions_then_view_clears_them(api: Api) -> None:
    reader, token = api.new_user("reader")
    town = api.channel("town-square")
    for message in ("one", "two for @reader", "three @channel"):
        assert (
            api.post(
                "/api/v4/posts", json={"channel_id": town["id"], "message": message}
            ).status_code
            == 201
        )
    unread = api.get(f"/api/v4/users/me/channels/{town['id']}/unread", token).json()
    assert unread == {
        "team_id": api.team["id"],
        "channel_id": town["id"],
        "msg_count": 3,
        "mention_count": 2,
    }
    own = api.get(f"/api/v4/users/me/channels/{town['id']}/unread").json()
    assert (own["msg_count"], own["mention_count"]) == (0, 0)  # the poster has seen their posts
    viewed = api.post(
        f"/api/v4/channels/members/{reader['id']}/view", token, json={"channel_id": town["id"]}
    )
    assert viewed.status_code == 200 and viewed.json()["status"] == "OK"
    cleared = api.get(f"/api/v4/users/me/channels/{town['id']}/unread", token).json()
    assert (cleared["msg_count"], cleared["mention_count"]) == (0, 0)
    member = api.get(f"/api/v4/channels/{town['id']}/members/me", token).json()
    assert member["msg_count"] == 3 and member["last_viewed_at"] > 0


def test_every_dm_message_is_a_mention_for_the_other_user(api: Api) -> None:
    a, a_token = api.new_user()
    b, b_token = api.new_user()
    dm = api.post("/api/v4/channels/direct", a_token, json=[a["id"], b["id"]]).json()
    api.post("/api/v4/posts", a_token, json={"channel_id": dm["id"], "message": "psst"})
    unread = api.get(f"/api/v4/users/me/channels/{dm['id']}/unread", b_token).json()
    assert (unread["msg_count"], unread["mention_count"]) == (1, 1)
    mine = api.get(f"/api/v4/users/me/channels/{dm['id']}/unread", a_token).json()
    assert (mine["msg_count"], mine["mention_count"]) == (0, 0)
