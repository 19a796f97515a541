"""A hook's delivery history on its page and its activity in the hook list (senders.md §6): what
arrived, newest first, failures filterable, the body pretty-printed, links to the posts, Replay;
at desktop and phone widths."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_hook_security_page import new_hook
from tests.browser.test_web import Http
from tests.conftest import LiveServer

SHOTS = Path("/tmp/shots")
SAMPLES = Path(__file__).parents[2] / "src" / "inbound" / "webhooks" / "native"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
GOOD = {"text": "Deploy #7 **finished**", "props": {"build": 12345678901234567890}}
HOSTILE = b'{"text": "<img src=x onerror=window.pwned=1>",'  # bad JSON, and HTML: shown as text
BIG = b'{"text": "' + b"x" * 70_000 + b'"'  # over 64 KiB and not JSON: kept cut, a 400


def shoot(page: Any, name: str, focus: str) -> None:
    """/tmp/shots/history_<name>_<width>.png at both widths; the page must never be wider than
    the screen (a long body scrolls inside its own box)."""
    SHOTS.mkdir(exist_ok=True)
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.locator(focus).first.scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        page.screenshot(path=str(SHOTS / f"history_{name}_{size['width']}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.set_viewport_size(DESKTOP)


def send(live: LiveServer, key: str, body: bytes, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{live.url}/hooks/{key}",
        content=body,
        headers={"Content-Type": "application/json", **headers},
    )


def town_square_posts(http: Http, text: str) -> list[str]:
    team = http.call("GET", "/api/v4/teams/name/main")
    town = http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square")
    posts = http.call("GET", f"/api/v4/channels/{town['id']}/posts")["posts"].values()
    return [p["id"] for p in posts if p["message"] == text]


def wait_for_history(http: Http, hook_id: str, count: int) -> None:
    """Refused deliveries (and last_used_at) are written behind the hook path, the history every
    half second: wait until the page would show them."""
    deadline = time.monotonic() + 5
    path = f"/api/v4/hooks/incoming/{hook_id}"
    while len(http.call("GET", f"{path}/deliveries?per_page=200")) < count or (
        not http.call("GET", path)["last_used_at"]
    ):
        assert time.monotonic() < deadline, "the history was never written"
        time.sleep(0.1)


def test_delivery_history_filter_body_posts_and_replay(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    hook = new_hook(http, display_name="Deploys")
    compact = json.dumps(GOOD, separators=(",", ":")).encode()
    good = send(live_server, hook["id"], compact, Authorization="Bearer sender-secret-1")
    assert good.text == "ok"
    bad = send(live_server, hook["id"], HOSTILE)
    empty = send(live_server, hook["id"], b'{"text": ""}')
    assert bad.status_code == empty.status_code == 400
    wait_for_history(http, hook["id"], 3)
    posted = town_square_posts(http, GOOD["text"])
    assert len(posted) == 1

    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto("/main/integrations/incoming_webhooks")
    row = page.locator("tr", has_text="Deploys")
    activity = row.locator("td.hook-activity")
    expect(activity).to_contain_text(re.compile(r"Last used (just now|\d+ seconds? ago)"))
    expect(activity.locator("time")).to_have_attribute("title", re.compile(r"\d"))
    expect(activity.locator(".delivery-counts")).to_contain_text("1 ok · 2 failed")
    expect(activity.locator(".count-failed")).to_have_text("2 failed")
    expect(activity).not_to_contain_text("ignored")  # only shown when there are some
    shoot(page, "list", "tr:has-text('Deploys')")

    row.locator("a:has-text('Edit')").click()
    history = page.locator("section.hook-history")
    expect(history.locator("h2")).to_have_text("Delivery history")
    rows = history.locator("details.delivery")
    expect(rows).to_have_count(3)
    # newest first: the empty text, the bad JSON, the good one
    expect(rows.locator(".status-badge")).to_have_text(["400", "400", "200"])
    expect(rows.nth(0).locator(".delivery-error-id")).to_have_text(empty.json()["id"])
    expect(rows.nth(1).locator(".delivery-error-id")).to_have_text(bad.json()["id"])
    expect(rows.nth(2).locator(".status-badge")).to_have_class(re.compile(r"\bok\b"))
    expect(rows.nth(0).locator(".status-badge")).to_have_class(re.compile(r"\bfailed\b"))
    expect(rows.nth(2).locator(".delivery-remote")).to_have_text("127.0.0.1")

    history.locator(".delivery-filters button", has_text="Failed").click()
    expect(rows).to_have_count(2)
    expect(rows.locator(".status-badge")).to_have_text(["400", "400"])
    history.locator(".delivery-filters button", has_text="All").click()
    expect(rows).to_have_count(3)

    rows.nth(1).locator("summary").click()
    error = rows.nth(1).locator(".delivery-error")
    expect(error.locator("code")).to_have_text(bad.json()["id"])
    expect(error.locator("p")).to_have_text(bad.json()["message"])
    body = rows.nth(1).locator(".delivery-body")
    expect(body).to_have_text(HOSTILE.decode())  # not JSON: as it arrived
    expect(body.locator("img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None

    ok = rows.nth(2)
    ok.locator("summary").click()
    # re-indented token by token: the big number keeps every digit (JSON.parse would round it)
    expected = json.dumps(GOOD, indent=2)
    expect(ok.locator(".delivery-body")).to_have_text(expected)
    expect(ok.locator(".body-kind")).to_contain_text("JSON")
    headers = ok.locator(".delivery-headers")
    expect(headers.locator("tr", has_text="authorization").locator("td")).to_have_text("***")
    expect(headers.locator("tr", has_text="user-agent").locator("td")).to_contain_text(
        "python-httpx"
    )
    assert "sender-secret-1" not in page.content()
    expect(ok.locator(".post-links a")).to_have_attribute("href", f"/main/pl/{posted[0]}")
    shoot(page, "page", "details.delivery[open] .delivery-body")

    ok.locator(".post-links a").click()
    expect(page.locator(f'.post[data-post-id="{posted[0]}"]')).to_contain_text("Deploy #7 finished")
    page.go_back()
    expect(rows).to_have_count(3)

    delivery_id = rows.nth(2).get_attribute("data-delivery-id")
    ok = history.locator(f'details[data-delivery-id="{delivery_id}"]')  # rows move on refresh
    ok.locator("summary").click()
    ok.locator("button.replay").click()
    answer = ok.locator(".replay-answer")
    expect(answer.locator(".status-badge")).to_have_text("200")
    expect(rows).to_have_count(4)  # the replay is a delivery of its own, newest
    expect(rows.nth(0).locator(".status-badge")).to_have_text("200")
    again = town_square_posts(http, GOOD["text"])
    assert len(again) == 2
    replayed = next(p for p in again if p not in posted)
    expect(ok).to_have_attribute("open", "")  # kept open across the refresh
    expect(ok.locator(".replay-answer a")).to_have_attribute("href", f"/main/pl/{replayed}")
    shoot(page, "replayed", "details.delivery[open] .replay-answer")
    assert page.errors == []


def test_a_cut_body_scrolls_in_its_box_and_cannot_be_replayed(
    page: Any, live_server: LiveServer
) -> None:
    http = Http(live_server)
    hook = new_hook(http, display_name="Big")
    assert send(live_server, hook["id"], b'{"text": "used"}').text == "ok"
    assert send(live_server, hook["id"], BIG).status_code == 400
    wait_for_history(http, hook["id"], 2)
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto(f"/main/integrations/incoming_webhooks/edit?id={hook['id']}")
    expect(page.locator("section.hook-history details.delivery")).to_have_count(2)
    cut = page.locator("section.hook-history details.delivery").first
    expect(cut.locator(".delivery-size")).to_have_text("68.4 KiB")
    cut.locator("summary").click()
    expect(cut.locator(".truncated-note")).to_contain_text("64 KiB")
    replay = cut.locator("button.replay")
    expect(replay).to_be_disabled()
    expect(replay).to_have_attribute("title", re.compile("cut at 64 KiB"))
    box = cut.locator(".delivery-body")
    height = box.evaluate("el => el.clientHeight")
    assert box.evaluate("el => el.scrollHeight") > height and height < 500
    shoot(page, "cut", "details.delivery[open] .truncated-note")
    assert page.errors == []


BODIES = [
    pytest.param(
        {"body": '{"a":[1,{}],"b":"x,y:{"}', "content_type": "application/json"},
        "JSON",
        '{\n  "a": [\n    1,\n    {}\n  ],\n  "b": "x,y:{"\n}',
        id="json",
    ),
    pytest.param(
        {
            "body": "payload=%7B%22text%22%3A%22hi%22%7D",
            "content_type": "application/x-www-form-urlencoded",
        },
        "Form, payload= as JSON",
        '{\n  "text": "hi"\n}',
        id="form-payload",
    ),
    pytest.param(
        {"body": "text=a+b&channel=c", "content_type": "application/x-www-form-urlencoded"},
        "Form",
        "text = a b\nchannel = c",
        id="form-fields",
    ),
    pytest.param(
        {"body": '{"t":"\\"]"', "content_type": "application/json", "body_truncated": True},
        "JSON (cut short)",
        '{\n  "t": "\\"]"',
        id="json-cut",
    ),
    pytest.param(
        {"body": "{not json", "content_type": "application/json"},
        "Text",
        "{not json",
        id="bad-json",
    ),
    pytest.param({"body": "", "content_type": ""}, "Empty body", "", id="empty"),
]


@pytest.mark.parametrize(("delivery", "kind", "text"), BODIES)
def test_body_shown_as(page: Any, delivery: dict[str, Any], kind: str, text: str) -> None:
    page.goto("/login")
    shown = page.evaluate(
        "async (d) => (await import('/static/js/delivery_body.js')).prettyBody(d)", delivery
    )
    assert shown == {"kind": kind, "text": text}


def test_no_history_for_who_may_not_manage_the_hook(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    hook = new_hook(http, display_name="Admins only")
    assert send(live_server, hook["id"], b'{"text": "hi"}').text == "ok"
    http.member("reader")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    login(page, "reader", "password-123")
    page.goto(f"/main/integrations/incoming_webhooks/edit?id={hook['id']}")
    expect(page.locator("main p.error[role=alert]")).to_be_visible()
    expect(page.locator("section.hook-history")).to_have_count(0)
    assert not [url for url in asked if "/deliveries" in url]


def test_fifty_at_a_time_then_load_more(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    hook = new_hook(http, display_name="Busy", rate_limit_per_sec=1000, rate_limit_burst=1000)
    with httpx.Client() as client:
        for n in range(53):
            answer = client.post(f"{live_server.url}/hooks/{hook['id']}", json={"text": f"n{n}"})
            assert answer.text == "ok"
    wait_for_history(http, hook["id"], 53)
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto(f"/main/integrations/incoming_webhooks/edit?id={hook['id']}")
    history = page.locator("section.hook-history")
    expect(history.locator("details.delivery")).to_have_count(50)
    more = history.locator("button.load-more")
    more.click()
    expect(history.locator("details.delivery")).to_have_count(53)
    expect(more).to_be_hidden()
    history.locator(".delivery-filters button", has_text="Failed").click()
    expect(history.locator("details.delivery")).to_have_count(0)
    expect(history.locator(".delivery-status")).to_have_text("No failed deliveries.")
    assert page.errors == []


def test_an_ignored_alert_is_grey_and_filterable(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    hook = new_hook(http, display_name="Alerts")
    sample = SAMPLES / "alertmanager" / "samples" / "ignored_grafana_version_1.json"
    answer = httpx.post(
        f"{live_server.url}/hooks/{hook['id']}/alertmanager",
        content=sample.read_bytes(),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 200
    assert send(live_server, hook["id"], b'{"text": "up"}').text == "ok"
    wait_for_history(http, hook["id"], 2)
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto("/main/integrations/incoming_webhooks")
    counts = page.locator("tr", has_text="Alerts").locator(".delivery-counts")
    expect(counts).to_contain_text("1 ok · 0 failed · 1 ignored")
    expect(counts.locator(".count-failed")).to_have_count(0)
    page.goto(f"/main/integrations/incoming_webhooks/edit?id={hook['id']}")
    history = page.locator("section.hook-history")
    rows = history.locator("details.delivery")
    expect(rows).to_have_count(2)
    history.locator(".delivery-filters button", has_text="Ignored").click()
    expect(rows).to_have_count(1)
    expect(rows.locator(".status-badge")).to_have_class(re.compile(r"\bignored\b"))
    expect(rows.locator(".delivery-source")).to_have_text("Alertmanager")
    assert page.errors == []
