"""The start-up calls for a user's channels, on both databases: ``GET /users/{id}/channels``
(every team, DMs included, archived on request) and ``GET /users/{id}/teams/{team_id}/channels/
members`` (Mattermost's ChannelMember for each), with Mattermost's permission rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from inbound.models import new_id
from tests.conftest import Api, assert_error


def _second_team(api: Api, user_id: str) -> dict[str, Any]:
    team = api.post("/api/v4/teams", json={"name": "second", "display_name": "Second"}).json()
    joined = api.post(
        f"/api/v4/teams/{team['id']}/members", json={"team_id": team["id"], "user_id": user_id}
    )
    assert joined.status_code == 201, joined.text
    return team


def _names(channels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((c["team_id"], c["name"]) for c in channels)


def test_all_my_channels_across_teams_with_direct_messages(api: Api) -> None:
    ann, token = api.new_user("ann")
    bob, _ = api.new_user("bob")
    second = _second_team(api, ann["id"])
    direct = api.post("/api/v4/channels/direct", token, json=[ann["id"], bob["id"]]).json()
    api.new_channel("ops")  # ann is not in it
    got = api.get("/api/v4/users/me/channels", token)
    assert got.status_code == 200, got.text
    channels = got.json()
    main = api.team["id"]
    assert _names(channels) == sorted(
        [
            ("", direct["name"]),
            (main, "off-topic"),
            (main, "town-square"),
            (second["id"], "off-topic"),
            (second["id"], "town-square"),
        ]
    )
    assert [c["id"] for c in channels] == sorted(c["id"] for c in channels)  # by id, as Mattermost
    town = api.get(f"/api/v4/channels/{api.channel('town-square')['id']}").json()
    assert town in channels  # the same Channel object as GET /channels/{id}
    assert api.get(f"/api/v4/users/{ann['id']}/channels", token).json() == channels


def test_archived_channels_only_when_asked(api: Api) -> None:
    ann, token = api.new_user("ann")
    old = api.new_channel("old")
    assert api.post(f"/api/v4/channels/{old['id']}/members", json={"user_id": ann["id"]}).is_success
    assert api.delete(f"/api/v4/channels/{old['id']}").status_code == 200
    archived_at = api.get(f"/api/v4/channels/{old['id']}").json()["delete_at"]

    def names(**params: str) -> set[str]:
        got = api.get("/api/v4/users/me/channels", token, params=params)
        assert got.status_code == 200, got.text
        return {c["name"] for c in got.json()}

    assert "old" not in names()
    assert "old" not in names(include_deleted="nonsense")  # Go's ParseBool: an error is false
    assert "old" in names(include_deleted="true")
    assert "old" in names(include_deleted="1", last_delete_at=str(archived_at))
    assert names(include_deleted="t", last_delete_at=str(archived_at + 1)) == {
        "town-square",
        "off-topic",
    }
    assert "old" in names(include_deleted="true", last_delete_at="soon")  # not a number: 0
    assert "old" in names(include_deleted="true", last_delete_at="9" * 40)  # out of range: 0
    bad = api.get("/api/v4/users/me/channels", token, params={"last_delete_at": "-1"})
    assert_error(bad, 400, "api.context.invalid_url_param.app_error")


def test_my_channel_members_in_a_team(api: Api) -> None:
    ann, token = api.new_user("ann")
    bob, _ = api.new_user("bob")
    second = _second_team(api, ann["id"])
    direct = api.post("/api/v4/channels/direct", token, json=[ann["id"], bob["id"]]).json()
    hook = api.new_hook()
    assert api.send(hook["id"], {"text": "hello @ann"}).status_code == 200
    main = api.team["id"]
    got = api.get(f"/api/v4/users/me/teams/{main}/channels/members", token)
    assert got.status_code == 200, got.text
    members = {m["channel_id"]: m for m in got.json()}
    town, off = api.channel("town-square")["id"], api.channel("off-topic")["id"]
    assert set(members) == {town, off, direct["id"]}  # not the second team's channels
    one = api.get(f"/api/v4/channels/{town}/members/me", token).json()
    assert members[town] == one  # Mattermost's ChannelMember, as GET /channels/{id}/members/{u}
    assert members[town]["user_id"] == ann["id"] and members[town]["mention_count"] == 1
    other = api.get(f"/api/v4/users/{ann['id']}/teams/{second['id']}/channels/members", token)
    assert other.status_code == 200 and len(other.json()) == 3  # its two channels + the DM


def test_rules_for_someone_elses_channels_and_memberships(api: Api) -> None:
    _ann, token = api.new_user("ann")
    bob, _ = api.new_user("bob")
    outsider, outsider_token = api.new_user("carol", team=False)
    main = api.team["id"]
    path = "/api/v4/users/{}/teams/{}/channels/members"
    no = "api.context.permissions.app_error"
    assert_error(api.get(path.format(bob["id"], main), token), 403, no)  # another user's
    assert_error(api.get(path.format("me", main), outsider_token), 403, no)  # not in the team
    assert_error(api.get(path.format("me", new_id()), token), 403, no)  # no such team
    assert_error(
        api.get(path.format("me", "nope"), token), 400, "api.context.invalid_url_param.app_error"
    )
    as_admin = api.get(path.format(bob["id"], main))
    assert as_admin.status_code == 200 and len(as_admin.json()) == 2
    assert api.get(path.format(outsider["id"], new_id())).json() == []
    assert_error(
        api.get(f"/api/v4/users/{bob['id']}/channels", token),
        403,
        "api.context.permissions.app_error",
    )
    as_admin = api.get(f"/api/v4/users/{bob['id']}/channels")
    assert as_admin.status_code == 200 and {c["name"] for c in as_admin.json()} == {
        "town-square",
        "off-topic",
    }
    assert_error(
        api.get("/api/v4/users/nope/channels", token),
        400,
        "api.context.invalid_url_param.app_error",
    )
    assert_error(
        api.get("/api/v4/users/me/channels", None), 401, "api.context.session_expired.app_error"
    )


def test_each_call_reads_its_rows_in_one_query(api: Api) -> None:
    ann, token = api.new_user("ann")
    for n in range(5):
        channel = api.new_channel(f"c{n}")
        api.post(f"/api/v4/channels/{channel['id']}/members", json={"user_id": ann["id"]})
    statements: list[str] = []
    engine = api.ctx.db.engine.sync_engine

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert len(api.get("/api/v4/users/me/channels", token).json()) == 7
        main = api.team["id"]
        members = api.get(f"/api/v4/users/me/teams/{main}/channels/members", token).json()
        assert len(members) == 7
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    reads = [s for s in statements if "FROM channel_members JOIN channels" in s]
    reads += [s for s in statements if "FROM channels JOIN channel_members" in s]
    assert len(reads) == 2, statements
