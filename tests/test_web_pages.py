"""The web app's server side: pages, redirects, CSP, and the /web/api read models."""

from __future__ import annotations

import pytest

from tests.conftest import Api, assert_error


@pytest.mark.parametrize(
    "path",
    [
        "/main/channels/town-square",
        "/main/messages/@admin",
        "/main/pl/abcdefghijklmnopqrstuvwxyz",
        "/main/integrations/incoming_webhooks",
        "/main/integrations/incoming_webhooks/add",
        "/main/integrations/incoming_webhooks/edit?id=x",
        "/admin_console/integrations/integration_management",
    ],
)
def test_app_urls_need_a_session_then_serve_the_shell(api: Api, path: str) -> None:
    anonymous = api.client.get(path, follow_redirects=False)
    assert anonymous.status_code == 302
    assert anonymous.headers["location"].startswith("/login?redirect_to=")
    api.client.cookies.set("MMAUTHTOKEN", api.admin_token)
    try:
        page = api.client.get(path, follow_redirects=False)
    finally:
        api.client.cookies.clear()
    assert page.status_code == 200
    assert '<script type="module" src="/static/app.js"></script>' in page.text
    assert page.headers["content-security-policy"].startswith(
        "default-src 'self'; script-src 'self';"
    )


def test_root_redirects_to_the_first_team(api: Api) -> None:
    assert api.client.get("/", follow_redirects=False).headers["location"].startswith("/login")
    api.client.cookies.set("MMAUTHTOKEN", api.admin_token)
    try:
        assert (
            api.client.get("/", follow_redirects=False).headers["location"]
            == "/main/channels/town-square"
        )
    finally:
        api.client.cookies.clear()


def test_login_page_and_static_assets(api: Api) -> None:
    login = api.client.get("/login")
    assert login.status_code == 200 and "inline" not in login.headers["content-security-policy"]
    assert "<script>" not in login.text
    assert api.client.get("/static/app.js").status_code == 200
    assert api.client.get("/static/app.css").status_code == 200
    assert ".highlight" in api.client.get("/web/code.css").text


@pytest.mark.parametrize("name", ["api", "static", "hooks", "login", "admin_console", "web"])
def test_team_names_that_shadow_routes_are_reserved(api: Api, name: str) -> None:
    response = api.post("/api/v4/teams", json={"name": name, "display_name": name})
    assert_error(response, 400, "model.team.is_valid.name.app_error")


def test_sidebar_counts_unread_and_mentions(api: Api) -> None:
    ann, ann_token = api.new_user("ann")
    hook = api.new_hook("off-topic")
    api.send(hook["id"], {"text": "one"})
    api.send(hook["id"], {"text": "two @ann"})
    api.post("/api/v4/channels/direct", ann_token, json=[ann["id"], api.admin["id"]])
    sidebar = api.get("/web/api/teams/main/sidebar", ann_token).json()
    assert sidebar["me"]["username"] == "ann" and [t["name"] for t in sidebar["teams"]] == ["main"]
    by_name = {c["name"]: c for c in sidebar["channels"]}
    assert (by_name["off-topic"]["unread"], by_name["off-topic"]["mentions"]) == (2, 1)
    assert (by_name["town-square"]["unread"], by_name["town-square"]["mentions"]) == (0, 0)
    [dm] = [c for c in sidebar["channels"] if c["type"] == "D"]
    assert dm["display_name"] == "admin" and dm["dm_username"] == "admin"
    assert sidebar["config"]["EnableIncomingWebhooks"] == "true"


def test_rendered_posts_page_and_thread(api: Api) -> None:
    town = api.channel("town-square")
    hook = api.new_hook()
    api.send(
        hook["id"],
        {"text": "| a |\n|---|\n| 1 |", "attachments": [{"color": "good", "text": "att"}]},
    )
    root = api.post(
        "/api/v4/posts", json={"channel_id": town["id"], "message": "root **bold**"}
    ).json()
    api.post(
        "/api/v4/posts", json={"channel_id": town["id"], "message": "reply", "root_id": root["id"]}
    )
    page = api.get(
        f"/web/api/channels/{town['id']}/posts", params={"team": "main", "per_page": 2}
    ).json()
    assert page["has_more"] is True
    reply, rooted = page["posts"]
    assert reply["root_id"] == root["id"] and rooted["reply_count"] == 1
    assert "<strong>bold</strong>" in rooted["html"]
    older = api.get(
        f"/web/api/channels/{town['id']}/posts", params={"team": "main", "before": rooted["id"]}
    ).json()
    [hooked] = older["posts"]
    assert (
        hooked["is_bot"] and "<table>" in hooked["html"] and 'data-color="good"' in hooked["html"]
    )
    thread = api.get(f"/web/api/posts/{root['id']}/thread", params={"team": "main"}).json()
    assert thread["posts"][0]["id"] == root["id"] and len(thread["posts"]) == 2
    single = api.get(f"/web/api/posts/{root['id']}", params={"team": "main"}).json()
    assert single["reply_count"] == 1


def test_web_api_respects_channel_permissions(api: Api) -> None:
    secret = api.new_channel("secret", private=True)
    _, token = api.new_user()
    assert_error(
        api.get(f"/web/api/channels/{secret['id']}/posts", token),
        403,
        "api.context.permissions.app_error",
    )
