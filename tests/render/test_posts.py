"""A post's HTML is rendered once per version and reader, then served from the cache; pages
get it from the render pool within a budget, as escaped text when it is not ready."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

import pytest

from inbound.config import Config
from inbound.models import Post, new_id
from inbound.render import posts
from inbound.render.fallback import is_fallback
from inbound.render.markdown import Viewer
from inbound.render.pool import RenderPool

ALICE = Viewer("alice", "main", frozenset({"town-square"}))
BOB = Viewer("bob", "main", frozenset({"town-square"}))


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The messages actually rendered (cache misses)."""
    seen: list[str] = []
    real = posts.render_markdown

    def counting(text: str, viewer: Viewer = Viewer()) -> str:
        seen.append(text)
        return real(text, viewer)

    monkeypatch.setattr(posts, "render_markdown", counting)
    monkeypatch.setattr(posts, "_html_cache", posts.OrderedDict())
    monkeypatch.setattr(posts, "_html_cache_chars", 0)
    return seen


def _post(message: str) -> Post:
    return Post(new_id(), new_id(), new_id(), message, create_at=1, update_at=1)


def test_reopening_renders_nothing(renders: list[str]) -> None:
    post = _post("hi @alice, see **this**")
    first = posts.post_view(post, None, Config.default(), ALICE)
    again = posts.post_view(post, None, Config.default(), ALICE)
    assert again == first and first["mentions_me"]
    assert renders == [post.message]


def test_an_edit_or_another_reader_renders_again(renders: list[str]) -> None:
    post = _post("hi @alice")
    posts.post_view(post, None, Config.default(), ALICE)
    edited = replace(post, message="hi @bob", update_at=2, edit_at=2)
    assert "@bob" in posts.post_view(edited, None, Config.default(), ALICE)["html"]
    for_bob = posts.post_view(post, None, Config.default(), BOB)
    assert not for_bob["mentions_me"]
    assert renders == ["hi @alice", "hi @bob", "hi @alice"]


def test_the_cache_is_bounded(renders: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    size = len(posts.post_html(_post("post x"), ALICE))  # every "post N" renders as long
    monkeypatch.setattr(posts, "HTML_CACHE_CHARS", 3 * size)
    many = [_post(f"post {i}") for i in range(5)]
    for post in many:
        posts.post_html(post, ALICE)
    assert len(posts._html_cache) == 3
    assert posts._html_cache_chars == 3 * size
    posts.post_html(many[0], ALICE)  # evicted: rendered again
    assert renders.count("post 0") == 2


# ---- off the event loop: post_htmls ----

HOSTILE = "<b>x</b>\n" + "![" * 2000  # ~140 ms in markdown-it; the first line must stay text


def _submissions(monkeypatch: pytest.MonkeyPatch, pool: RenderPool) -> list[int]:
    """Count what reaches the pool (the costs submitted)."""
    costs: list[int] = []
    real = pool.submit

    def counting(*args: Any, cost: int) -> Future[str | None] | None:
        costs.append(cost)
        return real(*args, cost=cost)

    monkeypatch.setattr(pool, "submit", counting)
    return costs


def _wait_idle() -> None:
    deadline = time.monotonic() + 60
    while posts._rendering:
        assert time.monotonic() < deadline, "background renderings did not finish"
        time.sleep(0.02)


def test_a_page_renders_markdown_in_the_pool() -> None:
    post = _post("**bold** for @alice")
    [html] = asyncio.run(posts.post_htmls([post], ALICE))
    view = posts.post_view(post, None, Config.default(), ALICE, html=html)
    assert "<strong>bold</strong>" in html
    assert view["rendered"] and view["mentions_me"] and view["html"] == html


def test_what_misses_the_budget_is_text_until_the_background_fills_the_cache() -> None:
    page = [_post(HOSTILE) for _ in range(4)]
    first = asyncio.run(posts.post_htmls(page, ALICE, budget=0.01))
    assert all(is_fallback(html) for html in first)
    assert all(
        html.startswith('<pre class="plain-text">&lt;b&gt;x&lt;/b&gt;\n![') for html in first
    )
    assert not posts.post_view(page[0], None, Config.default(), ALICE, html=first[0])["rendered"]
    _wait_idle()
    again = asyncio.run(posts.post_htmls(page, ALICE, budget=0.01))
    assert not any(is_fallback(html) for html in again)
    assert all("&lt;b&gt;x&lt;/b&gt;" in html and "<p>" in html for html in again)


def test_two_pages_wanting_one_post_render_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    costs = _submissions(monkeypatch, posts._pool)
    post = _post(HOSTILE)

    async def two_views() -> list[list[str]]:
        return await asyncio.gather(
            posts.post_htmls([post], ALICE, budget=10), posts.post_htmls([post], ALICE, budget=10)
        )

    one, other = asyncio.run(two_views())
    assert one == other and not is_fallback(one[0])
    assert len(costs) == 1


def test_a_post_over_the_cpu_limit_is_text_for_every_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    strict = RenderPool(workers=1, cpu_limit=0.02)
    monkeypatch.setattr(posts, "_pool", strict)
    try:
        costs = _submissions(monkeypatch, strict)
        post = _post("<i>" + "![" * 8000)  # ~0.3 s or more of CPU
        [for_alice] = asyncio.run(posts.post_htmls([post], ALICE, budget=30))
        assert is_fallback(for_alice) and "&lt;i&gt;" in for_alice
        assert posts.post_html(post, ALICE) == for_alice  # cached as text
        [for_bob] = asyncio.run(posts.post_htmls([post], BOB, budget=30))
        assert for_bob == for_alice and len(costs) == 1  # Bob's view did not try again
        edited = replace(post, message="now **fine**", update_at=2)
        [html] = asyncio.run(posts.post_htmls([edited], BOB, budget=30))
        assert "<strong>fine</strong>" in html
    finally:
        strict.close()


def test_empty_posts_and_cache_hits_need_no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    costs = _submissions(monkeypatch, posts._pool)
    cached = _post("*hi*")
    posts.post_html(cached, ALICE)
    htmls = asyncio.run(posts.post_htmls([_post(""), cached], ALICE))
    assert htmls == ["", "<p><em>hi</em></p>\n"] and costs == []


@pytest.mark.parametrize(
    ("cheaper", "dearer"),
    [("hello world", "[" * 11), ("a" * 100, "*a" * 40), ("log line\n" * 400, "![" * 1000)],
)
def test_punctuation_markdown_backtracks_on_costs_more(cheaper: str, dearer: str) -> None:
    assert posts.render_cost(cheaper) < posts.render_cost(dearer)
