"""The start-up team calls of Mattermost's apps: ``/users/{id}/teams/members``,
``/users/{id}/teams/unread`` and ``/teams/{id}/members/{user_id}``, in Mattermost's shapes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from tests.conftest import Api, assert_error

NO = "api.context.permissions.app_error"
MEMBER_KEYS = {
    "team_id",
    "user_id",
    "roles",
    "delete_at",
    "scheme_guest",
    "scheme_user",
    "scheme_admin",
    "explicit_roles",
}
UNREAD_KEYS = {
    "team_id",
    "msg_count",
    "mention_count",
    "mention_count_root",
    "msg_count_root",
    "thread_count",
    "thread_mention_count",
    "thread_urgent_mention_count",
}
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def say(api: Api, channel_id: str, message: str, token: str = "") -> None:
    body = {"channel_id": channel_id, "message": message}
    assert api.post("/api/v4/posts", token, json=body).status_code == 201


def counts(found: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {u["team_id"]: (u["msg_count"], u["mention_count"]) for u in found}


def test_unread_sums_each_teams_channels_in_one_query(api: Api) -> None:
    ann, token = api.new_user("ann")
    main, town = api.team["id"], api.channel("town-square")["id"]
    two = api.post("/api/v4/teams", json={"name": "two", "display_name": "Two"}).json()
    joined = api.post(f"/api/v4/teams/{two['id']}/members", json={"user_id": ann["id"]})
    assert joined.status_code == 201
    two_town = api.get(f"/api/v4/teams/{two['id']}/channels/name/town-square").json()["id"]
    hook = api.new_hook()
    for text in ("disk full", "cpu hot @ann", "back to normal"):
        assert api.send(hook["id"], {"text": text}).status_code == 200
    say(api, two_town, "one")
    say(api, two_town, "two")
    doomed = api.new_channel("doomed")
    api.post(f"/api/v4/channels/{doomed['id']}/members", json={"user_id": ann["id"]})
    say(api, doomed["id"], "gone soon @ann")
    assert api.delete(f"/api/v4/channels/{doomed['id']}").status_code == 200  # archived: left out
    dm = api.post("/api/v4/channels/direct", json=[api.admin["id"], ann["id"]]).json()
    say(api, dm["id"], "psst")

    statements: list[str] = []
    engine = api.ctx.db.engine.sync_engine

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        unread = api.get("/api/v4/users/me/teams/unread", token)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert unread.status_code == 200
    assert len([s for s in statements if "channel_members" in s]) == 1
    assert all(set(u) == UNREAD_KEYS for u in unread.json())
    # As Mattermost, the default exclude_team ('') leaves out direct and group messages.
    assert counts(unread.json()) == {main: (3, 1), two["id"]: (2, 0)}
    first = next(u for u in unread.json() if u["team_id"] == main)
    assert (first["msg_count_root"], first["mention_count_root"], first["thread_count"]) == (
        3,
        1,
        0,
    )
    excluding = api.get(
        "/api/v4/users/me/teams/unread", token, params={"exclude_team": main}
    ).json()
    assert counts(excluding) == {two["id"]: (2, 0), "": (1, 1)}
    api.post(f"/api/v4/channels/members/{ann['id']}/view", token, json={"channel_id": town})
    after = api.get(
        "/api/v4/users/me/teams/unread", token, params={"include_collapsed_threads": "true"}
    )
    assert counts(after.json()) == {main: (0, 0), two["id"]: (2, 0)}
    assert counts(api.get(f"/api/v4/users/{ann['id']}/teams/unread").json())[main] == (0, 0)


@sqlite_only
def test_team_members_for_a_user(api: Api) -> None:
    ann, ann_token = api.new_user("ann")
    _, bob_token = api.new_user("bob")
    mine = api.get("/api/v4/users/me/teams/members", ann_token)
    assert mine.status_code == 200
    assert mine.json() == [
        {
            "team_id": api.team["id"],
            "user_id": ann["id"],
            "roles": "team_user",
            "delete_at": 0,
            "scheme_guest": False,
            "scheme_user": True,
            "scheme_admin": False,
            "explicit_roles": "",
        }
    ]
    admins = api.get("/api/v4/users/me/teams/members").json()
    assert [(m["team_id"], m["scheme_admin"]) for m in admins] == [(api.team["id"], True)]
    assert api.get(f"/api/v4/users/{ann['id']}/teams/members").json() == mine.json()
    for path in ("teams/members", "teams/unread"):
        assert_error(api.get(f"/api/v4/users/{ann['id']}/{path}", bob_token), 403, NO)
        bad = api.get(f"/api/v4/users/nobody/{path}", bob_token)
        assert_error(bad, 400, "api.context.invalid_url_param.app_error")
        assert api.get(f"/api/v4/users/me/{path}", None).status_code == 401
    _, loner_token = api.new_user("loner", team=False)
    assert api.get("/api/v4/users/me/teams/members", loner_token).json() == []
    assert api.get("/api/v4/users/me/teams/unread", loner_token).json() == []


@sqlite_only
def test_one_team_member(api: Api) -> None:
    ann, _ = api.new_user("ann")
    _, bob_token = api.new_user("bob")
    loner, loner_token = api.new_user("loner", team=False)
    team = api.team["id"]
    seen = api.get(f"/api/v4/teams/{team}/members/{ann['id']}", bob_token)
    assert seen.status_code == 200 and set(seen.json()) == MEMBER_KEYS
    assert (seen.json()["team_id"], seen.json()["user_id"]) == (team, ann["id"])
    own = api.get(f"/api/v4/teams/{team}/members/me", bob_token).json()
    assert own["roles"] == "team_user"
    assert_error(api.get(f"/api/v4/teams/{team}/members/{ann['id']}", loner_token), 403, NO)
    assert_error(
        api.get(f"/api/v4/teams/{team}/members/{loner['id']}"),
        404,
        "app.team.get_member.missing.app_error",
    )
    assert_error(
        api.get(f"/api/v4/teams/{team}/members/nobody"),
        400,
        "api.context.invalid_url_param.app_error",
    )
    assert_error(
        api.get(f"/api/v4/teams/{'t' * 26}/members/{ann['id']}"),
        404,
        "app.team.get.find.app_error",
    )


@sqlite_only
def test_my_teams_still_answer(api: Api) -> None:
    _, token = api.new_user("ann")
    teams = api.get("/api/v4/users/me/teams", token)
    assert teams.status_code == 200 and [t["name"] for t in teams.json()] == ["main"]
