"""Markdown → safe HTML, one row per rule."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbound.render.markdown import Viewer, render_markdown, safe_url

VIEWER = Viewer("ann", "main", frozenset({"off-topic"}))


@pytest.mark.parametrize(
    ("text", "contains"),
    [
        ("# Head", "<h1>Head</h1>"),
        ("**b** _i_ ~~s~~", "<strong>b</strong> <em>i</em> <s>s</s>"),
        ("[site](https://x.org)", '<a href="https://x.org"'),
        ("see https://x.org now", '<a href="https://x.org"'),
        ("mail [me](mailto:a@b.c)", 'href="mailto:a@b.c"'),
        ("![pic](https://x.org/a.png)", '<img src="https://x.org/a.png" alt="pic">'),
        ("`a < b`", "<code>a &lt; b</code>"),
        ("```python\nx = 1\n```", '<span class="n">x</span>'),
        ("> quoted", "<blockquote>"),
        ("- one\n- two", "<ul>"),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "<table>"),
        (":white_check_mark: done", "✅ done"),
        (":not_an_emoji:", ":not_an_emoji:"),
        ("hi @ann", '<span class="mention mention-self" data-username="ann">@ann</span>'),
        ("hi @bob.", '<span class="mention" data-username="bob">@bob</span>.'),
        ("@here now", "mention-self"),
        ("join ~off-topic", '<a class="channel-link" href="/main/channels/off-topic"'),
        ("no ~such-channel", "~such-channel"),
        ("mail a@ann.com", "a@ann.com"),
        ("`@ann :tada:`", "<code>@ann :tada:</code>"),
    ],
    ids=[
        "heading",
        "emphasis",
        "link",
        "autolink",
        "mailto",
        "image",
        "code-span",
        "fence-highlight",
        "quote",
        "list",
        "gfm-table",
        "emoji",
        "unknown-emoji",
        "own-mention",
        "mention-punctuation",
        "here-is-mine",
        "channel-link",
        "unknown-channel",
        "email-not-mention",
        "code-untouched",
    ],
)
def test_renders(text: str, contains: str) -> None:
    assert contains in render_markdown(text, VIEWER)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def assert_inert(html: str) -> None:
    """No element that runs code: no script-like tags, no on* handlers, only safe URLs."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag not in ("script", "iframe", "svg", "object", "embed", "style", "form"), html
        for name, value in attrs:
            assert not name.startswith("on"), html
            if name in ("href", "src"):
                assert (value or "").startswith(("http://", "https://", "mailto:", "/")), html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](vbscript:msgbox(1))",
        "![x](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil></iframe>",
        "<svg onload=alert(1)>",
        '[x](https://ok.org "title" onclick=alert(1))',
    ],
)
def test_hostile_markup_is_inert(text: str) -> None:
    assert_inert(render_markdown(text, VIEWER))


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://a", "https://a"),
        ("http://a", "http://a"),
        ("mailto:x@y", "mailto:x@y"),
        ("javascript:alert(1)", ""),
        (" JAVASCRIPT:x", ""),
        ("data:x", ""),
        ("/relative", ""),
        ("https://a\nb", ""),
    ],
)
def test_safe_url(url: str, safe: str) -> None:
    assert safe_url(url) == safe


@given(st.text(alphabet=st.sampled_from("<>[]()!:/\"'=@~`*_ ajvscriptonerhf"), max_size=200))
def test_any_text_renders_inert(text: str) -> None:
    assert_inert(render_markdown(text, VIEWER))
