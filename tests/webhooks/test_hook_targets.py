"""Where a hook may post: never where its creator is not (rule 8, reliability contract §6).

Membership counts, for every creator, system admins included: an admin's unlocked hook must
not post into other people's DMs (named ``id__id``), group messages, or private channels the
admin has not joined. ``@user`` still gives the DM between the creator and that user. Every
refusal stores nothing and creates no DM channel.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from inbound.models import DIRECT, GROUP, Channel, ChannelMember, new_id, now_ms
from inbound.store import channels as channel_store
from inbound.store.tables import channels, posts
from tests.conftest import Api, CliInvoke, assert_error

FORBIDDEN = "web.incoming_webhook.permissions.app_error"


@pytest.fixture
def hook(api: Api) -> dict[str, Any]:
    """The system admin's hook on town-square, unlocked (the admin may bypass the lock)."""
    made = api.new_hook(channel_locked=False)
    assert made["channel_locked"] is False
    return made


def counts(api: Api) -> tuple[int, int]:
    """(posts, direct-message channels) in the whole database."""

    async def go() -> tuple[int, int]:
        async with api.ctx.db.connect() as conn:
            stored = await conn.scalar(select(func.count()).select_from(posts))
            dms = await conn.scalar(
                select(func.count()).select_from(channels).where(channels.c.type == DIRECT)
            )
        return int(stored or 0), int(dms or 0)

    return api.client.portal.call(go)  # type: ignore[union-attr, no-any-return]


def refused(api: Api, key: str, channel: str) -> None:
    """The hook's post to ``channel`` is 403 and leaves no trace."""
    before = counts(api)
    assert_error(api.send(key, {"text": "leak", "channel": channel}), 403, FORBIDDEN)
    assert counts(api) == before


def dm_between(api: Api, token: str, a: str, b: str) -> dict[str, Any]:
    response = api.post("/api/v4/channels/direct", token, json=[a, b])
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("order", ["stored", "reversed"])
@pytest.mark.parametrize("prefix", ["", "#"])
def test_admin_hook_cannot_post_into_another_pairs_dm(
    api: Api, hook: dict[str, Any], order: str, prefix: str
) -> None:
    bob, bob_token = api.new_user("bob")
    carol, _ = api.new_user("carol")
    dm = dm_between(api, bob_token, bob["id"], carol["id"])
    first, second = dm["name"].split("__")
    name = dm["name"] if order == "stored" else f"{second}__{first}"
    refused(api, hook["id"], prefix + name)
    assert api.posts(dm["id"]) == []


@pytest.mark.parametrize("order", ["stored", "reversed"])
def test_admin_hook_may_post_into_its_creators_own_dm_by_name(
    api: Api, hook: dict[str, Any], order: str
) -> None:
    bob, bob_token = api.new_user("bob")
    dm = dm_between(api, bob_token, bob["id"], api.admin["id"])
    first, second = dm["name"].split("__")
    name = dm["name"] if order == "stored" else f"{second}__{first}"
    assert api.send(hook["id"], {"text": "hi bob", "channel": name}).status_code == 200
    assert [p["message"] for p in api.posts(dm["id"])] == ["hi bob"]


@pytest.mark.parametrize("target", ["secret", "#secret"])
def test_admin_hook_cannot_post_into_a_private_channel_it_has_not_joined(
    api: Api, hook: dict[str, Any], target: str
) -> None:
    _, bob_token = api.new_user("bob")
    secret = api.new_channel("secret", private=True, token=bob_token)
    refused(api, hook["id"], target)
    assert api.posts(secret["id"]) == []


def test_admin_hook_posts_into_a_private_channel_the_admin_is_in(
    api: Api, hook: dict[str, Any]
) -> None:
    ops = api.new_channel("ops", private=True)
    assert api.send(hook["id"], {"text": "deployed", "channel": "#ops"}).status_code == 200
    assert [p["message"] for p in api.posts(ops["id"])] == ["deployed"]


def test_admin_hook_cannot_post_into_a_group_message(api: Api, hook: dict[str, Any]) -> None:
    bob, _ = api.new_user("bob")
    carol, _ = api.new_user("carol")
    dave, _ = api.new_user("dave")
    group = _group(api, [bob["id"], carol["id"], dave["id"]])
    refused(api, hook["id"], group.name)
    assert api.posts(group.id) == []


def _group(api: Api, user_ids: list[str]) -> Channel:
    """A group message channel (no API endpoint makes one yet: written through the store)."""
    now = now_ms()
    group = Channel(new_id(), "", new_id() + new_id()[:14], "", GROUP, now, now)

    async def go() -> None:
        async with api.ctx.db.begin() as conn:
            await channel_store.insert_channel(conn, group)
            for user_id in user_ids:
                await channel_store.insert_channel_member(
                    conn, ChannelMember(group.id, user_id, last_update_at=now)
                )

    api.client.portal.call(go)  # type: ignore[union-attr]
    return group


def test_archived_private_channel_is_still_404(api: Api, hook: dict[str, Any]) -> None:
    _, bob_token = api.new_user("bob")
    old = api.new_channel("old-secret", private=True, token=bob_token)
    assert api.delete(f"/api/v4/channels/{old['id']}", bob_token).status_code == 200
    before = counts(api)
    assert_error(
        api.send(hook["id"], {"text": "x", "channel": "old-secret"}),
        404,
        "web.incoming_webhook.channel.app_error",
    )
    assert counts(api) == before


def test_at_user_still_gives_the_creators_dm(api: Api, hook: dict[str, Any]) -> None:
    bob, bob_token = api.new_user("bob")
    assert api.send(hook["id"], {"text": "psst", "channel": "@bob"}).status_code == 200
    dm = dm_between(api, bob_token, bob["id"], api.admin["id"])
    assert [p["message"] for p in api.posts(dm["id"])] == ["psst"]


def test_at_creator_still_gives_the_self_dm(api: Api, hook: dict[str, Any]) -> None:
    assert api.send(hook["id"], {"text": "note", "channel": "@admin"}).status_code == 200
    dm = dm_between(api, api.admin_token, api.admin["id"], api.admin["id"])
    assert [p["message"] for p in api.posts(dm["id"])] == ["note"]


def test_member_creators_private_channel_works(api: Api) -> None:
    api.patch_config("ServiceSettings", EnableOnlyAdminIntegrations=False)
    _, bob_token = api.new_user("bob")
    den = api.new_channel("den", private=True, token=bob_token)
    theirs = api.new_hook("den", token=bob_token)
    assert api.send(theirs["id"], {"text": "own"}).status_code == 200
    assert api.send(theirs["id"], {"text": "named", "channel": "den"}).status_code == 200
    assert [p["message"] for p in api.posts(den["id"])] == ["named", "own"]


def test_admin_hook_in_a_private_channel_the_admin_left_is_403(api: Api) -> None:
    """Mattermost keeps posting here (a system admin passes its read-permission check); we
    check membership for every creator, as for the override channel."""
    secret = api.new_channel("secret", private=True)
    own = api.new_hook("secret")
    assert api.send(own["id"], {"text": "in"}).status_code == 200
    left = api.delete(f"/api/v4/channels/{secret['id']}/members/{api.admin['id']}")
    assert left.status_code == 200, left.text
    before = counts(api)
    assert_error(api.send(own["id"], {"text": "out"}), 403, FORBIDDEN)
    assert counts(api) == before
    assert [p["message"] for p in api.posts(secret["id"])] == ["in"]


def test_cli_creates_hooks_locked_unless_asked(cli: CliInvoke) -> None:
    create = ["hook", "create", "--channel", "main:town-square"]
    code, out = cli(*create)
    assert code == 0, out
    assert "locked:     true" in out
    code, out = cli(*create, "--unlocked")
    assert code == 0, out
    assert "locked:     false" in out


def test_admin_cannot_create_a_hook_in_a_private_channel_it_has_not_joined(api: Api) -> None:
    """Refused at creation (it could never post), with Mattermost's permission id; joining
    the channel makes it possible."""
    _, bob_token = api.new_user("bob")
    secret = api.new_channel("secret", private=True, token=bob_token)
    body = {"channel_id": secret["id"], "display_name": "x"}
    response = api.post("/api/v4/hooks/incoming", json=body)
    assert_error(response, 403, "api.context.permissions.app_error")
    joined = api.post(
        f"/api/v4/channels/{secret['id']}/members", bob_token, json={"user_id": api.admin["id"]}
    )
    assert joined.status_code == 201, joined.text
    assert api.post("/api/v4/hooks/incoming", json=body).status_code == 201
