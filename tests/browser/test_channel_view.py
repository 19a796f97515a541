"""The channel view as Mattermost draws it: grouping, day separators, the New Messages line,
avatars, Show more, the post menu (reply, react, copy link, edit, delete), live edits and
deletes, "Commented on", the thread pane."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from inbound.models import Post, new_time_id, now_ms
from inbound.services import channels, teams, users
from inbound.services.writer import PostBatch
from tests.browser.conftest import ARTIFACTS, login
from tests.browser.test_web import Http
from tests.conftest import LiveServer

DAY = 86_400_000
MINUTE = 60_000
LOG = "```\n" + "\n".join(f"{i:04d} step ok: compiled module {i}" for i in range(140)) + "\n```"


def insert_posts(
    live: LiveServer, username: str, rows: list[tuple[int, str]], **kw: Any
) -> list[str]:
    """Posts by ``username`` in town-square at the given create_at (ms), through the writer, as
    if they had been sent then. ``kw``: root_id, props."""

    async def go() -> list[str]:
        ctx = live.ctx
        user = await users.get_user_by_username(ctx, username)
        team = await teams.get_team_by_name(ctx, user, "main")
        channel = await channels.get_channel_by_name(ctx, user, team.id, "town-square")
        made = [
            Post(new_time_id(at), channel.id, user.id, text, at, at, root_id=kw.get("root_id", ""))
            for at, text in rows
        ]
        for post in made:
            post.props = dict(kw.get("props", {}))
            await ctx.writer.write(PostBatch(channel, [post], viewed_by=user.id))
        return [p.id for p in made]

    return asyncio.run_coroutine_threadsafe(go(), live.loop).result(timeout=15)


def town(http: Http) -> dict[str, Any]:
    team = http.call("GET", "/api/v4/teams/name/main")
    return dict(http.call("GET", f"/api/v4/teams/{team['id']}/channels/name/town-square"))


def say(http: Http, message: str, root_id: str = "") -> dict[str, Any]:
    body = {"channel_id": town(http)["id"], "message": message, "root_id": root_id}
    return dict(http.call("POST", "/api/v4/posts", body))


def hook(http: Http) -> str:
    created = http.call(
        "POST", "/api/v4/hooks/incoming", {"channel_id": town(http)["id"], "display_name": "CI"}
    )
    return str(created["id"])


def send(live: LiveServer, key: str, body: dict[str, Any]) -> None:
    assert httpx.post(f"{live.url}/hooks/{key}", json=body).text == "ok"


def overrides_on(http: Http) -> None:
    http.call(
        "PUT",
        "/api/v4/config/patch",
        {"ServiceSettings": {"EnablePostUsernameOverride": True, "EnablePostIconOverride": True}},
    )


def login_small(page: Any) -> None:
    """``login`` on a phone, where the sidebar is hidden."""
    page.goto("/")
    page.fill("#login_id", "admin")
    page.fill("#password", "admin-password-1")
    page.click("button[type=submit]")
    page.wait_for_selector(".sidebar", state="attached")


def open_town(page: Any) -> None:
    page.goto("/main/channels/town-square")
    page.wait_for_selector(".center .posts .post, .center .posts:not(:has(.loading))")


def post(page: Any, text: str) -> Any:
    return page.locator(".center .post", has_text=text)


# ---------- 1. grouping ----------
CONSECUTIVE_CASES = [  # (post, previous, expected): Mattermost's isConsecutivePost
    ({}, {}, True),
    ({"user_id": "u2"}, {}, False),
    ({"create_at": 1_000 + 5 * MINUTE}, {}, True),
    ({"create_at": 1_000 + 5 * MINUTE + 1}, {}, False),
    ({"type": "system_join_channel"}, {}, False),
    ({}, {"type": "system_join_channel"}, False),
    ({"root_id": "r1"}, {"id": "r1"}, True),  # the first reply right under its root
    ({"root_id": "r1"}, {"root_id": "r1"}, True),
    ({"root_id": "r1"}, {"id": "r2"}, False),  # a reply after a root of another thread
    ({}, {"root_id": "r1"}, False),
    ({"is_bot": True, "display_name": "robot"}, {"is_bot": True, "display_name": "robot"}, True),
    ({"is_bot": True, "display_name": "deploy"}, {"is_bot": True, "display_name": "robot"}, False),
    ({"is_bot": True}, {}, False),
    ({"is_bot": True, "avatar": {"kind": "emoji", "value": "👻"}}, {"is_bot": True}, False),
]


def test_is_consecutive_is_mattermosts_rule(page: Any) -> None:
    login(page)
    base = {
        "id": "p0",
        "user_id": "u1",
        "create_at": 1_000,
        "root_id": "",
        "type": "",
        "is_bot": False,
        "display_name": "ann",
        "avatar": {"kind": "initials", "value": "AN"},
    }
    cases = [({**base, "id": "p1", **a}, {**base, **b}) for a, b, _ in CONSECUTIVE_CASES]
    got = page.evaluate(
        "async (cases) => { const m = await import('/static/js/posts.js');"
        " return cases.map(([a, b]) => m.isConsecutive(a, b)); }",
        cases,
    )
    assert got == [expected for _, _, expected in CONSECUTIVE_CASES]


def test_consecutive_posts_group_and_webhook_overrides_split(
    page: Any, live_server: LiveServer
) -> None:
    http = Http(live_server)
    overrides_on(http)
    key = hook(http)
    for text in ("first of three", "second of three", "third of three"):
        say(http, text)
    send(live_server, key, {"text": "robot one", "username": "robot"})
    send(live_server, key, {"text": "robot two", "username": "robot"})
    send(live_server, key, {"text": "deploy one", "username": "deploy"})
    login(page)
    open_town(page)
    expect(post(page, "deploy one")).to_have_count(1)
    texts = ["first of three", "second of three", "third of three"]
    texts += ["robot one", "robot two", "deploy one"]
    grouped = {t: "consecutive" in (post(page, t).get_attribute("class") or "") for t in texts}
    assert grouped == {
        "first of three": False,
        "second of three": True,
        "third of three": True,
        "robot one": False,  # a webhook post after the creator's own: a new group
        "robot two": True,
        "deploy one": False,  # another override username
    }
    expect(post(page, "second of three").locator(".post-head")).to_be_hidden()
    post(page, "second of three").hover()
    expect(post(page, "second of three").locator(".hover-time time")).to_be_visible()
    # live posts: a new group after the webhook's, then joined by the next
    say(http, "fourth, live")
    say(http, "fifth, live")
    expect(post(page, "fifth, live")).to_have_class(re.compile(r"\bconsecutive\b"))
    expect(post(page, "fourth, live")).not_to_have_class(re.compile(r"\bconsecutive\b"))


# ---------- 2. day separators, and regrouping when older pages are prepended ----------
def test_day_separators_in_local_time_and_older_pages(page: Any, live_server: LiveServer) -> None:
    now = now_ms()
    insert_posts(
        live_server,
        "admin",
        [(now - 400 * DAY, "last year"), (now - 3 * DAY, "three days ago")]
        + [(now - DAY - (70 - i) * 1000, f"yesterday {i}") for i in range(70)]
        + [(now - 60_000, "a minute ago")],
    )
    login(page)
    open_town(page)
    expect(post(page, "a minute ago")).to_have_count(1)
    # the first page (60 posts): yesterday and today
    expect(page.locator(".center .date-separator")).to_have_text(["Yesterday", "Today"])
    list_ = page.locator(".center .posts")
    for _ in range(20):
        if page.locator(".center .date-separator").count() == 4:
            break
        list_.evaluate("el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }")
        page.wait_for_timeout(150)
    labels = page.locator(".center .date-separator").all_inner_texts()
    assert len(labels) == 4, labels
    assert re.fullmatch(r"\w{3}, \w{3} \d{1,2}, \d{4}", labels[0]), labels  # another year
    assert re.fullmatch(r"\w{3}, \w{3} \d{1,2}", labels[1]), labels
    assert labels[2:] == ["Yesterday", "Today"]
    # 70 posts of yesterday, a second apart: one group across the page seam
    heads = page.locator(".center .post:not(.consecutive)", has_text="yesterday")
    expect(heads).to_have_count(1)
    expect(heads).to_contain_text("yesterday 0")


# ---------- 3. the New Messages line ----------
def test_new_messages_line_above_the_first_unread_post(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    http.member("ann")
    say(http, "read before")
    login(page, "ann", "password-123")  # lands on town-square: read up to here
    page.wait_for_load_state("networkidle")  # its "viewed" call is done
    page.goto("/main/channels/off-topic")
    page.wait_for_selector(".center .posts")
    say(http, "unread one")
    say(http, "unread two")
    open_town(page)
    expect(page.locator(".center .new-messages")).to_have_count(1)
    following = page.locator(".center .new-messages + .post")
    expect(following).to_contain_text("unread one")
    # the reader's own posts never start the line; once viewed, it is gone
    page.locator(".center .composer textarea").fill("my own reply")
    page.locator(".center .composer textarea").press("Enter")
    expect(post(page, "my own reply")).to_have_count(1)
    expect(page.locator(".center .new-messages")).to_have_count(1)
    open_town(page)
    expect(post(page, "my own reply")).to_have_count(1)
    expect(page.locator(".center .new-messages")).to_have_count(0)


# ---------- 4. avatars ----------
def test_webhook_and_emoji_avatars(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    key = hook(http)
    send(live_server, key, {"text": "no icon here"})
    login(page)
    open_town(page)
    avatar = post(page, "no icon here").locator(".avatar")
    expect(avatar).to_have_class(re.compile(r"\bwebhook\b"))
    assert avatar.locator("img").get_attribute("src") == "/static/img/webhook.svg"
    # The image may still be loading: wait for it to decode (rejects if it cannot load).
    assert avatar.locator("img").evaluate(
        "img => img.decode().then(() => img.naturalWidth > 0, () => false)"
    )
    overrides_on(http)
    send(live_server, key, {"text": "ghostly", "icon_emoji": ":ghost:"})
    emoji = post(page, "ghostly").locator(".avatar.emoji")
    expect(emoji).to_have_text("👻")
    assert "Noto Color Emoji" in emoji.evaluate("el => getComputedStyle(el).fontFamily")
    say(http, "from a person")
    expect(post(page, "from a person").locator(".avatar.initials")).to_have_text("AD")


# ---------- 5. Show more ----------
def test_tall_posts_collapse_behind_show_more(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    key = hook(http)
    assert len(LOG) > 4_500
    send(live_server, key, {"text": "build log\n" + LOG})
    login(page)
    open_town(page)
    tall = post(page, "build log")
    expect(tall).to_have_class(re.compile(r"\bcollapsible\b"))
    assert tall.locator(".post-clip").evaluate("el => el.getBoundingClientRect().height") <= 601
    toggle = tall.locator(".show-more")
    expect(toggle).to_have_text("Show more")
    toggle.click()
    expect(toggle).to_have_text("Show less")
    assert tall.locator(".post-clip").evaluate("el => el.getBoundingClientRect().height") > 1500
    toggle.click()
    expect(toggle).to_have_text("Show more")
    send(live_server, key, {"text": "live log\n" + LOG})  # measured when it arrives, too
    expect(post(page, "live log")).to_have_class(re.compile(r"\bcollapsible\b"))
    send(live_server, key, {"text": "short one"})
    expect(post(page, "short one").locator(".show-more")).to_be_hidden()


# ---------- 6. the post menu ----------
def test_post_menu_reply_copy_edit_delete_own_post(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    mine = say(http, "typo in thsi one")
    say(http, "to be deleted")
    login(page)
    open_town(page)
    target = post(page, "typo in thsi one")
    menu = target.locator(".post-menu")
    expect(menu).to_have_css("opacity", "0")
    target.hover()
    expect(menu).to_have_css("opacity", "1")
    expect(page.locator(".center .post", has_text="Reply")).to_have_count(0)  # no link under posts
    # copy link
    menu.locator(".menu-more").click()
    page.locator(".dropdown [role=menuitem]", has_text="Copy Link").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{live_server.url}/main/pl/{mine['id']}"
    # edit: Escape cancels, Enter saves
    target.hover()
    menu.locator(".menu-more").click()
    page.locator(".dropdown [role=menuitem]", has_text="Edit").click()
    box = target.locator("textarea.edit-box")
    expect(box).to_have_value("typo in thsi one")
    box.press("Escape")
    expect(box).to_have_count(0)
    target.hover()
    menu.locator(".menu-more").click()
    page.locator(".dropdown [role=menuitem]", has_text="Edit").click()
    box.fill("typo in **this** one")
    box.press("Enter")
    fixed = post(page, "typo in this one")
    expect(fixed.locator("strong")).to_have_text("this")
    expect(fixed.locator(".edited")).to_have_text("(edited)")
    assert http.call("GET", f"/api/v4/posts/{mine['id']}")["message"] == "typo in **this** one"
    # delete: a confirm dialog, Cancel keeps it, Delete removes it
    doomed = post(page, "to be deleted")
    doomed.hover()
    doomed.locator(".menu-more").click()
    page.locator(".dropdown [role=menuitem]", has_text="Delete").click()
    expect(page.locator("dialog.confirm")).to_contain_text("Are you sure")
    page.locator("dialog.confirm button", has_text="Cancel").click()
    expect(doomed).to_have_count(1)
    doomed.hover()
    doomed.locator(".menu-more").click()
    page.locator(".dropdown [role=menuitem]", has_text="Delete").click()
    page.locator("dialog.confirm button", has_text="Delete").click()
    expect(doomed).to_have_count(0)
    # reply opens the thread
    fixed.hover()
    fixed.locator(".menu-reply").click()
    expect(page.locator(".thread .post", has_text="typo in this one")).to_have_count(1)
    assert page.errors == []


def test_menu_offers_edit_and_delete_only_where_allowed(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    http.member("bob")
    say(http, "the admin's words")
    login(page, "bob", "password-123")
    open_town(page)
    theirs = post(page, "the admin's words")
    theirs.hover()
    theirs.locator(".menu-more").click()
    items = page.locator(".dropdown [role=menuitem]").all_inner_texts()
    assert items == ["Reply", "Add Reaction", "Copy Link"]
    page.keyboard.press("Escape")
    expect(page.locator(".dropdown")).to_have_count(0)
    page.locator(".center .composer textarea").fill("bob's words")
    page.locator(".center .composer textarea").press("Enter")
    own = post(page, "bob's words")
    own.hover()
    own.locator(".menu-more").click()
    items = page.locator(".dropdown [role=menuitem]").all_inner_texts()
    assert items == ["Reply", "Add Reaction", "Copy Link", "Edit", "Delete"]
    # keyboard: arrows move, Enter acts
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Copy Link"


def test_menu_reachable_by_keyboard_and_on_a_phone(
    browser: Any, page: Any, live_server: LiveServer
) -> None:
    http = Http(live_server)
    say(http, "keyboard target")
    login(page)
    open_town(page)
    target = post(page, "keyboard target")
    target.locator(".menu-react").focus()
    expect(target.locator(".post-menu")).to_have_css("opacity", "1")
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, has_touch=True
    )
    small = phone.new_page()
    try:
        login_small(small)
        open_town(small)
        more = post(small, "keyboard target").locator(".menu-more")
        expect(more).to_be_visible()  # no hover on a phone: always there
        more.tap()
        expect(small.locator(".dropdown [role=menuitem]", has_text="Delete")).to_be_visible()
    finally:
        phone.close()


# ---------- 7. live edits and deletes ----------
def test_live_edit_and_delete_in_channel_and_thread(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    root = say(http, "root of the thread")
    reply = say(http, "a reply to edit", root["id"])
    gone = say(http, "a post to delete")
    login(page)
    open_town(page)
    post(page, "root of the thread").locator(".replies").click()
    expect(page.locator(".thread .post", has_text="a reply to edit")).to_have_count(1)
    http.call("PUT", f"/api/v4/posts/{reply['id']}/patch", {"message": "an edited reply"})
    expect(page.locator(".thread .post", has_text="an edited reply")).to_have_count(1)
    expect(post(page, "an edited reply").locator(".edited")).to_have_count(1)
    http.call("DELETE", f"/api/v4/posts/{gone['id']}")
    expect(post(page, "a post to delete")).to_have_count(0)
    http.call("DELETE", f"/api/v4/posts/{reply['id']}")
    expect(page.locator(".thread .post", has_text="an edited reply")).to_have_count(0)
    expect(post(page, "an edited reply")).to_have_count(0)
    expect(post(page, "root of the thread").locator(".replies")).to_have_count(0)
    assert page.errors == []


# ---------- 8. threads ----------
def test_replies_say_whose_message_and_thread_header(page: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    http.member("ann")
    ann = Http(live_server, "ann", "password-123")
    root = say(ann, "Deploy **v2.3** to production tonight? " + "details " * 30)
    say(http, "something else in between")
    say(http, "yes, go ahead", root["id"])
    say(http, "and tell me when done", root["id"])
    login(page)
    open_town(page)
    first = post(page, "yes, go ahead")
    expect(first.locator(".commented-on")).to_be_visible()
    text = first.locator(".commented-on").inner_text()
    assert text.startswith("Commented on ann's message: Deploy v2.3 to production tonight?"), text
    assert text.endswith("…") and len(text) < 160, text
    second = post(page, "and tell me when done")
    expect(second.locator(".commented-on")).to_be_hidden()  # same thread right above
    expect(second).to_have_class(re.compile(r"\bconsecutive\b"))
    first.locator(".commented-on button").click()
    header = page.locator(".thread header")
    expect(header).to_contain_text("Thread")
    expect(header.locator(".thread-channel")).to_have_text("# Town Square")
    expect(page.locator(".thread .thread-replies")).to_have_text("2 replies")
    expect(page.locator(".thread .post")).to_have_count(3)


# ---------- screenshots: the seed example and real payloads through a hook ----------
PAYLOADS = Path(__file__).parent.parent / "payloads"
SHOWN = [
    "mmdocs_test_results_markdown_table",
    "grafana_slack_firing_alert_markdown",
    "grafana_slack_mentions_unicode_icon_emoji",
    "mmdocs_attachment_full_example",
    "ghaction_slack_incoming_webhook_template",
]


def test_screenshots_channel_and_thread(browser: Any, live_server: LiveServer) -> None:
    http = Http(live_server)
    overrides_on(http)
    http.member("ann")
    ann = Http(live_server, "ann", "password-123")
    now = now_ms()
    insert_posts(
        live_server, "admin", [(now - DAY - 9 * MINUTE, "Morning! Release train leaves at 4.")]
    )
    insert_posts(live_server, "admin", [(now - DAY - 8 * MINUTE, "Checklist is in the wiki.")])
    key = hook(http)
    for name in SHOWN:
        body = json.loads((PAYLOADS / f"{name}.json").read_text())
        body.pop("channel", None)
        send(live_server, key, body)
    send(live_server, key, {"text": "nightly build log\n" + LOG})
    root = say(ann, "Can someone look at the **failed** web client tests? :eyes:")
    say(http, "On it — two flaky e2e specs, I'll re-run them.", root["id"])
    say(http, "Re-run is green. :white_check_mark:", root["id"])
    edited = say(ann, "thanks! merging now")
    ann.call("PUT", f"/api/v4/posts/{edited['id']}/patch", {"message": "thanks! merging now 🚀"})
    for width, height in ((1440, 900), (390, 844)):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url
        )
        shot = context.new_page()
        errors: list[str] = []
        shot.on("pageerror", lambda error, seen=errors: seen.append(str(error)))
        try:
            login_small(shot)
            open_town(shot)
            expect(post(shot, "merging now")).to_have_count(1)
            shot.wait_for_timeout(300)
            shot.screenshot(path=ARTIFACTS / f"channel-{width}.png")
            shot.locator(".center .posts").evaluate("el => { el.scrollTop = 0; }")
            shot.screenshot(path=ARTIFACTS / f"channel-top-{width}.png")
            shot.locator(".center .posts").evaluate("el => { el.scrollTop = el.scrollHeight; }")
            target = post(shot, "Re-run is green")
            target.hover()
            if width < 700:
                target.locator(".menu-more").click()
            shot.screenshot(path=ARTIFACTS / f"channel-menu-{width}.png")
            shot.keyboard.press("Escape")
            post(shot, "look at the").locator(".replies").click()
            expect(shot.locator(".thread .post")).to_have_count(3)
            shot.wait_for_timeout(200)
            shot.screenshot(path=ARTIFACTS / f"thread-{width}.png")
        finally:
            context.close()
        assert errors == []
