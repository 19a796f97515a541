"""Reactions over HTTP, on both databases: Mattermost's rules and error ids, idempotency,
``metadata.reactions`` on posts, the web app's grouped view and the websocket events."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import event

from inbound.models import is_valid_emoji_name
from inbound.render.emojis import catalogue_json, glyph, is_system_emoji
from tests.conftest import Api, assert_error
from tests.test_websocket import next_event, receive

REACTION_KEYS = {
    "user_id",
    "post_id",
    "emoji_name",
    "create_at",
    "update_at",
    "delete_at",
    "remote_id",
    "channel_id",
}


def hook_post(api: Api, text: str = "disk full on db-1", channel: str = "town-square") -> str:
    hook = api.new_hook(channel)
    assert api.send(hook["id"], {"text": text}).status_code == 200
    post_id: str = api.posts(api.channel(channel)["id"], per_page=1)[0]["id"]
    return post_id


def react(api: Api, token: str, user_id: str, post_id: str, emoji: str = "eyes") -> Any:
    body = {"user_id": user_id, "post_id": post_id, "emoji_name": emoji}
    return api.post("/api/v4/reactions", token, json=body)


def unreact(api: Api, token: str, user_id: str, post_id: str, emoji: str = "eyes") -> Any:
    return api.delete(f"/api/v4/users/{user_id}/posts/{post_id}/reactions/{emoji}", token)


def test_add_list_and_remove(api: Api) -> None:
    ann, token = api.new_user("ann")
    post_id = hook_post(api)
    added = react(api, token, ann["id"], post_id)
    assert added.status_code == 200, added.text
    reaction = added.json()
    assert set(reaction) == REACTION_KEYS
    assert (reaction["user_id"], reaction["post_id"], reaction["emoji_name"]) == (
        ann["id"],
        post_id,
        "eyes",
    )
    assert reaction["create_at"] > 0 and reaction["delete_at"] == 0
    assert reaction["channel_id"] == api.channel("town-square")["id"]
    listed = api.get(f"/api/v4/posts/{post_id}/reactions", token)
    assert listed.status_code == 200 and listed.json() == [reaction]
    removed = unreact(api, token, ann["id"], post_id)
    assert removed.status_code == 200 and removed.json() == {"status": "OK"}
    assert api.get(f"/api/v4/posts/{post_id}/reactions", token).json() == []
    post = api.get(f"/api/v4/posts/{post_id}", token).json()
    assert "has_reactions" not in post and "reactions" not in post["metadata"]
    again = unreact(api, token, "me", post_id)  # nothing left to remove: still OK
    assert again.status_code == 200 and again.json() == {"status": "OK"}


def test_adding_twice_is_idempotent(api: Api) -> None:
    ann, token = api.new_user("ann")
    post_id = hook_post(api)
    first = react(api, token, ann["id"], post_id).json()
    second = react(api, token, ann["id"], post_id)
    assert second.status_code == 200 and second.json() == first
    assert len(api.get(f"/api/v4/posts/{post_id}/reactions", token).json()) == 1


def test_posts_carry_metadata_reactions(api: Api) -> None:
    ann, ann_token = api.new_user("ann")
    bob, bob_token = api.new_user("bob")
    post_id = hook_post(api)
    plain_id = hook_post(api, "nothing to see")
    react(api, ann_token, ann["id"], post_id, "eyes")
    react(api, bob_token, bob["id"], post_id, "white_check_mark")
    town = api.channel("town-square")["id"]
    posts = {p["id"]: p for p in api.posts(town)}
    reacted = posts[post_id]
    assert reacted["has_reactions"] is True
    names = [(r["user_id"], r["emoji_name"]) for r in reacted["metadata"]["reactions"]]
    assert names == [(ann["id"], "eyes"), (bob["id"], "white_check_mark")]
    assert all(set(r) == REACTION_KEYS for r in reacted["metadata"]["reactions"])
    assert "reactions" not in posts[plain_id]["metadata"]  # omitempty, as Mattermost
    assert "has_reactions" not in posts[plain_id]
    one = api.get(f"/api/v4/posts/{post_id}").json()
    assert one["metadata"]["reactions"] == reacted["metadata"]["reactions"]
    thread = api.get(f"/api/v4/posts/{post_id}/thread").json()
    assert len(thread["posts"][post_id]["metadata"]["reactions"]) == 2


def test_a_page_reads_reactions_in_one_query_and_none_without_any(api: Api) -> None:
    hook = api.new_hook()
    for i in range(60):
        assert api.send(hook["id"], {"text": f"alert {i}"}).status_code == 200
    town = api.channel("town-square")["id"]
    statements: list[str] = []
    engine = api.ctx.db.engine.sync_engine

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert len(api.posts(town)) == 60
        assert not [s for s in statements if "FROM reactions" in s]
        for post in api.posts(town)[::2]:
            react(api, api.admin_token, api.admin["id"], post["id"])
            react(api, api.admin_token, api.admin["id"], post["id"], "fire")
        statements.clear()
        page = api.posts(town)
        api.get(f"/web/api/channels/{town}/posts", params={"team": "main"})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert sum(len(p["metadata"].get("reactions", [])) for p in page) == 60
    assert len([s for s in statements if "FROM reactions" in s]) == 2  # one per page read


def test_a_reaction_changes_the_post_for_since_readers(api: Api) -> None:
    ann, token = api.new_user("ann")
    post_id = hook_post(api)
    town = api.channel("town-square")["id"]
    before = api.get(f"/api/v4/posts/{post_id}").json()["update_at"]
    react(api, token, ann["id"], post_id)
    changed = api.get(f"/api/v4/channels/{town}/posts", params={"since": before + 1}).json()
    assert post_id in changed["order"]


def test_user_id_must_be_the_caller_even_for_admins(api: Api) -> None:
    ann, _ = api.new_user("ann")
    _, bob_token = api.new_user("bob")
    post_id = hook_post(api)
    error = "api.reaction.save_reaction.user_id.app_error"
    assert_error(react(api, bob_token, ann["id"], post_id), 403, error)
    assert_error(react(api, api.admin_token, ann["id"], post_id), 403, error)


def test_removing_anothers_reaction_is_for_system_admins(api: Api) -> None:
    ann, ann_token = api.new_user("ann")
    _, bob_token = api.new_user("bob")
    post_id = hook_post(api)
    react(api, ann_token, ann["id"], post_id)
    denied = unreact(api, bob_token, ann["id"], post_id)
    assert_error(denied, 403, "api.context.permissions.app_error")
    assert unreact(api, api.admin_token, ann["id"], post_id).status_code == 200
    assert api.get(f"/api/v4/posts/{post_id}/reactions", ann_token).json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"post_id": "p" * 26, "emoji_name": "eyes"},
        {"user_id": "short", "post_id": "p" * 26, "emoji_name": "eyes"},
        {"user_id": "u" * 26, "post_id": "nope", "emoji_name": "eyes"},
        {"user_id": "u" * 26, "post_id": "p" * 26, "emoji_name": ""},
        {"user_id": "u" * 26, "post_id": "p" * 26, "emoji_name": "e" * 65},
    ],
    ids=["no user", "bad user", "bad post", "empty emoji", "emoji too long"],
)
def test_invalid_reaction_is_400(api: Api, body: dict[str, str]) -> None:
    response = api.post("/api/v4/reactions", json=body)
    assert_error(response, 400, "api.reaction.save_reaction.invalid.app_error")


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"user_id": 1, "post_id": "x", "emoji_name": "eyes"}'],
    ids=["not json", "not an object", "number"],
)
def test_malformed_body_is_400(api: Api, body: bytes) -> None:
    response = api.post(
        "/api/v4/reactions", content=body, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "api.context.invalid_body_param.app_error")


@pytest.mark.parametrize(
    ("emoji", "status", "error_id"),
    [
        ("a b", 400, "model.reaction.is_valid.emoji_name.app_error"),
        ("eyes\n", 400, "model.reaction.is_valid.emoji_name.app_error"),
        (":eyes:", 400, "model.reaction.is_valid.emoji_name.app_error"),
        ("<script>", 400, "model.reaction.is_valid.emoji_name.app_error"),
        ("👀", 400, "model.reaction.is_valid.emoji_name.app_error"),
        ("not_an_emoji_at_all", 404, "app.emoji.get_by_name.no_result"),
        ("x" * 64, 404, "app.emoji.get_by_name.no_result"),
    ],
)
def test_emoji_must_be_a_system_emoji(api: Api, emoji: str, status: int, error_id: str) -> None:
    post_id = hook_post(api)
    assert_error(react(api, api.admin_token, api.admin["id"], post_id, emoji), status, error_id)


@pytest.mark.parametrize("emoji", ["eyes", "+1", "thumbsup", "white_check_mark", "tada", "x"])
def test_known_names_and_aliases_are_accepted(api: Api, emoji: str) -> None:
    post_id = hook_post(api)
    assert react(api, api.admin_token, api.admin["id"], post_id, emoji).status_code == 200


def test_unreadable_missing_and_deleted_posts(api: Api) -> None:
    ann, ann_token = api.new_user("ann")
    stranger, stranger_token = api.new_user("stranger", team=False)
    secret = api.new_channel("secret", private=True)
    hidden = api.post("/api/v4/posts", json={"channel_id": secret["id"], "message": "x"}).json()
    denied = "api.context.permissions.app_error"
    assert_error(react(api, ann_token, ann["id"], hidden["id"]), 403, denied)
    assert_error(api.get(f"/api/v4/posts/{hidden['id']}/reactions", ann_token), 403, denied)
    assert_error(unreact(api, ann_token, ann["id"], hidden["id"]), 403, denied)
    public = hook_post(api)
    assert_error(react(api, stranger_token, stranger["id"], public), 403, denied)
    # no such post: 403 for a user (ids cannot be probed), 404 for a system admin
    assert_error(react(api, ann_token, ann["id"], "z" * 26), 403, denied)
    missing = react(api, api.admin_token, api.admin["id"], "z" * 26)
    assert_error(missing, 404, "app.post.get.app_error")
    assert api.delete(f"/api/v4/posts/{public}").status_code == 200
    assert_error(react(api, ann_token, ann["id"], public), 404, "app.post.get.app_error")
    assert_error(unreact(api, ann_token, ann["id"], public), 404, "app.post.get.app_error")


def test_archived_channel_refuses_changes(api: Api) -> None:
    ann, token = api.new_user("ann")
    room = api.new_channel("ops")
    api.post(f"/api/v4/channels/{room['id']}/members", json={"user_id": ann["id"]})
    post_id = hook_post(api, channel="ops")
    react(api, token, ann["id"], post_id)
    assert api.delete(f"/api/v4/channels/{room['id']}").status_code == 200
    added = react(api, token, ann["id"], post_id, "fire")
    assert_error(added, 403, "api.reaction.save.archived_channel.app_error")
    removed = unreact(api, token, ann["id"], post_id)
    assert_error(removed, 403, "api.reaction.delete.archived_channel.app_error")
    assert len(api.get(f"/api/v4/posts/{post_id}/reactions", token).json()) == 1


def test_delete_path_is_validated(api: Api) -> None:
    post_id = hook_post(api)
    for path in (
        f"/api/v4/users/short/posts/{post_id}/reactions/eyes",
        "/api/v4/users/me/posts/short/reactions/eyes",
        f"/api/v4/users/me/posts/{post_id}/reactions/a%20b",
        f"/api/v4/users/me/posts/{post_id}/reactions/{'e' * 65}",
    ):
        assert_error(api.delete(path), 400, "api.context.invalid_url_param.app_error")
    assert api.get("/api/v4/posts/short/reactions").status_code == 400


def test_at_most_fifty_different_emoji_per_post(api: Api) -> None:
    post_id = hook_post(api)
    names = [e[1] for e in orjson.loads(catalogue_json())[:51]]
    me = api.admin["id"]
    for name in names[:50]:
        assert react(api, api.admin_token, me, post_id, name).status_code == 200
    ann, token = api.new_user("ann")
    assert react(api, token, ann["id"], post_id, names[0]).status_code == 200  # not a new one
    refused = react(api, token, ann["id"], post_id, names[50])
    assert_error(refused, 400, "app.reaction.save.save.too_many_reactions")


def test_web_view_groups_reactions(api: Api) -> None:
    ann, ann_token = api.new_user("ann")
    bob, bob_token = api.new_user("bob")
    post_id = hook_post(api)
    react(api, bob_token, bob["id"], post_id, "eyes")
    react(api, ann_token, ann["id"], post_id, "eyes")
    react(api, bob_token, bob["id"], post_id, "+1")
    town = api.channel("town-square")["id"]
    page = api.get(f"/web/api/channels/{town}/posts", ann_token, params={"team": "main"}).json()
    view = next(p for p in page["posts"] if p["id"] == post_id)
    assert view["reactions"] == [
        {
            "emoji_name": "eyes",
            "glyph": "👀",
            "count": 2,
            "mine": True,
            "users": [{"id": ann["id"], "username": "ann"}, {"id": bob["id"], "username": "bob"}],
        },
        {
            "emoji_name": "+1",
            "glyph": "👍",
            "count": 1,
            "mine": False,
            "users": [{"id": bob["id"], "username": "bob"}],
        },
    ]
    one = api.get(f"/web/api/posts/{post_id}", bob_token, params={"team": "main"}).json()
    assert [(g["emoji_name"], g["mine"]) for g in one["reactions"]] == [
        ("eyes", True),
        ("+1", True),
    ]
    assert one["reactions"][0]["users"][0]["username"] == "bob"  # me first


def test_emoji_catalogue_is_public_and_cached(api: Api) -> None:
    response = api.get("/web/api/emoji", None)
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    entries = response.json()
    by_name = {name: char for char, name, _ in entries}
    assert by_name["eyes"] == "👀" and by_name["+1"] == "👍" and by_name["tada"] == "🎉"
    assert all(is_valid_emoji_name(name) and is_system_emoji(name) for name in by_name)
    assert not any("skin_tone" in keywords for _, _, keywords in entries)


@pytest.mark.parametrize(
    ("name", "char"),
    [("eyes", "👀"), ("white_check_mark", "✅"), ("check_mark_button", "✅"), ("nope", "")],
)
def test_glyph(name: str, char: str) -> None:
    assert glyph(name) == char


def test_events_reach_readers_of_the_channel_only(api: Api) -> None:
    ann, ann_token = api.new_user("ann")
    _, bob_token = api.new_user("bob")
    secret = api.new_channel("secret", private=True)
    api.post(f"/api/v4/channels/{secret['id']}/members", json={"user_id": ann["id"]})
    hidden = api.post("/api/v4/posts", json={"channel_id": secret["id"], "message": "x"}).json()
    public = hook_post(api)
    ws_of = api.client.websocket_connect
    with (
        ws_of("/api/v4/websocket", headers={"Authorization": f"Bearer {ann_token}"}) as inside,
        ws_of("/api/v4/websocket", headers={"Authorization": f"Bearer {bob_token}"}) as outside,
    ):
        receive(inside), receive(outside)
        react(api, ann_token, ann["id"], hidden["id"], "eyes")
        react(api, ann_token, ann["id"], public, "fire")
        added = next_event(inside, "reaction_added")
        assert added["broadcast"]["channel_id"] == secret["id"]
        reaction = orjson.loads(added["data"]["reaction"])
        assert set(reaction) == REACTION_KEYS
        assert (reaction["post_id"], reaction["emoji_name"]) == (hidden["id"], "eyes")
        # bob sees only the public one: the first reaction event he gets is "fire"
        seen = orjson.loads(next_event(outside, "reaction_added")["data"]["reaction"])
        assert seen["emoji_name"] == "fire"
        unreact(api, ann_token, ann["id"], public, "fire")
        removed = orjson.loads(next_event(outside, "reaction_removed")["data"]["reaction"])
        assert (removed["post_id"], removed["emoji_name"], removed["user_id"]) == (
            public,
            "fire",
            ann["id"],
        )
