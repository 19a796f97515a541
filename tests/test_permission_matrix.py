"""Every route × every kind of caller → the status (and, for refusals, the error id) expected.

The table below is the whole test: one row per route (a few routes have a second row for a
second target), one column per actor in ``ACTORS`` order:

    sysadmin, team_admin, member, member_pat, outsider, other_team,
    deactivated_session, deactivated_pat, anonymous

Routes are enumerated from ``create_app``, so a new route without a row fails
``test_every_route_has_a_row``. Writes send a valid body, so 200/201 against 403 is what is
tested; a write that destroys acts on a fresh target made for that request alone; logout runs
last. Rows marked ``# differs from Mattermost:`` record inbound's answer where it is not what a
stock Mattermost server (default permission scheme) would give; docs/security.md lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Mount
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from inbound.app import create_app
from inbound.runtime import Runtime
from inbound.services.bootstrap import bootstrap
from inbound.settings import Settings
from inbound.web.api.deps import COOKIE
from tests.conftest import ADMIN_PASSWORD, Api, fresh_database
from tests.permission_world import ACTORS, World, build_world

Outcome = int | tuple[int, str]
OK, CREATED, FOUND, NO_CONTENT = 200, 201, 302, 204
NO: Outcome = (403, "api.context.permissions.app_error")
EXPIRED: Outcome = (401, "api.context.session_expired.app_error")


def signed_in(
    *six: Outcome, deactivated: Outcome = EXPIRED, anonymous: Outcome = EXPIRED
) -> tuple[Outcome, ...]:
    """The six signed-in actors' answers, then the deactivated user's two tokens' and
    anonymous's (401 ``api.context.session_expired.app_error`` unless said otherwise)."""
    assert len(six) == 6
    return (*six, deactivated, deactivated, anonymous)


def everyone(outcome: Outcome) -> tuple[Outcome, ...]:
    return (outcome,) * len(ACTORS)


def admins_only(outcome: Outcome = OK) -> tuple[Outcome, ...]:
    return signed_in(outcome, NO, NO, NO, NO, NO)


def team_members(outcome: Outcome = OK, refusal: Outcome = NO) -> tuple[Outcome, ...]:
    """System admin and ``main``'s members may; the two users outside ``main`` may not."""
    return signed_in(outcome, outcome, outcome, outcome, refusal, refusal)


Body = Callable[[World, str, dict[str, str]], Any]


@dataclass(frozen=True)
class Row:
    route: str  # "METHOD /template"
    expect: tuple[Outcome, ...]
    params: dict[str, str] = field(default_factory=dict)  # path parameter → World name
    body: Body | None = None
    query: dict[str, str] = field(default_factory=dict)
    variant: str = ""

    @property
    def id(self) -> str:
        return self.route + (f" [{self.variant}]" if self.variant else "")


def fixed(value: Any) -> Body:
    return lambda _world, _actor, _params: value


def new_user_body(world: World, _actor: str, _params: dict[str, str]) -> Any:
    name = world.unique("signup")
    return {"username": name, "email": f"{name}@example.com", "password": "password-123"}


def new_team_body(world: World, _actor: str, _params: dict[str, str]) -> Any:
    return {"name": world.unique("team"), "display_name": "T", "type": "O"}


def new_channel_body(world: World, _actor: str, _params: dict[str, str]) -> Any:
    return {"team_id": world.ids["team"], "name": world.unique("chan"), "display_name": "C"}


def member_body(world: World, _actor: str, params: dict[str, str]) -> Any:
    return {"team_id": world.ids["team"], "user_id": world.value("fresh_member", "")}


def team_join_body(world: World, _actor: str, params: dict[str, str]) -> Any:
    return {"team_id": params["team_id"], "user_id": world.value("fresh_user", "")}


def direct_body(world: World, actor: str, _params: dict[str, str]) -> Any:
    return [world.value("me", actor), world.ids["peer"]]


def hook_body(world: World, _actor: str, _params: dict[str, str]) -> Any:
    return {"channel_id": world.ids["town_square"], "display_name": "matrix"}


def hook_update_body(world: World, _actor: str, params: dict[str, str]) -> Any:
    return {"id": params["hook_id"], "channel_id": world.ids["town_square"], "display_name": "n"}


def post_body(world: World, _actor: str, _params: dict[str, str]) -> Any:
    return {"channel_id": world.ids["town_square"], "message": "from the matrix"}


def reaction_body(world: World, actor: str, _params: dict[str, str]) -> Any:
    return {"user_id": world.value("me", actor), "post_id": world.ids["post"], "emoji_name": "eyes"}


def view_body(world: World, _actor: str, _params: dict[str, str]) -> Any:
    return {"channel_id": world.ids["town_square"]}


def login_body(world: World, _actor: str, _params: dict[str, str]) -> Any:
    return {"login_id": "peer", "password": "password-123"}


def config_body(world: World, _actor: str, _params: dict[str, str]) -> Any:
    document: Any = world.api.get("/api/v4/config").json()
    return document


def preference_body(world: World, _actor: str, params: dict[str, str]) -> Any:
    return [{"user_id": params["user_id"], "category": "matrix", "name": "n", "value": "v"}]


NO_CATEGORY: Outcome = (404, "api.preference.preferences_category.get.app_error")
NO_PREFERENCE: Outcome = (400, "app.preference.get.app_error")
USER = {"user_id": "peer"}
TEAM = {"team_id": "team"}
TOWN = {"channel_id": "town_square"}
PRIVATE = {"channel_id": "private"}
POST = {"post_id": "post"}
PAGE = {"team": "team_name", "channel": "channel_name", "post_id": "post"}
PAGE_ANSWERS = signed_in(OK, OK, OK, OK, OK, OK, deactivated=FOUND, anonymous=FOUND)

ROWS: tuple[Row, ...] = (
    # ---- /api/v4/users
    Row("POST /api/v4/users/login", everyone(OK), body=login_body),
    # differs from Mattermost: sign-up with a dead token is 401 here; Mattermost drops the
    # session and answers as to anonymous (403 without EnableOpenServer).
    Row(
        "POST /api/v4/users",
        signed_in(CREATED, NO, NO, NO, NO, NO, anonymous=NO),
        body=new_user_body,
    ),
    # differs from Mattermost (default scheme: system_user has view_members, so everyone lists
    # everyone); reliability.md §6 asks for list_users_without_team, which plain users lack.
    Row("GET /api/v4/users", admins_only()),
    Row("GET /api/v4/users", team_members(), query={"in_team": "team"}, variant="in_team"),
    Row(
        "GET /api/v4/users",
        signed_in(OK, NO, NO, NO, NO, NO),
        query={"in_channel": "private"},
        variant="in_channel private",
    ),
    # Any session may search (Mattermost: results narrowed to whom the caller may see).
    Row("POST /api/v4/users/search", signed_in(OK, OK, OK, OK, OK, OK), body=fixed({"term": "p"})),
    Row(
        "POST /api/v4/users/search",
        team_members(),
        body=lambda w, a, p: {"term": "p", "team_id": w.ids["team"]},
        variant="team_id",
    ),
    Row(
        "POST /api/v4/users/ids",
        signed_in(OK, OK, OK, OK, OK, OK),
        body=lambda w, a, p: [w.ids["peer"]],
    ),
    Row("GET /api/v4/users/username/{username}", team_members(), params={"username": "peer_name"}),
    Row("GET /api/v4/users/{user_id}", team_members(), params=USER),
    Row(
        "PUT /api/v4/users/{user_id}/roles",
        admins_only(),
        params={"user_id": "fresh_user"},
        body=fixed({"roles": "system_user"}),
    ),
    Row(
        "POST /api/v4/users/{user_id}/reset_failed_attempts",
        admins_only(),
        params={"user_id": "fresh_user"},
    ),
    Row(
        "PUT /api/v4/users/{user_id}/active",
        admins_only(),
        params={"user_id": "fresh_user"},
        body=fixed({"active": False}),
    ),
    # differs from Mattermost: a plain user may make their own token; Mattermost needs the
    # system_user_access_token role (create_user_access_token), which users lack by default.
    Row(
        "POST /api/v4/users/{user_id}/tokens",
        signed_in(OK, OK, OK, OK, OK, OK),
        params={"user_id": "me"},
        body=fixed({"description": "matrix"}),
    ),
    Row("GET /api/v4/users/{user_id}/teams", admins_only(), params=USER),
    Row(
        "GET /api/v4/users/{user_id}/teams",
        signed_in(OK, OK, OK, OK, OK, OK),
        params={"user_id": "me"},
        variant="me",
    ),
    Row(
        "GET /api/v4/users/{user_id}/teams/{team_id}/channels",
        admins_only(),
        params={**USER, **TEAM},
    ),
    Row(
        "GET /api/v4/users/{user_id}/channels/{channel_id}/unread",
        admins_only(),
        params={**USER, **TOWN},
    ),
    # ---- the clients' start-up calls: my channels and memberships, statuses, pictures
    Row("GET /api/v4/users/{user_id}/channels", admins_only(), params=USER),
    Row(
        "GET /api/v4/users/{user_id}/channels",
        signed_in(OK, OK, OK, OK, OK, OK),
        params={"user_id": "me"},
        variant="me",
    ),
    Row(
        "GET /api/v4/users/{user_id}/teams/{team_id}/channels/members",
        admins_only(),
        params={**USER, **TEAM},
    ),
    Row(
        "GET /api/v4/users/{user_id}/teams/{team_id}/channels/members",
        team_members(),
        params={"user_id": "me", **TEAM},
        variant="me",
    ),
    Row(
        "POST /api/v4/users/status/ids",
        signed_in(OK, OK, OK, OK, OK, OK),
        body=lambda w, a, p: [w.ids["peer"]],
    ),
    Row("GET /api/v4/users/{user_id}/status", signed_in(OK, OK, OK, OK, OK, OK), params=USER),
    # differs from Mattermost (default scheme: everyone sees everyone's picture): a picture is
    # shown to whoever may see the user, as GET /users/{id}.
    Row("GET /api/v4/users/{user_id}/image", team_members(), params=USER),
    Row("GET /api/v4/users/{user_id}/image/default", team_members(), params=USER),
    Row("GET /api/v4/users/{user_id}/teams/members", admins_only(), params=USER),
    Row(
        "GET /api/v4/users/{user_id}/teams/members",
        signed_in(OK, OK, OK, OK, OK, OK),
        params={"user_id": "me"},
        variant="me",
    ),
    Row("GET /api/v4/users/{user_id}/teams/unread", admins_only(), params=USER),
    Row(
        "GET /api/v4/users/{user_id}/teams/unread",
        signed_in(OK, OK, OK, OK, OK, OK),
        params={"user_id": "me"},
        variant="me",
    ),
    # ---- preferences: one's own, or anyone's for a system admin (edit_other_users)
    Row("GET /api/v4/users/{user_id}/preferences", admins_only(), params=USER),
    Row(
        "GET /api/v4/users/{user_id}/preferences",
        signed_in(OK, OK, OK, OK, OK, OK),
        params={"user_id": "me"},
        variant="me",
    ),
    Row(
        "PUT /api/v4/users/{user_id}/preferences",
        signed_in(OK, OK, OK, OK, OK, OK),
        params={"user_id": "me"},
        body=preference_body,
    ),
    Row(
        "PUT /api/v4/users/{user_id}/preferences",
        admins_only(),
        params=USER,
        body=preference_body,
        variant="another's",
    ),
    Row(
        "POST /api/v4/users/{user_id}/preferences/delete",
        signed_in(OK, OK, OK, OK, OK, OK),
        params={"user_id": "me"},
        body=preference_body,
    ),
    Row(
        "POST /api/v4/users/{user_id}/preferences/delete",
        admins_only(),
        params=USER,
        body=preference_body,
        variant="another's",
    ),
    # The category "eyes" is never saved: allowed callers get Mattermost's not-found answers.
    Row(
        "GET /api/v4/users/{user_id}/preferences/{category}",
        signed_in(NO_CATEGORY, NO, NO, NO, NO, NO),
        params={**USER, "category": "emoji_name"},
    ),
    Row(
        "GET /api/v4/users/{user_id}/preferences/{category}",
        signed_in(*(NO_CATEGORY,) * 6),
        params={"user_id": "me", "category": "emoji_name"},
        variant="me",
    ),
    Row(
        "GET /api/v4/users/{user_id}/preferences/{category}/name/{preference_name}",
        signed_in(NO_PREFERENCE, NO, NO, NO, NO, NO),
        params={**USER, "category": "emoji_name", "preference_name": "emoji_name"},
    ),
    Row(
        "GET /api/v4/users/{user_id}/preferences/{category}/name/{preference_name}",
        signed_in(*(NO_PREFERENCE,) * 6),
        params={"user_id": "me", "category": "emoji_name", "preference_name": "emoji_name"},
        variant="me",
    ),
    # ---- /api/v4/teams
    Row(
        "POST /api/v4/teams",
        signed_in(CREATED, CREATED, CREATED, CREATED, CREATED, CREATED),
        body=new_team_body,
    ),
    # differs from Mattermost (content, not status): plain users get their own teams only;
    # Mattermost adds every open team (list_public_teams).
    Row("GET /api/v4/teams", signed_in(OK, OK, OK, OK, OK, OK)),
    # differs from Mattermost: ``main`` is open with allow_open_invite, which Mattermost shows
    # to any user (200 for outsider and other_team); inbound shows a team to its members.
    Row("GET /api/v4/teams/name/{name}", team_members(), params={"name": "team_name"}),
    Row(
        "GET /api/v4/teams/name/{team_name}/channels/name/{channel_name}",
        team_members(),
        params={"team_name": "team_name", "channel_name": "channel_name"},
    ),
    Row("GET /api/v4/teams/{team_id}", team_members(), params=TEAM),  # differs: as above
    Row(
        "POST /api/v4/teams/{team_id}/members",
        team_members(CREATED),
        params=TEAM,
        body=team_join_body,
    ),
    Row(
        "PUT /api/v4/teams/{team_id}/members/{user_id}/roles",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={**TEAM, "user_id": "fresh_member"},
        body=fixed({"roles": "team_user"}),
    ),
    Row("GET /api/v4/teams/{team_id}/members", team_members(), params=TEAM),
    Row("GET /api/v4/teams/{team_id}/members/{user_id}", team_members(), params={**TEAM, **USER}),
    Row("GET /api/v4/teams/{team_id}/channels", team_members(), params=TEAM),
    Row(
        "GET /api/v4/teams/{team_id}/channels/name/{channel_name}",
        team_members(),
        params={**TEAM, "channel_name": "channel_name"},
    ),
    # ---- /api/v4/channels
    Row("POST /api/v4/channels", team_members(CREATED), body=new_channel_body),
    Row(
        "POST /api/v4/channels/direct",
        signed_in(CREATED, CREATED, CREATED, CREATED, CREATED, CREATED),
        body=direct_body,
    ),
    Row(
        "POST /api/v4/channels/members/{user_id}/view",
        team_members(),
        params={"user_id": "me"},
        body=view_body,
    ),
    Row("GET /api/v4/channels/{channel_id}", team_members(), params=TOWN),
    Row("GET /api/v4/channels/{channel_id}", admins_only(), params=PRIVATE, variant="private"),
    # Archiving and removing members: the member is not in the channel (made by peer), and
    # Mattermost grants delete_public_channel / manage_public_channel_members per channel.
    Row(
        "DELETE /api/v4/channels/{channel_id}",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"channel_id": "fresh_channel"},
    ),
    Row(
        "POST /api/v4/channels/{channel_id}/members",
        team_members(CREATED),
        params={"channel_id": "fresh_channel"},
        body=member_body,
    ),
    Row("GET /api/v4/channels/{channel_id}/members", team_members(), params=TOWN),
    Row(
        "GET /api/v4/channels/{channel_id}/members",
        admins_only(),
        params=PRIVATE,
        variant="private",
    ),
    Row(
        "GET /api/v4/channels/{channel_id}/members/{user_id}",
        team_members(),
        params={**TOWN, **USER},
    ),
    Row(
        "DELETE /api/v4/channels/{channel_id}/members/{user_id}",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"channel_id": "fresh_channel", **USER},
    ),
    # Members edit a channel's header and purpose (channel_user has
    # manage_{public,private}_channel_properties); the private channel is peer's.
    Row(
        "PUT /api/v4/channels/{channel_id}/patch",
        team_members(),
        params=TOWN,
        body=fixed({"header": "from the matrix"}),
    ),
    Row(
        "PUT /api/v4/channels/{channel_id}/patch",
        admins_only(),
        params=PRIVATE,
        body=fixed({"purpose": "from the matrix"}),
        variant="private",
    ),
    Row("GET /api/v4/channels/{channel_id}/stats", team_members(), params=TOWN),
    Row(
        "GET /api/v4/channels/{channel_id}/stats", admins_only(), params=PRIVATE, variant="private"
    ),
    Row(
        "POST /api/v4/channels/stats/member_count",
        team_members(),
        body=lambda w, a, p: [w.ids["town_square"]],
    ),
    Row(
        "POST /api/v4/channels/stats/member_count",
        admins_only(),
        body=lambda w, a, p: [w.ids["town_square"], w.ids["private"]],
        variant="private",
    ),
    Row("GET /api/v4/channels/{channel_id}/posts", team_members(), params=TOWN),
    Row(
        "GET /api/v4/channels/{channel_id}/posts", admins_only(), params=PRIVATE, variant="private"
    ),
    # ---- /api/v4/posts
    Row("POST /api/v4/posts", team_members(CREATED), body=post_body),
    Row("GET /api/v4/posts/{post_id}", team_members(), params=POST),
    Row("GET /api/v4/posts/{post_id}/thread", team_members(), params=POST),
    Row(
        "POST /api/v4/teams/{team_id}/posts/search",
        team_members(),
        params=TEAM,
        body=fixed({"terms": "matrix", "is_or_search": False}),
    ),
    Row(
        "PUT /api/v4/posts/{post_id}/patch",
        signed_in(OK, NO, NO, NO, NO, NO),  # edit_others_posts: system admins only
        params={"post_id": "fresh_post"},
        body=fixed({"message": "edited"}),
    ),
    Row(
        "DELETE /api/v4/posts/{post_id}",
        # delete_others_posts: system admins, and team admins in their team (as Mattermost)
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"post_id": "fresh_post"},
    ),
    # ---- reactions: as oneself, on a post one can read; another's only as a system admin
    Row("POST /api/v4/reactions", team_members(), body=reaction_body),
    Row("GET /api/v4/posts/{post_id}/reactions", team_members(), params=POST),
    Row(
        "DELETE /api/v4/users/{user_id}/posts/{post_id}/reactions/{emoji_name}",
        team_members(),
        params={"user_id": "me", **POST, "emoji_name": "emoji_name"},
    ),
    Row(
        "DELETE /api/v4/users/{user_id}/posts/{post_id}/reactions/{emoji_name}",
        signed_in(OK, NO, NO, NO, NO, NO),
        params={**USER, **POST, "emoji_name": "emoji_name"},
        variant="another's",
    ),
    # ---- /api/v4/hooks/incoming
    Row("POST /api/v4/hooks/incoming", signed_in(CREATED, CREATED, NO, NO, NO, NO), body=hook_body),
    # Without team_id: manage_others_incoming_webhooks system-wide, as Mattermost (a team
    # admin has it in their team only).
    Row("GET /api/v4/hooks/incoming", signed_in(OK, NO, NO, NO, NO, NO)),
    Row(
        "GET /api/v4/hooks/incoming",
        signed_in(OK, OK, NO, NO, NO, NO),
        query={"team_id": "team"},
        variant="team_id",
    ),
    Row(
        "GET /api/v4/hooks/incoming/{hook_id}",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"hook_id": "hook"},
    ),
    Row(
        "PUT /api/v4/hooks/incoming/{hook_id}",
        signed_in(CREATED, CREATED, NO, NO, NO, NO),
        params={"hook_id": "fresh_hook"},
        body=hook_update_body,
    ),
    Row(
        "DELETE /api/v4/hooks/incoming/{hook_id}",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"hook_id": "fresh_hook"},
    ),
    Row(
        "POST /api/v4/hooks/incoming/{hook_id}/regenerate",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"hook_id": "fresh_hook"},
    ),
    Row(
        "POST /api/v4/hooks/incoming/{hook_id}/signing_secret",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"hook_id": "fresh_hook"},
    ),
    Row(
        "POST /api/v4/hooks/incoming/{hook_id}/preview",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"hook_id": "hook"},
        body=fixed({"text": "from the matrix"}),
    ),
    Row(
        "GET /api/v4/hooks/incoming/{hook_id}/deliveries",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"hook_id": "hook"},
    ),
    Row(
        "POST /api/v4/hooks/incoming/{hook_id}/deliveries/{delivery_id}/replay",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"hook_id": "hook", "delivery_id": "hook_delivery"},
    ),
    Row(
        "DELETE /api/v4/hooks/incoming/{hook_id}/signing_secret",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"hook_id": "fresh_hook"},
    ),
    # ---- the hook itself: the key in the URL is the credential, whoever calls
    Row(
        "POST /hooks/{key}",
        everyone(OK),
        params={"key": "hook_key"},
        body=fixed({"text": "from the matrix"}),
    ),
    # ---- /api/v4/system, /api/v4/config
    Row("GET /api/v4/system/ping", everyone(OK)),
    Row("GET /api/v4/config", admins_only()),
    Row("PUT /api/v4/config", admins_only(), body=config_body),
    Row(
        "PUT /api/v4/config/patch",
        admins_only(),
        body=fixed({"TeamSettings": {"SiteName": "inbound"}}),
    ),
    Row("GET /api/v4/config/client", everyone(OK), query={"format": "old"}),
    Row("GET /api/v4/license/client", everyone(OK), query={"format": "old"}),
    # ---- /api/v4/roles: any session (the role catalogue is the same for everyone)
    Row(
        "POST /api/v4/roles/names",
        signed_in(OK, OK, OK, OK, OK, OK),
        body=fixed(["system_user", "team_user"]),
    ),
    Row(
        "GET /api/v4/roles/name/{role_name}",
        signed_in(OK, OK, OK, OK, OK, OK),
        params={"role_name": "role_name"},
    ),
    Row(
        "GET /api/v4/roles/{role_id}", signed_in(OK, OK, OK, OK, OK, OK), params={"role_id": "role"}
    ),
    # ---- the websocket: 200 = hello after the authentication challenge, 401 = refused
    Row("WS /api/v4/websocket", signed_in(OK, OK, OK, OK, OK, OK)),
    # ---- /web/api (the web app's JSON)
    Row(
        "GET /web/api/teams/{team_name}/sidebar", team_members(), params={"team_name": "team_name"}
    ),
    Row(
        "GET /web/api/channels/{channel_id}/posts",
        team_members(),
        params=TOWN,
        query={"team": "main"},
    ),
    Row("GET /web/api/posts/{post_id}", team_members(), params=POST, query={"team": "main"}),
    Row(
        "POST /web/api/teams/{team_name}/search",
        team_members(),
        params={"team_name": "team_name"},
        body=fixed({"terms": "matrix"}),
    ),
    Row("GET /web/api/posts/{post_id}/thread", team_members(), params=POST, query={"team": "main"}),
    Row(
        "POST /web/api/hooks/{hook_id}/preview",
        signed_in(OK, OK, NO, NO, NO, NO),
        params={"hook_id": "hook"},
        query={"team": "main"},
        body=fixed({"text": "from the matrix"}),
    ),
    Row("GET /web/api/emoji", everyone(OK)),  # the picker's catalogue: public, like /static
    # ---- pages (the session cookie): signed out → 302 to /login
    Row(
        "GET /login",
        signed_in(FOUND, FOUND, FOUND, FOUND, FOUND, FOUND, deactivated=OK, anonymous=OK),
    ),
    Row(
        "GET /",
        everyone(FOUND),
    ),
    Row("GET /web/code.css", everyone(OK)),
    Row("GET /favicon.ico", everyone(NO_CONTENT)),
    *(
        Row(f"GET {template}", PAGE_ANSWERS, params=PAGE)
        for template in (
            "/{team}/channels/{channel}",
            "/{team}/pl/{post_id}",
            "/{team}/integrations/incoming_webhooks",
            "/{team}/integrations/incoming_webhooks/add",
            "/{team}/integrations/incoming_webhooks/edit",
            "/admin_console",
        )
    ),
    Row(
        "GET /{team}/messages/{who}", PAGE_ANSWERS, params={"team": "team_name", "who": "peer_name"}
    ),
    Row(
        "GET /admin_console/{section:path}",
        PAGE_ANSWERS,
        params={"section:path": "console_section"},
    ),
    # ---- documentation and static files: public
    Row("GET /api/openapi.json", everyone(OK)),
    Row("GET /api/docs", everyone(OK)),
    Row("GET /docs/oauth2-redirect", everyone(OK)),
    Row("MOUNT /static", everyone(OK)),
    # ---- last: logout ends the caller's own session
    Row("POST /api/v4/users/logout", everyone(OK)),
)


# ---- running the table


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One world per database, shared by every row: no row changes what another relies on."""
    url = fresh_database(request, sqlite_template, tmp_path_factory.mktemp("matrix"))
    settings = Settings(database_url=url, admin_password=ADMIN_PASSWORD)
    runtime = Runtime(settings)
    with TestClient(create_app(settings, runtime=runtime)) as client:
        client.portal.call(bootstrap, runtime.context)  # type: ignore[union-attr]
        yield build_world(Api(client, runtime))


def route_key(method: str, path: str) -> str:
    return f"{method} {path}"


def app_routes() -> set[str]:
    """Every route the app serves, as ``METHOD /template`` (``WS`` for websockets, ``MOUNT``
    for mounted file trees), plus the raw hook endpoint in front of the API."""
    settings = Settings(database_url="sqlite:///unused.db", admin_password=ADMIN_PASSWORD)
    layer: Any = create_app(settings)
    while not hasattr(layer, "routes"):
        layer = getattr(layer, "api", None) or layer.app
    found = {route_key("POST", "/hooks/{key}")}
    _walk(layer.routes, "", found)
    return found


def _walk(routes: list[Any], prefix: str, found: set[str]) -> None:
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI ≥ 0.16x keeps included routers
        if inner is not None:
            _walk(inner.routes, prefix + route.include_context.prefix, found)
        elif isinstance(route, Mount):
            found.add(route_key("MOUNT", prefix + route.path))
        elif getattr(route, "methods", None):
            found.update(route_key(m, prefix + route.path) for m in route.methods - {"HEAD"})
        else:
            found.add(route_key("WS", prefix + route.path))


def test_every_route_has_a_row() -> None:
    rows = {row.route for row in ROWS}
    served = app_routes()
    assert served - rows == set(), "routes without a row in the permission matrix"
    assert rows - served == set(), "rows for routes the app does not serve"


def test_rows_are_complete_and_logout_is_last() -> None:
    assert all(len(row.expect) == len(ACTORS) for row in ROWS)
    assert len({row.id for row in ROWS}) == len(ROWS)
    assert ROWS[-1].route == "POST /api/v4/users/logout"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_matrix(world: World, row: Row, actor: str) -> None:
    expected = row.expect[ACTORS.index(actor)]
    got = call(world, row, actor)
    assert got == expected, f"{row.id} as {actor}: expected {expected}, got {got}"


def call(world: World, row: Row, actor: str) -> Outcome:
    method, template = row.route.split(" ", 1)
    params = {name: world.value(source, actor) for name, source in row.params.items()}
    path = template
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    if method == "WS":
        return websocket_outcome(world, path, world.tokens[actor])
    if method == "MOUNT":
        method, path = "GET", path + "/app.js"
    body = row.body(world, actor, params) if row.body else None
    query = {k: world.ids.get(v, v) for k, v in row.query.items()}
    response = send(world, method, path, world.tokens[actor], json=body, params=query)
    return outcome(response)


def send(world: World, method: str, path: str, token: str, **kw: Any) -> httpx.Response:
    client = world.api.client
    client.cookies.clear()
    headers = {}
    if token and (path.startswith(("/api/", "/web/api/", "/hooks/"))):
        headers["Authorization"] = f"Bearer {token}"
    elif token:
        headers["Cookie"] = f"{COOKIE}={token}"
    if kw.get("json") is None:
        kw.pop("json", None)
    return client.request(method, path, headers=headers, follow_redirects=False, **kw)


def outcome(response: httpx.Response) -> Outcome:
    if response.status_code < 400:
        return response.status_code
    return response.status_code, response.json().get("id", "")


def websocket_outcome(world: World, path: str, token: str) -> Outcome:
    challenge = {"seq": 1, "action": "authentication_challenge", "data": {"token": token}}
    try:
        with world.api.client.websocket_connect(path) as ws:
            ws.send_json(challenge)
            reply = ws.receive_json()
            if reply.get("status") != "OK":
                return EXPIRED
            hello = ws.receive_json()
            return OK if hello.get("event") == "hello" else (500, str(hello))
    except WebSocketDisconnect:
        return EXPIRED
