"""/web/api's post views: what the reader may do (can_edit, can_delete: the API's rules), the
"New Messages" anchor (last_viewed_at), and a reply's root (author and excerpt), per page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from inbound.models import now_ms
from tests.conftest import Api


def page(api: Api, channel_id: str, token: str = "", **params: Any) -> dict[str, Any]:
    response = api.get(
        f"/web/api/channels/{channel_id}/posts", token, params={"team": "main", **params}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def say(api: Api, channel_id: str, message: str, token: str = "", root_id: str = "") -> str:
    body = {"channel_id": channel_id, "message": message, "root_id": root_id}
    response = api.post("/api/v4/posts", token, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def make_team_admin(api: Api, user_id: str) -> None:
    roles = {"roles": "team_user team_admin"}
    path = f"/api/v4/teams/{api.team['id']}/members/{user_id}/roles"
    assert api.put(path, json=roles).status_code == 200


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        # reader: (own post), (the system admin's post) → (can_edit, can_delete)
        ("member", {"own": (True, True), "admin's": (False, False)}),
        ("team_admin", {"own": (True, True), "admin's": (False, True)}),
        ("sysadmin", {"own": (True, True), "admin's": (True, True)}),
    ],
)
def test_can_edit_and_delete_follow_the_api(
    api: Api, reader: str, expected: dict[str, tuple[bool, bool]]
) -> None:
    town = api.channel("town-square")["id"]
    user, token = api.new_user()
    if reader == "team_admin":
        make_team_admin(api, user["id"])
    if reader == "sysadmin":
        token = api.admin_token
    admins = say(api, town, "the admin's")
    own = say(api, town, "own", token)
    shown = {p["id"]: (p["can_edit"], p["can_delete"]) for p in page(api, town, token)["posts"]}
    assert {"own": shown[own], "admin's": shown[admins]} == expected
    # …and the API agrees with what the view promised
    edit = api.put(f"/api/v4/posts/{admins}/patch", token, json={"message": "x"})
    assert (edit.status_code == 200) is expected["admin's"][0]
    delete = api.delete(f"/api/v4/posts/{admins}", token)
    assert (delete.status_code == 200) is expected["admin's"][1]


def test_last_viewed_at_is_the_readers_before_this_visit(api: Api) -> None:
    town = api.channel("town-square")["id"]
    _, token = api.new_user()
    before = now_ms()
    assert api.post("/api/v4/channels/members/me/view", token, json={"channel_id": town}).is_success
    after = now_ms()
    say(api, town, "news")
    seen = page(api, town, token)["last_viewed_at"]
    assert before <= seen <= after
    member = api.get(f"/api/v4/channels/{town}/members/me", token).json()
    assert member["last_viewed_at"] == seen
    # not a member of a public channel it can read: 0, everything is new
    other = api.new_channel("elsewhere")
    say(api, other["id"], "hello")
    assert page(api, other["id"], token)["last_viewed_at"] == 0


def test_reply_carries_its_roots_author_and_excerpt(api: Api) -> None:
    town = api.channel("town-square")["id"]
    _, ann_token = api.new_user("ann")
    long_root = "Deploy **v2.3**\n\n> to `production`\ntonight? " + "more words " * 40
    root = say(api, town, long_root, ann_token)
    for n in range(3):
        say(api, town, f"filler {n}")
    reply = say(api, town, "yes", root_id=root)
    posts = {p["id"]: p for p in page(api, town, per_page=2)["posts"]}  # root not on the page
    assert root not in posts
    summary = posts[reply]["root"]
    assert summary["display_name"] == "ann"
    assert summary["excerpt"].startswith("Deploy v2.3 to production tonight? more words")
    assert summary["excerpt"].endswith("…") and len(summary["excerpt"]) == 100
    assert [p.get("root") is None for p in posts.values()] == [False, True]  # filler 2: a root
    thread = api.get(f"/web/api/posts/{root}/thread", params={"team": "main"}).json()["posts"]
    assert [p.get("root", {}).get("display_name") for p in thread] == [None, "ann"]
    single = api.get(f"/web/api/posts/{reply}", params={"team": "main"}).json()
    assert single["root"] == summary


def test_webhook_root_is_named_by_its_override(api: Api) -> None:
    api.patch_config("ServiceSettings", EnablePostUsernameOverride=True)
    town = api.channel("town-square")["id"]
    hook = api.new_hook()
    assert api.send(hook["id"], {"text": "alert fired", "username": "grafana"}).text == "ok"
    root = api.posts(town)[0]["id"]
    say(api, town, "looking", root_id=root)
    [view] = [p for p in page(api, town)["posts"] if p.get("root")]
    assert view["root"] == {"display_name": "grafana", "excerpt": "alert fired"}
    webhook_post = next(p for p in page(api, town)["posts"] if p["id"] == root)
    assert webhook_post["avatar"] == {"kind": "webhook", "value": ""}


@contextmanager
def statements(api: Api) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        # the change poller, the node heartbeat (PostgreSQL), the delivery history's writer and
        # the 10-minute purge (idempotency keys, old history)
        background = (
            "FROM config",
            "FROM incoming_hooks",
            "cluster_nodes",
            "hook_deliver",
            "hook_idempotency_keys",
        )
        if not any(part in sql for part in background):
            seen.append(sql)

    engine = api.ctx.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_page_costs_the_same_queries_for_1_or_30_threads(api: Api) -> None:
    town = api.channel("town-square")["id"]
    users = [api.new_user() for _ in range(3)]
    roots = [say(api, town, f"root {n}", users[n % 3][1]) for n in range(30)]
    say(api, town, "a reply", root_id=roots[0])
    page(api, town, per_page=1)  # warm caches (team, channel names)
    with statements(api) as one:
        page(api, town, per_page=1)
    for n, root in enumerate(roots[1:]):
        say(api, town, f"reply {n}", users[n % 3][1], root_id=root)
    with statements(api) as many:
        found = page(api, town, per_page=30)
    assert sum("root" in p for p in found["posts"]) == 30
    assert len(many) == len(one), many
