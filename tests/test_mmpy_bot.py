"""A real bot framework (mmpy_bot, on mattermostautodriver) against a live inbound server.

mmpy_bot 2.2.1 needs mattermostautodriver 2.x, which pins ``httpx<0.28`` and passes httpx's
``proxies=`` argument (removed in httpx 0.28, which inbound pins). Both are installed beside
inbound with ``pip install --no-deps`` (see the Makefile), and this test hands
mattermostautodriver an httpx whose clients drop that one argument (always ``None`` here): the
requests on the wire are the library's own.

What mmpy_bot filters (``EventHandler._should_ignore``): posts whose ``sender_name`` (less its
``@``) is the bot's own username or in ``IGNORE_USERS``. It does not look at ``from_webhook``, so
it hears webhook posts, as it does on Mattermost, where a webhook post's ``sender_name`` is its
creator's (or the allowed ``override_username``) — so a bot does not hear a hook that its own
account created, there or here. (Mattermost sends ``"@admin"``, inbound ``"admin"``; mmpy_bot
strips the ``@`` either way.)
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import types
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, LiveServer

pytest.importorskip("mmpy_bot", reason="mmpy_bot is installed by the Makefile (pip --no-deps)")

import mattermostautodriver.client
from mmpy_bot import Bot, Message, Plugin, Settings, listen_to


class Deploys(Plugin):
    """Acknowledges deploy notices in their thread. Its answer matches its own pattern, so a bot
    that did not recognise its own posts (``sender_name``) would answer itself forever."""

    @listen_to(r"^deploy (\w+) finished")
    async def finished(self, message: Message, service: str) -> None:
        self.driver.reply_to(message, f"deploy {service} finished: noted")

    @listen_to("^status$", needs_mention=True)
    async def status(self, message: Message) -> None:
        """Only when the post mentions the bot (its id in the ``posted`` event's ``mentions``;
        mmpy_bot strips the leading ``@deploybot``)."""
        self.driver.reply_to(message, "all green")


@pytest.fixture
def httpx_without_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    def drop_proxies(cls: type[Any]) -> Any:
        def make(*args: Any, proxies: Any = None, **kwargs: Any) -> Any:
            assert proxies is None
            return cls(*args, **kwargs)

        return make

    shim = types.SimpleNamespace(
        Client=drop_proxies(httpx.Client),
        AsyncClient=drop_proxies(httpx.AsyncClient),
        HTTPStatusError=httpx.HTTPStatusError,
    )
    monkeypatch.setattr(mattermostautodriver.client, "httpx", shim)


@pytest.fixture
def websocket_ready() -> Iterator[threading.Event]:
    """Set when mattermostautodriver logs that its websocket is authenticated (it saw ``hello``
    at seq 0): only then can the bot hear a post."""
    ready = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "authentification OK" in record.getMessage():
                ready.set()

    logger = logging.getLogger("mattermostautodriver.websocket")
    watch = Watch()
    logger.addHandler(watch)
    yield ready
    logger.removeHandler(watch)


def _admin(live_server: LiveServer) -> httpx.Client:
    client = httpx.Client(base_url=live_server.url, timeout=10)
    login = client.post(
        "/api/v4/users/login", json={"login_id": "admin", "password": ADMIN_PASSWORD}
    )
    assert login.status_code == 200, login.text
    client.headers["Authorization"] = f"Bearer {login.headers['Token']}"
    client.cookies.clear()
    return client


def _bot_token(admin: httpx.Client, team_id: str) -> tuple[dict[str, Any], str]:
    """A user for the bot, in team ``main``, with a personal access token (what mmpy_bot's
    BOT_TOKEN takes; a bot account's token works the same way on Mattermost)."""
    body = {"username": "deploybot", "email": "deploybot@example.com", "password": "password-123"}
    user = admin.post("/api/v4/users", json=body)
    assert user.status_code == 201, user.text
    bot = user.json()
    member = {"team_id": team_id, "user_id": bot["id"]}
    assert admin.post(f"/api/v4/teams/{team_id}/members", json=member).status_code == 201
    token = admin.post(f"/api/v4/users/{bot['id']}/tokens", json={"description": "mmpy_bot"})
    assert token.status_code == 200, token.text
    return bot, token.json()["token"]


def _wait_for(check: Any, seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return found


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("httpx_without_proxies")
# mattermostautodriver passes aiohttp ssl=None for ws:// URLs, which aiohttp now deprecates
@pytest.mark.filterwarnings("ignore:ssl=None is deprecated:DeprecationWarning")
def test_mmpy_bot_answers_a_webhook_post_in_its_thread(
    live_server: LiveServer, websocket_ready: threading.Event
) -> None:
    admin = _admin(live_server)
    team = admin.get("/api/v4/teams/name/main").json()
    town = admin.get(f"/api/v4/teams/{team['id']}/channels/name/town-square").json()
    hook = admin.post("/api/v4/hooks/incoming", json={"channel_id": town["id"]}).json()
    bot_user, token = _bot_token(admin, team["id"])
    url = urlparse(live_server.url)
    settings = Settings(
        MATTERMOST_URL=f"http://{url.hostname}",
        MATTERMOST_PORT=url.port,
        BOT_TOKEN=token,
        BOT_TEAM="main",
        SSL_VERIFY=False,
        WEBHOOK_HOST_ENABLED=False,
        SCHEDULER_PERIOD=0.05,  # its scheduler thread sleeps this long between checks
    )
    bot = Bot(settings=settings, plugins=[Deploys()], enable_logging=False)
    assert (bot.driver.user_id, bot.driver.username) == (bot_user["id"], "deploybot")
    errors: list[BaseException] = []

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)  # the driver runs get_event_loop().run_until_complete
        try:
            bot.run()
        except BaseException as error:
            errors.append(error)
        finally:
            loop.close()

    def send(text: str) -> dict[str, Any]:
        """A webhook post, as a monitoring system sends it, and the post it made."""
        sent = httpx.post(f"{live_server.url}/hooks/{hook['id']}", json={"text": text})
        assert sent.status_code == 200, sent.text
        page = admin.get(f"/api/v4/channels/{town['id']}/posts").json()
        made = [page["posts"][i] for i in page["order"] if page["posts"][i]["message"] == text]
        assert made[0]["props"]["from_webhook"] == "true"
        return made[0]

    def replies(post: dict[str, Any]) -> list[dict[str, Any]]:
        thread_page = admin.get(f"/api/v4/posts/{post['id']}/thread").json()
        return [p for p in thread_page["posts"].values() if p["id"] != post["id"]]

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert websocket_ready.wait(10), "the bot's websocket did not authenticate"
        deployed = send("deploy api finished")
        unaddressed = send("status")
        addressed = send("@deploybot status")
        _wait_for(lambda: replies(deployed) and replies(addressed))
    finally:
        # mattermostautodriver checks its stop flag between messages: a last post wakes it
        started = time.monotonic()
        bot.driver.disconnect()
        admin.post("/api/v4/posts", json={"channel_id": town["id"], "message": "bye"})
        thread.join(timeout=10)
        stopped_in = time.monotonic() - started
        bot.driver.client.client.close()
    assert not thread.is_alive() and not errors, errors
    assert stopped_in < 5
    # The bot handles events in order, and it has handled the last one ("bye"): what it was
    # going to answer, it has answered.
    [noted] = replies(deployed)  # its answer matched its own pattern: it let its own post be
    assert noted["root_id"] == deployed["id"] and noted["channel_id"] == town["id"]
    assert (noted["user_id"], noted["message"]) == (bot_user["id"], "deploy api finished: noted")
    assert replies(unaddressed) == []  # needs_mention: no mention, no answer
    [green] = replies(addressed)
    assert (green["root_id"], green["message"]) == (addressed["id"], "all green")
    admin.close()
