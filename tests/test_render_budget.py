"""A page of hostile posts never blocks the server (reliability.md §2b).

markdown-it-py is superlinear on some inputs: 60 posts of ``"![" * 2000`` took the event loop
for 5–18 s per page view before rendering moved to worker processes. Now the page answers
within its budget, the posts not rendered in time are escaped text, and a ping sent every
10 ms meanwhile is never held up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from inbound.render import posts
from tests.conftest import ADMIN_PASSWORD, LiveServer

POSTS = 60
HOSTILE = "<script>alert(1)</script>\n" + "![" * 1980  # at the 4,000-character limit
PING_BOUND_S = 0.15  # the contract says 50 ms; this machine is shared and noisy
PAGE_BOUND_S = posts.PAGE_BUDGET_S + 1.5


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[httpx.Client]:
    login = httpx.post(
        f"{live_server.url}/api/v4/users/login",
        json={"login_id": "admin", "password": ADMIN_PASSWORD},
    )
    headers = {"Authorization": f"Bearer {login.headers['Token']}"}
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=60) as client:
        yield client
    posts._pool.clear()  # leave no backlog of hostile renderings to the next tests


def hostile_channel(client: httpx.Client) -> str:
    team = client.get("/api/v4/teams/name/main").json()
    channel = client.post(
        "/api/v4/channels",
        json={"team_id": team["id"], "name": "hostile", "display_name": "Hostile", "type": "O"},
    ).json()
    hook = client.post(
        "/api/v4/hooks/incoming", json={"channel_id": channel["id"], "display_name": "x"}
    ).json()
    client.post(f"/hooks/{hook['id']}", json={"text": "an **ordinary** post"})
    for _ in range(POSTS - 1):
        assert client.post(f"/hooks/{hook['id']}", json={"text": HOSTILE}).status_code == 200
    return str(channel["id"])


def pings_during(url: str, done: threading.Event, latencies: list[float]) -> None:
    with httpx.Client(base_url=url, timeout=60) as pinger:
        while not done.is_set():
            started = time.perf_counter()
            assert pinger.get("/api/v4/system/ping").status_code == 200
            latencies.append(time.perf_counter() - started)
            time.sleep(0.01)


def test_a_page_of_hostile_posts_never_blocks_the_server(
    live_server: LiveServer, admin: httpx.Client
) -> None:
    channel_id = hostile_channel(admin)
    posts._pool.warm().result(timeout=60)  # starting the workers is outside the page budget
    done, latencies = threading.Event(), []
    pinger = threading.Thread(target=pings_during, args=(live_server.url, done, latencies))
    pinger.start()
    try:
        started = time.perf_counter()
        page = admin.get(f"/web/api/channels/{channel_id}/posts", params={"team": "main"})
        elapsed = time.perf_counter() - started
        time.sleep(0.1)
    finally:
        done.set()
        pinger.join()
    assert page.status_code == 200, page.text
    shown = page.json()["posts"]
    assert len(shown) == POSTS
    assert elapsed < PAGE_BOUND_S, f"the page took {elapsed:.2f} s"
    assert len(latencies) >= 10 and max(latencies) < PING_BOUND_S, (
        f"a ping took {max(latencies) * 1000:.0f} ms while the page rendered"
    )
    [ordinary] = [p for p in shown if "ordinary" in p["html"]]
    assert ordinary["rendered"] and "<strong>ordinary</strong>" in ordinary["html"]
    fallbacks = [p for p in shown if not p["rendered"]]
    assert fallbacks, "60 hostile posts cannot all render within the budget"
    for post in fallbacks:
        assert post["html"].startswith('<pre class="plain-text">&lt;script&gt;alert(1)')
        assert "</script>\n![![" not in post["html"]
    assert not any("<script" in p["html"] for p in shown)


def test_the_v4_api_serves_the_same_posts_without_rendering(
    live_server: LiveServer, admin: httpx.Client
) -> None:
    channel_id = hostile_channel(admin)
    started = time.perf_counter()
    page = admin.get(f"/api/v4/channels/{channel_id}/posts", params={"per_page": POSTS})
    assert page.status_code == 200 and len(page.json()["order"]) == POSTS
    assert time.perf_counter() - started < 1
