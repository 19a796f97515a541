"""A post's HTML is rendered once per version and reader, then served from the cache."""

from __future__ import annotations

from dataclasses import replace

import pytest

from inbound.config import Config
from inbound.models import Post, new_id
from inbound.render import posts
from inbound.render.markdown import Viewer

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
