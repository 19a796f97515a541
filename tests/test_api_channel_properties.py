"""A channel's header, purpose and names (``PUT /channels/{id}/patch``) and its statistics
(``GET /channels/{id}/stats``, ``POST /channels/stats/member_count``), through HTTP."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from inbound.errors import AppError
from inbound.models import Channel
from inbound.services.channel_properties import ChannelPatch, check_patch
from tests.conftest import Api, assert_error
from tests.test_websocket import next_event


def patch(api: Api, channel_id: str, token: str, **body: Any) -> Any:
    return api.put(f"/api/v4/channels/{channel_id}/patch", token, json=body)


def test_a_member_edits_header_and_purpose_and_others_hear_of_it(api: Api) -> None:
    _, owner_token = api.new_user()
    _, member_token = api.new_user()
    channel = api.new_channel("deploys", token=owner_token)
    me = api.get("/api/v4/users/me", member_token).json()
    joined = api.post(
        f"/api/v4/channels/{channel['id']}/members", member_token, json={"user_id": me["id"]}
    )
    assert joined.status_code == 201
    with api.client.websocket_connect(
        "/api/v4/websocket", headers={"Authorization": f"Bearer {owner_token}"}
    ) as ws:
        next_event(ws, "hello")  # the socket is a listener once its hello is sent
        response = patch(api, channel["id"], member_token, header="See **runbook**", purpose="Ship")
        assert response.status_code == 200, response.text
        event = next_event(ws, "channel_updated")
    body = response.json()
    assert (body["header"], body["purpose"], body["display_name"]) == (
        "See **runbook**",
        "Ship",
        "Deploys",
    )
    assert body["update_at"] > channel["update_at"]
    assert event["broadcast"]["channel_id"] == channel["id"]
    assert orjson.loads(event["data"]["channel"])["header"] == "See **runbook**"
    again = api.get(f"/api/v4/channels/{channel['id']}", member_token).json()
    assert again["purpose"] == "Ship"


def test_display_name_and_name_change_and_keep_the_rules(api: Api) -> None:
    channel = api.new_channel("old-name")
    api.new_channel("taken")
    renamed = patch(api, channel["id"], "", display_name="  New Name ", name="new-name")
    assert (renamed.json()["display_name"], renamed.json()["name"]) == ("New Name", "new-name")
    assert api.channel("new-name")["id"] == channel["id"]
    assert_error(
        patch(api, channel["id"], "", name="taken"),
        400,
        "store.sql_channel.update.exists.app_error",
    )
    town = api.channel("town-square")
    assert_error(
        patch(api, town["id"], "", name="plaza"), 400, "api.channel.update_channel.tried.app_error"
    )
    assert patch(api, town["id"], "", display_name="Plaza").status_code == 200


@pytest.mark.parametrize(
    ("field", "size", "error_id"),
    [
        ("header", 1025, "model.channel.is_valid.header.app_error"),
        ("purpose", 251, "model.channel.is_valid.purpose.app_error"),
        ("display_name", 65, "model.channel.is_valid.display_name.app_error"),
    ],
)
def test_lengths_over_the_limit_are_400(api: Api, field: str, size: int, error_id: str) -> None:
    channel = api.new_channel("limits")
    assert_error(patch(api, channel["id"], "", **{field: "é" * size}), 400, error_id)
    at_limit = patch(api, channel["id"], "", **{field: "é" * (size - 1)})
    assert at_limit.status_code == 200, at_limit.text
    assert at_limit.json()[field] == "é" * (size - 1)


def test_bad_bodies_are_400(api: Api) -> None:
    channel = api.new_channel("bodies")
    url = f"/api/v4/channels/{channel['id']}/patch"
    assert_error(api.put(url, json={"header": 5}), 400, "api.context.invalid_body_param.app_error")
    assert_error(api.put(url, json=[]), 400, "api.context.invalid_body_param.app_error")
    assert_error(
        api.put(url, json={"header": None}),
        400,
        "api.channel.patch_update_channel.no_changes.app_error",
    )
    assert_error(
        patch(api, channel["id"], "", name="Bad Name"), 400, "model.channel.is_valid.name.app_error"
    )
    assert_error(
        api.put("/api/v4/channels/nope/patch", json={"header": "x"}),
        400,
        "api.context.invalid_url_param.app_error",
    )
    assert_error(
        api.put(f"/api/v4/channels/{'a' * 26}/patch", json={"header": "x"}),
        404,
        "app.channel.get.existing.app_error",
    )


def test_who_may_edit(api: Api) -> None:
    _, owner_token = api.new_user()
    _, other_token = api.new_user()
    secret = api.new_channel("secret", private=True, token=owner_token)
    public = api.new_channel("open", token=owner_token)
    _, outsider_token = api.new_user(team=False)
    denied = "api.context.permissions.app_error"
    assert_error(patch(api, secret["id"], other_token, header="x"), 403, denied)
    assert_error(patch(api, public["id"], other_token, header="x"), 403, denied)  # not a member
    assert_error(patch(api, public["id"], outsider_token, header="x"), 403, denied)
    assert patch(api, secret["id"], owner_token, header="mine").status_code == 200
    assert patch(api, secret["id"], "", purpose="admin").status_code == 200


def test_archived_channel_cannot_be_patched(api: Api) -> None:
    channel = api.new_channel("gone")
    assert api.delete(f"/api/v4/channels/{channel['id']}").status_code == 200
    assert_error(
        patch(api, channel["id"], "", header="x"),
        400,
        "api.channel.update_channel.deleted.app_error",
    )


def test_direct_message_header_only_and_members_only(api: Api) -> None:
    ann, ann_token = api.new_user()
    bob, _ = api.new_user()
    _, eve_token = api.new_user()
    dm = api.post("/api/v4/channels/direct", ann_token, json=[ann["id"], bob["id"]]).json()
    ok = patch(api, dm["id"], ann_token, header="Our notes")
    assert ok.status_code == 200 and ok.json()["header"] == "Our notes"
    not_allowed = "api.channel.patch_update_channel.update_direct_or_group_messages_not_allowed"
    assert_error(patch(api, dm["id"], ann_token, purpose="p"), 400, not_allowed + ".app_error")
    assert_error(patch(api, dm["id"], ann_token, display_name="x"), 400, not_allowed + ".app_error")
    same_purpose = patch(api, dm["id"], ann_token, purpose="", header="h2")
    assert same_purpose.status_code == 200
    forbidden = "api.channel.patch_update_channel.forbidden.app_error"
    assert_error(patch(api, dm["id"], eve_token, header="x"), 403, forbidden)
    assert_error(patch(api, dm["id"], "", header="x"), 403, forbidden)  # even a system admin


def test_stats_count_members_and_pinned_posts(api: Api) -> None:
    _, owner_token = api.new_user()
    other, other_token = api.new_user()
    channel = api.new_channel("counted", token=owner_token)
    stats = api.get(f"/api/v4/channels/{channel['id']}/stats", other_token)
    assert stats.json() == {
        "channel_id": channel["id"],
        "member_count": 1,
        "guest_count": 0,
        "pinnedpost_count": 0,
        "files_count": 0,
    }
    api.post(f"/api/v4/channels/{channel['id']}/members", json={"user_id": other["id"]})
    post = api.post(
        "/api/v4/posts", owner_token, json={"channel_id": channel["id"], "message": "pin me"}
    ).json()
    api.put(f"/api/v4/posts/{post['id']}/patch", json={"is_pinned": True})
    stats = api.get(f"/api/v4/channels/{channel['id']}/stats", other_token).json()
    assert (stats["member_count"], stats["pinnedpost_count"]) == (2, 1)


def test_stats_of_a_private_channel_need_membership(api: Api) -> None:
    _, owner_token = api.new_user()
    _, other_token = api.new_user()
    secret = api.new_channel("hidden", private=True, token=owner_token)
    assert_error(
        api.get(f"/api/v4/channels/{secret['id']}/stats", other_token),
        403,
        "api.context.permissions.app_error",
    )
    assert api.get(f"/api/v4/channels/{secret['id']}/stats", owner_token).status_code == 200


def test_member_counts_for_many_channels(api: Api) -> None:
    _, owner_token = api.new_user()
    other, other_token = api.new_user()
    one = api.new_channel("one", token=owner_token)
    two = api.new_channel("two", token=owner_token)
    api.post(f"/api/v4/channels/{two['id']}/members", json={"user_id": other["id"]})
    ids = [one["id"], two["id"], one["id"], "b" * 26]
    counts = api.post("/api/v4/channels/stats/member_count", other_token, json=ids)
    assert counts.status_code == 200, counts.text
    assert counts.json() == {one["id"]: 1, two["id"]: 2}
    secret = api.new_channel("shh", private=True, token=owner_token)
    assert_error(
        api.post("/api/v4/channels/stats/member_count", other_token, json=[secret["id"]]),
        403,
        "api.context.permissions.app_error",
    )
    assert_error(
        api.post("/api/v4/channels/stats/member_count", other_token, json={"ids": []}),
        400,
        "api.context.invalid_body_param.app_error",
    )
    too_many = [one["id"]] * 1001
    assert api.post("/api/v4/channels/stats/member_count", json=too_many).status_code == 200
    distinct = [f"{i:026d}" for i in range(1001)]
    assert_error(
        api.post("/api/v4/channels/stats/member_count", json=distinct),
        400,
        "api.context.invalid_body_param.app_error",
    )


OPEN_CHANNEL = Channel("c" * 26, "t" * 26, "ops", "Ops", "O", purpose="p")
DM = Channel("d" * 26, "", "a__b", "", "D")


@pytest.mark.parametrize(
    ("channel", "change", "error_id"),
    [
        (OPEN_CHANNEL, ChannelPatch(), "api.channel.patch_update_channel.no_changes.app_error"),
        (OPEN_CHANNEL, ChannelPatch(header="h" * 1024), None),
        (OPEN_CHANNEL, ChannelPatch(header="h" * 1025), "model.channel.is_valid.header.app_error"),
        (OPEN_CHANNEL, ChannelPatch(purpose="p" * 251), "model.channel.is_valid.purpose.app_error"),
        (
            OPEN_CHANNEL,
            ChannelPatch(display_name=" "),
            "model.channel.is_valid.display_name.app_error",
        ),
        (OPEN_CHANNEL, ChannelPatch(name="-ok_1"), None),
        (OPEN_CHANNEL, ChannelPatch(name="a" * 65), "model.channel.is_valid.name.app_error"),
        (OPEN_CHANNEL, ChannelPatch(name="ÅB"), "model.channel.is_valid.name.app_error"),
        (DM, ChannelPatch(header="h"), None),
        (DM, ChannelPatch(header="h", name="a__b", purpose=""), None),
        (
            DM,
            ChannelPatch(purpose="x"),
            "api.channel.patch_update_channel.update_direct_or_group_messages_not_allowed.app_error",
        ),
    ],
    ids=lambda v: "" if not isinstance(v, ChannelPatch) else repr(v)[:60],
)
def test_check_patch(channel: Channel, change: ChannelPatch, error_id: str | None) -> None:
    if error_id is None:
        check_patch(channel, change)
        return
    with pytest.raises(AppError) as raised:
        check_patch(channel, change)
    assert raised.value.error_id == error_id
