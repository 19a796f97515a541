"""``POST /api/v4/hooks/incoming/{id}/preview`` (senders.md §7) through HTTP.

The preview must say exactly what ``POST /hooks/{key}`` would: the same posts (ids and times
aside) for every real payload, the same status, error id and message for every refusal, and
store nothing while saying it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from inbound.services.context import Context
from inbound.store.tables import channels, incoming_hooks, posts
from inbound.webhooks.native import SOURCES
from tests.conftest import Api, assert_error
from tests.webhooks.test_payloads import CHANNELS, FILES, content_type

Body = dict[str, Any] | bytes
UNSTORED = ("id", "create_at", "update_at", "reply_count")


def preview(
    api: Api, hook_id: str, body: Body, *, kind: str = "application/json", token: str = ""
) -> httpx.Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    headers = {"Content-Type": kind, "Idempotency-Key": "console-try"}
    return api.post(
        f"/api/v4/hooks/incoming/{hook_id}/preview", token, content=content, headers=headers
    )


def answer(api: Api, hook_id: str, body: Body, kind: str = "application/json") -> dict[str, Any]:
    response = preview(api, hook_id, body, kind=kind)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def send(api: Api, key: str, body: Body, kind: str = "application/json") -> httpx.Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return api.client.post(
        f"/hooks/{key}?wait=true", content=content, headers={"Content-Type": kind}
    )


def stored(api: Api, response: httpx.Response) -> list[dict[str, Any]]:
    """The posts a ``?wait=true`` send stored, in order, as API v4 serves them."""
    assert response.status_code == 200, response.text
    return [api.get(f"/api/v4/posts/{pid}").json() for pid in response.json()["post_ids"]]


def comparable(post: dict[str, Any], *also: str) -> dict[str, Any]:
    return {k: v for k, v in post.items() if k not in (*UNSTORED, *also)}


async def _counts(ctx: Context) -> tuple[int, int, list[Any]]:
    async with ctx.db.connect() as conn:
        n_posts = await conn.scalar(select(func.count()).select_from(posts))
        n_channels = await conn.scalar(select(func.count()).select_from(channels))
        used = await conn.execute(
            select(incoming_hooks.c.id, incoming_hooks.c.last_used_at).order_by(incoming_hooks.c.id)
        )
        return int(n_posts or 0), int(n_channels or 0), [tuple(r) for r in used]


def counts(api: Api) -> tuple[int, int, list[Any]]:
    return api.client.portal.call(_counts, api.ctx)  # type: ignore[union-attr]


@pytest.fixture
def world(api: Api) -> tuple[Api, dict[str, Any]]:
    for name in CHANNELS:
        api.new_channel(name)
    api.new_user("username")
    return api, api.new_hook()


# ---- the same posts as a real send


def test_every_real_payload_previews_as_it_sends(world: tuple[Api, dict[str, Any]]) -> None:
    """One server for all the files (a server per file cost the suite ~25 s)."""
    api, hook = world
    for path in FILES:
        _previews_as_it_sends(api, hook, path)


def _previews_as_it_sends(api: Api, hook: dict[str, Any], path: Path) -> None:
    body, kind = path.read_bytes(), content_type(path)
    before = counts(api)
    seen = answer(api, hook["id"], body, kind)
    assert counts(api) == before, f"{path.name}: a preview stores nothing"
    real = send(api, hook["id"], body, kind)
    if real.status_code != 200:
        refused = real.json()
        assert seen["posts"] == [] and seen["status_code"] == real.status_code, path.name
        assert comparable(seen["error"], "request_id") == comparable(refused, "request_id")
        return
    assert (seen["status_code"], seen["error"]) == (200, None), path.name
    assert all(p["id"] == "" for p in seen["posts"])
    new_dm = ("channel_id",) if seen["posts"][0]["channel_id"] == "" else ()  # not created yet
    assert [comparable(p, *new_dm) for p in seen["posts"]] == [
        comparable(p, *new_dm) for p in stored(api, real)
    ], path.name


CASES: dict[str, Body] = {
    "split_8200_chars": {"text": "a" * 4000 + "\n" + "b" * 4000 + "\n" + "c" * 198},
    "channel_override": {"text": "over there", "channel": "off-topic"},
    "attachments": {
        "username": "ci",
        "icon_url": "https://example.com/ci.png",
        "attachments": [
            {
                "fallback": "f",
                "color": "#36a64f",
                "pretext": "<!here> build",
                "title": "Build 12",
                "fields": [{"title": "Branch", "value": "main", "short": True}],
            }
        ],
    },
    "priority": {"text": "late", "priority": {"priority": "urgent"}},
    "slack_ids": {"text": "<#CHANNELID> <@UNKNOWN> *bold*"},
    "large_off_the_loop": {"text": "word " * 9000},
}


def test_built_posts_equal_the_stored_ones(world: tuple[Api, dict[str, Any]]) -> None:
    api, hook = world
    for name, body in CASES.items():
        seen = answer(api, hook["id"], body)
        real = stored(api, send(api, hook["id"], body))
        assert [comparable(p) for p in seen["posts"]] == [comparable(p) for p in real], name
        if name == "split_8200_chars":
            assert len(seen["posts"]) == 3


def test_dm_override_creates_no_dm_and_reports_its_would_be_channel(api: Api) -> None:
    hook = api.new_hook(channel_locked=False)
    friend, _ = api.new_user("friend")
    before = counts(api)
    seen = answer(api, hook["id"], {"text": "psst", "channel": "@friend"})
    assert counts(api) == before, "no DM channel, no post"
    assert seen["status_code"] == 200 and seen["posts"][0]["channel_id"] == ""
    real = stored(api, send(api, hook["id"], {"text": "psst", "channel": "@friend"}))
    dm_id = real[0]["channel_id"]
    dm = api.get(f"/api/v4/channels/{dm_id}").json()
    assert dm["type"] == "D" and friend["id"] in dm["name"]
    assert [comparable(p, "channel_id") for p in seen["posts"]] == [
        comparable(p, "channel_id") for p in real
    ]
    again = answer(api, hook["id"], {"text": "psst", "channel": "@friend"})
    assert again["posts"][0]["channel_id"] == dm_id  # once the DM exists, it is named


def test_reply_in_place_previews_with_its_root(api: Api) -> None:
    hook = api.new_hook()
    [root] = stored(api, send(api, hook["id"], {"text": "root"}))
    seen = answer(api, hook["id"], {"text": "reply", "root_id": root["id"]})
    assert seen["posts"][0]["root_id"] == root["id"]


# ---- the same refusals as a real send


def _disabled(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config("ServiceSettings", EnableIncomingWebhooks=False)


def _deactivated_creator(api: Api, hook: dict[str, Any]) -> dict[str, Any]:
    user, token = api.new_user("maker")
    api.put(f"/api/v4/users/{user['id']}/roles", json={"roles": "system_user system_admin"})
    made = api.new_hook(token=token)
    api.put(f"/api/v4/users/{user['id']}/active", json={"active": False})
    return made


def _private_non_member(api: Api, hook: dict[str, Any]) -> None:
    _, token = api.new_user("keeper")
    api.new_channel("secret", private=True, token=token)


def _small_limit(api: Api, hook: dict[str, Any]) -> None:
    api.patch_config("ServiceSettings", MaximumPayloadSizeBytes=2000)


Setup = Callable[[Api, dict[str, Any]], dict[str, Any] | None]
REFUSALS: list[tuple[str, Setup | None, Body, str, int, str]] = [
    ("disabled", _disabled, {"text": "x"}, "", 501, "web.incoming_webhook.disabled.app_error"),
    ("empty_text", None, {"text": ""}, "", 400, "web.incoming_webhook.text.app_error"),
    ("bad_json", None, b'{"text": "x",', "", 400, "web.incoming_webhook.decode.app_error"),
    ("bad_form", None, b"text=x", "form", 400, "web.incoming_webhook.decode.app_error"),
    (
        "locked_channel",
        None,
        {"text": "x", "channel": "off-topic"},
        "locked",
        403,
        "web.incoming_webhook.channel_locked.app_error",
    ),
    (
        "unknown_channel",
        None,
        {"text": "x", "channel": "nowhere"},
        "",
        404,
        "web.incoming_webhook.channel.app_error",
    ),
    (
        "unknown_user",
        None,
        {"text": "x", "channel": "@nobody"},
        "",
        400,
        "web.incoming_webhook.user.app_error",
    ),
    (
        "deactivated_creator",
        _deactivated_creator,
        {"text": "x"},
        "",
        403,
        "web.incoming_webhook.user.app_error",
    ),
    (
        "private_non_member",
        _private_non_member,
        {"text": "x", "channel": "secret"},
        "",
        403,
        "web.incoming_webhook.permissions.app_error",
    ),
    (
        "bad_root_id",
        None,
        {"text": "x", "root_id": "a" * 26},
        "",
        400,
        "api.post.create_post.root_id.app_error",
    ),
    (
        "too_large",
        _small_limit,
        {"text": "a" * 2100},
        "",
        413,
        "web.incoming_webhook.too_large.app_error",
    ),
]


@pytest.mark.parametrize(
    ("setup", "body", "variant", "status", "error_id"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_refusals_are_the_hook_endpoints(
    api: Api, setup: Setup | None, body: Body, variant: str, status: int, error_id: str
) -> None:
    hook = api.new_hook(channel_locked=variant == "locked")
    hook = (setup(api, hook) if setup else None) or hook
    kind = "application/x-www-form-urlencoded" if variant == "form" else "application/json"
    before = counts(api)
    seen = answer(api, hook["id"], body, kind)
    assert counts(api) == before
    real = assert_error(send(api, hook["id"], body, kind), status, error_id)
    assert seen["posts"] == []
    assert seen["status_code"] == status
    assert comparable(seen["error"], "request_id") == comparable(real, "request_id")
    assert len(seen["error"]["request_id"]) == 26


# ---- nothing spent


def test_no_rate_limit_token_no_idempotency_key_no_last_used(api: Api) -> None:
    hook = api.new_hook(rate_limit_per_sec=1, rate_limit_burst=1)
    for _ in range(5):
        assert answer(api, hook["id"], {"text": "try"})["status_code"] == 200
    assert api.get(f"/api/v4/hooks/incoming/{hook['id']}").json()["last_used_at"] == 0
    real = api.client.post(
        f"/hooks/{hook['id']}",
        json={"text": "try"},
        headers={"Idempotency-Key": "console-try"},  # the key every preview above carried
    )
    assert real.status_code == 200 and "idempotent-replayed" not in real.headers
    assert len(api.posts(api.channel("town-square")["id"])) == 1


# ---- who may preview: those who may manage the hook, as GET /api/v4/hooks/incoming/{id}


def test_permissions_follow_get_hook(api: Api) -> None:
    """Team and system admins may; the hook's owner and a plain member as GET answers them
    (under the default policy only admins manage hooks: both 403)."""
    owner, owner_token = api.new_user("owner")
    hook = api.new_hook(user_id=owner["id"])
    _, plain_token = api.new_user("plain")
    team_admin, team_admin_token = api.new_user("lead")
    api.put(
        f"/api/v4/teams/{api.team['id']}/members/{team_admin['id']}/roles",
        json={"roles": "team_user team_admin"},
    )
    for token, status in ((api.admin_token, 200), (team_admin_token, 200), (owner_token, 403)):
        tried = answer_as(api, hook["id"], token)
        got = api.get(f"/api/v4/hooks/incoming/{hook['id']}", token)
        assert tried.status_code == got.status_code == status
        if status != 200:
            assert tried.json()["id"] == got.json()["id"] == "api.context.permissions.app_error"
    refused = answer_as(api, hook["id"], plain_token)
    get = api.get(f"/api/v4/hooks/incoming/{hook['id']}", plain_token)
    assert (refused.status_code, refused.json()["id"]) == (get.status_code, get.json()["id"])
    assert refused.status_code == 403
    assert_error(answer_as(api, hook["id"], None), 401, "api.context.session_expired.app_error")
    assert_error(answer_as(api, "a" * 26, ""), 404, "app.webhooks.get_incoming.app_error")
    assert_error(answer_as(api, "bad", ""), 400, "api.context.invalid_url_param.app_error")


def answer_as(api: Api, hook_id: str, token: str | None) -> httpx.Response:
    return api.post(
        f"/api/v4/hooks/incoming/{hook_id}/preview",
        token,
        content=b'{"text": "hi"}',
        headers={"Content-Type": "application/json"},
    )


def test_unknown_source_is_400(api: Api) -> None:
    hook = api.new_hook()
    response = api.post(
        f"/api/v4/hooks/incoming/{hook['id']}/preview?source=nosuchtool",
        content=b'{"text": "hi"}',
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, 400, "api.context.invalid_param.app_error")


class FakeSource:
    """A native sender as ``webhooks.native`` describes one: the event from a header, a
    Slack-style message for ``push``, nothing for the rest."""

    @staticmethod
    def event(headers: Any, payload: Any) -> str:
        return str(headers.get(b"x-fake-event", b"").decode())

    @staticmethod
    def translate(event: str, payload: Any) -> dict[str, Any] | None:
        return {"text": f"pushed {payload['ref']}"} if event == "push" else None

    @staticmethod
    def verify(secret: str, headers: Any, body: bytes) -> bool:
        return False


def test_a_native_source_is_translated_first(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SOURCES, "fake", FakeSource)
    hook = api.new_hook()

    def tried(event: str) -> dict[str, Any]:
        response = api.post(
            f"/api/v4/hooks/incoming/{hook['id']}/preview?source=fake",
            content=b'{"ref": "main"}',
            headers={"Content-Type": "application/json", "X-Fake-Event": event},
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    pushed = tried("push")
    assert pushed["status_code"] == 200 and pushed["posts"][0]["message"] == "pushed main"
    assert tried("star") == {"status_code": 200, "error": None, "posts": []}  # ignored
