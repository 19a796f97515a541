"""Statuses and profile pictures: ``POST /users/status/ids``,
``GET /users/{id}/status`` (online = an open websocket or a request in the last five minutes),
``GET /users/{id}/image`` and ``/image/default`` (a generated PNG with caching headers)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from inbound.models import new_id
from inbound.render.avatars import PALETTE, colour_for, draw_avatar, fnv1a_32, initial_for
from inbound.services.presence import ONLINE_MS, Presence
from tests.conftest import Api, assert_error

# Statuses live in memory and pictures read users through the existing store: SQLite suffices
# (the suite's time budget); the new SQL is in test_api_my_channels.py, on both databases.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
STATUS_KEYS = {"user_id", "status", "manual", "last_activity_at", "dnd_end_time"}


def _statuses(api: Api, token: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    got = api.post("/api/v4/users/status/ids", token, json=ids)
    assert got.status_code == 200, got.text
    return {s["user_id"]: s for s in got.json()}


@SQLITE_ONLY
def test_statuses_online_after_a_request_offline_otherwise(api: Api) -> None:
    ann, token = api.new_user("ann")
    bob, _ = api.new_user("bob")  # logged in, but has made no API request since
    stranger = new_id()
    found = _statuses(api, token, [ann["id"], bob["id"], stranger, ann["id"]])
    assert list(found) == [ann["id"], bob["id"], stranger]  # each id once, in order
    assert all(set(s) == STATUS_KEYS for s in found.values())
    assert found[ann["id"]]["status"] == "online" and found[ann["id"]]["last_activity_at"] > 0
    assert (found[ann["id"]]["manual"], found[ann["id"]]["dnd_end_time"]) == (False, 0)
    assert found[bob["id"]]["status"] == "offline"
    assert found[stranger] == {  # unknown ids are offline, as in Mattermost
        "user_id": stranger,
        "status": "offline",
        "manual": False,
        "last_activity_at": 0,
        "dnd_end_time": 0,
    }
    mine = api.get("/api/v4/users/me/status", token)
    assert mine.status_code == 200 and mine.json()["status"] == "online"
    assert mine.json()["user_id"] == ann["id"]
    assert api.get(f"/api/v4/users/{stranger}/status", token).json()["status"] == "offline"


@SQLITE_ONLY
def test_an_open_websocket_is_online_and_hidden_users_offline(api: Api) -> None:
    _ann, token = api.new_user("ann")
    bob, bob_token = api.new_user("bob")
    api.ctx.presence.active(bob["id"], at=1)  # bob's last request: long ago
    assert _statuses(api, token, [bob["id"]])[bob["id"]]["status"] == "offline"
    headers = {"Authorization": f"Bearer {bob_token}"}
    with api.client.websocket_connect("/api/v4/websocket", headers=headers) as ws:
        ws.receive_text()  # hello
        api.ctx.presence.active(bob["id"], at=1)
        assert _statuses(api, token, [bob["id"]])[bob["id"]]["status"] == "online"
    api.ctx.presence.active(bob["id"], at=1)
    assert _statuses(api, token, [bob["id"]])[bob["id"]]["status"] == "offline"
    # the activity of users one cannot see reads offline
    carol, carol_token = api.new_user("carol", team=False)  # shares nothing with ann
    assert api.get("/api/v4/users/me", carol_token).status_code == 200
    assert _statuses(api, token, [carol["id"]])[carol["id"]]["status"] == "offline"
    assert _statuses(api, api.admin_token, [carol["id"]])[carol["id"]]["status"] == "online"
    assert _statuses(api, carol_token, [carol["id"]])[carol["id"]]["status"] == "online"


BAD_BODIES = [
    (b"[]", "api.context.invalid_body_param.app_error"),
    (b"null", "api.context.invalid_body_param.app_error"),
    (b'["short"]', "api.context.invalid_body_param.app_error"),
    (b"[1, 2]", "api.payload.parse.error"),  # Mattermost: not a list of strings
    (b'{"user_ids": []}', "api.payload.parse.error"),
    (b"not json", "api.payload.parse.error"),
]


@SQLITE_ONLY
def test_bad_status_requests(api: Api) -> None:
    for body, error_id in BAD_BODIES:
        assert_error(api.post("/api/v4/users/status/ids", content=body), 400, error_id)
    many = [new_id() for _ in range(1001)]
    assert_error(
        api.post("/api/v4/users/status/ids", json=many),
        400,
        "api.context.invalid_body_param.app_error",
    )
    assert len(api.post("/api/v4/users/status/ids", json=many[:1000]).json()) == 1000
    assert_error(
        api.post("/api/v4/users/status/ids", None, json=[new_id()]),
        401,
        "api.context.session_expired.app_error",
    )
    assert_error(
        api.get("/api/v4/users/nope/status"), 400, "api.context.invalid_url_param.app_error"
    )


def test_presence_is_bounded_and_forgets_the_least_recent() -> None:
    presence = Presence(capacity=3)
    for n, user in enumerate("abcd"):
        presence.active(user, at=1000 + n)
    assert not presence.known("a") and presence.known("d")
    assert presence.status("d", 1003).status == "online"
    assert presence.status("d", 1003 + ONLINE_MS).status == "offline"
    with presence.connected("x"), presence.connected("x"):
        assert presence.status("x", 10**15).status == "online"
    assert presence.status("x", 10**15).status == "offline"


@SQLITE_ONLY
def test_profile_image_is_a_png_with_caching_headers(api: Api) -> None:
    ann, token = api.new_user("ann")
    got = api.get(f"/api/v4/users/{ann['id']}/image", token, params={"_": "0"})
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "image/png"
    assert got.headers["cache-control"] == "max-age=86400, private"
    assert got.headers["etag"].startswith('"') and got.headers["last-modified"].endswith("GMT")
    image = Image.open(io.BytesIO(got.content))
    assert (image.format, image.size) == ("PNG", (128, 128))
    assert image.getpixel((2, 2)) == colour_for(ann["id"])
    assert got.content == draw_avatar("A", colour_for(ann["id"]))
    default = api.get(f"/api/v4/users/{ann['id']}/image/default", token)
    assert default.status_code == 200 and default.content == got.content
    assert api.get("/api/v4/users/me/image", token).content == got.content
    again = api.get(
        f"/api/v4/users/{ann['id']}/image", token, headers={"If-None-Match": got.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == got.headers["etag"]
    since = api.get(
        f"/api/v4/users/{ann['id']}/image",
        token,
        headers={"If-Modified-Since": got.headers["last-modified"]},
    )
    assert since.status_code == 304
    stale = api.get(f"/api/v4/users/{ann['id']}/image", token, headers={"If-None-Match": '"x"'})
    assert stale.status_code == 200 and stale.content == got.content


@SQLITE_ONLY
def test_profile_image_rules(api: Api) -> None:
    ann, token = api.new_user("ann")
    carol, _ = api.new_user("carol", team=False)
    for path in ("image", "image/default"):
        assert_error(
            api.get(f"/api/v4/users/{carol['id']}/{path}", token),
            403,
            "api.context.permissions.app_error",
        )
        assert_error(
            api.get(f"/api/v4/users/{new_id()}/{path}"), 404, "app.user.missing_account.const"
        )
        assert_error(
            api.get(f"/api/v4/users/{ann['id']}/{path}", None),
            401,
            "api.context.session_expired.app_error",
        )
        assert_error(
            api.get(f"/api/v4/users/nope/{path}"), 400, "api.context.invalid_url_param.app_error"
        )
    assert api.get(f"/api/v4/users/{carol['id']}/image").status_code == 200  # an admin sees all


@pytest.mark.parametrize(
    ("user_id", "index"),
    [
        # FNV-1a 32 test vectors, and the palette slot Mattermost's createProfileImage picks
        ("", 0x811C9DC5 % 26),
        ("a", 0xE40C292C % 26),
        ("foobar", 0xBF9CF968 % 26),
    ],
)
def test_colour_is_mattermosts_fnv1a_slot(user_id: str, index: int) -> None:
    assert colour_for(user_id) == PALETTE[index]
    assert fnv1a_32(user_id.encode()) % 26 == index


def test_initial_is_the_first_letter_upper_cased() -> None:
    assert [initial_for(n) for n in ("ann", "Bob", "9lives", "")] == ["A", "B", "9", "?"]
