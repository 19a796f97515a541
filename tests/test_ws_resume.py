"""/api/v4/websocket resume: Mattermost's ``connection_id`` + ``sequence_number`` reconnect.

Storage does not matter here, so SQLite only.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.websockets import WebSocketDisconnect

from inbound.web import ws, ws_sessions
from tests.conftest import Api
from tests.test_websocket import receive

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def connect(api: Api, token: str, query: str = "") -> Any:
    return api.client.websocket_connect(
        f"/api/v4/websocket{query}", headers={"Authorization": f"Bearer {token}"}
    )


def resume_query(connection_id: str, seq: int | str) -> str:
    return f"?connection_id={connection_id}&sequence_number={seq}"


def message_text(event: dict[str, Any]) -> str:
    text: str = orjson.loads(event["data"]["post"])["message"]
    return text


def test_hello_carries_a_new_connection_id_and_the_server_version(api: Api) -> None:
    token = api.admin_token
    with connect(api, token, "?connection_id=&sequence_number=0") as first:
        hello = receive(first)
    with connect(api, token) as second:
        again = receive(second)
    assert hello["event"] == "hello" and hello["seq"] == 0
    ids = {hello["data"]["connection_id"], again["data"]["connection_id"]}
    assert len(ids) == 2 and all(len(i) == 26 and i.isalnum() and i.islower() for i in ids)
    version = hello["data"]["server_version"]
    assert version.endswith(".false") and len(version.split(".")) >= 6


def test_resume_delivers_what_happened_while_disconnected(api: Api) -> None:
    token = api.admin_token
    hook = api.new_hook()
    with connect(api, token) as ws1:
        hello = receive(ws1)
        api.send(hook["id"], {"text": "before"})
        before = receive(ws1)
    assert (before["event"], before["seq"]) == ("posted", 1)
    for text in ("gone 1", "gone 2", "gone 3"):
        assert api.send(hook["id"], {"text": text}).status_code == 200
    with connect(api, token, resume_query(hello["data"]["connection_id"], 2)) as ws2:
        missed = [receive(ws2) for _ in range(3)]
        api.send(hook["id"], {"text": "after"})
        after = receive(ws2)
    assert [m["event"] for m in missed] == ["posted"] * 3
    assert [message_text(m) for m in missed] == ["gone 1", "gone 2", "gone 3"]
    assert [m["seq"] for m in [*missed, after]] == [2, 3, 4, 5]
    assert message_text(after) == "after"
    assert missed[0]["data"]["set_online"] is False  # a webhook post does not set anyone online


def test_resume_replays_events_sent_but_not_received(api: Api) -> None:
    """The client saw seq 1 but not 2 (lost in flight): 2 is sent again, then what was queued."""
    token = api.admin_token
    hook = api.new_hook()
    with connect(api, token) as ws1:
        hello = receive(ws1)
        for text in ("one", "two"):
            api.send(hook["id"], {"text": text})
        assert [receive(ws1)["seq"] for _ in range(2)] == [1, 2]
    api.send(hook["id"], {"text": "three"})
    with connect(api, token, resume_query(hello["data"]["connection_id"], 2)) as ws2:
        got = [receive(ws2) for _ in range(2)]
    assert [(m["seq"], message_text(m)) for m in got] == [(2, "two"), (3, "three")]


def test_resume_with_a_sequence_no_longer_kept_starts_again_with_hello(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ws_sessions, "RING_SIZE", 2)
    token = api.admin_token
    hook = api.new_hook()
    with connect(api, token) as ws1:
        old_id = receive(ws1)["data"]["connection_id"]
        for text in ("one", "two", "three"):
            api.send(hook["id"], {"text": text})
        assert [receive(ws1)["seq"] for _ in range(3)] == [1, 2, 3]
    with connect(api, token, resume_query(old_id, 1)) as ws2:  # ring holds 2 and 3 only
        hello = receive(ws2)
        api.send(hook["id"], {"text": "next"})
        posted = receive(ws2)
    assert hello["event"] == "hello" and hello["seq"] == 0
    assert hello["data"]["connection_id"] != old_id
    assert (posted["seq"], message_text(posted)) == (1, "next")
    with connect(api, token, resume_query(old_id, 4)) as ws3:  # the old session is gone
        assert receive(ws3)["event"] == "hello"


def test_resume_ahead_of_the_server_starts_again_with_hello(api: Api) -> None:
    token = api.admin_token
    with connect(api, token) as ws1:
        old_id = receive(ws1)["data"]["connection_id"]
    with connect(api, token, resume_query(old_id, 5)) as ws2:
        hello = receive(ws2)
    assert hello["event"] == "hello" and hello["data"]["connection_id"] != old_id


def test_another_users_connection_id_gets_a_hello_and_leaves_it_alone(api: Api) -> None:
    ann_token = api.admin_token
    _, bob_token = api.new_user("bob")
    hook = api.new_hook()
    with connect(api, ann_token) as ws1:
        ann_id = receive(ws1)["data"]["connection_id"]
    api.send(hook["id"], {"text": "for ann"})
    with connect(api, bob_token, resume_query(ann_id, 1)) as stranger:
        hello = receive(stranger)
    assert hello["event"] == "hello" and hello["data"]["connection_id"] != ann_id
    assert hello["broadcast"]["user_id"] != ""
    with connect(api, ann_token, resume_query(ann_id, 1)) as ws2:
        posted = receive(ws2)
    assert (posted["seq"], message_text(posted)) == (1, "for ann")


MALFORMED = [
    "?connection_id=short&sequence_number=1",
    "?connection_id=../../etc&sequence_number=1",
    "?connection_id={upper}&sequence_number=1",
    "?connection_id={id}&sequence_number=-1",
    "?connection_id={id}&sequence_number=abc",
    "?connection_id={id}&sequence_number=1e3",
    "?connection_id={id}&sequence_number=99999999999999999999999",
    "?connection_id={id}&sequence_number=",
    "?connection_id={id}",
    "?sequence_number=1",
    "?connection_id={id}&connection_id=x&sequence_number=%00",
]


def test_malformed_parameters_get_a_hello(api: Api) -> None:
    token = api.admin_token
    with connect(api, token) as ws1:
        old_id = receive(ws1)["data"]["connection_id"]
    for query in MALFORMED:
        with connect(api, token, query.format(id=old_id, upper=old_id.upper())) as ws2:
            hello = receive(ws2)
        assert hello["event"] == "hello" and hello["seq"] == 0, query
        assert hello["data"]["connection_id"] != old_id, query
    with connect(api, token, resume_query(old_id, 1)) as ws3:  # still there for its client
        ws3.send_text('{"seq": 1, "action": "ping"}')
        assert receive(ws3)["seq_reply"] == 1


def test_resume_after_the_grace_period_gets_a_hello(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = api.admin_token
    with connect(api, token) as ws1:
        old_id = receive(ws1)["data"]["connection_id"]
    sessions = ws.sessions_for(api.ctx)
    assert old_id in sessions.dead
    monkeypatch.setattr(ws_sessions, "GRACE_SECONDS", 0.0)
    with connect(api, token, resume_query(old_id, 1)) as ws2:
        assert receive(ws2)["data"]["connection_id"] != old_id
    assert old_id not in sessions.dead


def test_a_session_that_falls_too_far_behind_while_away_is_dropped(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ws_sessions, "QUEUE_LIMIT", 2)
    token = api.admin_token
    hook = api.new_hook()
    with connect(api, token) as ws1:
        old_id = receive(ws1)["data"]["connection_id"]
    listeners = len(api.ctx.events.listeners)
    for text in ("one", "two", "three"):
        api.send(hook["id"], {"text": text})
    assert old_id not in ws.sessions_for(api.ctx).dead
    assert len(api.ctx.events.listeners) == listeners - 1  # no longer listening
    with connect(api, token, resume_query(old_id, 1)) as ws2:
        assert receive(ws2)["event"] == "hello"


def test_dead_sessions_are_capped(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ws_sessions, "MAX_DEAD", 3)
    monkeypatch.setattr(ws_sessions, "MAX_DEAD_PER_USER", 2)
    users = [api.admin_token, api.new_user("bob")[1]]
    ids: list[tuple[str, str]] = []
    for token in users + users + users:
        with connect(api, token) as socket:
            ids.append((token, receive(socket)["data"]["connection_id"]))
    sessions = ws.sessions_for(api.ctx)
    assert list(sessions.dead) == [i for _, i in ids[3:]]  # 2 per user, 3 in all
    assert not sessions.live
    assert len(api.ctx.events.listeners) == 3
    token, oldest = ids[0]
    with connect(api, token, resume_query(oldest, 1)) as socket:
        assert receive(socket)["event"] == "hello"
    token, newest = ids[-1]
    hook = api.new_hook()
    api.send(hook["id"], {"text": "kept"})
    with connect(api, token, resume_query(newest, 1)) as socket:
        assert message_text(receive(socket)) == "kept"


def test_resume_takes_over_a_socket_the_server_still_holds(api: Api) -> None:
    token = api.admin_token
    hook = api.new_hook()
    with connect(api, token) as ws1:
        old_id = receive(ws1)["data"]["connection_id"]
        api.send(hook["id"], {"text": "seen"})
        assert receive(ws1)["seq"] == 1
        with connect(api, token, resume_query(old_id, 2)) as ws2:
            with pytest.raises(WebSocketDisconnect):
                ws1.receive_text()  # the old socket is let go
            api.send(hook["id"], {"text": "on the new socket"})
            posted = receive(ws2)
    assert (posted["seq"], message_text(posted)) == (2, "on the new socket")


def test_resume_after_an_authentication_challenge(api: Api) -> None:
    token = api.admin_token
    hook = api.new_hook()
    with connect(api, token) as ws1:
        old_id = receive(ws1)["data"]["connection_id"]
    api.send(hook["id"], {"text": "while away"})
    with api.client.websocket_connect(f"/api/v4/websocket{resume_query(old_id, 1)}") as ws2:
        challenge = {"seq": 1, "action": "authentication_challenge", "data": {"token": token}}
        ws2.send_text(orjson.dumps(challenge).decode())
        assert receive(ws2) == {"status": "OK", "seq_reply": 1}
        posted = receive(ws2)
    assert (posted["event"], posted["seq"], message_text(posted)) == ("posted", 1, "while away")
