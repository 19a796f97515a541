"""``POST /api/v4/teams/{team_id}/posts/search`` over HTTP, on both databases: every operator,
attachment and Block Kit text, DMs, who may read what, pages, edits and deletes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, assert_error


def search(api: Api, terms: str, token: str = "", **body: Any) -> list[str]:
    """The messages found, newest first."""
    found = search_raw(api, terms, token, **body)
    assert found.status_code == 200, found.text
    result = found.json()
    return [result["posts"][pid]["message"] for pid in result["order"]]


def search_raw(api: Api, terms: str, token: str = "", **body: Any) -> Any:
    path = f"/api/v4/teams/{api.team['id']}/posts/search"
    return api.post(path, token, json={"terms": terms, "is_or_search": False, **body})


def post(api: Api, channel: str, message: str, token: str = "", **props: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"channel_id": api.channel(channel)["id"], "message": message}
    if props:
        body["props"] = props
    made = api.post("/api/v4/posts", token, json=body)
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


@pytest.fixture
def corpus(api: Api) -> Api:
    for message in (
        "disk full on web-01",
        "the disk is almost full",
        "deploy finished for grafana.example.com/d/abc",
        "Alerting rule fired",
        "nothing to see",
    ):
        post(api, "town-square", message)
    api.new_channel("ops")
    post(api, "ops", "ops: disk replaced")
    return api


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        pytest.param(
            "disk",
            ["ops: disk replaced", "the disk is almost full", "disk full on web-01"],
            id="word",
        ),
        pytest.param("disk full", ["the disk is almost full", "disk full on web-01"], id="and"),
        pytest.param('"disk full"', ["disk full on web-01"], id="phrase"),
        pytest.param("disk -almost", ["ops: disk replaced", "disk full on web-01"], id="exclude"),
        pytest.param(
            'disk -"almost full"',
            ["ops: disk replaced", "disk full on web-01"],
            id="exclude-phrase",
        ),
        pytest.param("alert*", ["Alerting rule fired"], id="prefix"),
        pytest.param("ALERTING", ["Alerting rule fired"], id="case"),
        pytest.param("example", ["deploy finished for grafana.example.com/d/abc"], id="url-part"),
        pytest.param("web-01", ["disk full on web-01"], id="hyphenated"),
        pytest.param("disk in:ops", ["ops: disk replaced"], id="in"),
        pytest.param("disk channel:~ops", ["ops: disk replaced"], id="channel"),
        pytest.param(
            "disk -in:ops", ["the disk is almost full", "disk full on web-01"], id="not-in"
        ),
        pytest.param("in:ops", ["ops: disk replaced"], id="in-alone"),
        pytest.param("from:admin in:ops", ["ops: disk replaced"], id="from"),
        pytest.param("from:nobody disk", [], id="from-unknown"),
        pytest.param("disk in:nowhere", [], id="in-unknown"),
        pytest.param("-from:admin disk", [], id="not-from"),
        pytest.param(
            "-disk -alerting",
            ["nothing to see", "deploy finished for grafana.example.com/d/abc"],
            id="exclusions-only",
        ),
        pytest.param("-disk in:ops", [], id="exclusion-and-in"),
        pytest.param("zebra", [], id="no-match"),
        pytest.param("*", [], id="star-alone"),
        pytest.param("disk after:2999-01-01", [], id="after-future"),
        pytest.param("disk before:2000-01-01", [], id="before-past"),
        pytest.param("disk on:2024-02-30", [], id="impossible-date"),
    ],
)
def test_operators(corpus: Api, terms: str, expected: list[str]) -> None:
    assert search(corpus, terms) == expected


def test_or_search(corpus: Api) -> None:
    found = search(corpus, "replaced alerting", is_or_search=True)
    assert found == ["ops: disk replaced", "Alerting rule fired"]
    assert search(corpus, "replaced alerting") == []


def test_dates_in_the_searchers_time_zone(api: Api) -> None:
    made = post(api, "town-square", "dated message")
    import datetime as dt

    day = dt.datetime.fromtimestamp(made["create_at"] / 1000, dt.UTC).date()
    before, after = day - dt.timedelta(days=1), day + dt.timedelta(days=1)
    assert search(api, f"dated on:{day}") == ["dated message"]
    assert search(api, f"dated after:{before} before:{after}") == ["dated message"]
    assert search(api, f"dated after:{day}") == []
    assert search(api, f"dated -on:{day}") == []
    # 14 hours east, the post may fall on the next day: on:that day still finds it
    local = dt.datetime.fromtimestamp(made["create_at"] / 1000 + 14 * 3600, dt.UTC).date()
    assert search(api, f"dated on:{local}", time_zone_offset=14 * 3600) == ["dated message"]


def test_attachment_and_block_kit_text_are_searched(api: Api) -> None:
    hook = api.new_hook()
    attachment = {
        "pretext": "pre-zulu",
        "title": "title-yankee",
        "text": "body-xray",
        "author_name": "author-whiskey",
        "footer": "footer-victor",
        "fields": [{"title": "field-uniform", "value": "value-tango", "short": True}],
    }
    assert api.send(hook["id"], {"text": "hook message", "attachments": [attachment]}).text == "ok"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "block-sierra"}}]
    assert api.send(hook["id"], {"text": "with blocks", "blocks": blocks}).text == "ok"
    for word in ("zulu", "yankee", "xray", "whiskey", "victor", "uniform", "tango"):
        assert search(api, word) == ["hook message"], word
    assert search(api, "sierra") == ["with blocks"]
    assert search(api, '"title yankee"') == ["hook message"]


def test_only_readable_posts_are_found(api: Api) -> None:
    _member, member_token = api.new_user("member")
    _outsider, outsider_token = api.new_user("outsider", team=False)
    api.new_channel("secret", private=True)
    post(api, "secret", "secret kiwi")
    post(api, "town-square", "public kiwi")
    assert search(api, "kiwi") == ["public kiwi", "secret kiwi"]
    assert search(api, "kiwi", member_token) == ["public kiwi"]  # not in the private channel
    assert search(api, "kiwi in:secret", member_token) == []
    assert_error(search_raw(api, "kiwi", outsider_token), 403, "api.context.permissions.app_error")
    # membership is checked before the terms, as Mattermost does: bad terms from an outsider → 403
    for bad in ("", "x" * 1_001):
        assert_error(search_raw(api, bad, outsider_token), 403, "api.context.permissions.app_error")


def test_public_channels_the_searcher_left_are_not_searched(api: Api) -> None:
    member, token = api.new_user("member")
    lounge = api.new_channel("lounge")
    post(api, "lounge", "lounge papaya")
    assert search(api, "papaya", token) == []  # Mattermost searches member channels only
    api.post(f"/api/v4/channels/{lounge['id']}/members", json={"user_id": member["id"]})
    assert search(api, "papaya", token) == ["lounge papaya"]


def test_direct_messages_are_found_by_their_members_only(api: Api) -> None:
    bob, bob_token = api.new_user("bob")
    _carol, carol_token = api.new_user("carol")
    dm = api.post("/api/v4/channels/direct", json=[api.admin["id"], bob["id"]]).json()
    made = api.post("/api/v4/posts", json={"channel_id": dm["id"], "message": "dm mango"})
    assert made.status_code == 201
    assert search(api, "mango") == ["dm mango"]
    assert search(api, "mango", bob_token) == ["dm mango"]
    assert search(api, "mango in:@bob") == ["dm mango"]
    assert search(api, "mango in:@admin", bob_token) == ["dm mango"]
    assert search(api, "mango", carol_token) == []


def test_a_deactivated_user_cannot_search(api: Api) -> None:
    user, token = api.new_user("leaving")
    post(api, "town-square", "farewell lime", token)
    assert api.put(f"/api/v4/users/{user['id']}/active", json={"active": False}).status_code == 200
    response = search_raw(api, "lime", token)
    assert_error(response, 401, "api.context.session_expired.app_error")
    assert search(api, "lime from:leaving") == ["farewell lime"]  # their posts stay findable


def test_archived_channels_only_when_asked(api: Api) -> None:
    gone = api.new_channel("gone")
    post(api, "gone", "archived plum")
    assert api.delete(f"/api/v4/channels/{gone['id']}").status_code == 200
    assert search(api, "plum") == []
    assert search(api, "plum", include_deleted_channels=True) == ["archived plum"]


def test_edits_and_deletes_update_the_index(api: Api) -> None:
    made = post(api, "town-square", "original banana")
    patched = api.put(f"/api/v4/posts/{made['id']}/patch", json={"message": "edited cherry"})
    assert patched.status_code == 200
    assert search(api, "banana") == []
    assert search(api, "cherry") == ["edited cherry"]
    assert api.delete(f"/api/v4/posts/{made['id']}").status_code == 200
    assert search(api, "cherry") == []


def test_editing_a_hook_post_keeps_its_attachment_text(api: Api) -> None:
    hook = api.new_hook()
    body = {"text": "hook banana", "attachments": [{"text": "attached grape"}]}
    assert api.send(hook["id"], body).text == "ok"
    [made] = api.posts(api.channel("town-square")["id"], per_page=1)
    patched = api.put(f"/api/v4/posts/{made['id']}/patch", json={"message": "edited cherry"})
    assert patched.status_code == 200
    assert search(api, "grape") == ["edited cherry"]
    assert search(api, "banana") == []
    assert api.delete(f"/api/v4/posts/{made['id']}").status_code == 200
    assert search(api, "grape") == []


def test_pages_newest_first(api: Api) -> None:
    for n in range(7):
        post(api, "town-square", f"paged melon {n}")
    first = search_raw(api, "melon", per_page=3).json()
    assert [first["posts"][p]["message"] for p in first["order"]] == [
        "paged melon 6",
        "paged melon 5",
        "paged melon 4",
    ]
    assert first["has_next"] is True
    assert first["matches"] == {p: ["melon"] for p in first["order"]}
    assert search(api, "melon", page=2, per_page=3) == ["paged melon 0"]
    last = search_raw(api, "melon", page=2, per_page=3).json()
    assert last["has_next"] is False
    assert search(api, "melon", page=3, per_page=3) == []
    assert search(api, "from:admin", per_page=2) == ["paged melon 6", "paged melon 5"]


def test_replies_carry_their_thread(api: Api) -> None:
    root = post(api, "town-square", "root quince")
    body = {"channel_id": root["channel_id"], "message": "reply quince", "root_id": root["id"]}
    assert api.post("/api/v4/posts", json=body).status_code == 201
    result = search_raw(api, "quince").json()
    assert [result["posts"][p]["reply_count"] for p in result["order"]] == [1, 1]


@pytest.mark.parametrize(
    ("body", "error_id"),
    [
        pytest.param(b"{", "api.post.search_posts.invalid_body.app_error", id="malformed"),
        pytest.param(b"[]", "api.post.search_posts.invalid_body.app_error", id="array"),
        pytest.param(b'{"terms": 5}', "api.post.search_posts.invalid_body.app_error", id="number"),
        pytest.param(
            b'{"terms": "x", "page": "1"}',
            "api.post.search_posts.invalid_body.app_error",
            id="page",
        ),
        pytest.param(b"{}", "api.context.invalid_body_param.app_error", id="no-terms"),
        pytest.param(b'{"terms": ""}', "api.context.invalid_body_param.app_error", id="empty"),
        pytest.param(b"null", "api.context.invalid_body_param.app_error", id="null"),
        pytest.param(
            b'{"terms": "x", "page": -1}', "api.context.invalid_body_param.app_error", id="negative"
        ),
        pytest.param(
            b'{"terms": "x", "time_zone_offset": 999999999}',
            "api.context.invalid_body_param.app_error",
            id="offset",
        ),
        pytest.param(
            b'{"terms": "' + b"a" * 1001 + b'"}',
            "api.post.search_posts.terms_too_long.app_error",
            id="too-long",
        ),
        pytest.param(
            b'{"terms": "' + b"a " * 40 + b'"}',
            "api.post.search_posts.too_many_terms.app_error",
            id="too-many",
        ),
    ],
)
def test_bad_requests_are_400s(api: Api, body: bytes, error_id: str) -> None:
    path = f"/api/v4/teams/{api.team['id']}/posts/search"
    response = api.post(path, content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 400, error_id)


def test_unknown_team_is_404(api: Api) -> None:
    response = api.post("/api/v4/teams/" + "x" * 26 + "/posts/search", json={"terms": "x"})
    assert_error(response, 404, "app.team.get.find.app_error")
