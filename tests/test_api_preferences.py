"""``/users/{user_id}/preferences`` over HTTP, on both databases: Mattermost's shapes, status
codes, error ids and limits, the saved-post rule, and the websocket events."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.conftest import Api, assert_error
from tests.test_websocket import next_event, receive

NO = "api.context.permissions.app_error"
# Rules that do not depend on the database run on SQLite only (the suite's time budget).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
BAD_BODY = "api.context.invalid_body_param.app_error"


def pref(user_id: str, category: str, name: str, value: str = "") -> dict[str, str]:
    return {"user_id": user_id, "category": category, "name": name, "value": value}


def save(api: Api, token: str, user_id: str, body: Any) -> Any:
    return api.put(f"/api/v4/users/{user_id}/preferences", token, json=body)


def test_save_read_overwrite_and_delete(api: Api) -> None:
    ann, token = api.new_user("ann")
    me = ann["id"]
    batch = [
        pref(me, "display_settings", "use_military_time", "true"),
        pref(me, "display_settings", "colorize_usernames", "false"),
        pref(me, "tutorial_step", me, "999"),
    ]
    saved = save(api, token, "me", batch)
    assert saved.status_code == 200 and saved.json() == {"status": "OK"}
    every = api.get("/api/v4/users/me/preferences", token)
    assert every.status_code == 200
    assert sorted(every.json(), key=lambda p: (p["category"], p["name"])) == sorted(
        batch, key=lambda p: (p["category"], p["name"])
    )
    display = api.get(f"/api/v4/users/{me}/preferences/display_settings", token).json()
    assert {p["name"] for p in display} == {"use_military_time", "colorize_usernames"}
    one = api.get("/api/v4/users/me/preferences/display_settings/name/use_military_time", token)
    assert one.status_code == 200 and one.json() == batch[0]
    # A key sent twice in one batch keeps its last value (PostgreSQL must not see it twice).
    again = [
        pref(me, "display_settings", "use_military_time", "false"),
        pref(me, "display_settings", "use_military_time", "true"),
    ]
    assert save(api, token, me, again).status_code == 200
    path = "/api/v4/users/me/preferences/display_settings/name/use_military_time"
    assert api.get(path, token).json()["value"] == "true"
    deleted = api.post("/api/v4/users/me/preferences/delete", token, json=batch[:2] + batch[:1])
    assert deleted.status_code == 200 and deleted.json() == {"status": "OK"}
    assert api.get("/api/v4/users/me/preferences", token).json() == [batch[2]]
    gone = api.post("/api/v4/users/me/preferences/delete", token, json=batch[:1])
    assert gone.status_code == 200  # deleting what is not there is no error


@sqlite_only
def test_missing_category_is_404_and_missing_name_400(api: Api) -> None:
    _, token = api.new_user("ann")
    assert api.get("/api/v4/users/me/preferences", token).json() == []
    assert_error(
        api.get("/api/v4/users/me/preferences/junk", token),
        404,
        "api.preference.preferences_category.get.app_error",
    )
    assert_error(
        api.get("/api/v4/users/me/preferences/junk/name/junk", token),
        400,
        "app.preference.get.app_error",
    )
    # Mattermost's routes match [A-Za-z0-9_]+ only; the user id must be an id or "me".
    assert_error(
        api.get("/api/v4/users/me/preferences/a-b", token), 404, "api.context.404.app_error"
    )
    assert_error(
        api.get("/api/v4/users/nobody/preferences", token),
        400,
        "api.context.invalid_url_param.app_error",
    )


@sqlite_only
def test_only_the_user_or_a_system_admin(api: Api) -> None:
    ann, ann_token = api.new_user("ann")
    _, bob_token = api.new_user("bob")
    mine = [pref(ann["id"], "theme", "", '{"sidebarBg":"#123456"}')]
    assert save(api, ann_token, "me", mine).status_code == 200
    base = f"/api/v4/users/{ann['id']}/preferences"
    for response in (
        api.get(base, bob_token),
        api.get(f"{base}/theme", bob_token),
        api.get(f"{base}/theme/name/x", bob_token),
        save(api, bob_token, ann["id"], mine),
        save(api, bob_token, ann["id"], "not even a list"),  # refused before the body is read
        api.post(f"{base}/delete", bob_token, json=mine),
    ):
        assert_error(response, 403, NO)
    assert api.get(base, None).status_code == 401
    assert api.get(base).json() == mine  # a system admin (edit_other_users)
    assert save(api, api.admin_token, ann["id"], mine).status_code == 200


@sqlite_only
def test_every_preference_must_name_the_user_in_the_url(api: Api) -> None:
    ann, token = api.new_user("ann")
    bob, _ = api.new_user("bob")
    mixed = [pref(ann["id"], "c", "a"), pref(bob["id"], "c", "b")]
    assert_error(
        save(api, token, "me", mixed), 403, "api.preference.update_preferences.set.app_error"
    )
    missing = [{"category": "c", "name": "a"}]  # no user_id: "", as Go decodes it
    assert_error(
        save(api, token, "me", missing), 403, "api.preference.update_preferences.set.app_error"
    )
    assert_error(
        api.post("/api/v4/users/me/preferences/delete", token, json=mixed),
        403,
        "api.preference.delete_preferences.delete.app_error",
    )
    assert api.get("/api/v4/users/me/preferences", token).json() == []  # nothing was saved


INVALID = [
    ("", "n", "v", "category"),
    ("c" * 33, "n", "v", "category"),
    ("é" * 17, "n", "v", "category"),  # 34 bytes: the limit is in bytes
    ("c", "n" * 33, "v", "name"),
    ("c", "n", "v" * 20_001, "value"),
    ("theme", "", "not json", "theme"),
    ("theme", "", '{"sidebarBg": 5}', "theme"),
    ("theme", "", "[]", "theme"),
    ("sidebar_settings", "limit_visible_dms_gms", "41", "limit_visible_dms_gms"),
    ("sidebar_settings", "limit_visible_dms_gms", "0", "limit_visible_dms_gms"),
    ("sidebar_settings", "limit_visible_dms_gms", " 4", "limit_visible_dms_gms"),
]


@sqlite_only
def test_model_limits(api: Api) -> None:
    ann, token = api.new_user("ann")
    good = pref(ann["id"], "c", "kept", "v")
    for category, name, value, error in INVALID:
        response = save(api, token, "me", [good, pref(ann["id"], category, name, value)])
        assert_error(response, 400, f"model.preference.is_valid.{error}.app_error")
    assert api.get("/api/v4/users/me/preferences", token).json() == []  # all or nothing


def test_limits_at_their_edges_are_accepted(api: Api) -> None:
    ann, token = api.new_user("ann")
    me = ann["id"]
    edge = [
        pref(me, "c" * 32, "n" * 32, "é" * 20_000),
        pref(me, "sidebar_settings", "limit_visible_dms_gms", "40"),
        pref(me, "c", "", ""),
    ]
    assert save(api, token, me, edge).status_code == 200
    assert len(api.get("/api/v4/users/me/preferences", token).json()) == 3


@sqlite_only
def test_a_theme_keeps_only_colours(api: Api) -> None:
    ann, token = api.new_user("ann")
    theme = {"type": "Custom", "sidebarBg": "#145dbf", "linkColor": "red;x", "image": "a.png"}
    body = [pref(ann["id"], "theme", "", orjson.dumps(theme).decode())]
    assert save(api, token, "me", body).status_code == 200
    stored = api.get("/api/v4/users/me/preferences/theme", token).json()[0]["value"]
    assert orjson.loads(stored) == {**theme, "linkColor": "#ffffff"}


BAD_BODIES = [[], None, {"user_id": "x"}, ["x"], [{"user_id": 5}], [{"value": False}]]


@sqlite_only
def test_bad_bodies_are_400(api: Api) -> None:
    _, token = api.new_user("ann")
    for body in BAD_BODIES:
        saved = api.put("/api/v4/users/me/preferences", token, json=body)
        assert_error(saved, 400, BAD_BODY)
        deleted = api.post("/api/v4/users/me/preferences/delete", token, json=body)
        assert_error(deleted, 400, BAD_BODY)


def test_at_most_100_per_request(api: Api) -> None:
    ann, token = api.new_user("ann")
    batch = [pref(ann["id"], "c", f"n{i}", "v") for i in range(101)]
    assert_error(save(api, token, "me", batch), 400, BAD_BODY)
    path = "/api/v4/users/me/preferences/delete"
    assert_error(api.post(path, token, json=batch), 400, BAD_BODY)
    assert save(api, token, "me", batch[:100]).status_code == 200
    assert len(api.get("/api/v4/users/me/preferences/c", token).json()) == 100


@sqlite_only
def test_a_saved_post_must_be_readable(api: Api) -> None:
    ann, ann_token = api.new_user("ann")
    _, bob_token = api.new_user("bob")
    secret = api.new_channel("secret", private=True, token=bob_token)
    hidden = api.post(
        "/api/v4/posts", bob_token, json={"channel_id": secret["id"], "message": "psst"}
    ).json()
    town = api.channel("town-square")["id"]
    public = api.post("/api/v4/posts", bob_token, json={"channel_id": town, "message": "hi"}).json()

    def flag(post_id: str) -> Any:
        return save(api, ann_token, "me", [pref(ann["id"], "flagged_post", post_id, "true")])

    assert flag(public["id"]).status_code == 200
    assert_error(flag(hidden["id"]), 403, NO)
    assert_error(flag("n" * 26), 400, BAD_BODY)
    assert [p["name"] for p in api.get("/api/v4/users/me/preferences", ann_token).json()] == [
        public["id"]
    ]


@sqlite_only
def test_changes_reach_the_users_own_connections(api: Api) -> None:
    ann, token = api.new_user("ann")
    _, bob_token = api.new_user("bob")
    batch = [pref(ann["id"], "favorite_channel", "c" * 26, "true")]
    with (
        api.client.websocket_connect(
            "/api/v4/websocket", headers={"Authorization": f"Bearer {token}"}
        ) as ws,
        api.client.websocket_connect(
            "/api/v4/websocket", headers={"Authorization": f"Bearer {bob_token}"}
        ) as other,
    ):
        receive(ws), receive(other)
        assert save(api, token, "me", batch).status_code == 200
        changed = next_event(ws, "preferences_changed")
        assert orjson.loads(changed["data"]["preferences"]) == batch
        assert changed["broadcast"]["user_id"] == ann["id"]
        api.post("/api/v4/users/me/preferences/delete", token, json=batch)
        deleted = next_event(ws, "preferences_deleted")
        assert orjson.loads(deleted["data"]["preferences"]) == batch
        bobs = [pref(api.get("/api/v4/users/me", bob_token).json()["id"], "c", "n", "v")]
        assert save(api, bob_token, "me", bobs).status_code == 200
        # Bob's first preferences event is his own: Ann's never reached him.
        assert orjson.loads(next_event(other, "preferences_changed")["data"]["preferences"]) == bobs
