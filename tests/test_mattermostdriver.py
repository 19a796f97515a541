"""A real Mattermost client (the mattermostdriver package) against a live inbound server."""

from __future__ import annotations

from urllib.parse import urlparse

from mattermostdriver import Driver

from tests.conftest import ADMIN_PASSWORD, LiveServer


def test_mattermostdriver_logs_in_reads_and_posts(live_server: LiveServer) -> None:
    url = urlparse(live_server.url)
    driver = Driver(
        {
            "url": url.hostname,
            "port": url.port,
            "scheme": "http",
            "login_id": "admin",
            "password": ADMIN_PASSWORD,
            "basepath": "/api/v4",
        }
    )
    me = driver.login()
    assert me["username"] == "admin"
    teams = driver.teams.get_user_teams("me")
    assert [t["name"] for t in teams] == ["main"]
    channel = driver.channels.get_channel_by_name_and_team_name("main", "town-square")
    mine = driver.channels.get_channels_for_user("me", teams[0]["id"])
    assert channel["id"] in {c["id"] for c in mine}
    created = driver.posts.create_post({"channel_id": channel["id"], "message": "from the driver"})
    assert created["message"] == "from the driver"
    page = driver.posts.get_posts_for_channel(channel["id"], params={"per_page": 10})
    assert page["order"][0] == created["id"]
    assert page["posts"][created["id"]]["message"] == "from the driver"
    assert driver.posts.get_post(created["id"])["user_id"] == me["id"]
    driver.logout()
