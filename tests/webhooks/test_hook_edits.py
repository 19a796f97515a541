"""``PATCH|DELETE /hooks/{key}/posts/{post_id}`` over HTTP on both databases (senders.md §2):
a hook edits and deletes what it posted, and nothing else."""

from __future__ import annotations

import time
import weakref
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from inbound.services.rate_limit import MemoryLimiter, RateLimits
from inbound.store import hooks as hook_store
from inbound.store.tables import retired_hook_keys
from inbound.webhooks import signing
from tests.conftest import Api, assert_error
from tests.test_websocket import next_event
from tests.test_websocket import receive as ws_receive
from tests.webhooks.test_fuzz_http import CONTENT_TYPES, encode, payloads

NOT_FOUND = "web.incoming_webhook.post.not_found.app_error"
TOO_LONG = "web.incoming_webhook.edit.too_long.app_error"
EMPTY = "web.incoming_webhook.edit.empty.app_error"
DECODE = "web.incoming_webhook.decode.app_error"
ARCHIVED = "web.incoming_webhook.channel_archived.app_error"
BASE = "/api/v4/hooks/incoming"
BOUNDARY = "edgeb"


@pytest.fixture
def hook(api: Api) -> dict[str, Any]:
    """The admin's hook on town-square, unlocked (so it may post elsewhere too)."""
    return api.new_hook(channel_locked=False)


def patch(
    api: Api,
    key: str,
    post_id: str,
    body: Any = None,
    *,
    content: bytes | None = None,
    content_type: str = "application/json",
    query: str = "",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    raw = content if content is not None else orjson.dumps(body)
    sent = {"Content-Type": content_type} if content_type else {}
    return api.client.patch(
        f"/hooks/{key}/posts/{post_id}{query}", content=raw, headers={**sent, **(headers or {})}
    )


def delete(api: Api, key: str, post_id: str, **kw: Any) -> httpx.Response:
    return api.client.delete(f"/hooks/{key}/posts/{post_id}", **kw)


def posted(api: Api, key: str, body: dict[str, Any], channel: str = "town-square") -> str:
    """Post through the hook; the id of the newest post in ``channel`` afterwards."""
    assert api.send(key, body).status_code == 200
    return str(api.posts(api.channel(channel)["id"])[0]["id"])


def stored(api: Api, post_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v4/posts/{post_id}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def run(api: Api, work: Any) -> Any:
    return api.client.portal.call(work)  # type: ignore[union-attr]


# What an edit changes, and what it keeps


def test_edit_text_answers_ok_and_marks_the_post_edited(api: Api, hook: dict[str, Any]) -> None:
    post_id = posted(api, hook["id"], {"text": "build started"})
    before = stored(api, post_id)
    response = patch(api, hook["id"], post_id, {"text": "build **passed**"})
    assert (response.status_code, response.text) == (200, "ok")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["x-request-id"] and response.headers["x-version-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    after = stored(api, post_id)
    assert after["message"] == "build **passed**"
    assert after["edit_at"] > 0 and after["update_at"] >= before["update_at"]
    unchanged = ("id", "create_at", "user_id", "channel_id", "root_id", "type", "props")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


def test_absent_fields_are_kept(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config("ServiceSettings", EnablePostUsernameOverride=True)
    post_id = posted(
        api,
        hook["id"],
        {
            "text": "deploy",
            "username": "deployer",
            "attachments": [{"text": "v1", "color": "good"}],
            "props": {"ticket": "T-1"},
        },
    )
    assert patch(api, hook["id"], post_id, {"text": "deploy done"}).status_code == 200
    after = stored(api, post_id)
    assert after["message"] == "deploy done" and after["type"] == "slack_attachment"
    props = after["props"]
    assert props["attachments"][0]["text"] == "v1" and props["ticket"] == "T-1"
    assert props["override_username"] == "deployer" and props["from_webhook"] == "true"


def test_attachments_replace_translate_and_empty_list_removes(
    api: Api, hook: dict[str, Any]
) -> None:
    post_id = posted(api, hook["id"], {"text": "status"})
    assert stored(api, post_id)["type"] == ""
    attachments = [{"text": "see <https://ci.example/1|run 1>", "fields": [{"value": 42}]}]
    assert patch(api, hook["id"], post_id, {"attachments": attachments}).status_code == 200
    after = stored(api, post_id)
    assert after["type"] == "slack_attachment" and after["message"] == "status"
    attachment = after["props"]["attachments"][0]
    assert attachment["text"] == "see [run 1](https://ci.example/1)"
    assert attachment["fields"] == [{"title": "", "value": "42", "short": False}]
    assert patch(api, hook["id"], post_id, {"attachments": []}).status_code == 200
    cleared = stored(api, post_id)
    assert cleared["type"] == "" and "attachments" not in cleared["props"]


def test_props_replace_the_senders_keys_never_the_servers(api: Api, hook: dict[str, Any]) -> None:
    post_id = posted(
        api, hook["id"], {"text": "x", "props": {"a": 1}, "attachments": [{"text": "kept"}]}
    )
    spoof = {
        "b": 2,
        "from_webhook": "false",
        "override_username": "root",
        "webhook_display_name": "Bank",
        "attachments": [{"text": "sneaked"}],
        "from_bot": "true",
    }
    assert patch(api, hook["id"], post_id, {"props": spoof}).status_code == 200
    props = stored(api, post_id)["props"]
    assert props["b"] == 2 and "a" not in props
    assert props["from_webhook"] == "true" and props["webhook_display_name"] == "CI"
    assert "override_username" not in props and "from_bot" not in props
    assert props["attachments"][0]["text"] == "kept"


def test_username_and_icons_follow_the_override_settings(api: Api, hook: dict[str, Any]) -> None:
    post_id = posted(api, hook["id"], {"text": "x"})
    identity = {"username": "bot2", "icon_url": "https://e.example/i.png", "icon_emoji": "tada"}
    assert patch(api, hook["id"], post_id, identity).status_code == 200
    props = stored(api, post_id)["props"]
    assert not {"override_username", "override_icon_url", "override_icon_emoji"} & set(props)
    api.patch_config(
        "ServiceSettings", EnablePostUsernameOverride=True, EnablePostIconOverride=True
    )
    assert patch(api, hook["id"], post_id, identity).status_code == 200
    props = stored(api, post_id)["props"]
    assert props["override_username"] == "bot2"
    assert props["override_icon_url"] == "https://e.example/i.png"
    assert props["override_icon_emoji"] == "tada"
    assert patch(api, hook["id"], post_id, {"icon_emoji": "", "username": ""}).status_code == 200
    props = stored(api, post_id)["props"]
    assert "override_icon_emoji" not in props and props["override_icon_url"]
    assert props["override_username"] == "webhook"  # as posting: payload → hook → "webhook"


def test_text_is_translated_as_posting_is(api: Api) -> None:
    slack = api.new_hook(message_format="slack")
    bob, _ = api.new_user("bob")
    post_id = posted(api, slack["id"], {"text": "x"})
    text = f"*done* by <@{bob['id']}>: <https://ci.example|logs> <!here>"
    assert patch(api, slack["id"], post_id, {"text": text}).status_code == 200
    assert stored(api, post_id)["message"] == "**done** by @bob: [logs](https://ci.example) @here"


def test_blocks_edit_the_text_as_posting_does(api: Api, hook: dict[str, Any]) -> None:
    post_id = posted(api, hook["id"], {"text": "old"})
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "from blocks"}}]
    assert patch(api, hook["id"], post_id, {"blocks": blocks}).status_code == 200
    after = stored(api, post_id)
    assert after["message"] == "from blocks" and "blocks" not in after["props"]
    assert patch(api, hook["id"], post_id, {"text": "t", "blocks": blocks}).status_code == 200
    after = stored(api, post_id)
    assert after["message"] == "t" and after["props"]["blocks"] == blocks


def form(body: dict[str, Any]) -> bytes:
    return b"payload=" + orjson.dumps(body)


def multipart(fields: dict[str, str]) -> bytes:
    parts = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    return parts + f"--{BOUNDARY}--\r\n".encode()


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (form({"text": "new"}), "application/x-www-form-urlencoded"),
        (b"payload=%7B%22text%22%3A%22new%22%7D", "application/x-www-form-urlencoded"),
        (form({"text": "new"}), ""),
        (b'{"Text": "new"}', "text/plain"),
        (multipart({"text": "new"}), f"multipart/form-data; boundary={BOUNDARY}"),
    ],
    ids=["form-raw", "form-encoded", "form-no-type", "json-text-plain", "multipart"],
)
def test_every_posting_format_edits(
    api: Api, hook: dict[str, Any], content: bytes, content_type: str
) -> None:
    post_id = posted(api, hook["id"], {"text": "old", "props": {"keep": "me"}})
    response = patch(api, hook["id"], post_id, content=content, content_type=content_type)
    assert response.status_code == 200, response.text
    after = stored(api, post_id)
    assert after["message"] == "new" and after["props"]["keep"] == "me"


def test_multipart_attachments_and_props_parts(api: Api, hook: dict[str, Any]) -> None:
    post_id = posted(api, hook["id"], {"text": "old"})
    body = multipart({"attachments": '[{"text": "a"}]', "props": '{"k": "v"}'})
    response = patch(
        api,
        hook["id"],
        post_id,
        content=body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 200, response.text
    after = stored(api, post_id)
    assert after["message"] == "old" and after["type"] == "slack_attachment"
    assert after["props"]["k"] == "v" and after["props"]["attachments"][0]["text"] == "a"


def test_channel_root_and_type_in_the_body_are_ignored(api: Api, hook: dict[str, Any]) -> None:
    api.new_channel("elsewhere")
    root_id = posted(api, hook["id"], {"text": "root"})
    post_id = posted(api, hook["id"], {"text": "x"})
    body = {"text": "y", "channel": "elsewhere", "root_id": root_id, "type": "custom_z"}
    assert patch(api, hook["id"], post_id, body).status_code == 200
    after = stored(api, post_id)
    assert after["message"] == "y" and after["root_id"] == "" and after["type"] == ""
    assert after["channel_id"] == api.channel("town-square")["id"]


def test_each_piece_of_a_split_post_is_editable(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config("ServiceSettings", PostMessageMaxRunes=100)
    text = "\n".join(f"line {i:03} " + "x" * 30 for i in range(6))
    assert api.send(hook["id"], {"text": text, "attachments": [{"text": "a"}]}).status_code == 200
    pieces = list(reversed(api.posts(hook["channel_id"])))
    assert len(pieces) >= 2
    for index, piece in enumerate(pieces):
        response = patch(api, hook["id"], piece["id"], {"text": f"piece {index}"})
        assert response.status_code == 200, response.text
    after = list(reversed(api.posts(hook["channel_id"])))
    assert [p["message"] for p in after] == [f"piece {i}" for i in range(len(pieces))]
    assert after[-1]["props"]["attachments"][0]["text"] == "a"


def test_too_long_edit_is_400_and_changes_nothing(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config("ServiceSettings", PostMessageMaxRunes=100)
    post_id = posted(api, hook["id"], {"text": "short"})
    assert_error(patch(api, hook["id"], post_id, {"text": "y" * 101}), 400, TOO_LONG)
    assert patch(api, hook["id"], post_id, {"text": "y" * 100}).status_code == 200
    assert stored(api, post_id)["message"] == "y" * 100


def test_wait_true_answers_json_with_this_post(api: Api, hook: dict[str, Any]) -> None:
    post_id = posted(api, hook["id"], {"text": "x"})
    for query in ("?wait=true", "?wait=1", "?wait=True"):
        response = patch(api, hook["id"], post_id, {"text": query}, query=query)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {
            "ok": True,
            "channel_id": hook["channel_id"],
            "post_ids": [post_id],
        }
    assert patch(api, hook["id"], post_id, {"text": "z"}, query="?wait=false").text == "ok"
    assert delete(api, hook["id"], post_id, params={"wait": "true"}).text == "ok"


# Which posts a hook may touch


def test_old_key_edits_during_the_grace_period_and_not_after(api: Api) -> None:
    hook = api.new_hook()
    old_post = posted(api, hook["id"], {"text": "through the old key"})
    fresh = api.post(f"{BASE}/{hook['id']}/regenerate").json()
    new_post = posted(api, fresh["id"], {"text": "through the new key"})
    for key in (hook["id"], fresh["id"]):
        for post_id in (old_post, new_post):
            assert patch(api, key, post_id, {"text": f"{key} edits"}).status_code == 200

    async def expire() -> None:
        async with api.ctx.db.begin() as conn:
            await conn.execute(update(retired_hook_keys).values(expire_at=1))
        api.ctx.hooks.clear()

    run(api, expire)
    invalid = "web.incoming_webhook.invalid.app_error"
    assert_error(patch(api, hook["id"], old_post, {"text": "late"}), 400, invalid)
    assert_error(delete(api, hook["id"], old_post), 400, invalid)
    assert patch(api, fresh["id"], old_post, {"text": "still mine"}).status_code == 200


def test_posts_that_are_not_this_hooks_are_one_404(api: Api, hook: dict[str, Any]) -> None:
    other = api.new_hook()
    theirs = posted(api, other["id"], {"text": "other hook"})
    _, token = api.new_user("ann")
    town = api.channel("town-square")
    users = api.post("/api/v4/posts", token, json={"channel_id": town["id"], "message": "mine"})
    gone = posted(api, hook["id"], {"text": "to delete"})
    assert delete(api, hook["id"], gone).text == "ok"
    messages = set()
    for post_id in (theirs, users.json()["id"], gone, "a" * 26, "nope", "x" * 300, "ABC%20D"):
        for response in (
            patch(api, hook["id"], post_id, {"text": "hijack"}),
            delete(api, hook["id"], post_id),
        ):
            messages.add(assert_error(response, 404, NOT_FOUND)["message"])
    assert len(messages) == 1
    assert stored(api, theirs)["message"] == "other hook"
    assert stored(api, users.json()["id"])["message"] == "mine"


POST_BY = ["this hook", "this hook, old key", "sibling hook", "another user's hook", "a user"]
KEY_USED = ["current key", "old key"]


@pytest.mark.parametrize("key_used", KEY_USED)
def test_permission_matrix(api: Api, key_used: str) -> None:
    """Who created the post × which of this hook's keys asks: only its own lineage's posts."""
    api.patch_config("ServiceSettings", EnableOnlyAdminIntegrations=False)
    ann, ann_token = api.new_user("ann")
    mine = api.new_hook()
    by_old_key = posted(api, mine["id"], {"text": "old"})
    fresh = api.post(f"{BASE}/{mine['id']}/regenerate").json()
    sibling = api.new_hook()
    anns = api.new_hook(token=ann_token)
    town = api.channel("town-square")
    user_post = api.post(
        "/api/v4/posts", ann_token, json={"channel_id": town["id"], "message": "u"}
    )
    posts = {
        "this hook": posted(api, fresh["id"], {"text": "new"}),
        "this hook, old key": by_old_key,
        "sibling hook": posted(api, sibling["id"], {"text": "s"}),
        "another user's hook": posted(api, anns["id"], {"text": "a"}),
        "a user": user_post.json()["id"],
    }
    key = fresh["id"] if key_used == "current key" else mine["id"]
    answers = {who: patch(api, key, posts[who], {"text": "e"}).status_code for who in POST_BY}
    assert answers == {
        "this hook": 200,
        "this hook, old key": 200,
        "sibling hook": 404,
        "another user's hook": 404,
        "a user": 404,
    }
    assert ann["id"]


def test_archived_channel_refuses_edits_and_deletes(api: Api, hook: dict[str, Any]) -> None:
    old = api.new_channel("old-news")
    post_id = posted(api, hook["id"], {"text": "x", "channel": "old-news"}, channel="old-news")
    assert api.delete(f"/api/v4/channels/{old['id']}").status_code == 200
    assert_error(patch(api, hook["id"], post_id, {"text": "y"}), 403, ARCHIVED)
    assert_error(delete(api, hook["id"], post_id), 403, ARCHIVED)


def test_private_channel_the_creator_left_is_403(api: Api, hook: dict[str, Any]) -> None:
    ops = api.new_channel("ops", private=True)
    post_id = posted(api, hook["id"], {"text": "x", "channel": "ops"}, channel="ops")
    bob, _ = api.new_user("bob")
    api.post(f"/api/v4/channels/{ops['id']}/members", json={"user_id": bob["id"]})
    left = api.delete(f"/api/v4/channels/{ops['id']}/members/{api.admin['id']}")
    assert left.status_code == 200, left.text
    forbidden = "web.incoming_webhook.permissions.app_error"
    assert_error(patch(api, hook["id"], post_id, {"text": "y"}), 403, forbidden)
    assert_error(delete(api, hook["id"], post_id), 403, forbidden)


def test_disabled_is_501_and_deactivated_creator_is_403(api: Api) -> None:
    api.patch_config("ServiceSettings", EnableOnlyAdminIntegrations=False)
    user, token = api.new_user("ann")
    hook = api.new_hook(token=token)
    post_id = posted(api, hook["id"], {"text": "x"})
    api.patch_config("ServiceSettings", EnableIncomingWebhooks=False)
    disabled = "web.incoming_webhook.disabled.app_error"
    assert_error(patch(api, hook["id"], post_id, {"text": "y"}), 501, disabled)
    assert_error(delete(api, hook["id"], post_id), 501, disabled)
    assert_error(patch(api, hook["id"], post_id, b"{", content=b"{"), 400, DECODE)  # decode first
    api.patch_config("ServiceSettings", EnableIncomingWebhooks=True)
    deactivated = api.put(f"/api/v4/users/{user['id']}/active", json={"active": False})
    assert deactivated.status_code == 200, deactivated.text
    inactive = "web.incoming_webhook.user.app_error"
    assert_error(patch(api, hook["id"], post_id, {"text": "y"}), 403, inactive)
    assert_error(delete(api, hook["id"], post_id), 403, inactive)


def test_signed_hook_needs_signed_edits_and_deletes(api: Api, hook: dict[str, Any]) -> None:
    post_id = posted(api, hook["id"], {"text": "x"})
    secret = signing.new_secret()

    async def sign_hook() -> None:
        async with api.ctx.db.begin() as conn:
            await hook_store.update_hook(conn, hook["id"], signing_secret=secret)
        api.ctx.hooks.clear()

    run(api, sign_hook)
    body = b'{"text": "signed"}'

    def signed(raw: bytes) -> dict[str, str]:
        stamp = str(int(time.time()))
        return {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signing.signature(secret, stamp, raw),
        }

    bad = "web.incoming_webhook.signature.app_error"
    assert_error(patch(api, hook["id"], post_id, content=body), 401, bad)
    assert patch(api, hook["id"], post_id, content=body, headers=signed(body)).status_code == 200
    assert_error(delete(api, hook["id"], post_id, headers=signed(b"other")), 401, bad)
    assert delete(api, hook["id"], post_id, headers=signed(b"")).status_code == 200


def test_the_hooks_rate_limit_counts_edits_and_deletes(api: Api) -> None:
    hook = api.new_hook(rate_limit_per_sec=1, rate_limit_burst=2)
    post_id = posted(api, hook["id"], {"text": "x"})
    api.ctx.rate_limits = RateLimits(MemoryLimiter(clock=lambda: 0))
    api.patch_config("RateLimitSettings", Enable=True, PerSec=1_000_000, MaxBurst=1_000_000)
    answers = [patch(api, hook["id"], post_id, {"text": str(i)}).status_code for i in range(3)]
    assert answers == [200, 200, 200]
    limited = "web.incoming_webhook.rate_limited.app_error"
    assert_error(patch(api, hook["id"], post_id, {"text": "late"}), 429, limited)
    assert_error(delete(api, hook["id"], post_id), 429, limited)
    assert stored(api, post_id)["message"] == "2"


# Delete


def test_delete_is_soft_and_takes_the_thread_with_it(api: Api, hook: dict[str, Any]) -> None:
    root_id = posted(api, hook["id"], {"text": "incident"})
    _, token = api.new_user("ann")
    town = api.channel("town-square")
    reply = api.post(
        "/api/v4/posts",
        token,
        json={"channel_id": town["id"], "message": "on it", "root_id": root_id},
    )
    assert reply.status_code == 201, reply.text
    response = delete(api, hook["id"], root_id)
    assert (response.status_code, response.text) == (200, "ok")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert not {root_id, reply.json()["id"]} & {p["id"] for p in api.posts(town["id"])}
    assert api.get(f"/api/v4/posts/{root_id}").status_code == 404
    assert api.get(f"/api/v4/posts/{reply.json()['id']}").status_code == 404
    assert_error(delete(api, hook["id"], root_id), 404, NOT_FOUND)


def test_deleting_a_reply_keeps_its_root(api: Api, hook: dict[str, Any]) -> None:
    root_id = posted(api, hook["id"], {"text": "root"})
    reply_id = posted(api, hook["id"], {"text": "reply", "root_id": root_id})
    assert delete(api, hook["id"], reply_id).status_code == 200
    assert stored(api, root_id)["message"] == "root"


# Readers, mentions, search


def test_readers_see_post_edited_and_post_deleted_live(api: Api, hook: dict[str, Any]) -> None:
    _, token = api.new_user("ann")
    post_id = posted(api, hook["id"], {"text": "before"})
    with api.client.websocket_connect(
        "/api/v4/websocket", headers={"Authorization": f"Bearer {token}"}
    ) as ws:
        ws_receive(ws)  # hello
        assert patch(api, hook["id"], post_id, {"text": "after"}).status_code == 200
        edited = next_event(ws, "post_edited")
        post = orjson.loads(edited["data"]["post"])
        assert (post["id"], post["message"]) == (post_id, "after") and post["edit_at"] > 0
        assert edited["broadcast"]["channel_id"] == hook["channel_id"]
        assert delete(api, hook["id"], post_id).status_code == 200
        deleted = orjson.loads(next_event(ws, "post_deleted")["data"]["post"])
        assert deleted["id"] == post_id and deleted["delete_at"] > 0


def test_an_edit_notifies_no_one_again(api: Api, hook: dict[str, Any]) -> None:
    bob, token = api.new_user("bob")
    town = api.channel("town-square")
    post_id = posted(api, hook["id"], {"text": "hello @bob"})

    def unread() -> tuple[int, int]:
        got = api.get(f"/api/v4/users/me/channels/{town['id']}/unread", token).json()
        return got["msg_count"], got["mention_count"]

    before = unread()
    assert before[1] == 1
    for text in ("hey @bob @channel", "<!here> @all @bob again"):
        assert patch(api, hook["id"], post_id, {"text": text}).status_code == 200
    assert unread() == before
    assert bob["id"]


def test_search_finds_the_new_text_not_the_old(api: Api, hook: dict[str, Any]) -> None:
    post_id = posted(
        api, hook["id"], {"text": "zebrafish alert", "attachments": [{"text": "okapi"}]}
    )

    def found(terms: str) -> list[str]:
        path = f"/api/v4/teams/{api.team['id']}/posts/search"
        result = api.post(path, json={"terms": terms, "is_or_search": False}).json()
        return list(result["order"])

    assert found("zebrafish") == [post_id] and found("okapi") == [post_id]
    attachments = [{"text": "wombat"}]
    assert (
        patch(api, hook["id"], post_id, {"text": "narwhal", "attachments": attachments}).status_code
        == 200
    )
    assert found("zebrafish") == [] and found("okapi") == []
    assert found("narwhal") == [post_id] and found("wombat") == [post_id]
    assert delete(api, hook["id"], post_id).status_code == 200
    assert found("narwhal") == []


# Bad requests: a 4xx with an error id, never a 5xx


@pytest.mark.parametrize(
    ("content", "content_type", "error_id"),
    [
        (b"", "application/json", DECODE),
        (b"not json", "application/json", DECODE),
        (b"[1, 2]", "application/json", DECODE),
        (b'"text"', "application/json", DECODE),
        (b"42", "", DECODE),
        (b'{"text": 1}', "application/json", DECODE),
        (b'{"attachments": {}}', "application/json", DECODE),
        (b'{"attachments": [1]}', "application/json", DECODE),
        (b'{"props": "x"}', "application/json", DECODE),
        (b'{"username": []}', "application/json", DECODE),
        (b'{"attachments": [{"fields": [{"short": "maybe"}]}]}', "application/json", DECODE),
        (b"{}", "application/json", EMPTY),
        (b"null", "application/json", EMPTY),
        (b'{"text": null}', "application/json", EMPTY),
        (b'{"channel": "x", "root_id": "y", "unknown": 1}', "application/json", EMPTY),
        (b"text=hi", "application/x-www-form-urlencoded", DECODE),
        (b"payload=", "application/x-www-form-urlencoded", DECODE),
        (b"--x\r\n", "multipart/form-data", DECODE),
        (b"--edgeb--\r\n", f"multipart/form-data; boundary={BOUNDARY}", EMPTY),
        (b'{"text": "hi"}', "application/json wrong", "web.incoming_webhook.media_type.app_error"),
        (b'{"text": ""}', "application/json", "web.incoming_webhook.text.app_error"),
        (b'{"text": "  \\n"}', "application/json", "web.incoming_webhook.text.app_error"),
    ],
)
def test_wrong_bodies_are_4xx_and_change_nothing(
    api: Api, hook: dict[str, Any], content: bytes, content_type: str, error_id: str
) -> None:
    post_id = posted(api, hook["id"], {"text": "kept"})
    response = patch(api, hook["id"], post_id, content=content, content_type=content_type)
    assert_error(response, 400, error_id)
    assert stored(api, post_id)["message"] == "kept" and stored(api, post_id)["edit_at"] == 0


def test_body_over_the_limit_is_413(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config("ServiceSettings", MaximumPayloadSizeBytes=1024)
    post_id = posted(api, hook["id"], {"text": "kept"})
    response = patch(api, hook["id"], post_id, {"text": "x" * 2000})
    assert_error(response, 413, "web.incoming_webhook.too_large.app_error")


def test_attachments_too_large_to_store_are_400(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config("ServiceSettings", MaximumPayloadSizeBytes=2_000_000)
    post_id = posted(api, hook["id"], {"text": "kept"})
    huge = [{"text": "x" * 400_000}, {"text": "y" * 400_000}]
    response = patch(api, hook["id"], post_id, {"attachments": huge})
    assert_error(response, 400, "web.incoming_webhook.split_props_length.app_error")


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "HEAD", "OPTIONS"])
def test_other_methods_are_405(api: Api, hook: dict[str, Any], method: str) -> None:
    post_id = posted(api, hook["id"], {"text": "x"})
    response = api.client.request(method, f"/hooks/{hook['id']}/posts/{post_id}")
    assert response.status_code == 405
    assert response.headers["allow"] == "PATCH, DELETE"
    assert response.headers["x-request-id"]
    if method != "HEAD":
        assert_error(response, 405, "api.context.405.app_error")
    assert stored(api, post_id)["message"] == "x"


def test_unknown_key_is_400_as_for_posting(api: Api) -> None:
    invalid = "web.incoming_webhook.invalid.app_error"
    assert_error(patch(api, "a" * 26, "b" * 26, {"text": "x"}), 400, invalid)
    assert_error(delete(api, "a" * 26, "b" * 26), 400, invalid)


_targets: weakref.WeakKeyDictionary[Api, tuple[str, str]] = weakref.WeakKeyDictionary()


def target(api: Api) -> tuple[str, str]:
    """One hook and post per test (hypothesis reuses the function's fixtures)."""
    if api not in _targets:
        api.patch_config(
            "ServiceSettings", EnablePostUsernameOverride=True, EnablePostIconOverride=True
        )
        key = api.new_hook()["id"]
        _targets[api] = key, posted(api, key, {"text": "fuzzed"})
    return _targets[api]


FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check_fuzzed(api: Api, body: bytes, content_type: str) -> None:
    key, post_id = target(api)
    response = patch(api, key, post_id, content=body, content_type=content_type)
    status = response.status_code
    assert status == 200 or 400 <= status < 500, (status, response.text, body[:300])
    if status != 200:
        error = response.json()
        assert error["id"] and error["message"] and error["status_code"] == status, error
        assert error["id"] not in ("web.incoming_webhook.invalid.app_error", NOT_FOUND)


@FUZZ
@given(payload=payloads, content_type=st.sampled_from(CONTENT_TYPES), ascii_only=st.booleans())
def test_any_edit_payload_is_200_or_a_4xx(
    api: Api, payload: dict[str, Any], content_type: str, ascii_only: bool
) -> None:
    check_fuzzed(api, encode(payload, content_type, ascii_only), content_type)


@FUZZ
@given(body=st.binary(max_size=300), content_type=st.sampled_from([*CONTENT_TYPES, "a/b; c"]))
def test_any_edit_bytes_are_200_or_a_4xx(api: Api, body: bytes, content_type: str) -> None:
    check_fuzzed(api, body, content_type)
