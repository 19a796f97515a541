"""Attachments and posts → HTML: layout, colours, overrides, and nothing unsafe."""

from __future__ import annotations

import pytest

from inbound.config import Config
from inbound.models import Post, User
from inbound.render.attachments import attachment_html, color_attrs
from inbound.render.markdown import Viewer
from inbound.render.posts import icon_emoji, post_view

VIEWER = Viewer("ann")


@pytest.mark.parametrize(
    ("color", "attrs"),
    [
        ("good", ' data-color="good"'),
        ("DANGER", ' data-color="danger"'),
        ("#36a64f", ' data-color="#36a64f"'),
        ("36a64f", ' data-color="#36a64f"'),
        ("#abc", ' data-color="#abc"'),
        ("red", ""),
        ("#12345g", ""),
        ('#fff" onload="x', ""),
        (5, ""),
    ],
)
def test_color(color: object, attrs: str) -> None:
    assert color_attrs(color) == attrs


def test_full_attachment_layout() -> None:
    html = attachment_html(
        {
            "pretext": "pre",
            "author_name": "bob",
            "author_link": "https://b",
            "author_icon": "https://b/i.png",
            "title": "T",
            "title_link": "https://t",
            "text": "**t**",
            "image_url": "https://i/x.png",
            "thumb_url": "https://i/t.png",
            "footer": "F",
            "footer_icon": "https://f/i.png",
            "ts": 1700000000,
            "fields": [
                {"title": "a", "value": "1", "short": True},
                {"title": "b", "value": "2", "short": False},
            ],
        },
        VIEWER,
    )
    for piece in (
        'class="attachment-pretext"',
        '<a href="https://b"',
        'class="author-icon" src="https://b/i.png"',
        '<a href="https://t"',
        "<strong>t</strong>",
        'class="attachment-field field-short"',
        'class="attachment-field field-long"',
        'class="attachment-image" src="https://i/x.png"',
        'class="attachment-thumb" src="https://i/t.png"',
        '<span class="footer-text">F</span>',
        '<time datetime="2023-11-14T22:13:20+00:00"',
    ):
        assert piece in html


def test_bad_links_images_and_timestamps_degrade_to_text() -> None:
    html = attachment_html(
        {
            "title": "T",
            "title_link": "javascript:x",
            "image_url": "data:x",
            "ts": "soon",
            "author_name": "<b>",
        },
        VIEWER,
    )
    assert "javascript" not in html and "data:x" not in html and "<time" not in html
    assert "&lt;b&gt;" in html


@pytest.mark.parametrize(
    ("value", "glyph"), [("ghost", "👻"), (":ghost:", "👻"), ("🚀", "🚀"), ("not_an_emoji", "")]
)
def test_icon_emoji(value: str, glyph: str) -> None:
    assert icon_emoji(value) == glyph


def _config(**service: object) -> Config:
    config = Config.default()
    config.document["ServiceSettings"].update(service)
    return config


def test_post_view_shows_overrides_only_when_enabled() -> None:
    author = User("u" * 26, "admin", "a@b.c")
    props = {
        "from_webhook": "true",
        "override_username": "robot",
        "override_icon_url": "https://r/i.png",
        "override_icon_emoji": ":ghost:",
    }
    post = Post("p" * 26, "c" * 26, author.id, "hi @ann", props=props)
    off = post_view(post, author, _config(), VIEWER)
    assert (off["display_name"], off["avatar"], off["is_bot"]) == (
        "admin",
        {"kind": "webhook", "value": ""},
        True,
    )
    assert off["mentions_me"] is True
    on = post_view(
        post, author, _config(EnablePostUsernameOverride=True, EnablePostIconOverride=True), VIEWER
    )
    assert (on["display_name"], on["avatar"]) == ("robot", {"kind": "emoji", "value": "👻"})
    post.props = {**props, "override_icon_emoji": ""}
    assert post_view(post, author, _config(EnablePostIconOverride=True), VIEWER)["avatar"] == {
        "kind": "url",
        "value": "https://r/i.png",
    }


def test_post_view_renders_blocks_kept_in_props() -> None:
    post = Post(
        "p" * 26,
        "c" * 26,
        "u" * 26,
        "fallback",
        props={"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Big"}}]},
    )
    assert '<div class="blocks"><h3>Big</h3>' in post_view(post, None, _config(), VIEWER)["html"]
