"""/api/v4/websocket: Mattermost's event shapes, authentication, and per-channel visibility."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.websockets import WebSocketDisconnect

from tests.conftest import Api


def receive(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = orjson.loads(ws.receive_text())
    return message


def next_event(ws: Any, name: str) -> dict[str, Any]:
    for _ in range(20):
        message = receive(ws)
        if message.get("event") == name:
            return message
    raise AssertionError(f"no {name} event")


def test_bearer_header_gets_hello_then_posted_with_mentions(api: Api) -> None:
    ann, ann_token = api.new_user("ann")
    hook = api.new_hook()
    with api.client.websocket_connect(
        "/api/v4/websocket", headers={"Authorization": f"Bearer {ann_token}"}
    ) as ws:
        hello = receive(ws)
        assert hello["event"] == "hello" and hello["seq"] == 0
        assert hello["broadcast"]["user_id"] == ann["id"]
        assert api.send(hook["id"], {"text": "hey @ann"}).status_code == 200
        posted = next_event(ws, "posted")
    data = posted["data"]
    post = orjson.loads(data["post"])
    town = api.channel("town-square")
    assert post["message"] == "hey @ann" and post["props"]["from_webhook"] == "true"
    assert (data["channel_id"], data["channel_type"], data["channel_display_name"]) == (
        town["id"],
        "O",
        "Town Square",
    )
    assert data["team_id"] == api.team["id"] and data["sender_name"] == "admin"
    assert orjson.loads(data["mentions"]) == [ann["id"]]
    assert posted["broadcast"]["channel_id"] == town["id"] and posted["seq"] == 1


def test_authentication_challenge(api: Api) -> None:
    with api.client.websocket_connect("/api/v4/websocket") as ws:
        ws.send_text(
            orjson.dumps(
                {"seq": 1, "action": "authentication_challenge", "data": {"token": api.admin_token}}
            ).decode()
        )
        assert receive(ws) == {"status": "OK", "seq_reply": 1}
        assert receive(ws)["event"] == "hello"


def test_bad_token_is_refused(api: Api) -> None:
    with api.client.websocket_connect("/api/v4/websocket") as ws:
        ws.send_text(
            orjson.dumps(
                {"seq": 1, "action": "authentication_challenge", "data": {"token": "nope"}}
            ).decode()
        )
        assert receive(ws) == {"status": "FAIL", "seq_reply": 1}
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()


def test_private_channel_events_reach_members_only(api: Api) -> None:
    member, member_token = api.new_user("insider")
    _, outsider_token = api.new_user("outsider")
    secret = api.new_channel("secret", private=True)
    api.post(f"/api/v4/channels/{secret['id']}/members", json={"user_id": member["id"]})
    town = api.channel("town-square")
    with (
        api.client.websocket_connect(
            "/api/v4/websocket", headers={"Authorization": f"Bearer {outsider_token}"}
        ) as outside,
        api.client.websocket_connect(
            "/api/v4/websocket", headers={"Authorization": f"Bearer {member_token}"}
        ) as inside,
    ):
        receive(outside), receive(inside)
        api.post("/api/v4/posts", json={"channel_id": secret["id"], "message": "classified"})
        api.post("/api/v4/posts", json={"channel_id": town["id"], "message": "public"})
        assert orjson.loads(next_event(inside, "posted")["data"]["post"])["message"] == "classified"
        assert orjson.loads(next_event(outside, "posted")["data"]["post"])["message"] == "public"


def test_channel_viewed_goes_to_that_user(api: Api) -> None:
    user, token = api.new_user()
    town = api.channel("town-square")
    with api.client.websocket_connect(
        "/api/v4/websocket", headers={"Authorization": f"Bearer {token}"}
    ) as ws:
        receive(ws)
        api.post(
            f"/api/v4/channels/members/{user['id']}/view", token, json={"channel_id": town["id"]}
        )
        assert next_event(ws, "channel_viewed")["data"] == {"channel_id": town["id"]}


def test_ping_action_is_answered(api: Api) -> None:
    with api.client.websocket_connect(
        "/api/v4/websocket", headers={"Authorization": f"Bearer {api.admin_token}"}
    ) as ws:
        receive(ws)
        ws.send_text('{"seq": 7, "action": "ping"}')
        assert receive(ws) == {"status": "OK", "seq_reply": 7, "data": {"text": "pong"}}
