"""POST /hooks/{key} through HTTP: one test per rule of the contract; a failure names the rule."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, assert_error


@pytest.fixture
def hook(api: Api) -> dict[str, Any]:
    return api.new_hook()


def only_post(api: Api, channel: str = "town-square") -> dict[str, Any]:
    posts = api.posts(api.channel(channel)["id"])
    assert len(posts) == 1, posts
    return posts[0]


# 1. Route and response


def test_success_is_200_plain_text_ok_with_request_id(api: Api, hook: dict[str, Any]) -> None:
    response = api.send(hook["id"], {"text": "hello"})
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert len(response.headers["x-request-id"]) == 26


def test_post_is_stored_as_the_creator_with_webhook_props(api: Api, hook: dict[str, Any]) -> None:
    api.send(hook["id"], {"text": "deployed"})
    post = only_post(api)
    assert post["message"] == "deployed" and post["user_id"] == api.admin["id"]
    assert post["props"] == {"from_webhook": "true", "webhook_display_name": "CI"}


def test_errors_are_mattermost_shaped_json_with_request_id(api: Api) -> None:
    response = api.send("unknownkey", {"text": "x"})
    body = assert_error(response, 400, "web.incoming_webhook.invalid.app_error")
    assert body["request_id"] == response.headers["x-request-id"]


def test_url_longer_than_2048_is_414(api: Api) -> None:
    assert_error(
        api.send("a" * 2100, {"text": "x"}), 414, "web.incoming_webhook.uri_too_long.app_error"
    )


@pytest.mark.parametrize(
    ("content_type", "make"),
    [
        ("application/json", lambda n: b'{"text": "' + b"a" * n + b'"}'),
        ("application/x-www-form-urlencoded", lambda n: b'payload={"text": "' + b"a" * n + b'"}'),
        (
            "multipart/form-data; boundary=XyZ",
            lambda n: (
                b'--XyZ\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
                + b"a" * n
                + b"\r\n--XyZ--"
            ),
        ),
    ],
    ids=["json", "form", "multipart"],
)
def test_body_over_the_limit_is_413_for_every_content_type(
    api: Api, hook: dict[str, Any], content_type: str, make: Any
) -> None:
    api.patch_config("ServiceSettings", MaximumPayloadSizeBytes=2000)
    assert api.send(hook["id"], content=make(1900), content_type=content_type).status_code == 200
    assert_error(
        api.send(hook["id"], content=make(2100), content_type=content_type),
        413,
        "web.incoming_webhook.too_large.app_error",
    )


def test_chunked_body_is_read_and_limited(api: Api, hook: dict[str, Any]) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"text": "chun'
        yield b'ked"}'

    response = api.client.post(
        f"/hooks/{hook['id']}", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert only_post(api)["message"] == "chunked"


# 2. Decoding (the table lives in test_decode.py; here: end to end)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'payload={"text": "x"}', "application/x-www-form-urlencoded"),
        (b"payload=%7B%22text%22%3A%22x%22%7D", "application/x-www-form-urlencoded; charset=utf-8"),
        (b'{"text": "x"}', ""),
        (b'payload={"text": "x"}', ""),
        (b'{"Text": "x"}\n', "application/json"),
    ],
    ids=[
        "form-raw",
        "form-encoded",
        "no-content-type",
        "no-content-type-form",
        "case-insensitive-trailing-newline",
    ],
)
def test_content_types_end_to_end(
    api: Api, hook: dict[str, Any], content: bytes, content_type: str
) -> None:
    assert api.send(hook["id"], content=content, content_type=content_type).status_code == 200
    assert only_post(api)["message"] == "x"


def test_parse_errors_come_before_disabled_and_unknown_key(api: Api) -> None:
    api.patch_config("ServiceSettings", EnableIncomingWebhooks=False)
    bad = api.send("unknownkey", content=b"{nope", content_type="application/json")
    assert_error(bad, 400, "web.incoming_webhook.decode.app_error")
    broken = api.send(
        "unknownkey",
        content=b"payload={}",
        content_type="application/x-www-form-urlencoded wrongtext",
    )
    assert_error(broken, 400, "web.incoming_webhook.media_type.app_error")


# 4. Processing order


def test_disabled_is_501(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config("ServiceSettings", EnableIncomingWebhooks=False)
    assert_error(
        api.send(hook["id"], {"text": "x"}), 501, "web.incoming_webhook.disabled.app_error"
    )


def test_no_text_no_attachments_is_400_before_the_key_check(api: Api) -> None:
    assert_error(api.send("unknownkey", {"text": ""}), 400, "web.incoming_webhook.text.app_error")
    assert_error(api.send("unknownkey", {"text": None}), 400, "web.incoming_webhook.text.app_error")


def test_blocks_that_render_count_as_text(api: Api, hook: dict[str, Any]) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*from blocks*"}}]
    assert api.send(hook["id"], {"blocks": blocks}).status_code == 200
    assert only_post(api)["message"] == "**from blocks**"
    empty = [{"type": "actions", "elements": []}]
    assert_error(
        api.send(hook["id"], {"blocks": empty}), 400, "web.incoming_webhook.text.app_error"
    )


def test_unknown_or_deleted_key_is_400(api: Api, hook: dict[str, Any]) -> None:
    assert api.delete(f"/api/v4/hooks/incoming/{hook['id']}").status_code == 200
    assert_error(api.send(hook["id"], {"text": "x"}), 400, "web.incoming_webhook.invalid.app_error")


def test_channel_override_by_name_and_hash_name(api: Api, hook: dict[str, Any]) -> None:
    assert api.send(hook["id"], {"text": "a", "channel": "off-topic"}).status_code == 200
    assert api.send(hook["id"], {"text": "b", "channel": "#off-topic"}).status_code == 200
    assert [p["message"] for p in api.posts(api.channel("off-topic")["id"])] == ["b", "a"]


def test_channel_override_is_case_sensitive_and_unknown_is_404(
    api: Api, hook: dict[str, Any]
) -> None:
    body = assert_error(
        api.send(hook["id"], {"text": "x", "channel": "Off-Topic"}),
        404,
        "web.incoming_webhook.channel.app_error",
    )
    assert "Off-Topic" in body["message"]
    assert_error(
        api.send(hook["id"], {"text": "x", "channel": "#nope"}),
        404,
        "web.incoming_webhook.channel.app_error",
    )


def test_archived_override_channel_is_404(api: Api, hook: dict[str, Any]) -> None:
    old = api.new_channel("old-news")
    api.delete(f"/api/v4/channels/{old['id']}")
    assert_error(
        api.send(hook["id"], {"text": "x", "channel": "old-news"}),
        404,
        "web.incoming_webhook.channel.app_error",
    )


def test_at_user_posts_a_direct_message_created_on_demand(api: Api, hook: dict[str, Any]) -> None:
    jim, jim_token = api.new_user("jim")
    assert api.send(hook["id"], {"text": "psst", "channel": "@JIM"}).status_code == 200
    dm = api.post("/api/v4/channels/direct", jim_token, json=[jim["id"], api.admin["id"]]).json()
    assert [p["message"] for p in api.posts(dm["id"])] == ["psst"]
    unread = api.get(f"/api/v4/users/me/channels/{dm['id']}/unread", jim_token).json()
    assert unread["mention_count"] == 1


def test_at_creator_posts_to_the_self_dm(api: Api, hook: dict[str, Any]) -> None:
    assert api.send(hook["id"], {"text": "note to self", "channel": "@admin"}).status_code == 200
    dm = api.post("/api/v4/channels/direct", json=[api.admin["id"], api.admin["id"]]).json()
    assert [p["message"] for p in api.posts(dm["id"])] == ["note to self"]


def test_unknown_at_user_is_400(api: Api, hook: dict[str, Any]) -> None:
    assert_error(
        api.send(hook["id"], {"text": "x", "channel": "@ghost"}),
        400,
        "web.incoming_webhook.user.app_error",
    )


def test_locked_hook_refuses_other_channels_before_creating_a_dm(api: Api) -> None:
    api.new_user("jim")
    locked = api.new_hook(channel_locked=True)
    assert_error(
        api.send(locked["id"], {"text": "x", "channel": "off-topic"}),
        403,
        "web.incoming_webhook.channel_locked.app_error",
    )
    assert_error(
        api.send(locked["id"], {"text": "x", "channel": "@jim"}),
        403,
        "web.incoming_webhook.channel_locked.app_error",
    )
    mine = api.get(f"/api/v4/users/me/teams/{api.team['id']}/channels").json()
    assert not [c for c in mine if c["type"] == "D"]
    assert api.send(locked["id"], {"text": "own", "channel": "town-square"}).status_code == 200


def test_deactivated_creator_is_403(api: Api) -> None:
    user, token = api.new_user("maker")
    api.put(f"/api/v4/users/{user['id']}/roles", json={"roles": "system_user system_admin"})
    hook = api.new_hook(token=token)
    assert api.send(hook["id"], {"text": "before"}).status_code == 200
    api.put(f"/api/v4/users/{user['id']}/active", json={"active": False})
    assert_error(
        api.send(hook["id"], {"text": "after"}), 403, "web.incoming_webhook.user.app_error"
    )


def test_private_channel_the_creator_left_is_403(api: Api) -> None:
    user, token = api.new_user("owner")
    api.put(f"/api/v4/users/{user['id']}/roles", json={"roles": "system_user system_admin"})
    secret = api.new_channel("secret", private=True, token=token)
    hook = api.new_hook("secret", token=token)
    assert api.send(hook["id"], {"text": "in"}).status_code == 200
    api.put(f"/api/v4/users/{user['id']}/roles", json={"roles": "system_user"})
    api.delete(f"/api/v4/channels/{secret['id']}/members/{user['id']}")
    assert_error(
        api.send(hook["id"], {"text": "out"}), 403, "web.incoming_webhook.permissions.app_error"
    )


def test_dm_of_two_other_users_by_name_is_403(api: Api, hook: dict[str, Any]) -> None:
    a, a_token = api.new_user()
    b, _ = api.new_user()
    api.put(f"/api/v4/users/{api.admin['id']}/roles", json={"roles": "system_user system_admin"})
    dm = api.post("/api/v4/channels/direct", a_token, json=[a["id"], b["id"]]).json()
    user, token = api.new_user("plain")
    api.put(f"/api/v4/users/{user['id']}/roles", json={"roles": "system_user system_admin"})
    theirs = api.new_hook(token=token)
    api.put(f"/api/v4/users/{user['id']}/roles", json={"roles": "system_user"})
    assert_error(
        api.send(theirs["id"], {"text": "x", "channel": dm["name"]}),
        403,
        "web.incoming_webhook.permissions.app_error",
    )


def test_public_channel_needs_no_membership(api: Api, hook: dict[str, Any]) -> None:
    other = api.new_channel("elsewhere")
    api.delete(f"/api/v4/channels/{other['id']}/members/{api.admin['id']}")
    assert api.send(hook["id"], {"text": "x", "channel": "elsewhere"}).status_code == 200


# 3/4. Fields, identity and props


def test_overrides_follow_the_settings(api: Api, hook: dict[str, Any]) -> None:
    body = {
        "text": "x",
        "username": "robot",
        "icon_url": "http://img/r.png",
        "icon_emoji": ":ghost:",
    }
    api.send(hook["id"], body)
    api.patch_config(
        "ServiceSettings", EnablePostUsernameOverride=True, EnablePostIconOverride=True
    )
    api.send(hook["id"], body)
    newest, oldest = api.posts(api.channel("town-square")["id"])
    assert "override_username" not in oldest["props"] and "override_icon_url" not in oldest["props"]
    assert newest["props"]["override_username"] == "robot"
    assert newest["props"]["override_icon_url"] == "http://img/r.png"
    assert newest["props"]["override_icon_emoji"] == ":ghost:"


def test_client_props_merge_but_cannot_spoof(api: Api, hook: dict[str, Any]) -> None:
    props = {
        "card": "details",
        "from_webhook": "false",
        "override_username": "ceo",
        "from_bot": "true",
        "attachments": [{"text": "x"}],
    }
    api.send(hook["id"], {"text": "x", "props": props})
    post = only_post(api)
    assert post["props"] == {
        "card": "details",
        "from_webhook": "true",
        "webhook_display_name": "CI",
    }


@pytest.mark.parametrize("post_type", ["system_join_channel", "bogus"])
def test_bad_type_is_400_not_500(api: Api, hook: dict[str, Any], post_type: str) -> None:
    assert_error(
        api.send(hook["id"], {"text": "x", "type": post_type}),
        400,
        "api.context.invalid_param.app_error",
    )


def test_custom_type_is_kept(api: Api, hook: dict[str, Any]) -> None:
    api.send(hook["id"], {"text": "x", "type": "custom_deploy"})
    assert only_post(api)["type"] == "custom_deploy"


def test_attachments_make_a_slack_attachment_post(api: Api, hook: dict[str, Any]) -> None:
    api.send(
        hook["id"],
        {
            "attachments": [
                {
                    "text": "<!here> <http://x|y>",
                    "color": "good",
                    "unknown": 1,
                    "fields": [{"title": "n", "value": 3, "short": "true"}],
                }
            ]
        },
    )
    post = only_post(api)
    assert post["type"] == "slack_attachment" and post["message"] == ""
    [attachment] = post["props"]["attachments"]
    assert (
        attachment["text"] == "@here [y](http://x)"
        and attachment["color"] == "good"
        and "unknown" not in attachment
    )
    assert attachment["fields"] == [{"title": "n", "value": "3", "short": True}]


def test_priority_is_stored_in_metadata(api: Api, hook: dict[str, Any]) -> None:
    api.send(hook["id"], {"text": "x", "priority": {"priority": "urgent", "requested_ack": True}})
    assert only_post(api)["metadata"]["priority"] == {"priority": "urgent", "requested_ack": True}
    assert_error(
        api.send(hook["id"], {"text": "x", "priority": {"requested_ack": True}}),
        400,
        "web.incoming_webhook.decode.app_error",
    )


def test_root_id_makes_a_reply_and_bad_roots_are_400(api: Api, hook: dict[str, Any]) -> None:
    town = api.channel("town-square")
    root = api.post("/api/v4/posts", json={"channel_id": town["id"], "message": "root"}).json()
    assert api.send(hook["id"], {"text": "reply", "root_id": root["id"]}).status_code == 200
    thread = api.get(f"/api/v4/posts/{root['id']}/thread").json()
    reply = next(p for p in thread["posts"].values() if p["message"] == "reply")
    assert reply["root_id"] == root["id"]
    for bad in ("x" * 26, reply["id"]):
        assert_error(
            api.send(hook["id"], {"text": "r", "root_id": bad}),
            400,
            "api.post.create_post.root_id.app_error",
        )
    assert_error(
        api.send(hook["id"], {"text": "r", "root_id": root["id"], "channel": "off-topic"}),
        400,
        "api.post.create_post.root_id.app_error",
    )


# 11. Mentions


def test_mentions_in_text_and_attachments_count_for_members(api: Api, hook: dict[str, Any]) -> None:
    ann, ann_token = api.new_user("ann")
    bob, bob_token = api.new_user("bob")
    api.new_user("carl", team=False)
    town = api.channel("town-square")
    api.send(
        hook["id"],
        {
            "text": "hi @ann @carl",
            "attachments": [{"pretext": "@bob", "fields": [{"title": "t", "value": "@ann again"}]}],
        },
    )
    for token, count in ((ann_token, 1), (bob_token, 1)):
        unread = api.get(f"/api/v4/users/me/channels/{town['id']}/unread", token).json()
        assert (unread["msg_count"], unread["mention_count"]) == (1, count)
    assert ann["id"] and bob["id"]


def test_slack_channel_mention_notifies_everyone_including_the_creator(
    api: Api, hook: dict[str, Any]
) -> None:
    _, token = api.new_user("dee")
    town = api.channel("town-square")
    api.send(hook["id"], {"text": "<!channel> deploy"})
    assert only_post(api)["message"] == "@channel deploy"
    for who in (token, ""):
        assert (
            api.get(f"/api/v4/users/me/channels/{town['id']}/unread", who).json()["mention_count"]
            == 1
        )


def test_a_member_named_and_reached_by_channel_is_mentioned_once(
    api: Api, hook: dict[str, Any]
) -> None:
    _, token = api.new_user("dee")
    town = api.channel("town-square")
    api.send(hook["id"], {"text": "@dee look, <!channel>", "attachments": [{"text": "@dee"}]})
    unread = api.get(f"/api/v4/users/me/channels/{town['id']}/unread", token).json()
    assert (unread["msg_count"], unread["mention_count"]) == (1, 1)


def test_slack_user_id_becomes_username(api: Api, hook: dict[str, Any]) -> None:
    ann, ann_token = api.new_user("ann")
    api.send(hook["id"], {"text": f"ping <@{ann['id']}>"})
    assert only_post(api)["message"] == "ping @ann"
    town = api.channel("town-square")
    assert (
        api.get(f"/api/v4/users/me/channels/{town['id']}/unread", ann_token).json()["mention_count"]
        == 1
    )


def test_slack_channel_id_becomes_channel_link(api: Api, hook: dict[str, Any]) -> None:
    off = api.channel("off-topic")
    api.send(hook["id"], {"text": f"see <#{off['id']}|whatever>"})
    assert only_post(api)["message"] == "see ~off-topic"


def test_message_format_slack_converts_mrkdwn(api: Api) -> None:
    slack = api.new_hook(message_format="slack")
    api.send(slack["id"], {"text": "*bold* and ~strike~"})
    assert only_post(api)["message"] == "**bold** and ~~strike~~"


# 7. Long messages


def test_long_text_splits_into_pieces_committed_together(api: Api, hook: dict[str, Any]) -> None:
    text = ("word " * 2000).strip()
    assert api.send(hook["id"], {"text": text, "attachments": [{"text": "att"}]}).status_code == 200
    posts = list(reversed(api.posts(api.channel("town-square")["id"])))
    assert len(posts) == 3 and all(len(p["message"]) <= 4000 for p in posts)
    assert " ".join(p["message"] for p in posts) == text
    assert [("attachments" in p["props"]) for p in posts] == [False, False, True]
    assert len({p["create_at"] for p in posts}) == 3
    channel = api.get(f"/api/v4/channels/{api.channel('town-square')['id']}").json()
    assert channel["total_msg_count"] == 3


def test_split_limit_is_the_setting(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config("ServiceSettings", PostMessageMaxRunes=100)
    api.send(hook["id"], {"text": "x" * 250})
    assert [len(p["message"]) for p in api.posts(api.channel("town-square")["id"])] == [
        50,
        100,
        100,
    ]


def test_last_used_at_is_recorded(api: Api, hook: dict[str, Any]) -> None:
    assert hook["last_used_at"] == 0
    api.send(hook["id"], {"text": "x"})
    assert api.get(f"/api/v4/hooks/incoming/{hook['id']}").json()["last_used_at"] > 0


def test_archiving_the_channel_disables_its_hooks(api: Api) -> None:
    channel = api.new_channel("temp")
    hook = api.new_hook("temp")
    assert api.send(hook["id"], {"text": "x"}).status_code == 200
    api.delete(f"/api/v4/channels/{channel['id']}")
    assert_error(api.send(hook["id"], {"text": "x"}), 400, "web.incoming_webhook.invalid.app_error")
