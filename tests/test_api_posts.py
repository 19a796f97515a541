"""Posts through the API: create, read, threads, pages, edit, delete, props safety."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, assert_error


def _post(api: Api, channel_id: str, message: str, token: str = "", **extra: Any) -> dict[str, Any]:
    response = api.post(
        "/api/v4/posts", token, json={"channel_id": channel_id, "message": message, **extra}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_create_and_get_post_in_mattermost_shape(api: Api) -> None:
    town = api.channel("town-square")
    post = _post(api, town["id"], "hello **world**")
    assert post["user_id"] == api.admin["id"] and post["channel_id"] == town["id"]
    assert set(post) >= {
        "id",
        "create_at",
        "update_at",
        "edit_at",
        "delete_at",
        "user_id",
        "channel_id",
        "root_id",
        "message",
        "type",
        "props",
        "hashtags",
        "metadata",
    }
    assert api.get(f"/api/v4/posts/{post['id']}").json()["message"] == "hello **world**"
    channel = api.get(f"/api/v4/channels/{town['id']}").json()
    assert channel["total_msg_count"] == 1 and channel["last_post_at"] == post["create_at"]


def test_client_props_cannot_spoof_a_webhook(api: Api) -> None:
    town = api.channel("town-square")
    props = {
        "from_webhook": "true",
        "override_username": "ceo",
        "attachments": [{"text": "x"}],
        "card": "ok",
    }
    post = _post(api, town["id"], "hi", props=props)
    assert post["props"] == {"card": "ok"}


@pytest.mark.parametrize("props", [[1], "x", 3, True], ids=["list", "string", "number", "bool"])
def test_props_that_are_not_an_object_are_400_on_create_and_patch(api: Api, props: Any) -> None:
    town = api.channel("town-square")
    body = {"channel_id": town["id"], "message": "hi", "props": props}
    assert_error(
        api.post("/api/v4/posts", json=body), 400, "api.context.invalid_body_param.app_error"
    )
    post = _post(api, town["id"], "hi", props=None)
    assert post["props"] == {}
    response = api.put(f"/api/v4/posts/{post['id']}/patch", json={"props": props})
    assert_error(response, 400, "api.context.invalid_body_param.app_error")


def test_reply_threads_and_root_rules(api: Api) -> None:
    town = api.channel("town-square")
    root = _post(api, town["id"], "root")
    reply = _post(api, town["id"], "reply", root_id=root["id"])
    thread = api.get(f"/api/v4/posts/{reply['id']}/thread").json()
    assert set(thread["order"]) == {root["id"], reply["id"]}
    assert thread["posts"][root["id"]]["reply_count"] == 1
    nested = api.post(
        "/api/v4/posts", json={"channel_id": town["id"], "message": "x", "root_id": reply["id"]}
    )
    assert_error(nested, 400, "api.post.create_post.root_id.app_error")
    other = api.channel("off-topic")
    elsewhere = api.post(
        "/api/v4/posts", json={"channel_id": other["id"], "message": "x", "root_id": root["id"]}
    )
    assert_error(elsewhere, 400, "api.post.create_post.root_id.app_error")


def test_message_longer_than_limit_is_rejected(api: Api) -> None:
    town = api.channel("town-square")
    response = api.post("/api/v4/posts", json={"channel_id": town["id"], "message": "x" * 4001})
    assert_error(response, 400, "model.post.is_valid.msg.app_error")


def test_channel_pages_newest_first_with_keyset_before_and_after(api: Api) -> None:
    town = api.channel("town-square")
    made = [_post(api, town["id"], f"m{i}")["id"] for i in range(7)]
    newest_first = list(reversed(made))
    first = api.get(f"/api/v4/channels/{town['id']}/posts", params={"per_page": 3}).json()
    assert first["order"] == newest_first[:3]
    assert first["prev_post_id"] == newest_first[3]
    older = api.get(
        f"/api/v4/channels/{town['id']}/posts", params={"per_page": 3, "before": first["order"][-1]}
    ).json()
    assert older["order"] == newest_first[3:6]
    newer = api.get(
        f"/api/v4/channels/{town['id']}/posts", params={"per_page": 2, "after": newest_first[5]}
    ).json()
    assert newer["order"] == newest_first[3:5]
    page2 = api.get(
        f"/api/v4/channels/{town['id']}/posts", params={"per_page": 3, "page": 2}
    ).json()
    assert page2["order"] == newest_first[6:]
    assert set(page2["posts"]) == set(page2["order"])


def test_since_returns_edits_and_deletes(api: Api) -> None:
    town = api.channel("town-square")
    keep = _post(api, town["id"], "keep")
    gone = _post(api, town["id"], "gone")
    since = gone["create_at"] + 1
    api.put(f"/api/v4/posts/{keep['id']}/patch", json={"message": "kept, edited"})
    api.delete(f"/api/v4/posts/{gone['id']}")
    changed = api.get(f"/api/v4/channels/{town['id']}/posts", params={"since": since}).json()
    assert set(changed["order"]) >= {keep["id"], gone["id"]}
    assert changed["posts"][gone["id"]]["delete_at"] > 0
    assert changed["posts"][keep["id"]]["edit_at"] > 0


def test_only_author_or_admin_edits_and_deletes(api: Api) -> None:
    town = api.channel("town-square")
    author, author_token = api.new_user()
    _, other_token = api.new_user()
    post = _post(api, town["id"], "mine", author_token)
    assert_error(
        api.put(f"/api/v4/posts/{post['id']}/patch", other_token, json={"message": "no"}),
        403,
        "api.context.permissions.app_error",
    )
    patched = api.put(
        f"/api/v4/posts/{post['id']}/patch", author_token, json={"message": "edited"}
    ).json()
    assert patched["message"] == "edited" and patched["edit_at"] > 0
    assert_error(
        api.delete(f"/api/v4/posts/{post['id']}", other_token),
        403,
        "api.context.permissions.app_error",
    )
    assert api.delete(f"/api/v4/posts/{post['id']}").json() == {"status": "OK"}
    assert_error(
        api.get(f"/api/v4/posts/{post['id']}", author_token), 404, "app.post.get.app_error"
    )
    assert author["id"]


def test_non_member_cannot_post_in_private_channel(api: Api) -> None:
    _, owner_token = api.new_user()
    _, other_token = api.new_user()
    secret = api.new_channel("hidden", private=True, token=owner_token)
    response = api.post(
        "/api/v4/posts", other_token, json={"channel_id": secret["id"], "message": "hi"}
    )
    assert_error(response, 403, "api.context.permissions.app_error")


def test_bad_json_body_is_a_clear_400(api: Api) -> None:
    response = api.post(
        "/api/v4/posts", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "api.context.invalid_body_param.app_error")
    response = api.post("/api/v4/posts", json=["not", "an", "object"])
    assert_error(response, 400, "api.context.invalid_body_param.app_error")


def test_unknown_route_is_mattermost_shaped_404(api: Api) -> None:
    assert_error(api.get("/api/v4/nothing-here"), 404, "api.context.404.app_error")
