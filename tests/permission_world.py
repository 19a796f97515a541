"""The people and things the permission matrix acts on, built once per database.

Actors: a system admin, a team admin and a member of team ``main``, the member's personal
access token, a user in no team, a member of another team only, a deactivated user (an old
session, and a personal access token), and anonymous. Targets: ``peer`` (another member of
``main``), a private channel ``peer`` is in and the member is not, a post by ``peer`` and
a hook by the system admin (members may not make hooks by default); writes that destroy act on a fresh target made for that one request.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inbound.models import User, new_id, now_ms
from inbound.services.roles import role_id
from inbound.store import users as user_store
from tests.conftest import Api

ACTORS = (
    "sysadmin",
    "team_admin",
    "member",
    "member_pat",
    "outsider",
    "other_team",
    "deactivated_session",
    "deactivated_pat",
    "anonymous",
)


@dataclass
class World:
    api: Api
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    def value(self, name: str, actor: str) -> str:
        """A path parameter's value: a fixed id, ``me``, or a fresh target made right now."""
        if name == "me":
            return self.user_ids.get(actor, "") or self.ids["peer"]
        maker = MAKERS.get(name)
        return maker(self) if maker else self.ids[name]


def _token_for(api: Api, user_id: str) -> str:
    made = api.post(f"/api/v4/users/{user_id}/tokens", json={"description": "matrix"})
    assert made.status_code == 200, made.text
    token: str = made.json()["token"]
    return token


def _user(world: World, name: str, *, team: bool = True) -> dict[str, Any]:
    user, token = world.api.new_user(name, team=team)
    world.tokens[name] = token
    world.user_ids[name] = user["id"]
    return user


def build_world(api: Api) -> World:
    world = World(api)
    world.tokens["sysadmin"] = api.admin_token
    world.user_ids["sysadmin"] = api.admin["id"]
    main = api.team["id"]
    for name in ("team_admin", "member", "peer", "gone"):
        _user(world, name)
    _user(world, "outsider", team=False)
    _user(world, "other_team", team=False)
    roles = {"roles": "team_user team_admin"}
    admin_id = world.user_ids["team_admin"]
    assert api.put(f"/api/v4/teams/{main}/members/{admin_id}/roles", json=roles).status_code == 200
    other = api.post("/api/v4/teams", json={"name": "other", "display_name": "Other"}).json()
    body = {"team_id": other["id"], "user_id": world.user_ids["other_team"]}
    assert api.post(f"/api/v4/teams/{other['id']}/members", json=body).status_code == 201
    world.tokens["member_pat"] = _token_for(api, world.user_ids["member"])
    world.user_ids["member_pat"] = world.user_ids["member"]
    world.tokens["deactivated_session"] = world.tokens.pop("gone")
    world.user_ids["deactivated_session"] = world.user_ids["gone"]
    world.tokens["deactivated_pat"] = _token_for(api, world.user_ids["gone"])
    world.user_ids["deactivated_pat"] = world.user_ids["gone"]
    gone = world.user_ids.pop("gone")
    assert api.put(f"/api/v4/users/{gone}/active", json={"active": False}).status_code == 200
    world.tokens["anonymous"] = ""
    _things(world, main)
    return world


def _things(world: World, main: str) -> None:
    api = world.api
    peer = world.tokens["peer"]
    town = api.channel("town-square")["id"]
    private = api.new_channel("secret", private=True, token=peer)
    world.ids.update(
        team=main,
        team_name="main",
        town_square=town,
        channel_name="town-square",
        private=private["id"],
        peer=world.user_ids["peer"],
        peer_name="peer",
        console_section="users",
        emoji_name="eyes",
        role_name="team_user",
        role=role_id("team_user"),
        post=_post(world, town),
        hook=api.new_hook()["id"],
        hook_key=api.new_hook()["id"],
    )


def _post(world: World, channel_id: str) -> str:
    body = {"channel_id": channel_id, "message": "hello"}
    made = world.api.post("/api/v4/posts", world.tokens["peer"], json=body)
    assert made.status_code == 201, made.text
    post_id: str = made.json()["id"]
    return post_id


def _fresh_user(world: World, *, team: bool) -> str:
    """A user written straight to the store (no password: hashing is the slow part)."""
    now = now_ms()
    name = world.unique("target")
    user = User(new_id(), name, f"{name}@example.com", create_at=now, update_at=now)

    async def insert() -> None:
        async with world.api.ctx.db.begin() as conn:
            await user_store.insert_user(conn, user)

    world.api.client.portal.call(insert)  # type: ignore[union-attr]
    if team:
        main = world.ids["team"]
        joined = world.api.post(
            f"/api/v4/teams/{main}/members", json={"team_id": main, "user_id": user.id}
        )
        assert joined.status_code == 201, joined.text
    return user.id


def _fresh_channel(world: World) -> str:
    body = {"team_id": world.ids["team"], "name": world.unique("doomed"), "display_name": "D"}
    made = world.api.post("/api/v4/channels", world.tokens["peer"], json=body)
    assert made.status_code == 201, made.text
    channel_id: str = made.json()["id"]
    return channel_id


def _fresh_hook(world: World) -> str:
    hook_id: str = world.api.new_hook()["id"]
    return hook_id


def _hook_delivery(world: World) -> str:
    """A posted request in the history of hook ``hook`` (its row commits with the post)."""
    hook_id = world.ids["hook"]
    assert world.api.send(hook_id, {"text": "for the history"}).status_code == 200
    listed = world.api.get(f"/api/v4/hooks/incoming/{hook_id}/deliveries", params={"per_page": 1})
    assert listed.status_code == 200, listed.text
    delivery_id: str = listed.json()[0]["id"]
    return delivery_id


MAKERS: dict[str, Callable[[World], str]] = {
    "fresh_user": lambda w: _fresh_user(w, team=False),
    "fresh_member": lambda w: _fresh_user(w, team=True),
    "fresh_channel": _fresh_channel,
    "fresh_post": lambda w: _post(w, w.ids["town_square"]),
    "fresh_hook": _fresh_hook,
    "hook_delivery": _hook_delivery,
}
